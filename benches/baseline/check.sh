#!/usr/bin/env bash
# Runs the benchmarks and compares each result with the committed baseline
# (benches/baseline/baseline.json), printing the ratio now / baseline per bench. Lower is
# better for every number (time or CPU per call); a ratio above 1 + THRESHOLD is flagged as
# a regression, and the script exits with status 1 when any is.
#
# What it runs (release builds, 127.0.0.1 only):
#   - `cargo bench --bench webhooks` (criterion): the median time per iteration of each bench;
#   - the compare bench's webhook mode (`compare webhooks`): ns per verify+parse call;
#   - the compare bench's send path: SEND_COUNT (20,000) sends through TwilioProvider, 64 in
#     flight, to the bench's local fake of the Messages API, three times on tokio's
#     multi-thread runtime and three on a current-thread one: the median client CPU µs per
#     message of each.
#
#   benches/baseline/check.sh                 # compare with the baseline
#   THRESHOLD=0.10 benches/baseline/check.sh  # flag more than 10% slower (default 0.25)
#   benches/baseline/check.sh --save          # run, then write the results as the new baseline
#
# The machine matters: a baseline is only comparable with runs on the machine it was made on.
# Record a new one (`--save`) on yours before changing code, then run the script again after.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
here="$root/benches/baseline"
baseline="${BASELINE:-$here/baseline.json}"
threshold=${THRESHOLD:-0.25}
seconds=${SECONDS_PER_CASE:-2}
send_count=${SEND_COUNT:-20000}
save=false
[ "${1:-}" = "--save" ] && save=true

cd "$root"
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
out=$(mktemp -d)
fake_pid=
cleanup() {
    if [ -n "$fake_pid" ]; then kill "$fake_pid" 2>/dev/null || true; fi
    rm -rf "$out"
}
trap cleanup EXIT

echo "building the benches (release)" >&2
compare_bin=$(cargo bench --bench compare --bench webhooks --no-run --message-format=json 2>/dev/null |
    python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "compare" and m.get("executable"):
        print(m["executable"])')
[ -x "$compare_bin" ] || { echo "error: the compare bench did not build" >&2; exit 1; }

echo "running cargo bench --bench webhooks (criterion)" >&2
cargo bench --bench webhooks -- --noplot >"$out/criterion.txt" 2>&1 ||
    { cat "$out/criterion.txt" >&2; exit 1; }
# The median of each bench, from criterion's own estimates.
for dir in "$target_dir"/criterion/*/new; do
    [ -f "$dir/estimates.json" ] || continue
    name=$(basename "$(dirname "$dir")")
    python3 -c 'import json,sys; print("RESULT webhooks/%s %.1f" % (sys.argv[1], json.load(open(sys.argv[2]))["median"]["point_estimate"]))' \
        "$name" "$dir/estimates.json"
done >"$out/results.txt"
# Only the benches of this run (criterion keeps older ones in its folder).
grep -o '^[a-z0-9_]*' "$out/criterion.txt" | sort -u >"$out/ran.txt"
python3 - "$out/results.txt" "$out/ran.txt" <<'EOF'
import sys
ran = set(open(sys.argv[2]).read().split())
lines = [l for l in open(sys.argv[1]) if l.split()[1].split("/", 1)[1] in ran]
open(sys.argv[1], "w").writelines(lines)
EOF

echo "running the compare bench: webhooks (${seconds}s per case)" >&2
"$compare_bin" webhooks --seconds "$seconds" | sed 's/^RESULT /RESULT compare\//' >>"$out/results.txt"

echo "running the compare bench: $send_count sends to its local fake" >&2
"$compare_bin" fake >"$out/fake.out" 2>&1 &
fake_pid=$!
for _ in $(seq 1 50); do grep -q LISTENING "$out/fake.out" && break; sleep 0.1; done
read -r api_port stats_port < <(awk '/LISTENING/{print $2, $3}' "$out/fake.out")
# Three runs on each tokio runtime, the median of each (the multi-thread runtime's figure
# moves most between runs on a shared machine), and every failed send counted.
: >"$out/sends.txt"
for _ in 1 2 3; do
    for runtime in multi current; do
        "$compare_bin" send --base-url "http://127.0.0.1:$api_port" --count "$send_count" --concurrency 64 \
            --stats-url "http://127.0.0.1:$stats_port/stats" --runtime "$runtime" --label "rust_send_$runtime" \
            >>"$out/sends.txt"
    done
done
python3 - "$out/sends.txt" >>"$out/results.txt" <<'EOF2'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    parts = line.split()
    if len(parts) == 3 and parts[0] == "RESULT":
        runs.setdefault(parts[1], []).append(float(parts[2]))
print("RESULT compare/rust_send_cpu_us", statistics.median(runs["rust_send_multi_cpu_us"]))
print("RESULT compare/rust_send_current_thread_cpu_us", statistics.median(runs["rust_send_current_cpu_us"]))
print("RESULT compare/rust_send_errors", sum(runs["rust_send_multi_errors"] + runs["rust_send_current_errors"]))
EOF2
kill "$fake_pid" 2>/dev/null || true
fake_pid=

python3 - "$out/results.txt" "$baseline" "$threshold" "$save" <<'EOF'
import json, sys
results_path, baseline_path, threshold, save = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4] == "true"
now = {}
for line in open(results_path):
    _, name, value = line.split()
    now[name] = float(value)
errors = now.pop("compare/rust_send_errors", 0.0)
if errors:
    print(f"error: {errors:.0f} sends failed; the send numbers do not count", file=sys.stderr)
    sys.exit(2)
units = {name: ("µs" if name.endswith("_us") else "ns") for name in now}
if save:
    doc = {
        "about": "Results of benches/baseline/check.sh (lower is better): criterion medians of "
                 "`cargo bench --bench webhooks`, and the compare bench's webhook and send modes.",
        "results": {name: {"value": now[name], "unit": units[name]} for name in sorted(now)},
    }
    with open(baseline_path, "w") as f:
        json.dump(doc, f, indent=2, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {len(now)} results to {baseline_path}")
    sys.exit(0)
base = {k: v["value"] for k, v in json.load(open(baseline_path))["results"].items()}
print(f"{'bench':<48} {'baseline':>12} {'now':>12} {'ratio':>7}")
regressions = 0
for name in sorted(set(base) | set(now)):
    if name not in now or name not in base:
        where = "the baseline" if name not in base else "this run"
        print(f"{name:<48} {'':>12} {'':>12} {'':>7}  (not in {where})")
        continue
    ratio = now[name] / base[name] if base[name] else float("inf")
    flag = ""
    if ratio > 1 + threshold:
        flag = f"  REGRESSION (more than {threshold:.0%} slower)"
        regressions += 1
    elif ratio < 1 - threshold:
        flag = "  faster"
    unit = units[name]
    print(f"{name:<48} {base[name]:>9.1f} {unit:<2} {now[name]:>9.1f} {unit:<2} {ratio:>6.2f}×{flag}")
print()
if regressions:
    print(f"{regressions} regression(s) beyond {threshold:.0%}")
    sys.exit(1)
print(f"no regression beyond {threshold:.0%}")
EOF
