#!/usr/bin/env bash
# The main job: set up the machine, build alder (Release, in build/) and load
# this machine's Debian package index into an alder database, then query it.
# Extra arguments are passed to the example (try --help). Environment: JOBS
# (default: nproc) build parallelism, ALDER_BUILD_DIR (default: build).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/setup.sh

JOBS="${JOBS:-$(nproc)}"
BUILD_DIR="${ALDER_BUILD_DIR:-build}"
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DALDER_BUILD_EXAMPLES=ON
cmake --build "$BUILD_DIR" -j "$JOBS" --target debian_packages hello hello_c

workdir="$(mktemp -d "${TMPDIR:-/tmp}/alder-demo.XXXXXX")"
trap 'rm -rf "$workdir"' EXIT

echo "=== examples/hello (C++)"
"$BUILD_DIR"/examples/hello "$workdir/hello.alder"
echo "=== examples/hello_c (C)"
"$BUILD_DIR"/examples/hello_c "$workdir/hello_c.alder"
echo "=== examples/debian_packages"
"$BUILD_DIR"/examples/debian_packages --db "$workdir/packages.alder" "$@"
