-- wrk script: GET /api/events?since=...&until=...&limit=100, a one-week
-- window of event_at starting at a random hour of the prefilled span
-- (BENCH_SPAN_START_MS to BENCH_SPAN_END_MS, from src/prefill.ts), with the admin token.
-- A week of the smallest scale (1,000 events over 60 days) still fills the
-- page, so every scale reads pages of 100 events; at 10M the week holds
-- about 1.2M events.
local token = os.getenv("BENCH_ADMIN_TOKEN") or ""
local headers = { ["Authorization"] = "Bearer " .. token }
local start_s = math.floor((tonumber(os.getenv("BENCH_SPAN_START_MS")) or 0) / 1000)
local end_s = math.floor((tonumber(os.getenv("BENCH_SPAN_END_MS")) or 86400000) / 1000)
local window_s = 7 * 86400
local hours = math.max(1, math.floor((end_s - start_s - window_s) / 3600))

function init(args)
  math.randomseed(os.time())
end

function request()
  local since = start_s + math.random(0, hours - 1) * 3600
  local path = string.format("/api/events?since=%s&until=%s&limit=100", os.date("!%Y-%m-%dT%H:%M:%SZ", since), os.date("!%Y-%m-%dT%H:%M:%SZ", since + window_s))
  return wrk.format("GET", path, headers)
end
