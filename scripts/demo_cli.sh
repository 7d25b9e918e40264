#!/usr/bin/env bash
# The main job through the `alder` command-line tool (docs/CLI.md): this
# machine's Debian package index, loaded into alder and, from the very same
# dump stream, into LMDB with mdb_load; then stat, get, scan --prefix,
# verify and copy --compact, each with its wall time.
#
# Environment: ALDER_BUILD_DIR (default build), JOBS (default nproc),
# ALDER_SKIP_SETUP=1 to skip scripts/setup.sh, LOOKUP (default bash),
# PREFIX (default lib). Extra arguments go to `alder debian-dump` (e.g.
# --input /var/lib/dpkg/status).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

[ "${ALDER_SKIP_SETUP:-0}" = 1 ] || scripts/setup.sh
JOBS="${JOBS:-$(nproc)}"
BUILD_DIR="${ALDER_BUILD_DIR:-build}"
LOOKUP="${LOOKUP:-bash}"
PREFIX="${PREFIX:-lib}"
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD_DIR" -j "$JOBS" --target alder >/dev/null
A="$(pwd)/$BUILD_DIR/tools/alder"

w="$(mktemp -d "${TMPDIR:-/tmp}/alder-demo-cli.XXXXXX")"
trap 'rm -rf "$w"' EXIT
cd "$w"

ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) / 1e6 }'; }
# timed LABEL CMD...: runs CMD, prints its output, then "[ N ms] LABEL".
LAST_MS=0
timed() {
  local label="$1"; shift
  local t0 t1
  t0=$(date +%s%N)
  "$@"
  t1=$(date +%s%N)
  LAST_MS=$(ms "$t0" "$t1")
  printf '[%9s ms] %s\n' "$LAST_MS" "$label"
}
# timed_to FILE LABEL CMD...: the same, CMD's stdout into FILE.
timed_to() {
  local file="$1" label="$2"; shift 2
  local t0 t1
  t0=$(date +%s%N)
  "$@" > "$file"
  t1=$(date +%s%N)
  LAST_MS=$(ms "$t0" "$t1")
  printf '[%9s ms] %s\n' "$LAST_MS" "$label"
}
show() { echo "\$ $*" | sed "s|$A|alder|g; s|$w/||g"; }
rate() { awk -v n="$1" -v t="$2" 'BEGIN { if (t > 0) printf "%\047d records/s", n * 1000 / t; else print "-" }'; }

echo "== 1. the index as a dump stream (main db: name -> stanza; by_section: section\\0name -> \"\")"
show "$A" debian-dump -o packages.dump "$@"
timed "debian-dump" "$A" debian-dump -o packages.dump "$@"
records=$(grep -c '^ ' packages.dump)
records=$((records / 2))
echo "               $(grep -c '^HEADER=END' packages.dump) sections, $records records, $(stat -c %s packages.dump) bytes of dump text"

echo
echo "== 2. the same stream into alder and into LMDB"
show "$A" load packages.alder -f packages.dump
timed "alder load" "$A" load packages.alder -f packages.dump
alder_ms=$LAST_MS
show mdb_load -n -f packages.dump packages.mdb
timed "mdb_load (LMDB $(mdb_load -V 2>&1 | sed 's/.*LMDB //; s/:.*//'))" mdb_load -n -f packages.dump packages.mdb
lmdb_ms=$LAST_MS
echo "               alder: $(rate "$records" "$alder_ms")   LMDB: $(rate "$records" "$lmdb_ms")"
echo "               (not matched: alder load is one write txn and one sync; mdb_load 0.9.24"
echo "               commits every 100 records, each commit fdatasync'd)"
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
  shm="$(mktemp -d /dev/shm/alder-demo-cli.XXXXXX)"
  cp packages.dump "$shm/"
  timed "alder load   on tmpfs (/dev/shm: syncs cost nothing)" "$A" -q load "$shm/a.alder" -f "$shm/packages.dump"
  a2=$LAST_MS
  timed "mdb_load     on tmpfs (/dev/shm: syncs cost nothing)" mdb_load -n -f "$shm/packages.dump" "$shm/l.mdb"
  l2=$LAST_MS
  echo "               tmpfs: alder $(rate "$records" "$a2")   LMDB $(rate "$records" "$l2")"
  rm -rf "$shm"
fi
show "$A" load-debian direct.alder "$@"
timed "alder load-debian (parse + load, no text stream)" "$A" load-debian direct.alder "$@"

echo
echo "== 3. queries"
show "$A" stat --all packages.alder
timed "stat" "$A" stat --all packages.alder
show "$A" get packages.alder "$LOOKUP" "| grep -E '^(Package|Version|Section|Installed-Size):'"
timed_to get.out "get $LOOKUP" "$A" get packages.alder "$LOOKUP"
grep -E '^(Package|Version|Section|Installed-Size):' get.out | sed 's/^/               /'
show "$A" scan --prefix "$PREFIX" --keys-only packages.alder "| wc -l"
timed_to scan.out "scan --prefix $PREFIX" "$A" scan --prefix "$PREFIX" --keys-only packages.alder
echo "               $(wc -l < scan.out) keys; first 5: $(head -5 scan.out | tr '\n' ' ')"
show "$A" scan --db by_section --keys-only packages.alder "| sed 's/\\\\00.*//' | uniq -c | sort -rn | head -5"
timed_to sections.out "scan by_section" "$A" scan --db by_section --keys-only packages.alder
sed 's/\\00.*//' sections.out | uniq -c | sort -rn | head -5 | sed 's/^/          /'
echo "               $(sed 's/\\00.*//' sections.out | uniq | wc -l) sections"

echo
echo "== 4. verify, copy --compact, and the dumps agree"
show "$A" verify packages.alder
timed "verify" "$A" verify packages.alder
show "$A" copy --compact packages.alder compact.alder
timed "copy --compact" "$A" copy --compact packages.alder compact.alder
timed "verify copy" "$A" verify compact.alder
"$A" dump --all packages.alder > a.dump
"$A" dump --all compact.alder > c.dump
"$A" dump --all direct.alder > d.dump
cmp -s a.dump c.dump && echo "               dump of the compact copy == dump of the original"
cmp -s a.dump d.dump && echo "               dump after load-debian == dump after load"
grep -v '^mapsize=' packages.dump > p.norm; grep -v '^mapsize=' a.dump > a.norm
cmp -s p.norm a.norm && echo "               alder dump --all == the loaded stream (byte for byte, mapsize= aside)"
norm() { grep -vE '^(mapsize|maxreaders|db_pagesize|mapaddr)='; }
if cmp -s <(mdb_dump -n -s by_section packages.mdb | norm) <("$A" dump --db by_section packages.alder | norm); then
  echo "               mdb_dump -s by_section (LMDB) == alder dump --db by_section"
fi

echo
echo "== 5. file sizes"
printf '               %-34s %12s bytes\n' "dump text" "$(stat -c %s packages.dump)" \
  "alder (load)" "$(stat -c %s packages.alder)" \
  "alder (copy --compact)" "$(stat -c %s compact.alder)" \
  "LMDB (mdb_load, data file)" "$(stat -c %s packages.mdb)"
