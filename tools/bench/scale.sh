#!/usr/bin/env bash
# Scaling with cores: requests/s of greeter's GET /api/v1/greet/hello served by
# `berth serve --workers N` (the default process model, one polling thread per worker) pinned to N
# cores, against the bare C libmicrohttpd hello server (tools/bench/mhd_hello.c) with N threads on
# the same N cores, for N = 1, 2, 4 … up to the machine's cores. wrk runs on the cores left over;
# when none is left (N = all cores) it shares them with the server, and the table says so.
# Every level's two servers run side by side and are measured in interleaved rounds.
#
# Settings: SCALE_LEVELS (e.g. "1 2 4 8"; default powers of two up to nproc, and nproc),
# SCALE_SECONDS (per wrk run, default 5), SCALE_ROUNDS (default 3; the median is reported),
# SCALE_CONNECTIONS_PER_CORE (default 64), BENCH_SWIFT_FLAGS, BENCH_SKIP_BUILD=1 (use the release build).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
read -r -a swift_flags <<< "${BENCH_SWIFT_FLAGS:-}"
seconds=${SCALE_SECONDS:-5}
rounds=${SCALE_ROUNDS:-3}
per_core=${SCALE_CONNECTIONS_PER_CORE:-64}
cores=$(nproc)
if [ -n "${SCALE_LEVELS:-}" ]; then
  read -r -a levels <<< "$SCALE_LEVELS"
else
  levels=()
  for ((n = 1; n < cores; n *= 2)); do levels+=("$n"); done
  levels+=("$cores")
fi
say() { printf '[scale %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

for tool in wrk gcc taskset curl pkg-config; do
  command -v "$tool" > /dev/null || "$repo/tools/scripts/install-deps.sh" "$tool"
done
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  for product in berth addonctl Greeter; do
    say "swift build -c release --product $product ${swift_flags[*]:-}"
    swift build -c release "${swift_flags[@]}" --product "$product"
  done
fi
bin=$(swift build -c release "${swift_flags[@]}" --show-bin-path)

work=$(mktemp -d /tmp/berth-scale.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2> /dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2> /dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
# shellcheck disable=SC2046
gcc -O2 -o "$work/mhd_hello" tools/bench/mhd_hello.c $(pkg-config --cflags --libs libmicrohttpd) -lpthread
"$bin/addonctl" keygen bench --out-dir "$work/keys" > /dev/null
"$bin/addonctl" pack Addons/greeter --key "$work/keys/bench.key" --library "$bin/libGreeter.so" --out "$work/greeter.berth" > /dev/null
token=bench-token
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_for() { for _ in $(seq 400); do curl -fs "http://127.0.0.1:$1$2" > /dev/null 2>&1 && return 0; sleep 0.05; done; echo "no answer on port $1" >&2; return 1; }
span() { if [ "$1" = "$2" ]; then echo "$1"; else echo "$1-$2"; fi; }
server_cpus() { span 0 $(($1 - 1)); }
load_cpus() { if [ "$1" -lt "$cores" ]; then span "$1" $((cores - 1)); else span 0 $((cores - 1)); fi; }

declare -A port
for n in "${levels[@]}"; do
  port[c,$n]=$(free_port)
  taskset -c "$(server_cpus "$n")" "$work/mhd_hello" "${port[c,$n]}" "$n" > /dev/null &
  pids+=($!)
  port[berth,$n]=$(free_port)
  BERTH_HOME="$work/home-$n" BERTH_PORT="${port[berth,$n]}" BERTH_ADMIN_TOKEN="$token" BERTH_TRUSTED_KEYS="$work/keys/bench.pub" \
    BERTH_THREADS=1 taskset -c "$(server_cpus "$n")" "$bin/berth" serve --workers "$n" >> "$work/berth-$n.log" 2>&1 &
  pids+=($!)
  wait_for "${port[c,$n]}" /
  wait_for "${port[berth,$n]}" /health
  curl -fs -H "Authorization: Bearer $token" --data-binary "@$work/greeter.berth" "http://127.0.0.1:${port[berth,$n]}/api/v1/marketplace/packages" > /dev/null
  curl -fs -H "Authorization: Bearer $token" -d '{"id":"greeter"}' "http://127.0.0.1:${port[berth,$n]}/api/v1/marketplace/install" > /dev/null
  wait_for "${port[berth,$n]}" /api/v1/greet/hello
done

# Requests/s of one wrk run: $1 port, $2 path, $3 level.
rate() {
  local load threads
  load=$(load_cpus "$3")
  threads=$(( $3 < cores ? cores - $3 : cores ))
  taskset -c "$load" wrk -t"$threads" -c$((per_core * $3)) -d"${seconds}s" "http://127.0.0.1:$1$2" | awk '/^Requests\/sec:/ { print $2 }'
}

declare -A results
for n in "${levels[@]}"; do # warm-up
  rate "${port[c,$n]}" / "$n" > /dev/null
  rate "${port[berth,$n]}" /api/v1/greet/hello "$n" > /dev/null
done
for round in $(seq "$rounds"); do
  for n in "${levels[@]}"; do
    c=$(rate "${port[c,$n]}" / "$n")
    b=$(rate "${port[berth,$n]}" /api/v1/greet/hello "$n")
    say "round $round, $n core(s): C $c req/s, berth $b req/s"
    results[c,$n]+="$c "
    results[berth,$n]+="$b "
    results[ratio,$n]+="$(awk -v a="$b" -v b="$c" 'BEGIN { printf "%.4f", a / b }') "
  done
done

# The table goes to stdout and to bench/results/<date>-<host>-scale.md and scale-latest.md.
mkdir -p bench/results
out="bench/results/$(date -u +%F)-$(hostname -s)-scale.md"
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
range() { tr ' ' '\n' | grep -v '^$' | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%s–%s", lo, hi }'; }
report() {
printf '\n# Scaling with cores — %s UTC on %s (%s, %s cores), commit %s\n' "$(date -u '+%F %H:%M')" "$(hostname -s)" \
  "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')" "$cores" "$(git rev-parse --short=10 HEAD)"
printf '# Median of %s interleaved rounds of %s s; %s keep-alive connections per core; greeter GET /api/v1/greet/hello.\n\n' "$rounds" "$seconds" "$per_core"
printf '| Cores (server) | wrk on | C ceiling, N threads, req/s | berth serve --workers N, req/s | berth ÷ C (min–max) | berth ÷ berth on 1 core |\n'
printf '| --- | --- | --- | --- | --- | --- |\n'
first=""
for n in "${levels[@]}"; do
  c=$(echo "${results[c,$n]}" | median)
  b=$(echo "${results[berth,$n]}" | median)
  [ -z "$first" ] && first=$b
  shared=$([ "$n" -lt "$cores" ] && echo "CPU $(load_cpus "$n")" || echo "the same CPUs (shared)")
  printf '| %s (CPU %s) | %s | %.0f | %.0f | %.3f (%s) | %.2f |\n' "$n" "$(server_cpus "$n")" "$shared" "$c" "$b" \
    "$(echo "${results[ratio,$n]}" | median)" "$(echo "${results[ratio,$n]}" | range)" "$(awk -v a="$b" -v b="$first" 'BEGIN { print a / b }')"
done
}
report | tee "$out"
cp "$out" bench/results/scale-latest.md
