-- wrk script: GET /api/passes/:pass_id for a random prefilled pass
-- (ids as in src/prefill.ts: BENCH_COPIES copies of BENCH_PASSES passes), with the admin token.
local passes = tonumber(os.getenv("BENCH_PASSES")) or 1
local copies = tonumber(os.getenv("BENCH_COPIES")) or 1
local token = os.getenv("BENCH_ADMIN_TOKEN") or ""
local headers = { ["Authorization"] = "Bearer " .. token }

function init(args)
  math.randomseed(os.time())
end

function request()
  local path = string.format("/api/passes/ffffffff-%04x-4000-8000-%012x", math.random(0, copies - 1), math.random(0, passes - 1))
  return wrk.format("GET", path, headers)
end
