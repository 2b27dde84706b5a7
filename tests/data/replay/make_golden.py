#!/usr/bin/env python3
"""Makes the small replay traces and libCacheSim's golden miss counts for them.

Optional: the committed outputs are what the tests read, and the tests do not
need Python. Rerun only to change the traces:

    pip install libcachesim==0.3.5 numpy
    python3 tests/data/replay/make_golden.py

Writes, next to this script:
  zipf_sizes.csv            timestamp,obj_id,size with a header (CSV reader)
  zipf_sizes.oracleGeneral  the same requests, 24-byte records (size-0 kept)
  converted.oracleGeneral   libCacheSim's own conversion of the CSV
                            (Util.convert_to_oracleGeneral), to pin the writer
  golden.csv                one row per (reader, mode, policy, size, warm-up)

Warm-up w: requests 0..w go through the cache uncounted, w..end are counted
(libCacheSim has no warm-up in process_trace; this is what two calls on the
same cache do). Request indices count the requests the reader delivers, i.e.
after size-0 requests are dropped.
"""

import csv
import os
import struct

import numpy as np
import libcachesim as lcs

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 20251126
N_OBJECTS = 400
N_REQUESTS = 4000
ZIPF_ALPHA = 0.9
HASHPOWER = 16  # small tables: these traces hold a few hundred objects

POLICIES = {
    "lru": lcs.LRU,
    "fifo": lcs.FIFO,
    "lfu": lcs.LFU,
    "sieve": lcs.Sieve,
    "clock": lcs.Clock,
    "s3fifo": lcs.S3FIFO,
}
OBJECT_SIZES = [20, 50, 100, 200]
BYTE_FRACTIONS = [0.01, 0.05, 0.1, 0.3]
WARMUPS = [0, 1000]


def make_requests():
    rng = np.random.default_rng(SEED)
    ranks = np.arange(1, N_OBJECTS + 1)
    p = ranks ** -ZIPF_ALPHA
    p /= p.sum()
    # Object ids are scattered, not 0..N, so the readers' hashing is exercised.
    ids = rng.choice(np.arange(1, 10**9), size=N_OBJECTS, replace=False)
    sizes = np.maximum(1, rng.lognormal(mean=7.5, sigma=1.2, size=N_OBJECTS)).astype(np.int64)
    # A few objects larger than the small caches (and than some byte caches).
    for k in rng.choice(N_OBJECTS, size=6, replace=False):
        sizes[k] = int(rng.integers(150_000, 600_000))
    picks = rng.choice(N_OBJECTS, size=N_REQUESTS, p=p)
    requests = []
    t = 1_700_000_000
    for i, k in enumerate(picks):
        t += int(rng.integers(0, 3))
        size = int(sizes[k])
        u = rng.random()
        if u < 0.02:
            size = 0  # dropped by the reader, never counted
        elif u < 0.03:
            size = max(1, size // 2 + 1)  # a size change: a hit keeps the stored size
        requests.append((t, int(ids[k]), size))
    return requests


def next_access(requests):
    """1-based index of the next request to the same object, -1 if none."""
    nxt = [-1] * len(requests)
    last = {}
    for i in range(len(requests) - 1, -1, -1):
        oid = requests[i][1]
        nxt[i] = last.get(oid, -1)
        last[oid] = i + 1
    return nxt


def write_traces(requests):
    with open(os.path.join(HERE, "zipf_sizes.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["timestamp", "obj_id", "size"])
        w.writerows(requests)
    with open(os.path.join(HERE, "zipf_sizes.oracleGeneral"), "wb") as f:
        for (t, oid, size), nxt in zip(requests, next_access(requests)):
            f.write(struct.pack("<IQIq", t, oid, size, nxt))


def csv_params(ignore_size):
    p = lcs.ReaderInitParam(
        has_header=True, has_header_set=True, delimiter=",", ignore_obj_size=ignore_size
    )
    p.time_field, p.obj_id_field, p.obj_size_field = 1, 2, 3
    p.obj_id_is_num, p.obj_id_is_num_set = True, True
    return p


def open_reader(kind, ignore_size):
    if kind == "csv":
        return lcs.TraceReader(
            os.path.join(HERE, "zipf_sizes.csv"), lcs.TraceType.CSV_TRACE, csv_params(ignore_size)
        )
    return lcs.TraceReader(
        os.path.join(HERE, "zipf_sizes.oracleGeneral"),
        lcs.TraceType.ORACLE_GENERAL_TRACE,
        lcs.ReaderInitParam(ignore_obj_size=ignore_size),
    )


def read_all(reader):
    reader.reset()
    return [(r.obj_id, r.obj_size) for r in reader]


def replay(policy, size, requests, warmup):
    cache = POLICIES[policy](size, hashpower=HASHPOWER)
    n = misses = b_req = b_miss = 0
    for i, (oid, osize) in enumerate(requests):
        req = lcs.Request(obj_size=osize, obj_id=oid)
        hit = cache.get(req)
        if i >= warmup:
            n += 1
            b_req += osize
            if not hit:
                misses += 1
                b_miss += osize
    return cache, n, misses, b_req, b_miss


def cross_check(policy, size, reader, n, misses, b_req, b_miss):
    """The request-by-request counts must agree with c_process_trace."""
    cache = POLICIES[policy](size, hashpower=HASHPOWER)
    omr, bmr = cache.process_trace(reader)
    assert abs(omr - misses / n) < 1e-9, (policy, size, omr, misses / n)
    assert abs(bmr - b_miss / b_req) < 1e-9, (policy, size, bmr, b_miss / b_req)


def main():
    requests = make_requests()
    write_traces(requests)
    reader = open_reader("csv", False)
    lcs.Util.convert_to_oracleGeneral(reader._reader, os.path.join(HERE, "converted.oracleGeneral"))
    rows = []
    for kind in ["csv", "oracleGeneral"]:
        for mode in ["objects", "bytes"]:
            reader = open_reader(kind, mode == "objects")
            reqs = read_all(reader)
            if mode == "objects":
                sizes = OBJECT_SIZES
            else:
                footprint = {}
                for oid, osize in reqs:
                    footprint.setdefault(oid, osize)
                total = sum(footprint.values())
                sizes = [int(total * f) for f in BYTE_FRACTIONS]
            for policy in POLICIES:
                for size in sizes:
                    for warmup in WARMUPS:
                        _, n, m, br, bm = replay(policy, size, reqs, warmup)
                        if warmup == 0:
                            cross_check(policy, size, reader, n, m, br, bm)
                        rows.append([kind, mode, policy, size, warmup, n, m, br, bm])
    with open(os.path.join(HERE, "golden.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["reader", "mode", "policy", "cache_size", "warmup", "requests",
                    "misses", "bytes_requested", "bytes_missed"])
        w.writerows(rows)
    print(f"{len(rows)} golden rows, libcachesim {lcs.__version__ if hasattr(lcs, '__version__') else '?'}")


if __name__ == "__main__":
    main()
