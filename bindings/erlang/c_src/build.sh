#!/bin/sh
# Builds priv/alder_nif.so through CMake (called by rebar3's pre-compile
# hook, with the application directory as the working directory).
# Environment: ALDER_NIF_BUILD_TYPE (default Release), ALDER_NIF_SANITIZE
# (e.g. "address,undefined"; passed to the engine's ALDER_SANITIZE),
# ALDER_NIF_JOBS (default 1), ALDER_NIF_BUILD_DIR (default _build/cmake).
set -eu
cd "$(dirname "$0")/.."
build_dir="${ALDER_NIF_BUILD_DIR:-_build/cmake}"
cmake -S c_src -B "$build_dir" \
  -DCMAKE_BUILD_TYPE="${ALDER_NIF_BUILD_TYPE:-Release}" \
  -DALDER_SANITIZE="${ALDER_NIF_SANITIZE:-}" >/dev/null
cmake --build "$build_dir" --target alder_nif -j "${ALDER_NIF_JOBS:-1}"
mkdir -p priv
cp "$build_dir/alder_nif.so" priv/alder_nif.so.tmp
mv priv/alder_nif.so.tmp priv/alder_nif.so
