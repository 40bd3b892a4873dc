-- wrk script: POST /mobiles with a JSON body, a different receiver per request, and a
-- machine-readable result line at the end: every answer (requests), the run's length,
-- wrk's count of answers with a status of 400 or more (non2xx), its socket errors, and
-- the longest request.
-- bench/lib.sh's run_wrk turns it into successes per second.
--
-- Given a senders file (wrk ... -s post_mobiles.lua URL -- FILE), wrk's thread i (from
-- 1) sends as the sender on line i, "PHONE" or "PHONE TOKEN", the token as
-- "Authorization: Bearer TOKEN". wrk asks request() for a request without saying for
-- which connection, so what differs can differ per thread only: run one connection per
-- thread (-t N -c N) to give each connection its own sender and token. Without the file
-- every request comes from 01012345678, without a token.
local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

local sender = "01012345678"
local headers = {["Content-Type"] = "application/json"}
init = function(args)
  if args[1] == nil then return end
  local n = 0
  for line in io.lines(args[1]) do
    n = n + 1
    if n == thread_number then
      local phone, token = line:match("^(%S+)%s*(%S*)$")
      sender = phone
      if token ~= "" then headers["Authorization"] = "Bearer " .. token end
    end
  end
  if n < thread_number then error(string.format("%s has %d senders, thread %d has none", args[1], n, thread_number)) end
end

local counter = 0
request = function()
  counter = counter + 1
  local body = string.format('{"user":"%s","receiver":"0109%07d","text":"benchmark message %d, about two hundred bytes of text so that the payload is the size the suite compares: lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor"}', sender, counter % 100000, counter)
  return wrk.format("POST", "/mobiles", headers, body)
end

done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  io.write(string.format("RESULT requests=%d seconds=%.3f p50_us=%d p99_us=%d non2xx=%d socket_errors=%d max_us=%d\n",
    summary.requests, seconds, latency:percentile(50), latency:percentile(99),
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency.max))
end
