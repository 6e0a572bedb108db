-- wrk script: GET the URL's path and query with the admin token
-- (GET /api/stats in the scale benchmark).
local token = os.getenv("BENCH_ADMIN_TOKEN") or ""
local headers = { ["Authorization"] = "Bearer " .. token }

function request()
  return wrk.format("GET", wrk.path, headers)
end
