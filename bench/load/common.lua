-- Shared by the load scripts: the bearer token from $TOKEN (API) or the
-- session cookie from $COOKIE ("name=value", web UI), and a per-thread
-- counter so each thread walks its own sequence of requests.
local cookie = os.getenv("COOKIE")
if cookie and cookie ~= "" then
  wrk.headers["Cookie"] = cookie
else
  local token = os.getenv("TOKEN") or error("set TOKEN or COOKIE")
  wrk.headers["Authorization"] = "Bearer " .. token
end

local counter = 0
local thread_offset = 0

function setup(thread)
  thread:set("offset", math.random(0, 1000000))
end

function init(args)
  thread_offset = tonumber(offset) or 0
end

function next_index()
  counter = counter + 1
  return counter + thread_offset
end

function done(summary, latency, requests)
  io.write(string.format("RESULT requests=%d errors_status=%d duration_s=%.1f rps=%.0f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
    summary.requests, summary.errors.status, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
