-- wrk script: POST /mobiles with a JSON body, a different receiver per request, and a
-- machine-readable result line at the end: every answer (requests), the run's length,
-- wrk's count of answers with a status of 400 or more (non2xx) and its socket errors.
-- bench/lib.sh's run_wrk turns it into successes per second.
local counter = 0
request = function()
  counter = counter + 1
  local body = string.format('{"user":"01012345678","receiver":"0109%07d","text":"benchmark message %d, about two hundred bytes of text so that the payload is the size the suite compares: lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor"}', counter % 100000, counter)
  return wrk.format("POST", "/mobiles", {["Content-Type"] = "application/json"}, body)
end

done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  io.write(string.format("RESULT requests=%d seconds=%.3f p50_us=%d p99_us=%d non2xx=%d socket_errors=%d\n",
    summary.requests, seconds, latency:percentile(50), latency:percentile(99),
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
