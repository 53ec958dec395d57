#!/usr/bin/env bash
# Webhooks per second through the endpoint with events kept in memory, then stored in the
# Redis inbox before each answer (examples/webhook_server.rs, release build, with and without
# WA_REDIS_URL), under wrk at CONNECTIONS (64) for DURATION (4 s) each, on 127.0.0.1 only.
# Distinct signed Twilio webhooks (BODIES, 200,000) so that every request is a new event:
# verified, parsed, deduplicated and handed over (to the bot in memory; to the Redis stream,
# with the dedup check and the append in one script, with Redis). Keep DURATION × the rate
# below BODIES: past it, Redis (which remembers every key for a day) sees redeliveries, which
# it answers without storing; the last line says how many entries the stream holds.
#
# Needs redis-server and wrk (Debian: apt-get install redis-server wrk) and python3.
#   benches/redis/throughput.sh
#   DURATION=2s CONNECTIONS=128 benches/redis/throughput.sh
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
load="$root/benches/load"
cache="$root/.cache/redis"
duration=${DURATION:-4s}
connections=${CONNECTIONS:-64}
bodies=${BODIES:-200000}
port=39527
redis_port=6391
token=0123456789abcdef0123456789abcdef
mkdir -p "$cache"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

for tool in redis-server wrk python3; do
    command -v "$tool" >/dev/null || { echo "error: $tool is not installed" >&2; exit 1; }
done
echo "building examples/webhook_server.rs (release, feature redis)" >&2
(cd "$root" && cargo build --quiet --release --features redis --example webhook_server)
server_bin="$root/target/release/examples/webhook_server"
bodies_file="$cache/twilio-$bodies.txt"
if [ ! -s "$bodies_file" ]; then
    echo "signing $bodies Twilio webhooks" >&2
    python3 "$load/gen_bodies.py" twilio "$bodies" "http://127.0.0.1:$port/twilio" "$token" "$bodies_file"
fi

redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no >"$cache/redis.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$redis_port") 2>/dev/null && break; sleep 0.1; done

run() { # MODE [env...] -> "rps p99_ms errors"
    local mode=$1; shift
    redis-cli -p "$redis_port" flushall >/dev/null
    env WA_PORT=$port TWILIO_AUTH_TOKEN=$token "$@" "$server_bin" >"$cache/server-$mode.log" 2>&1 &
    local pid=$!
    pids+=("$pid")
    for _ in $(seq 1 100); do
        curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
        sleep 0.05
    done
    env WA_KIND=twilio WA_BODIES="$bodies_file" WA_TOKEN="$token" WA_THREADS=2 \
        wrk -t2 -c"$connections" -d"$duration" --latency -s "$load/webhooks.lua" \
        "http://127.0.0.1:$port" >"$cache/wrk-$mode.txt" 2>&1
    kill "$pid"; wait "$pid" 2>/dev/null || true
    python3 - "$cache/wrk-$mode.txt" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
def ms(p):
    m = re.search(p + r"%\s+([\d.]+)(us|ms|s)\b", text)
    return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
non2xx = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", text))
sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
errors = non2xx + (sum(int(g) for g in sock.groups()) if sock else 0)
print(f"{rps:.0f} {ms('50'):.2f} {ms('99'):.2f} {errors}")
PY
}

read -r m_rps m_p50 m_p99 m_err < <(run memory)
read -r r_rps r_p50 r_p99 r_err < <(run redis WA_REDIS_URL="redis://127.0.0.1:$redis_port/0")
stored=$(redis-cli -p "$redis_port" xlen wa:inbox 2>/dev/null || echo "?")
printf '%-34s %10s %9s %9s %7s\n' "events" "webhooks/s" "p50 ms" "p99 ms" "errors"
printf '%-34s %10s %9s %9s %7s\n' "in memory (handler on a task)" "$m_rps" "$m_p50" "$m_p99" "$m_err"
printf '%-34s %10s %9s %9s %7s\n' "Redis inbox (stored before 200)" "$r_rps" "$r_p50" "$r_p99" "$r_err"
echo "entries in the Redis stream after the run: $stored"
