#!/usr/bin/env bash
# Memory of examples/webhook_server.rs (release build) over many distinct webhooks, on
# 127.0.0.1 only: one fresh server with the default dedup store (100,000 keys) is sent
# WEBHOOKS (1,000,000) distinct, correctly signed Twilio webhooks, STEP (100,000) at a time,
# and its RSS is read after every step, with its peak (VmHWM) at the end.
#
# Every webhook is new to the server: each step's bodies are signed afresh (numbers
# START..START+STEP), so nothing is a redelivery and every one is verified, parsed, recorded
# in the dedup store and handed to the bot. After the first 100,000 the store is full and
# forgets its oldest key for each new one: RSS must stay flat from there on.
#
# It installs wrk with apt-get when missing, and keeps the bodies of the current step and the
# logs under .cache/load/. Prints one line per step, and `RSS_MIB <webhooks> <MiB>` lines.
#
#   benches/load/memory.sh
#   WEBHOOKS=300000 STEP=50000 benches/load/memory.sh
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
here="$root/benches/load"
cache="$root/.cache/load"
webhooks=${WEBHOOKS:-1000000}
step=${STEP:-100000}
connections=${CONNECTIONS:-64}
port=${WA_PORT:-39518}
twilio_token=0123456789abcdef0123456789abcdef

mkdir -p "$cache"
if ! command -v wrk >/dev/null; then
    echo "installing wrk (apt-get)" >&2
    apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi
command -v python3 >/dev/null || { echo "error: python3 is required" >&2; exit 1; }

echo "building examples/webhook_server.rs (release)" >&2
server_bin=$(cd "$root" && cargo build --release --example webhook_server --message-format=json 2>/dev/null |
    python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "webhook_server" and m.get("executable"):
        print(m["executable"])')
[ -x "$server_bin" ] || { echo "error: examples/webhook_server.rs did not build" >&2; exit 1; }

server_pid=
stop_server() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    server_pid=
}
trap stop_server EXIT
WA_PORT=$port TWILIO_AUTH_TOKEN=$twilio_token "$server_bin" >"$cache/memory-server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    sleep 0.05
done
kb() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$server_pid/status"; }
mib() { awk -v v="$1" 'BEGIN { printf "%.1f", v / 1024 }'; }

sleep 0.5
printf '  %-22s RSS %6s MiB\n' "idle" "$(mib "$(kb VmRSS)")"
echo "RSS_MIB 0 $(mib "$(kb VmRSS)")"
bodies="$cache/memory-step.txt"
sent=0
while [ "$sent" -lt "$webhooks" ]; do
    n=$step
    [ $((sent + n)) -le "$webhooks" ] || n=$((webhooks - sent))
    python3 "$here/gen_bodies.py" twilio "$n" "http://127.0.0.1:$port/twilio" "$twilio_token" "$bodies" "$sent"
    # One wrk thread that exits after `n` responses: each body once.
    env WA_KIND=twilio WA_BODIES="$bodies" WA_THREADS=1 WA_QUOTA=$n \
        wrk -t1 -c"$connections" -d 300s -s "$here/webhooks.lua" "http://127.0.0.1:$port" \
        >"$cache/wrk-memory-step.txt" 2>&1 || true
    sent=$((sent + n))
    rss=$(mib "$(kb VmRSS)")
    printf '  after %-16s RSS %6s MiB\n' "$sent webhooks" "$rss"
    echo "RSS_MIB $sent $rss"
done
printf '  %-22s     %6s MiB\n' "peak (VmHWM)" "$(mib "$(kb VmHWM)")"
echo "PEAK_MIB $(mib "$(kb VmHWM)")"
sleep 2.2
echo "  server: $(grep '^events:' "$cache/memory-server.log" | tail -1 || true)"
rm -f "$bodies"
