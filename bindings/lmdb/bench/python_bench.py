#!/usr/bin/python3
"""python3-lmdb on whichever liblmdb.so.0 the loader picks: run it once
plainly (the real LMDB) and once through bindings/lmdb/alder-lmdb-run (or
LD_LIBRARY_PATH=<build>/bindings/lmdb/lib) for alder, and compare.

Random 16-byte keys, 100-byte values, sync=False (MDB_NOSYNC) so the disk
does not dominate. Prints per workload the median over ROUNDS and the
spread (min-max). Usage: python_bench.py [N] [ROUNDS]
"""
import os
import random
import shutil
import statistics
import sys
import tempfile
import time

import lmdb


def mapped():
    with open("/proc/self/maps") as maps:
        return sorted({l.split()[-1] for l in maps if "liblmdb" in l})


def run(n, keys, value):
    tmp = tempfile.mkdtemp(prefix="alder_lmdb_pybench_")
    try:
        env = lmdb.open(tmp, map_size=4 << 30, sync=False)
        out = {}
        t0 = time.perf_counter()
        with env.begin(write=True) as txn:
            for k in keys:
                txn.put(k, value)
        out["put, 1 txn"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        with env.begin() as txn:
            get = txn.get
            for k in keys:
                get(k)
        out["get, 1 read txn"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        with env.begin() as txn:
            count = sum(1 for _ in txn.cursor())
        assert count == n
        out["cursor iteration"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        for k in keys[: n // 4]:
            with env.begin() as txn:
                txn.get(k)
        out["read txn + 1 get"] = (time.perf_counter() - t0) * 4
        env.close()
        return out
    finally:
        shutil.rmtree(tmp)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    rng = random.Random(42)
    keys = [rng.randbytes(16) for _ in range(n)]
    value = b"v" * 100
    times = {}
    for _ in range(rounds):
        for name, t in run(n, keys, value).items():
            times.setdefault(name, []).append(t)
    print("liblmdb.so.0 mapped:", ", ".join(mapped()))
    print("N = %d, %d rounds, ops/s: median (min-max)" % (n, rounds))
    for name, ts in times.items():
        ops = sorted(n / t for t in ts)
        print("  %-20s %12.0f (%.0f-%.0f)" % (name, statistics.median(ops), ops[0], ops[-1]))


if __name__ == "__main__":
    main()
