-- wrk script: POSTs one pass event per request, each a new event (a fresh
-- pass_id), so the webhook rows measure handling, not duplicate answers.
-- The body template and headers come from the environment (see wrk.ts).
local template = os.getenv("BENCH_BODY")
local key = os.getenv("BENCH_AUTH")
local extra = os.getenv("BENCH_HEADERS") or ""
local unique = os.getenv("BENCH_UNIQUE") == "1"
local counter = 0
local thread_id = 0
local threads = 0

function setup(thread)
  thread:set("thread_id", threads)
  threads = threads + 1
end

function init(args)
  thread_id = tonumber(wrk.thread:get("thread_id")) or 0
  -- BENCH_SEED keeps two wrk processes started together (two receiver instances) on distinct ids.
  math.randomseed(os.time() + thread_id * 7919 + (tonumber(os.getenv("BENCH_SEED")) or 0) * 104729)
  run_id = math.random(0, 0xffff)
end

local headers = { ["Content-Type"] = "application/json; charset=utf-8" }
if key and key ~= "" then headers["Authorization"] = key end
for name, value in string.gmatch(extra, "([^:\n]+):%s*([^\n]*)") do headers[name] = value end

function request()
  local body = template
  if unique then
    counter = counter + 1
    local pass_id = string.format("%04x%04x-0000-4000-8000-%012x", run_id, thread_id, counter)
    body = string.gsub(template, "PASS_ID", pass_id)
  end
  return wrk.format("POST", wrk.path, headers, body)
end
