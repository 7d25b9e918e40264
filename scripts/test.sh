#!/usr/bin/env bash
# Sets up the machine (scripts/setup.sh) and runs the whole test suite:
#   1. RelWithDebInfo build in build/,               all tests
#   2. ASan+UBSan build in build-asan/ (tests only), all tests (the test
#      sources themselves with ASan only: tests/CMakeLists.txt says why)
#   3. TSan build in build-tsan/ (tests only),       tests matching "Concurrency"
#      (it compiles only the test files that define such suites)
#   4. the Erlang binding: bindings/erlang/test.sh   (rebar3 eunit)
#   5. the libFuzzer targets, 30 s each: scripts/fuzz.sh 30
# Each stage header shows the seconds since the start ("[N s]"). Ends with
# one line "N passed, N failed" summed over the stages and exits non-zero
# if anything failed (a build failure counts as one failed test).
#
# Environment: JOBS (default: nproc) build and ctest parallelism (the tests
# assert behaviour, never timing, so they may share the cores); ALDER_TEST_STAGES
# (default "release asan tsan erlang fuzz") to run a subset; ALDER_BUILD_DIR,
# ALDER_ASAN_DIR, ALDER_TSAN_DIR (default build, build-asan, build-tsan) to
# build elsewhere.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/setup.sh

JOBS="${JOBS:-$(nproc)}"
STAGES="${ALDER_TEST_STAGES:-release asan tsan erlang fuzz}"
BUILD_DIR="${ALDER_BUILD_DIR:-build}"
ASAN_DIR="${ALDER_ASAN_DIR:-build-asan}"
TSAN_DIR="${ALDER_TSAN_DIR:-build-tsan}"
# The sanitizer builds keep line tables only (-g1): their reports still
# name file and line, and a file compiles in about 70% of the time -g takes
# (txn.cc 25.6 -> 18.1 s, fault_test.cc 36.0 -> 24.6 s with ASan+UBSan).
SAN_FLAGS=(-DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG"
           -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG")
total_passed=0
total_failed=0
notes=()

# configure DIR ARGS... ; build DIR
build_tree() {
  local dir="$1"; shift
  echo "=== [$SECONDS s] configure + build $dir ($*)"
  cmake -S . -B "$dir" "$@" && cmake --build "$dir" -j "$JOBS"
}

# run_ctest LABEL DIR [ctest args...]: runs ctest, adds its counts to the totals.
run_ctest() {
  local label="$1" dir="$2"; shift 2
  local log rc line passed failed ran
  log="$(mktemp)"
  echo "=== [$SECONDS s] ctest $label: ctest --test-dir $dir -j $JOBS --output-on-failure --no-tests=error $*"
  set +e
  ctest --test-dir "$dir" -j "$JOBS" --output-on-failure --no-tests=error "$@" 2>&1 | tee "$log"
  rc="${PIPESTATUS[0]}"
  set -e
  # e.g. "100% tests passed, 0 tests failed out of 42"
  line="$(grep -E '[0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1 || true)"
  rm -f "$log"
  if [ -n "$line" ]; then
    failed="$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")"
    ran="$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\2/' <<<"$line")"
    passed=$((ran - failed))
  else
    passed=0
    failed=1   # no summary line: no tests found, or ctest itself failed
  fi
  if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
    failed=1   # ctest failed without reporting a failed test
  fi
  total_passed=$((total_passed + passed))
  total_failed=$((total_failed + failed))
  notes+=("$label: $passed passed, $failed failed (ctest exit $rc)")
}

# run_script LABEL CMD...: runs a script that ends with "N passed, N failed".
run_script() {
  local label="$1"; shift
  local log rc line passed failed
  log="$(mktemp)"
  echo "=== [$SECONDS s] $label: $*"
  set +e
  "$@" 2>&1 | tee "$log"
  rc="${PIPESTATUS[0]}"
  set -e
  line="$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1 || true)"
  rm -f "$log"
  passed="$(sed -E 's/^([0-9]+) passed.*/\1/' <<<"${line:-0 passed, 1 failed}")"
  failed="$(sed -E 's/.* ([0-9]+) failed$/\1/' <<<"${line:-0 passed, 1 failed}")"
  if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
  total_passed=$((total_passed + passed))
  total_failed=$((total_failed + failed))
  notes+=("$label: $passed passed, $failed failed (exit $rc)")
}

build_failed() {
  total_failed=$((total_failed + 1))
  notes+=("$1: BUILD FAILED")
}

for stage in $STAGES; do
  case "$stage" in
    release)
      if build_tree "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DALDER_SANITIZE= \
          -DALDER_BUILD_TESTS=ON -DALDER_BUILD_BENCH=ON -DALDER_BUILD_EXAMPLES=ON; then
        run_ctest release "$BUILD_DIR"
      else
        build_failed release
      fi
      ;;
    asan)
      if build_tree "$ASAN_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo "${SAN_FLAGS[@]}" \
          -DALDER_SANITIZE=address,undefined -DALDER_BUILD_TESTS=ON \
          -DALDER_BUILD_BENCH=OFF -DALDER_BUILD_EXAMPLES=OFF; then
        ASAN_OPTIONS="halt_on_error=1:detect_leaks=1" \
        UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
          run_ctest asan+ubsan "$ASAN_DIR"
      else
        build_failed asan+ubsan
      fi
      ;;
    tsan)
      if build_tree "$TSAN_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo "${SAN_FLAGS[@]}" \
          -DALDER_SANITIZE=thread -DALDER_BUILD_TESTS=ON \
          -DALDER_BUILD_BENCH=OFF -DALDER_BUILD_EXAMPLES=OFF; then
        TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1" \
          run_ctest tsan "$TSAN_DIR" -R Concurrency
      else
        build_failed tsan
      fi
      ;;
    erlang)
      JOBS="$JOBS" run_script erlang bindings/erlang/test.sh
      ;;
    erlang-asan)  # not in the default set: about a minute more
      JOBS="$JOBS" ALDER_ERLANG_ASAN=1 run_script erlang-asan bindings/erlang/test.sh
      ;;
    fuzz)
      JOBS="$JOBS" run_script fuzz scripts/fuzz.sh 30
      ;;
    *)
      echo "test.sh: unknown stage '$stage' (known: release asan tsan erlang erlang-asan fuzz)" >&2
      exit 2
      ;;
  esac
done

echo "=== [$SECONDS s] summary"
for n in "${notes[@]}"; do echo "  $n"; done
echo "${total_passed} passed, ${total_failed} failed"
[ "$total_failed" -eq 0 ]
