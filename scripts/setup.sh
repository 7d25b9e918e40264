#!/usr/bin/env bash
# Installs the Debian packages needed to build, test and benchmark alder.
# Idempotent: packages that are already installed are skipped, and when all of
# them are, nothing is run at all (no apt-get update).
set -euo pipefail

PACKAGES=(
  build-essential   # g++, make
  cmake
  pkg-config
  libxxhash-dev     # page checksums (xxHash3)
  liblz4-dev        # value compression (lz4)
  libzstd-dev       # value compression (zstd, dictionaries)
  liblmdb-dev       # reference oracle in tests, benchmark peer
  lmdb-utils        # mdb_stat / mdb_dump / mdb_load for interop checks
  libgtest-dev      # GoogleTest
  googletest        # GoogleTest / GoogleMock sources
  libbenchmark-dev  # Google Benchmark
  libcli11-dev      # command-line parsing (bench, examples, tools)
  librocksdb-dev    # benchmark peer (alder-bench)
  libleveldb-dev    # benchmark peer (alder-bench)
  libwiredtiger-dev # benchmark peer (alder-bench)
  libsqlite3-dev    # benchmark peer (alder-bench)
  gnuplot-nox       # benchmark chart (scripts/bench.sh)
  erlang-nox        # Erlang/OTP runtime (bindings/erlang)
  erlang-dev        # erl_nif.h for the NIF
  erlang-eunit      # EUnit
  rebar3            # builds and tests bindings/erlang
  clang-14          # libFuzzer targets (fuzz/)
  libfuzzer-14-dev  # libFuzzer runtime
  python3-lmdb      # builds hb_store_lmdb databases in the import-hyperbeam tests
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg -s "$pkg" 2>/dev/null | grep -q '^Status: install ok installed$'; then
    missing+=("$pkg")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages already installed"
  exit 0
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  SUDO=(sudo)
fi

echo "setup: installing ${missing[*]}"
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "setup: done"
