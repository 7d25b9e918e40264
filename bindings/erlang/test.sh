#!/usr/bin/env bash
# Builds the alder Erlang binding (NIF through CMake, then the Erlang
# modules) and runs its EUnit suite with `rebar3 eunit`. Needs the Debian
# packages erlang-nox, erlang-dev, erlang-eunit, rebar3 (plus the engine's
# build packages, scripts/setup.sh). Fetches nothing: the app has no deps.
#
# Prints EUnit's own summary and ends with one line "N passed, N failed";
# exits non-zero if a test failed or the build failed (counted as 1 failed).
#
# Environment: JOBS (default 1) build parallelism; ALDER_ERLANG_ASAN=1 builds
# the NIF and the engine with ASan+UBSan (in _build/cmake-asan) and runs the
# VM with libasan preloaded.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

export ALDER_NIF_JOBS="${JOBS:-1}"
preload=()
if [ "${ALDER_ERLANG_ASAN:-0}" = "1" ]; then
  export ALDER_NIF_SANITIZE="address,undefined"
  export ALDER_NIF_BUILD_DIR="_build/cmake-asan"
  export ALDER_NIF_BUILD_TYPE="RelWithDebInfo"
  preload=(env "LD_PRELOAD=$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
           "ASAN_OPTIONS=detect_leaks=0:halt_on_error=1"
           "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
fi

log="$(mktemp)"
# The suites put their files under TMPDIR (test/alder_test_lib.erl).
scratch="$(mktemp -d)"
trap 'rm -rf "$log" "$scratch"' EXIT
export TMPDIR="$scratch"
# The NIF build (pre-compile hook) runs first; without ASan it needs no preload.
if ! rebar3 compile >"$log" 2>&1; then
  cat "$log"
  echo "erlang: BUILD FAILED"
  echo "0 passed, 1 failed"
  exit 1
fi
"${preload[@]}" rebar3 eunit 2>&1 | tee "$log"
rc="${PIPESTATUS[0]}"

plain="$(sed -E 's/\x1b\[[0-9;]*m//g' "$log")"
passed=0
failed=0
if all="$(grep -oE 'All [0-9]+ tests passed' <<<"$plain" | tail -n 1)" && [ -n "$all" ]; then
  passed="$(grep -oE '[0-9]+' <<<"$all")"
elif summary="$(grep -E 'Failed: [0-9]+\.' <<<"$plain" | tail -n 1)" && [ -n "$summary" ]; then
  failed="$(sed -E 's/.*Failed: ([0-9]+)\..*/\1/' <<<"$summary")"
  passed="$(sed -E 's/.*Passed: ([0-9]+)\..*/\1/' <<<"$summary")"
elif grep -qE '^ *Test passed\.' <<<"$plain"; then
  passed=1
fi
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1  # eunit failed without a count (crash, cancelled tests)
fi
echo "${passed} passed, ${failed} failed"
[ "$rc" -eq 0 ] && [ "$failed" -eq 0 ]
