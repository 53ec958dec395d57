#!/usr/bin/env bash
# This crate beside Twilio's official SDKs, in one run on one machine:
#
# 1. verify + parse of the Twilio inbound WhatsApp image webhook of the spec (token 12345,
#    https://example.com/twilio/whatsapp/inbound): this crate (release build), twilio-python
#    (RequestValidator.validate + urllib.parse.parse_qs), twilio-node (validateRequest +
#    querystring.parse), and a bare HMAC-SHA1 over the same signed string (the floor);
# 2. Botmaker: a Format A message and a status snapshot, this crate against Python's
#    json.loads plus the same normalization.
#    Cases 1 and 2 are timed in CPU time (each program's own; see compare.py), so that other
#    programs busy on a shared machine change them far less than the wall clock;
# 3. the send path: COUNT sends at CONCURRENCY through TwilioProvider and through
#    twilio-node's client, to the same local fake of the Messages API (127.0.0.1 only);
#    the crate's send on a multi-thread and a current-thread tokio runtime, beside the same
#    request through a bare reqwest client and through hyper's own pooled client (the
#    cost of the HTTP stack the crate sends on, layer by layer).
#
# It installs what it needs under .cache/compare/ (a Python virtualenv with twilio, an npm
# folder with twilio) and prints every number itself.
#
#   benches/compare/run.sh              # SECONDS=2 per timed case, COUNT=20000, CONCURRENCY=64
#   SECONDS_PER_CASE=1 COUNT=5000 benches/compare/run.sh
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
here="$root/benches/compare"
seconds=${SECONDS_PER_CASE:-2}
count=${COUNT:-20000}
concurrency=${CONCURRENCY:-64}

fixtures="$root/tests/fixtures"
twilio_body="$fixtures/twilio/inbound_image.form"
bm_message="$fixtures/botmaker/a_text.json"
bm_status="$fixtures/botmaker/status_delivered.json"
meta_text="$fixtures/meta/text.json"

need() { command -v "$1" >/dev/null || { echo "error: $1 is required" >&2; exit 1; }; }
need cargo; need curl

# --- the SDKs (sdks.sh sets cache, python, modules and the versions) ----------------------
source "$here/sdks.sh"

# --- the Rust program (bench profile: optimized) -----------------------------------------
echo "building the Rust side (cargo bench --bench compare --no-run)" >&2
bin=$(cd "$root" && cargo bench --bench compare --no-run --message-format=json 2>/dev/null |
    python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "compare" and m.get("executable"):
        print(m["executable"])')
[ -x "$bin" ] || { echo "error: the compare bench did not build" >&2; exit 1; }

results="$cache/results.txt"
: >"$results"
run() { "$@" | tee -a "$results" >&2; }

echo "timing verify+parse (${seconds}s per case)" >&2
run "$bin" webhooks --seconds "$seconds"
run "$python" "$here/compare.py" "$twilio_body" "$bm_message" "$bm_status" "$meta_text" "$seconds"
run node "$here/compare.js" "$modules" "$twilio_body" "$seconds"

# --- the send path ------------------------------------------------------------------------
fake_out="$cache/fake.out"
"$bin" fake >"$fake_out" 2>&1 &
fake_pid=$!
trap 'kill "$fake_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do grep -q LISTENING "$fake_out" && break; sleep 0.1; done
read -r api_port stats_port < <(awk '/LISTENING/{print $2, $3}' "$fake_out")
base="http://127.0.0.1:$api_port"
stats="http://127.0.0.1:$stats_port/stats"
ticks=$(getconf CLK_TCK)
fake_cpu() { awk -v t="$ticks" '{ sub(/.*\) /, ""); print ($12 + $13) / t }' "/proc/$fake_pid/stat"; }
fake_requests() { curl -s "$stats" | sed -n 's/.*requests=\([0-9]*\).*/\1/p'; }

send_case() { # name command...
    local name=$1; shift
    local cpu0 req0 cpu1 req1
    cpu0=$(fake_cpu); req0=$(fake_requests)
    run "$@"
    cpu1=$(fake_cpu); req1=$(fake_requests)
    python3 -c "print('RESULT ${name}_fake_cpu_us %.1f' % ((${cpu1} - ${cpu0}) * 1e6 / max(${req1} - ${req0}, 1)))" | tee -a "$results" >&2
}
echo "sending $count messages at concurrency $concurrency to the fake at $base" >&2
send_case rust "$bin" send --base-url "$base" --count "$count" --concurrency "$concurrency" --stats-url "$stats"
# The same on a current-thread runtime, and the same request through a bare reqwest client
# (no crate: the HTTP stack's own cost) and through hyper's own pooled client (what reqwest
# is built on), on both runtimes.
send_case rustcur "$bin" send --base-url "$base" --count "$count" --concurrency "$concurrency" --stats-url "$stats" \
    --runtime current --label rustcur_send
send_case reqwest "$bin" send --base-url "$base" --count "$count" --concurrency "$concurrency" --stats-url "$stats" \
    --client reqwest --label reqwest_send
send_case reqwestcur "$bin" send --base-url "$base" --count "$count" --concurrency "$concurrency" --stats-url "$stats" \
    --client reqwest --runtime current --label reqwestcur_send
send_case hyper "$bin" send --base-url "$base" --count "$count" --concurrency "$concurrency" --stats-url "$stats" \
    --client hyper --label hyper_send
send_case hypercur "$bin" send --base-url "$base" --count "$count" --concurrency "$concurrency" --stats-url "$stats" \
    --client hyper --runtime current --label hypercur_send
send_case node node "$here/send.js" "$modules" "$base" "$count" "$concurrency" "$stats"
echo "fake: $(curl -s "$stats")" >&2
# The fake alone, under wrk (when installed): what it can answer, to compare with the rates
# above (it must be well above them, or the fake would be what is measured).
if command -v wrk >/dev/null; then
    cat >"$cache/fake.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic QUNhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYTowMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZg=="
wrk.body = "To=whatsapp%3A%2B14155550100&From=whatsapp%3A%2B14155238886&Body=Your+table+for+2+is+booked."
LUA
    cpu0=$(fake_cpu); req0=$(fake_requests)
    wrk -t1 -c"$concurrency" -d3s -s "$cache/fake.lua" \
        "$base/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Messages.json" >"$cache/wrk-fake.txt" 2>&1
    cpu1=$(fake_cpu); req1=$(fake_requests)
    awk '/Requests\/sec/ { print "RESULT fake_alone_per_s", $2 }' "$cache/wrk-fake.txt" | tee -a "$results" >&2
    python3 -c "print('RESULT fake_alone_cpu_us %.1f' % ((${cpu1} - ${cpu0}) * 1e6 / max(${req1} - ${req0}, 1)))" | tee -a "$results" >&2
fi

# --- the table ----------------------------------------------------------------------------
python3 - "$results" "$twilio_python" "$twilio_node" "$count" "$concurrency" <<'EOF'
import sys
path, py_version, node_version, count, concurrency = sys.argv[1:6]
r = {}
for line in open(path):
    parts = line.split()
    if len(parts) == 3 and parts[0] == "RESULT":
        r[parts[1]] = float(parts[2])

def us(ns):
    return f"{ns / 1000:8.3f} µs"

floor = r["rust_hmac_sha1_ns"]
trait, once = r["rust_twilio_trait_ns"], r["rust_twilio_once_ns"]
py, node = r["python_twilio_ns"], r["node_twilio_ns"]
print()
print("Twilio inbound webhook (spec §2.8 image body, 643 bytes), verify + parse, per webhook:")
rows = [
    ("whatsapp-connector, verify() + parse() (trait)", trait),
    ("whatsapp-connector, TwilioProvider::verify_and_parse", once),
    (f"twilio-node {node_version}: validateRequest + querystring.parse", node),
    (f"twilio-python {py_version}: RequestValidator.validate + parse_qs", py),
    ("bare HMAC-SHA1 over the signed string (Rust, keyed per call): floor", floor),
    ("bare HMAC-SHA1, key schedule done once (as the crate keeps it)", r["rust_hmac_sha1_prekeyed_ns"]),
    ("the owned event alone, from parameters already decoded (no MAC)", r["rust_twilio_event_only_ns"]),
    ("bare HMAC-SHA1 in Node (crypto.createHmac)", r["node_hmac_sha1_ns"]),
    ("bare HMAC-SHA1 in Python (hmac.new)", r["python_hmac_sha1_ns"]),
]
for name, ns in rows:
    print(f"  {name:<68} {us(ns)}")
print()
def ratio(label, value):
    print(f"  {label:<52} {value:7.1f}×")
print("Ratios:")
for label, mine in (("verify_and_parse", once), ("trait verify()+parse()", trait)):
    ratio(f"twilio-python / {label}", py / mine)
    ratio(f"twilio-node / {label}", node / mine)
    ratio(f"{label} / bare HMAC-SHA1", mine / floor)
event_floor = r["rust_hmac_sha1_prekeyed_ns"] + r["rust_twilio_event_only_ns"]
ratio("(keyed HMAC-SHA1 + the owned event alone) / bare HMAC-SHA1", event_floor / floor)
print()
print("Botmaker, parse to normalized events, per webhook:")
for kind, label in (("message", "Format A text message"), ("status", "status snapshot")):
    rust, pyb = r[f"rust_botmaker_{kind}_ns"], r[f"python_botmaker_{kind}_ns"]
    print(f"  {label:<24} whatsapp-connector {us(rust)}   Python json.loads + normalization {us(pyb)}")
    ratio(f"Python / whatsapp-connector, {label}", pyb / rust)
print()
print("Meta's Cloud API, X-Hub-Signature-256 checked and the body parsed to normalized events, per webhook:")
rust, pym = r["rust_meta_message_ns"], r["python_meta_message_ns"]
print(f"  text message             whatsapp-connector {us(rust)}   Python hmac + json.loads + normalization {us(pym)}")
print(f"  Python / whatsapp-connector: {pym / rust:.1f}×")
print()
print(f"Send path: {int(float(count))} text messages, {concurrency} in flight, to a local fake of the Messages API (HTTP/1.1, loopback):")
for who, label in (
    ("rust", "whatsapp-connector TwilioProvider::send"),
    ("rustcur", "  the same, current-thread runtime"),
    ("reqwest", "bare reqwest, same request and settings"),
    ("reqwestcur", "  the same, current-thread runtime"),
    ("hyper", "hyper's pooled client, same request"),
    ("hypercur", "  the same, current-thread runtime"),
    ("node", f"twilio-node {node_version} messages.create"),
):
    print(f"  {label:<42} {r[f'{who}_send_per_s']:9.0f} msg/s   client CPU {r[f'{who}_send_cpu_us']:7.1f} µs/msg"
          f"   new connections during the run: {r.get(f'{who}_send_new_connections', float('nan')):.0f}"
          f"   errors: {r[f'{who}_send_errors']:.0f}   fake CPU {r[f'{who}_fake_cpu_us']:.1f} µs/msg")
print(f"  msg/s ratio {r['rust_send_per_s'] / r['node_send_per_s']:.1f}×, CPU per message ratio {r['node_send_cpu_us'] / r['rust_send_cpu_us']:.1f}×")
for rt, crate, bare, hyper in (("multi-thread", "rust", "reqwest", "hyper"), ("current-thread", "rustcur", "reqwestcur", "hypercur")):
    c, b, h = (r[f"{who}_send_cpu_us"] for who in (crate, bare, hyper))
    print(f"  {rt} runtime: the crate's send {c:.1f} µs/msg = hyper {h:.1f} + reqwest {b - h:.1f} + the crate {c - b:.1f}")
if "fake_alone_per_s" in r:
    print(f"  the fake alone under wrk (1 thread, {concurrency} connections): {r['fake_alone_per_s']:.0f} req/s at {r['fake_alone_cpu_us']:.1f} µs CPU/req (one core)")
EOF
