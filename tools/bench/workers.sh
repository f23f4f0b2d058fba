#!/usr/bin/env bash
# Worker processes versus one process, in one run: requests/s of an addon route (greeter's
# GET /api/v1/greet/hello) and of the host's /health, served by `berth serve --workers 0`, by
# `berth serve --workers N` (addons' handlers isolated from the polling threads, the default) and by
# `--workers N` with BERTH_HANDLER_ISOLATION=inline, in alternating rounds so that every mode sees
# the same machine.
#
# Settings: BENCH_WORKERS (the N to compare, default 2), BENCH_SECONDS (per wrk run, default 10),
# BENCH_ROUNDS (default 3; the median is reported), BENCH_CONNECTIONS (default 32),
# BENCH_SWIFT_FLAGS (e.g. "--scratch-path .build-bench"), BENCH_SKIP_BUILD=1 (use the release build).
# Nothing is pinned: on a small machine wrk shares the CPUs with the server, equally in both modes.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
read -r -a swift_flags <<< "${BENCH_SWIFT_FLAGS:-}"
workers=${BENCH_WORKERS:-2}
seconds=${BENCH_SECONDS:-10}
rounds=${BENCH_ROUNDS:-3}
connections=${BENCH_CONNECTIONS:-32}
say() { printf '[workers-bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

command -v wrk > /dev/null || "$repo/tools/scripts/install-deps.sh" wrk
command -v curl > /dev/null || "$repo/tools/scripts/install-deps.sh" curl
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  say "swift build -c release ${swift_flags[*]:-}"
  swift build -c release "${swift_flags[@]}" --product berth
  swift build -c release "${swift_flags[@]}" --product addonctl
  swift build -c release "${swift_flags[@]}" --product Greeter
fi
bin=$(swift build -c release "${swift_flags[@]}" --show-bin-path)

work=$(mktemp -d /tmp/berth-workers-bench.XXXXXX)
server=""
cleanup() {
  [ -n "$server" ] && kill -TERM "$server" 2> /dev/null && wait "$server" 2> /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
"$bin/addonctl" keygen bench --out-dir "$work/keys" > /dev/null
"$bin/addonctl" pack Addons/greeter --key "$work/keys/bench.key" --library "$bin/libGreeter.so" --out "$work/greeter.berth" > /dev/null
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
token=bench-token

# Starts `berth serve --workers $1` with BERTH_HANDLER_ISOLATION=$2 on a fresh home with greeter installed.
start() {
  local home="$work/home-$1-$2-$3"
  BERTH_HOME="$home" BERTH_PORT="$port" BERTH_ADMIN_TOKEN="$token" BERTH_TRUSTED_KEYS="$work/keys/bench.pub" \
    BERTH_HANDLER_ISOLATION="$2" "$bin/berth" serve --workers "$1" >> "$work/berth.log" 2>&1 &
  server=$!
  for _ in $(seq 200); do
    curl -fs "http://127.0.0.1:$port/health" > /dev/null 2>&1 && break
    sleep 0.05
  done
  curl -fs -H "Authorization: Bearer $token" --data-binary "@$work/greeter.berth" "http://127.0.0.1:$port/api/v1/marketplace/packages" > /dev/null
  curl -fs -H "Authorization: Bearer $token" -d '{"id":"greeter"}' "http://127.0.0.1:$port/api/v1/marketplace/install" > /dev/null
}

stop() {
  kill -TERM "$server"
  wait "$server" || true
  server=""
}

# Requests/s of one wrk run on path $1.
rate() {
  wrk -t1 -c"$connections" -d"${seconds}s" "http://127.0.0.1:$port$1" | awk '/^Requests\/sec:/ { print $2 }'
}

modes=("0:thread" "$workers:thread" "$workers:inline")
declare -A results
for round in $(seq "$rounds"); do
  for mode in "${modes[@]}"; do
    start "${mode%%:*}" "${mode#*:}" "$round"
    wrk -t1 -c"$connections" -d2s "http://127.0.0.1:$port/api/v1/greet/hello" > /dev/null # warm-up
    addon=$(rate /api/v1/greet/hello)
    health=$(rate /health)
    stop
    say "round $round, --workers ${mode%%:*} (${mode#*:}): addon route $addon req/s, /health $health req/s"
    results[$mode,addon]+="$addon "
    results[$mode,health]+="$health "
  done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
printf '\nMedian of %s rounds, %s s per run, %s connections, %s CPUs (wrk on the same CPUs), requests/s:\n' "$rounds" "$seconds" "$connections" "$(nproc)"
printf '%-24s %14s %18s %18s\n' "route" "--workers 0" "--workers $workers" "--workers $workers inline"
for route in addon health; do
  path=$([ "$route" = addon ] && echo "GET /api/v1/greet/hello" || echo "GET /health")
  single=$(echo "${results[0:thread,$route]}" | median)
  isolated=$(echo "${results[$workers:thread,$route]}" | median)
  inline=$(echo "${results[$workers:inline,$route]}" | median)
  ratio() { awk -v a="$1" -v b="$single" 'BEGIN { printf "%.0f (%.2fx)", a, a / b }'; }
  printf '%-24s %14.0f %18s %18s\n' "$path" "$single" "$(ratio "$isolated")" "$(ratio "$inline")"
done
