-- wrk script for scripts/bench_evening_mix.py: GETs the paths of one page kind (or the weighted
-- mix) with signed-in students' cookies, and prints a JSON line with p50/p95/p99 and errors.
--
--   BENCH_PATHS=FILE BENCH_COOKIES='session=…|session=…' wrk -t2 -c16 -d10s \
--       -s bench_evening_mix.lua URL
--
-- FILE: one request a line, "WEIGHT<TAB>PATH" (weights are whole numbers). Each wrk thread
-- walks its own shuffled, weighted sequence of the lines, so the mix is kept at any duration.
-- Requests take the cookies in turn (many students, as in an evening); a question page
-- (/qa/N) always goes with the first cookie, the student who asked it.

local paths = {}
local cookies = {}
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

function init(args)
  paths = load(os.getenv("BENCH_PATHS"))
  for cookie in (os.getenv("BENCH_COOKIES") or ""):gmatch("[^|]+") do
    cookies[#cookies + 1] = cookie
  end
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
  if #cookies == 0 then
    return wrk.format("GET", path)
  end
  local cookie = cookies[(counter + seed) % #cookies + 1]
  if path:match("^/qa/%d") then
    cookie = cookies[1]
  end
  return wrk.format("GET", path, {["Cookie"] = cookie})
end

-- Every answer must be a 200: wrk itself would count a redirect (to the sign-in page) as done.
local threads = {}
local not_ok = 0

function setup(thread)
  thread_number = thread_number + 1
  thread:set("seed", thread_number)
  threads[#threads + 1] = thread
end

function response(status, headers, body)
  if status ~= 200 then
    not_ok = not_ok + 1
  end
end

function done(summary, latency, requests)
  local errors = summary.errors
  local refused = 0
  for _, thread in ipairs(threads) do
    refused = refused + (thread:get("not_ok") or 0)
  end
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "seconds": %.3f, "p50_ms": %.2f, "p95_ms": %.2f, ' ..
    '"p99_ms": %.2f, "max_ms": %.2f, "status_errors": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    refused, errors.connect + errors.read + errors.write + errors.timeout))
end
