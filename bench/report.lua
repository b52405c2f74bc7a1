-- Shared by every bench script: one machine-readable line when wrk finishes.
--   BENCH requests=N duration_s=S rps=R min_ms=.. mean_ms=.. p50_ms=.. p99_ms=.. max_ms=..
--         non2xx=N errors=N exhausted=N
-- non2xx is wrk's summary.errors.status (responses with a status >= 400; no case here
-- answers 3xx). errors are socket errors (connect, read, write, timeout).
-- Every script calls report_setup(thread) from its setup(); pool.lua sets a per-thread
-- "exhausted" flag when it runs out of tokens.

local report_threads = {}

function report_setup(thread)
  table.insert(report_threads, thread)
end

function done(summary, latency, requests)
  local e = summary.errors
  local exhausted = 0
  for _, t in ipairs(report_threads) do
    if t:get("exhausted") then
      exhausted = exhausted + 1
    end
  end
  local seconds = summary.duration / 1e6
  io.write(string.format(
    "BENCH requests=%d duration_s=%.3f rps=%.2f min_ms=%.3f mean_ms=%.3f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f non2xx=%d errors=%d exhausted=%d\n",
    summary.requests, seconds, summary.requests / seconds, latency.min / 1e3, latency.mean / 1e3,
    latency:percentile(50) / 1e3, latency:percentile(99) / 1e3, latency.max / 1e3,
    e.status, e.connect + e.read + e.write + e.timeout, exhausted))
end
