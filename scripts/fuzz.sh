#!/usr/bin/env bash
# Builds alder's libFuzzer targets (fuzz/) with clang-14, ASan+UBSan and
# coverage on the engine, in build-fuzz/, and runs each target for a bounded
# time on a scratch copy of its seed corpus (fuzz/corpus/ is never written).
#
#   scripts/fuzz.sh            60 s per target (the CI run)
#   scripts/fuzz.sh 600        10 min per target (the long run before a release)
#   scripts/fuzz.sh --seeds    rebuild, regenerate fuzz/corpus/ with make_seeds
#
# Exits non-zero if a build fails or a target finds anything (crash, sanitizer
# report, timeout, leak); the reproducer is left in the run's artifact
# directory (printed), ready for fuzz/regressions/. Ends with one line per
# target: executions, seconds, corpus size, result.
#
# Needs clang-14 and libfuzzer-14-dev (apt-get install clang-14
# libfuzzer-14-dev), plus the build dependencies of scripts/setup.sh.
# Environment: JOBS (default 1) build parallelism; FUZZ_DIR (default
# build-fuzz); FUZZ_TARGETS (default "fuzz_file fuzz_ops"); FUZZ_WORK (default
# a new mktemp -d) for the scratch corpora, logs and artifacts; FUZZ_ARGS extra
# libFuzzer flags.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

SECONDS_PER_TARGET=60
REGEN_SEEDS=0
case "${1:-}" in
  "") ;;
  --seeds) REGEN_SEEDS=1 ;;
  *[!0-9]*) echo "usage: scripts/fuzz.sh [SECONDS_PER_TARGET | --seeds]" >&2; exit 2 ;;
  *) SECONDS_PER_TARGET="$1" ;;
esac

JOBS="${JOBS:-1}"
BUILD_DIR="${FUZZ_DIR:-build-fuzz}"
TARGETS="${FUZZ_TARGETS:-fuzz_file fuzz_ops}"

for tool in clang-14 clang++-14; do
  command -v "$tool" >/dev/null || { echo "fuzz.sh: $tool not found (apt-get install clang-14 libfuzzer-14-dev)" >&2; exit 2; }
done

echo "=== configure + build $BUILD_DIR (clang-14, ASan+UBSan, libFuzzer)"
CC=clang-14 CXX=clang++-14 cmake -S . -B "$BUILD_DIR" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DALDER_SANITIZE=address,undefined \
  -DALDER_BUILD_FUZZ=ON -DALDER_BUILD_TESTS=OFF -DALDER_BUILD_BENCH=OFF \
  -DALDER_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$BUILD_DIR" -j "$JOBS" --target $TARGETS make_seeds

if [ "$REGEN_SEEDS" -eq 1 ]; then
  rm -rf fuzz/corpus/file fuzz/corpus/ops
  "$BUILD_DIR/fuzz/make_seeds" fuzz/corpus
  echo "=== seeds written: $(ls fuzz/corpus/file | wc -l) file, $(ls fuzz/corpus/ops | wc -l) ops"
  exit 0
fi

WORK="${FUZZ_WORK:-$(mktemp -d /tmp/alder-fuzz-run.XXXXXX)}"
mkdir -p "$WORK"
echo "=== fuzzing ${SECONDS_PER_TARGET}s per target; corpora, logs, artifacts in $WORK"

export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"

summary=()
failed=0
failed_targets=0
for t in $TARGETS; do
  case "$t" in
    fuzz_file) corpus=file; max_len=65536 ;;
    fuzz_ops)  corpus=ops;  max_len=4096 ;;
    *) echo "fuzz.sh: unknown target $t" >&2; exit 2 ;;
  esac
  dir="$WORK/$t"
  rm -rf "$dir"
  mkdir -p "$dir/corpus" "$dir/artifacts"
  cp fuzz/corpus/"$corpus"/* "$dir/corpus/"
  log="$dir/log.txt"
  echo "=== $t: ${SECONDS_PER_TARGET}s, -max_len=$max_len, log $log"
  started=$SECONDS
  set +e
  # One process, one job (no -jobs: it would fork workers logging to ./fuzz-N.log).
  # -timeout: one input taking 25 s is a hang (a finding); -rss_limit_mb:
  # ASan's shadow plus the maps stays far below this unless something leaks.
  "$BUILD_DIR/fuzz/$t" "$dir/corpus" -max_total_time="$SECONDS_PER_TARGET" \
    -max_len="$max_len" -timeout=25 -rss_limit_mb=4096 -print_final_stats=1 \
    -artifact_prefix="$dir/artifacts/" ${FUZZ_ARGS:-} >"$log" 2>&1
  rc=$?
  set -e
  took=$((SECONDS - started))
  execs="$(grep -E '^stat::number_of_executed_units:' "$log" | awk '{print $2}' | tail -n 1)"
  secs="$(grep -E '^stat::average_exec_per_sec:' "$log" | awk '{print $2}' | tail -n 1)"
  cov="$(grep -E '^#[0-9]+.*(DONE|cov:)' "$log" | tail -n 1 | sed -E 's/.*cov: ([0-9]+).*ft: ([0-9]+).*corp: ([0-9/]+[a-zA-Z]*).*/cov \1, ft \2, corpus \3/')"
  if [ "$rc" -eq 0 ] && ! ls "$dir/artifacts/" | grep -q .; then
    result="ok"
  else
    result="FAILED (exit $rc; artifacts: $(ls "$dir/artifacts/" | tr '\n' ' '))"
    failed=1
    failed_targets=$((failed_targets + 1))
    grep -E -A30 'alder fuzz finding|ERROR: (AddressSanitizer|libFuzzer|LeakSanitizer)|runtime error:' "$log" | head -n 60 || true
  fi
  summary+=("$t: ${execs:-?} executions in ${took}s (${secs:-?} exec/s), ${cov:-?}: $result")
done

echo "=== summary"
for s in "${summary[@]}"; do echo "  $s"; done
# The line scripts/test.sh counts: one "test" per target.
echo "$(( ${#summary[@]} - failed_targets )) passed, ${failed_targets} failed"
exit "$failed"
