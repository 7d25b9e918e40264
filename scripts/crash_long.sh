#!/usr/bin/env bash
# The long run of the crash-safety suites (issue #3; docs/DURABILITY.md):
# power-loss simulation, countdown faults, kill -9 rounds and file damage,
# each with CASES cases per mode instead of CI's short default.
#   scripts/crash_long.sh [CASES]      (default 1000; about an hour on 2 shared cores)
# Builds build/ (RelWithDebInfo) first. Exits non-zero if any case fails.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
CASES="${1:-1000}"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DALDER_BUILD_TESTS=ON >/dev/null
cmake --build build -j "${JOBS:-$(nproc)}" --target alder_tests
ALDER_FAULT_CASES="$CASES" build/tests/alder_tests \
  --gtest_filter='*PowerLoss*:*FaultCountdown*:*PersistenceCrash*:Corruption.*'
