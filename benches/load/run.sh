#!/usr/bin/env bash
# Load and memory of examples/webhook_server.rs (release build) under wrk, on 127.0.0.1 only.
#
# 1. Memory: a fresh server is sent 200,000 distinct, correctly signed Twilio webhooks in
#    steps; its RSS is read after 10k, 50k, 100k, 150k and 200k (and its peak, VmHWM). The
#    dedup store keeps at most 100,000 keys, so RSS must level off.
# 2. Load: a fresh server under wrk for DURATION (30 s) at CONNECTIONS (64) with Twilio
#    webhooks, then a fresh one with Botmaker webhooks: requests/s, p99 latency, errors
#    (non-2xx responses and socket errors; must be 0), RSS before and after. wrk cycles
#    through BODIES (200,000) distinct signed webhooks. A body comes back only after
#    200,000 others, when the dedup store (the last 100,000 keys) has forgotten it, so every
#    request is handled as new: verified, parsed, recorded and handed to the bot. With
#    BODIES below 100,000, repeats are redeliveries, answered 200 and dropped; the server's
#    event counts say which happened.
#
# It installs wrk with apt-get when missing, and keeps generated bodies and logs under
# .cache/load/. benches/load/memory.sh follows RSS over 1,000,000 webhooks.
#
#   benches/load/run.sh
#   DURATION=10s BODIES=50000 benches/load/run.sh
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
here="$root/benches/load"
cache="$root/.cache/load"
duration=${DURATION:-30s}
connections=${CONNECTIONS:-64}
threads=${THREADS:-2}
bodies=${BODIES:-200000}
port=${WA_PORT:-39517}
twilio_token=0123456789abcdef0123456789abcdef
botmaker_token=load-test-webhook-token

mkdir -p "$cache"
if ! command -v wrk >/dev/null; then
    echo "installing wrk (apt-get)" >&2
    apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi
command -v python3 >/dev/null || { echo "error: python3 is required" >&2; exit 1; }

echo "building examples/webhook_server.rs (release)" >&2
# Wherever cargo puts it (CARGO_TARGET_DIR included).
server_bin=$(cd "$root" && cargo build --release --example webhook_server --message-format=json 2>/dev/null |
    python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "webhook_server" and m.get("executable"):
        print(m["executable"])')
[ -x "$server_bin" ] || { echo "error: examples/webhook_server.rs did not build" >&2; exit 1; }

twilio_file="$cache/twilio-$bodies.txt"
botmaker_file="$cache/botmaker-$bodies.txt"
if [ ! -s "$twilio_file" ]; then
    echo "signing $bodies Twilio webhooks" >&2
    python3 "$here/gen_bodies.py" twilio "$bodies" "http://127.0.0.1:$port/twilio" "$twilio_token" "$twilio_file"
fi
if [ ! -s "$botmaker_file" ]; then
    echo "writing $bodies Botmaker webhooks" >&2
    python3 "$here/gen_bodies.py" botmaker "$bodies" - "$botmaker_token" "$botmaker_file"
fi

server_pid=
stop_server() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    server_pid=
}
trap stop_server EXIT
start_server() {
    stop_server
    WA_PORT=$port TWILIO_AUTH_TOKEN=$twilio_token BOTMAKER_WEBHOOK_TOKEN=$botmaker_token \
        "$server_bin" >"$cache/server.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 1 100); do
        curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return 0
        sleep 0.05
    done
    echo "error: the server did not start" >&2; cat "$cache/server.log" >&2; exit 1
}
kb() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$server_pid/status"; }
mib() { awk -v v="$1" 'BEGIN { printf "%.1f MiB", v / 1024 }'; }
events_line() { sleep 2.2; grep '^events:' "$cache/server.log" | tail -1 || true; }

# wrk KIND OUT [extra env...] -- runs wrk and keeps its output
run_wrk() {
    local kind=$1 file=$2 out=$3; shift 3
    env WA_KIND="$kind" WA_BODIES="$file" WA_TOKEN="$botmaker_token" WA_THREADS="$threads" "$@" \
        wrk -t"$threads" -c"$connections" --latency -s "$here/webhooks.lua" "${wrk_args[@]}" \
        "http://127.0.0.1:$port" >"$out" 2>&1
}
summary() { # wrk output file -> "rps p99 errors requests"
    python3 - "$1" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
reqs = int(re.search(r"(\d+) requests in", text).group(1))
m = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", text)
p99 = float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)] if m else float("nan")
non2xx = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", text))
sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
errors = non2xx + (sum(int(g) for g in sock.groups()) if sock else 0)
print(f"{rps:.0f} {p99:.2f} {errors} {reqs}")
EOF
}

echo >&2
echo "== Memory: $bodies distinct signed Twilio webhooks in steps, one fresh server ==" >&2
start_server
sleep 0.5
rss0=$(kb VmRSS)
printf '  %-28s RSS %s\n' "idle" "$(mib "$rss0")"
sent=0
for target in 10000 50000 100000 150000 200000; do
    [ "$target" -le "$bodies" ] || break
    step=$((target - sent))
    # One wrk thread that exits after `step` responses; its requests go on where the last
    # step stopped, so every webhook is new.
    t0=$(date +%s.%N)
    env WA_KIND=twilio WA_BODIES="$twilio_file" WA_THREADS=1 WA_START=$sent WA_QUOTA=$step \
        wrk -t1 -c"$connections" -d 300s -s "$here/webhooks.lua" "http://127.0.0.1:$port" \
        >"$cache/wrk-memory-$target.txt" 2>&1 || true
    t1=$(date +%s.%N)
    sent=$target
    printf '  after %-6s webhooks         RSS %s   (step of %s in %.1f s, wrk loading its bodies included)\n' \
        "${target%000}k" "$(mib "$(kb VmRSS)")" "$step" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')"
done
printf '  peak RSS (VmHWM)             %s\n' "$(mib "$(kb VmHWM)")"
echo "  server: $(events_line)"
# The dedup store alone: 100,000 Twilio keys, measured in its own process.
compare_bin=$(cd "$root" && cargo bench --bench compare --no-run --message-format=json 2>/dev/null |
    python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "compare" and m.get("executable"):
        print(m["executable"])')
"$compare_bin" dedup | awk '
    $2 == "dedup_rss_kib" { full = $3 } $2 == "dedup_rss_after_twice_kib" { twice = $3 }
    $2 == "dedup_bytes_per_key" { per = $3 }
    END { printf "  dedup store alone: 100,000 Twilio keys take %.1f MiB (%.0f bytes a key); %.1f MiB after 200,000 insertions (still 100,000 keys)\n", full / 1024, per, twice / 1024 }'


for kind in twilio botmaker; do
    file=$twilio_file; [ "$kind" = botmaker ] && file=$botmaker_file
    echo >&2
    echo "== Load: $kind, $duration at $connections connections ($threads wrk threads), fresh server ==" >&2
    start_server
    sleep 0.5
    before=$(kb VmRSS)
    wrk_args=(-d "$duration")
    run_wrk "$kind" "$file" "$cache/wrk-$kind.txt"
    read -r rps p99 errors reqs < <(summary "$cache/wrk-$kind.txt")
    after=$(kb VmRSS)
    peak=$(kb VmHWM)
    printf '  %-9s %7s req/s   p99 %6s ms   errors %s   requests %s   RSS before %s, after %s (peak %s)\n' \
        "$kind" "$rps" "$p99" "$errors" "$reqs" "$(mib "$before")" "$(mib "$after")" "$(mib "$peak")"
    echo "  server: $(events_line) (handed to the bot as new)"
done
stop_server
echo >&2
echo "wrk outputs: $cache/wrk-*.txt" >&2
