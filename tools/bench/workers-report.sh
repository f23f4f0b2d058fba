#!/usr/bin/env bash
# `make bench`, workers figure: runs tools/bench/workers.sh and keeps its table, with the machine,
# the commit and the date, in bench/results/<date>-<host>-workers.txt and workers-latest.txt.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
# A quick run (BENCH_QUICK=1) keeps its results beside bench.py's quick ones, out of bench/results.
results=bench/results
[ "${BENCH_QUICK:-0}" = 1 ] && results=bench/work/results-quick
mkdir -p "$results"
out="$results/$(date -u +%F)-$(hostname -s)-workers.txt"
{
  echo "# Worker processes versus one process — $(date -u '+%F %H:%M') UTC on $(hostname -s)"
  echo "# Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; commit $(git rev-parse --short=10 HEAD)"
  tools/bench/workers.sh
} | tee "$out"
cp "$out" "$results/workers-latest.txt"
