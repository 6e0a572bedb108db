-- wrk script: GET /api/events?since=...&until=...&limit=100, a one-day
-- window of event_at starting at a random hour of the prefilled span
-- (BENCH_SPAN_START_MS to BENCH_SPAN_END_MS, from src/prefill.ts), with the admin token.
local token = os.getenv("BENCH_ADMIN_TOKEN") or ""
local headers = { ["Authorization"] = "Bearer " .. token }
local start_s = math.floor((tonumber(os.getenv("BENCH_SPAN_START_MS")) or 0) / 1000)
local end_s = math.floor((tonumber(os.getenv("BENCH_SPAN_END_MS")) or 86400000) / 1000)
local hours = math.max(1, math.floor((end_s - start_s) / 3600) - 24)

function init(args)
  math.randomseed(os.time())
end

function request()
  local since = start_s + math.random(0, hours - 1) * 3600
  local path = string.format("/api/events?since=%s&until=%s&limit=100", os.date("!%Y-%m-%dT%H:%M:%SZ", since), os.date("!%Y-%m-%dT%H:%M:%SZ", since + 86400))
  return wrk.format("GET", path, headers)
end
