-- wrk script for benches/load/run.sh: POSTs pre-generated, signed webhooks, each thread
-- cycling through its own share of the lines of a file (see gen_bodies.py).
--
-- Environment:
--   WA_KIND    twilio | botmaker
--   WA_BODIES  the file of requests, one per line
--   WA_TOKEN   Botmaker's auth-bm-token (Botmaker only)
--   WA_THREADS the -t given to wrk
--   WA_START   start this many lines into the file (to send new webhooks in a later run)
--   WA_QUOTA   if set, wrk exits after this many responses (use one thread: it exits without
--              its summary, which the caller does not need)

local kind = os.getenv("WA_KIND") or "twilio"
local path = os.getenv("WA_BODIES")
local token = os.getenv("WA_TOKEN") or ""
local quota = tonumber(os.getenv("WA_QUOTA") or "")
local nthreads = tonumber(os.getenv("WA_THREADS") or "1")
local start = tonumber(os.getenv("WA_START") or "0")

local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

local requests = {}
local n = 0
local i = 0
local done = 0

function init(args)
  local k = 0
  for line in io.lines(path) do
    if k % nthreads == id then
      local req
      if kind == "twilio" then
        local sig, body = line:match("^(%S+) (.*)$")
        req = wrk.format("POST", "/twilio", {
          ["Content-Type"] = "application/x-www-form-urlencoded",
          ["X-Twilio-Signature"] = sig,
        }, body)
      else
        req = wrk.format("POST", "/botmaker", {
          ["Content-Type"] = "application/json",
          ["auth-bm-token"] = token,
        }, line)
      end
      n = n + 1
      requests[n] = req
    end
    k = k + 1
  end
  i = math.floor(start / nthreads) % n
end

function request()
  i = i % n + 1
  return requests[i]
end

if quota then
  function response(status, headers, body)
    done = done + 1
    if done >= quota then
      os.exit(0)
    end
  end
end
