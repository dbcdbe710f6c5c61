-- Replays TokenReview bodies (one JSON per line of the file given after `--`), each thread from its
-- own offset, and prints a JSON summary (throughput and latency percentiles) when done.
local bodies = {}
local counter = 0

function init(args)
  for line in io.lines(args[1]) do bodies[#bodies + 1] = line end
  counter = math.random(#bodies)
end

function request()
  counter = counter % #bodies + 1
  return wrk.format("POST", "/authenticate", { ["Content-Type"] = "application/json" }, bodies[counter])
end

function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    'WRK_JSON {"requests":%d,"seconds":%.3f,"errors":%d,"p50_us":%d,"p99_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration / 1e6, errors, latency:percentile(50), latency:percentile(99), latency.mean))
end
