#!/usr/bin/env bash
# Builds alder-bench (Release) and runs the six-engine benchmark suite, one
# command (issue #5):
#   scripts/bench.sh                    # default scale (N = 1,000,000), --repeat 3: about 25 min
#   scripts/bench.sh --scale 0.1        # any alder-bench option passes through
# Results go to $ALDER_BENCH_OUT (default bench-results/): results.md,
# results.json, chart.png (gnuplot), chart.dat/.gp, micro.json (Google
# Benchmark micro-benchmarks) and run.log. Engine data lives under --dir
# (default /tmp) and is deleted afterwards.
#
# Environment: JOBS (default 1: the machine is shared), ALDER_BENCH_BUILD
# (default build-bench), ALDER_BENCH_OUT (default bench-results),
# ALDER_BENCH_MICRO=0 to skip the micro-benchmarks.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# The peers and the chart tool; each peer is optional at build time, the
# suite installs them so that a run compares all six engines.
PEERS=(liblmdb-dev librocksdb-dev libleveldb-dev libwiredtiger-dev libsqlite3-dev
       libbenchmark-dev libcli11-dev gnuplot-nox)
missing=()
for pkg in "${PEERS[@]}"; do
  if ! dpkg -s "$pkg" 2>/dev/null | grep -q '^Status: install ok installed$'; then
    missing+=("$pkg")
  fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=()
  if [ "$(id -u)" -ne 0 ]; then SUDO=(sudo); fi
  echo "bench: installing ${missing[*]}"
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

JOBS="${JOBS:-1}"
BUILD="${ALDER_BENCH_BUILD:-build-bench}"
OUT="${ALDER_BENCH_OUT:-bench-results}"
mkdir -p "$OUT"

cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DALDER_BUILD_BENCH=ON \
  -DALDER_BUILD_TESTS=OFF -DALDER_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$BUILD" -j "$JOBS" --target alder-bench
if [ "${ALDER_BENCH_MICRO:-1}" != 0 ]; then
  cmake --build "$BUILD" -j "$JOBS" --target alder-micro || echo "bench: no alder-micro (libbenchmark-dev missing?)"
fi

"$BUILD/bench/alder-bench" --out "$OUT" "$@" 2> >(tee "$OUT/run.log" >&2)

if [ "${ALDER_BENCH_MICRO:-1}" != 0 ] && [ -x "$BUILD/bench/alder-micro" ]; then
  echo "bench: micro-benchmarks -> $OUT/micro.json"
  "$BUILD/bench/alder-micro" --benchmark_min_time=0.5 \
    --benchmark_out="$OUT/micro.json" --benchmark_out_format=json
fi
echo "bench: results in $OUT/ (results.md, results.json, chart.png)"
