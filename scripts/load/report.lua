-- Shared by the load scripts: one machine-readable line per run, read by scripts/load.sh.

-- WRK_DELAY_MS paces each connection (a pause before each request), so that N connections offer
-- about N * 1000 / WRK_DELAY_MS requests a second: the latency at a stated rate, not at saturation.
local pause_ms = tonumber(os.getenv("WRK_DELAY_MS") or "")
if pause_ms and pause_ms > 0 then
   function delay()
      return pause_ms
   end
end

function done(summary, latency, requests)
   local seconds = summary.duration / 1e6
   local errors = summary.errors
   io.write(string.format(
      "RESULT requests=%d seconds=%.3f rps=%.1f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f non2xx=%d socket_errors=%d\n",
      summary.requests, seconds, summary.requests / seconds,
      latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
      errors.status, errors.connect + errors.read + errors.write + errors.timeout))
end
