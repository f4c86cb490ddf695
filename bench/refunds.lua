-- wrk script for bench/refund_bench.sh: each request is POST /v1/refunds with a form body
-- payment_intent=pi_…&amount=1, a Bearer key and a unique Idempotency-Key, spread round-robin over
-- the payments listed one per line in the file given as the first script argument.
-- Usage: wrk ... -s bench/refunds.lua URL -- PAYMENTS_FILE SECRET_KEY [STREAM]
-- done() prints one line "BENCH key=value ..." with the status counts of all threads and the
-- latency percentiles in microseconds, for the shell script to read.

local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  ids = {}
  local f = assert(io.open(args[1], "r"), "cannot open the payments file")
  for line in f:lines() do
    if #line > 0 then ids[#ids + 1] = line end
  end
  f:close()
  assert(#ids > 0, "no payments in " .. args[1])
  headers = {
    ["Authorization"] = "Bearer " .. args[2],
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }
  -- An optional third argument, a number, tells apart wrk processes run at once (bench/pg_bench.sh
  -- runs one per node): it goes into the keys and shifts where each starts in the payments.
  local stream = tonumber(args[3]) or 0
  key_prefix = string.format("bench-%d-%d-%d-", os.time(), stream, tid)
  n = 0
  -- Threads start at different payments so they do not march in step.
  offset = (tid * 7919 + stream * 1009) % #ids
  c2xx, c409, c4xx, c5xx, cother = 0, 0, 0, 0, 0
end

function request()
  n = n + 1
  local id = ids[(offset + n) % #ids + 1]
  headers["Idempotency-Key"] = key_prefix .. n
  return wrk.format("POST", "/v1/refunds", headers, "payment_intent=" .. id .. "&amount=1")
end

function response(status, _headers, _body)
  if status >= 200 and status < 300 then
    c2xx = c2xx + 1
  elseif status == 409 then
    c409 = c409 + 1
  elseif status >= 400 and status < 500 then
    c4xx = c4xx + 1
  elseif status >= 500 then
    c5xx = c5xx + 1
  else
    cother = cother + 1
  end
end

function done(summary, latency, _requests)
  local t = { c2xx = 0, c409 = 0, c4xx = 0, c5xx = 0, cother = 0 }
  for _, thread in ipairs(threads) do
    for k, _ in pairs(t) do
      t[k] = t[k] + (thread:get(k) or 0)
    end
  end
  local e = summary.errors
  io.write(string.format(
    "BENCH ok=%d conflict=%d client_error=%d server_error=%d other=%d requests=%d " ..
    "duration_us=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d " ..
    "err_connect=%d err_read=%d err_write=%d err_timeout=%d\n",
    t.c2xx, t.c409, t.c4xx, t.c5xx, t.cother, summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.timeout))
end
