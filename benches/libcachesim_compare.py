#!/usr/bin/env python3
"""Replay throughput of edgesim against libCacheSim, measured in one session.

Both replay the same 2M-request Zipf traces (written by the example
make_zipf_trace, CSV and oracleGeneral) through one cache of 10 % of the
footprint, single cache, and the wall time of the replay is measured (for
libCacheSim: c_process_trace, cache construction excluded; for edgesim: the
example replay_throughput, which opens, reads and replays). Runs are
interleaved and the median of REPEATS is reported, with the ratio.

    pip install libcachesim==0.3.5
    cargo build --release --examples
    python3 benches/libcachesim_compare.py [--repeats 5] [--policies lru,fifo,...]
        [--readers oracleGeneral,csv] [--modes bytes,unit] [--traces zipf08,zipf10]
        [--dir /tmp/edgesim-bench]

Prints a Markdown table (M requests/s) for docs/replay.md.
"""

import argparse
import json
import os
import statistics
import subprocess
import time

import libcachesim as lcs

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(ROOT, "target", "release", "examples")
# edgesim reads the next batch while the caches replay the current one (two
# threads on this machine); --edgesim-threads 1 measures it on one thread.
THREADS = None
LCS = {"lru": lcs.LRU, "fifo": lcs.FIFO, "lfu": lcs.LFU, "sieve": lcs.Sieve, "clock": lcs.Clock, "s3fifo": lcs.S3FIFO}


def make_traces(directory):
    os.makedirs(directory, exist_ok=True)
    traces = {}
    for name, alpha in [("zipf08", "0.8"), ("zipf10", "1.0")]:
        stem = os.path.join(directory, name)
        if not os.path.exists(stem + ".oracleGeneral"):
            subprocess.run([os.path.join(EXAMPLES, "make_zipf_trace"), stem, "2000000", "1000000", alpha, "1"], check=True)
        traces[name] = stem
    return traces


def lcs_reader(path, unit):
    if path.endswith(".csv"):
        p = lcs.ReaderInitParam(has_header=True, has_header_set=True, delimiter=",", ignore_obj_size=unit)
        p.time_field, p.obj_id_field, p.obj_size_field = 1, 2, 3
        p.obj_id_is_num, p.obj_id_is_num_set = True, True
        return lcs.TraceReader(path, lcs.TraceType.CSV_TRACE, p)
    return lcs.TraceReader(path, lcs.TraceType.ORACLE_GENERAL_TRACE, lcs.ReaderInitParam(ignore_obj_size=unit))


def footprint(path, unit):
    n_obj, n_byte = lcs_reader(path, unit).get_working_set_size()
    return n_obj if unit else n_byte


def time_lcs(policy, path, size, unit, hashpower):
    reader = lcs_reader(path, unit)
    cache = LCS[policy](size, hashpower=hashpower)
    start = time.perf_counter()
    omr, _ = cache.process_trace(reader)
    return time.perf_counter() - start, omr


def time_edgesim(policy, path, size, unit):
    cmd = [os.path.join(EXAMPLES, "replay_throughput"), path, policy, str(size), "1"]
    if unit:
        cmd.append("--ignore-size")
    env = dict(os.environ)
    if THREADS:
        env["RAYON_NUM_THREADS"] = THREADS
    out = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout)
    return 2_000_000 / out["requests_per_s_median"], out["misses"] / out["requests"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--policies", default="lru")
    ap.add_argument("--dir", default="/tmp/edgesim-bench")
    ap.add_argument("--modes", default="bytes,unit")
    ap.add_argument("--readers", default="oracleGeneral,csv")
    ap.add_argument("--traces", default="zipf08,zipf10")
    ap.add_argument("--edgesim-threads", default=None)
    args = ap.parse_args()
    global THREADS
    THREADS = args.edgesim_threads
    traces = make_traces(args.dir)
    print("| trace | reader | mode | policy | libCacheSim hp20 | libCacheSim hp24 | edgesim | ratio vs hp20 | ratio vs hp24 |")
    print("|---|---|---|---|---:|---:|---:|---:|---:|")
    for name, stem in traces.items():
        if name not in args.traces.split(","):
            continue
        for ext in args.readers.split(","):
            path = f"{stem}.{ext}"
            for mode in args.modes.split(","):
                unit = mode == "unit"
                size = int(footprint(path, unit) * 0.1)
                for policy in args.policies.split(","):
                    runs = {"hp20": [], "hp24": [], "edgesim": []}
                    for _ in range(args.repeats):
                        t20, m20 = time_lcs(policy, path, size, unit, 20)
                        t24, _ = time_lcs(policy, path, size, unit, 24)
                        te, me = time_edgesim(policy, path, size, unit)
                        assert abs(m20 - me) < 1e-9, (name, ext, mode, policy, m20, me)
                        runs["hp20"].append(t20)
                        runs["hp24"].append(t24)
                        runs["edgesim"].append(te)
                    rate = {k: 2.0 / statistics.median(v) for k, v in runs.items()}
                    print(f"| {name} | {ext} | {mode} | {policy} | {rate['hp20']:.1f} | {rate['hp24']:.1f} | "
                          f"{rate['edgesim']:.1f} | {rate['edgesim'] / rate['hp20']:.2f}x | {rate['edgesim'] / rate['hp24']:.2f}x |",
                          flush=True)


if __name__ == "__main__":
    main()
