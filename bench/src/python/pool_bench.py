"""Python's multiprocessing.Pool with the same workloads as src/pools/driver.mjs.

Usage: python3 pool_bench.py '<config json>'   (prints one JSON line)
Config: {"mode": "run"|"startup", "workers": 2, "tasks": 200000, "latencyN": 1000, "payloadN": 200,
         "warmup": 2000, "scenarios": ["latency", "throughput", "map", "payload"]}
The start method is the platform default (fork on Linux with Python <= 3.13).
"""
import gc
import json
import multiprocessing
import os
import sys
import time

MiB = 1 << 20


def add(a, b):
    return a + b


def inc(x):
    return x + 1


def echo(buf):
    return buf


def out(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


SETTLE_S = 0.25


def settle():
    """Before each scenario, as the Node driver does: collect garbage, then let the machine settle."""
    gc.collect()
    time.sleep(SETTLE_S)


def throughput(pool, n):
    t0 = time.perf_counter()
    pending = [pool.apply_async(add, (i, 1)) for i in range(n)]
    results = [r.get() for r in pending]
    s = time.perf_counter() - t0
    if sum(results) != n * (n - 1) // 2 + n:
        raise RuntimeError("throughput: wrong sum")
    return {"tasks": n, "seconds": s, "perSecond": n / s}


def percentile(values, p):
    s = sorted(values)
    rank = -(-p * len(s) // 100)  # ceil, nearest-rank like stats.mjs
    return s[min(len(s) - 1, max(0, rank - 1))]


def latency(pool, n):
    us = []
    for i in range(n):
        t = time.perf_counter_ns()
        r = pool.apply_async(add, (i, 1)).get()
        us.append((time.perf_counter_ns() - t) / 1000)
        if r != i + 1:
            raise RuntimeError("latency: wrong result")
    return {"tasks": n, "p50": percentile(us, 50), "p99": percentile(us, 99), "mean": sum(us) / n}


def map_(pool, n, chunksize):
    items = list(range(n))
    t0 = time.perf_counter()
    results = pool.map(inc, items) if chunksize is None else pool.map(inc, items, chunksize)
    s = time.perf_counter() - t0
    if len(results) != n or results[-1] != n:
        raise RuntimeError("map: wrong results")
    return {"items": n, "chunksize": "default" if chunksize is None else chunksize, "seconds": s, "perSecond": n / s}


def payload(pool, n):
    buf = os.urandom(MiB)
    for _ in range(min(10, n)):
        buf = pool.apply_async(echo, (buf,)).get()
    t0 = time.perf_counter()
    for _ in range(n):
        back = pool.apply_async(echo, (buf,)).get()
        if len(back) != MiB:
            raise RuntimeError("payload: wrong length")
        buf = back
    s = time.perf_counter() - t0
    return {"roundTrips": n, "seconds": s, "perSecond": n / s, "MBps": n * MiB / 1e6 / s}


def main():
    cfg = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    workers = cfg.get("workers", 2)
    if cfg.get("mode") == "startup":
        t_loaded = time.perf_counter()
        pool = multiprocessing.Pool(workers)
        t_created = time.perf_counter()
        r = pool.apply_async(add, (1, 2)).get()
        t_first = time.perf_counter()
        assert r == 3
        out({"tCreated": (t_created - t_loaded) * 1000, "tFirst": (t_first - t_loaded) * 1000})
        pool.terminate()
        return
    res = {"peer": "python", "workers": workers, "version": sys.version.split()[0],
           "startMethod": multiprocessing.get_start_method()}
    with multiprocessing.Pool(workers) as pool:
        throughput(pool, cfg.get("warmup", 2000))
        latency(pool, 200)
        want = set(cfg.get("scenarios", ["latency", "throughput", "map", "payload"]))
        n = cfg.get("tasks", 200_000)
        if "latency" in want:
            settle()
            res["latency"] = latency(pool, cfg.get("latencyN", 1000))
        if "throughput" in want:
            settle()
            res["throughput"] = throughput(pool, n)
        if "map" in want:
            settle()
            res["mapDefault"] = map_(pool, n, None)
            settle()
            res["mapChunk1"] = map_(pool, n, 1)
        if "payload" in want:
            settle()
            res["payload"] = payload(pool, cfg.get("payloadN", 200))
    out(res)


if __name__ == "__main__":
    main()
