-- wrk script for scripts/bench_evening_mix.py: GETs the paths of one page kind (or the weighted
-- mix) with a signed-in student's cookie, and prints a JSON line with p50/p95/p99 and errors.
--
--   BENCH_PATHS=FILE BENCH_COOKIE='session=…' wrk -t2 -c16 -d10s -s bench_evening_mix.lua URL
--
-- FILE: one request a line, "WEIGHT<TAB>PATH" (weights are whole numbers). Each wrk thread
-- walks its own shuffled, weighted sequence of the lines, so the mix is kept at any duration.

local paths = {}
local cookie = os.getenv("BENCH_COOKIE") or ""
local counter = 0
local thread_number = 0

local function load(file)
  local list = {}
  for line in io.lines(file) do
    local weight, path = line:match("^(%d+)\t(.+)$")
    if weight then
      for _ = 1, tonumber(weight) do
        list[#list + 1] = path
      end
    end
  end
  return list
end

function setup(thread)
  thread_number = thread_number + 1
  thread:set("seed", thread_number)
end

function init(args)
  paths = load(os.getenv("BENCH_PATHS"))
  math.randomseed(1000 + (seed or 0))
  for i = #paths, 2, -1 do  -- Fisher-Yates: a fixed, thread-specific order of the weighted list
    local j = math.random(i)
    paths[i], paths[j] = paths[j], paths[i]
  end
  if #paths == 0 then
    error("no paths in " .. tostring(os.getenv("BENCH_PATHS")))
  end
end

function request()
  counter = counter + 1
  local path = paths[(counter - 1) % #paths + 1]
  if cookie ~= "" then
    return wrk.format("GET", path, {["Cookie"] = cookie})
  end
  return wrk.format("GET", path)
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "seconds": %.3f, "p50_ms": %.2f, "p95_ms": %.2f, ' ..
    '"p99_ms": %.2f, "max_ms": %.2f, "status_errors": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    errors.status, errors.connect + errors.read + errors.write + errors.timeout))
end
