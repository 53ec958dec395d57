#!/usr/bin/env bash
# The Redis inbox under the failures it is built for, with the examples as users run them:
# two webhook_server instances and two workers on one redis-server, all on 127.0.0.1.
#
#   1. COUNT signed webhooks of both providers, each to a random instance, 20% of them sent
#      again to the other instance: every event handled, none twice.
#   2. The same while one worker is killed with SIGKILL halfway: every event still handled
#      (the other worker claims the dead one's after 30 s idle); the number handled twice is
#      reported (at most what the dead worker had in hand).
#   3. The same while one server instance is killed with SIGKILL halfway: a webhook it did not
#      answer 200 is sent again (as the providers retry) and every webhook answered 200 is
#      handled.
#
# Needs redis-server (Debian: apt-get install redis-server) and python3. Usage:
#   benches/redis/run.sh [COUNT]        (default 10000; WA_PROFILE=debug skips the release build)
set -euo pipefail

count=${1:-10000}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
redis_port=6390
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

command -v redis-server >/dev/null || { echo "error: redis-server is not installed" >&2; exit 1; }
profile=${WA_PROFILE:-release}
echo "building webhook_server and worker ($profile, feature redis)" >&2
if [ "$profile" = release ]; then
    (cd "$root" && cargo build --quiet --release --features redis --example webhook_server --example worker)
else
    (cd "$root" && cargo build --quiet --features redis --example webhook_server --example worker)
fi
bin="$root/target/$profile/examples"

redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no >"$work/redis.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$redis_port") 2>/dev/null && break; sleep 0.1; done
export WA_REDIS_URL="redis://127.0.0.1:$redis_port/0"
# Both instances stand behind one public origin, as behind a load balancer.
export WA_PUBLIC_ORIGIN="https://bots.example.com"

start_server() { # PORT -> pid
    WA_PORT=$1 "$bin/webhook_server" >"$work/server-$1.log" 2>&1 &
    local pid=$!
    for _ in $(seq 1 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && { echo "$pid"; return; }
        sleep 0.05
    done
    echo "error: the server on port $1 did not start" >&2; cat "$work/server-$1.log" >&2; exit 1
}
start_worker() { # NAME DIR -> pid
    WA_WORKER_NAME=$1 "$bin/worker" >"$2/worker-$1.out" 2>"$2/worker-$1.log" &
    echo $!
}
scenario() { # NAME [drive.py kill arguments...]
    local name=$1; shift
    local dir="$work/$name"
    mkdir -p "$dir"
    redis-cli -p "$redis_port" flushall >/dev/null
    local a b w1 w2
    a=$(start_server 3101); b=$(start_server 3102)
    w1=$(start_worker w1 "$dir"); w2=$(start_worker w2 "$dir")
    pids+=("$a" "$b" "$w1" "$w2")
    local kill_args=()
    case "${1:-}" in
        worker) kill_args=(--kill "$w1" --at 0.5) ;;
        server) kill_args=(--kill "$a" --at 0.5) ;;
    esac
    echo "== $name ==" >&2
    local status=0
    python3 "$here/drive.py" "$count" 0.2 "$dir" http://127.0.0.1:3101 http://127.0.0.1:3102 \
        "${kill_args[@]}" || status=$?
    for p in "$a" "$b" "$w1" "$w2"; do kill "$p" 2>/dev/null || true; done
    wait "$a" "$b" "$w1" "$w2" 2>/dev/null || true
    return $status
}

failed=0
scenario "two-servers-two-workers" || failed=1
scenario "kill-a-worker" worker || failed=1
scenario "kill-a-server" server || failed=1
exit $failed
