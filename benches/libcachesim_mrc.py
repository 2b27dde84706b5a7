#!/usr/bin/env python3
"""One-pass miss-ratio curves of edgesim against libCacheSim, on the same traces.

libcachesim 0.3.5 on PyPI does not expose libCacheSim's mrcProfiler (no SHARDS
or MINISIM profiler in the Python package), so the curves are compared with
what it does expose:

- exact: edgesim's one-pass LRU curve (`replay --mrc`) against one
  libCacheSim LRU cache per size (`process_trace`); the miss ratios must be
  equal at every size;
- sampled: edgesim's SHARDS LRU curve at the rate R against libCacheSim's
  own spatial sampling (a reader with a SHARDS_SAMPLER at R) feeding an LRU
  cache of size C*R, the miniature-simulation equivalent; both as mean
  absolute error against the exact curve.

    pip install libcachesim==0.3.5
    cargo build --release --examples
    python3 benches/libcachesim_mrc.py [--dir /tmp/edgesim-bench] [--points 20] [--sample 0.01]

Prints a Markdown table for BENCHMARKS.md and docs/replay.md.
"""

import argparse
import json
import os
import subprocess
import time

import libcachesim as lcs

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RELEASE = os.path.join(ROOT, "target", "release")


def make_traces(directory):
    os.makedirs(directory, exist_ok=True)
    traces = {}
    for name, alpha in [("zipf08", "0.8"), ("zipf10", "1.0")]:
        stem = os.path.join(directory, name)
        if not os.path.exists(stem + ".oracleGeneral"):
            subprocess.run([os.path.join(RELEASE, "examples", "make_zipf_trace"), stem, "2000000", "1000000", alpha, "1"], check=True)
        traces[name] = stem + ".oracleGeneral"
    return traces


def reader(path, unit, sample=None):
    param = lcs.ReaderInitParam(ignore_obj_size=unit)
    if sample is not None:
        param = lcs.ReaderInitParam(ignore_obj_size=unit, sampler=lcs.libcachesim_python.Sampler(sample, lcs.SamplerType.SHARDS_SAMPLER))
    return lcs.TraceReader(path, lcs.TraceType.ORACLE_GENERAL_TRACE, param)


def edgesim_curves(path, unit, sizes, sample, workdir):
    cmd = [os.path.join(RELEASE, "edgesim"), "replay", path, "--mrc", "--sample", str(sample), "--exact",
           "--cache-size", ",".join(str(s) for s in sizes), "--json", "--output-dir", workdir, "--name", "mrc"]
    if unit:
        cmd.append("--ignore-size")
    start = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    wall = time.perf_counter() - start
    rows = [json.loads(line) for line in out.splitlines()]
    exact = {r["cache_size"]: r["miss_ratio"] for r in rows if r["method"] == "exact"}
    shards = {r["cache_size"]: r["miss_ratio"] for r in rows if r["method"] == "shards"}
    return exact, shards, wall


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", default="/tmp/edgesim-bench")
    parser.add_argument("--points", type=int, default=20)
    parser.add_argument("--sample", type=float, default=0.01)
    args = parser.parse_args()
    traces = make_traces(args.dir)
    print("| trace | mode | sizes | edgesim one pass (exact + SHARDS), s | libCacheSim, one LRU per size, s | max abs diff exact | MAE edgesim SHARDS | MAE libCacheSim sampled LRU |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for name, path in traces.items():
        for mode, unit in [("objects", True), ("bytes", False)]:
            n_obj, n_byte = reader(path, unit).get_working_set_size()
            total = n_obj if unit else n_byte
            sizes = sorted({int(total * k / args.points) for k in range(1, args.points + 1)})
            exact, shards, wall = edgesim_curves(path, unit, sizes, args.sample, args.dir)
            start = time.perf_counter()
            lcs_exact = {s: lcs.LRU(s, hashpower=20).process_trace(reader(path, unit))[0] for s in sizes}
            lcs_wall = time.perf_counter() - start
            lcs_sampled = {s: lcs.LRU(max(1, int(s * args.sample)), hashpower=20).process_trace(reader(path, unit, args.sample))[0] for s in sizes}
            diff = max(abs(exact[s] - lcs_exact[s]) for s in sizes)
            mae = sum(abs(shards[s] - exact[s]) for s in sizes) / len(sizes)
            mae_lcs = sum(abs(lcs_sampled[s] - exact[s]) for s in sizes) / len(sizes)
            print(f"| {name} | {mode} | {len(sizes)} | {wall:.2f} | {lcs_wall:.2f} | {diff:.2e} | {mae:.4f} | {mae_lcs:.4f} |", flush=True)


if __name__ == "__main__":
    main()
