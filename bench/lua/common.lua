-- Shared by every scenario: prints one machine-readable RESULT line at the end of a run.
function report(summary, latency)
  local seconds = summary.duration / 1e6
  local non2xx = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT requests=%d rps=%.1f p50_ms=%.2f p99_ms=%.2f errors=%d\n",
    summary.requests, summary.requests / seconds, latency:percentile(50) / 1000, latency:percentile(99) / 1000, non2xx))
end

-- Per-thread slice of a pool file, so threads never send the same line.
threads = {}
function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function load_pool(path, nthreads)
  local lines, i = {}, 0
  for line in io.lines(path) do
    if i % nthreads == tid then table.insert(lines, line) end
    i = i + 1
  end
  return lines
end

-- The pool line of the n-th request (cycling); a warm-up (POOL_FROM_END) takes them from the other end.
local from_end = os.getenv("POOL_FROM_END") ~= nil
function pick(n, size)
  local i = ((n - 1) % size) + 1
  if from_end then return size + 1 - i end
  return i
end

done = function(summary, latency, requests) report(summary, latency) end
