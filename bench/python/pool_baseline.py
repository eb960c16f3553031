#!/usr/bin/env python3
"""Python's multiprocessing.Pool on the workloads of the Offload benchmark; prints one JSON object.

Standard library only. The C# benchmark (bench/Offload.Benchmarks) runs it with python3 when present and puts the
numbers next to its own in the same run; it can also be run by hand:

    python3 bench/python/pool_baseline.py --workers 2 --latency-calls 2000 --rate-calls 20000 --map-items 200000

Every measurement uses the default start method of the platform (fork on Linux up to Python 3.13), except the
start-up and idle-memory ones, which measure both spawn and fork.
"""

import argparse
import json
import multiprocessing
import os
import platform
import statistics
import sys
import time

MIB = 1024 * 1024


# --- what the workers run (module level, so that spawn can import it) ---------------------------------------------

def echo(x):
    return x


def spin(milliseconds):
    """Busy-waits for a wall-clock time, so that a task costs the same here as in the C# benchmark."""
    end = time.perf_counter() + milliseconds / 1000.0
    while time.perf_counter() < end:
        pass
    return milliseconds


def getpid(_=None):
    return os.getpid()


def announce(queue):
    """Pool initializer: tells the parent that this worker is up."""
    queue.put(os.getpid())


# --- helpers -------------------------------------------------------------------------------------------------------

def percentile(sorted_values, p):
    """Nearest-rank percentile, as in the C# benchmark."""
    rank = -(-p * len(sorted_values) // 100)  # ceil
    return sorted_values[min(max(int(rank) - 1, 0), len(sorted_values) - 1)]


def read_memory_kib(pid):
    """Rss and Pss of a process from /proc/<pid>/smaps_rollup (Linux), in KiB; None where unavailable."""
    try:
        values = {}
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 2 and parts[0] in ("Rss:", "Pss:"):
                    values[parts[0][:-1].lower()] = int(parts[1])
        return values if len(values) == 2 else None
    except OSError:
        return None


def start_ready_pool(context, workers):
    """Starts a pool and waits until every worker has run its initializer; returns (pool, milliseconds, pids)."""
    queue = context.Queue()
    start = time.perf_counter()
    pool = context.Pool(workers, initializer=announce, initargs=(queue,))
    pids = [queue.get(timeout=60) for _ in range(workers)]
    elapsed = (time.perf_counter() - start) * 1000
    return pool, elapsed, pids


# --- measurements --------------------------------------------------------------------------------------------------

def measure_latency(pool, calls, warmup):
    for i in range(warmup):
        pool.apply_async(echo, (i,)).get()
    samples = []
    for i in range(calls):
        start = time.perf_counter_ns()
        result = pool.apply_async(echo, (i,)).get()
        samples.append(time.perf_counter_ns() - start)
        assert result == i
    samples.sort()
    us = [s / 1000 for s in samples]
    return {"calls": calls, "p50": percentile(us, 50), "p90": percentile(us, 90), "p99": percentile(us, 99),
            "mean": sum(us) / len(us)}


def measure_rate(pool, calls):
    start = time.perf_counter()
    pending = [pool.apply_async(echo, (i,)) for i in range(calls)]
    results = [p.get() for p in pending]
    elapsed = time.perf_counter() - start
    assert results[-1] == calls - 1
    return {"calls": calls, "per_s": calls / elapsed, "ms": elapsed * 1000}


def measure_starmap(pool, items):
    start = time.perf_counter()
    results = pool.starmap(echo, ((i,) for i in range(items)), chunksize=1000)
    elapsed = time.perf_counter() - start
    assert len(results) == items and results[-1] == items - 1
    return {"items": items, "per_s": items / elapsed, "ms": elapsed * 1000, "chunksize": 1000}


def measure_echo(pool, mib, repetitions):
    payload = os.urandom(mib * MIB)
    assert pool.apply(echo, (payload,)) == payload  # warm-up and check
    start = time.perf_counter()
    for _ in range(repetitions):
        pool.apply(echo, (payload,))
    elapsed = time.perf_counter() - start
    return {"repetitions": repetitions, "mib_per_s": mib * repetitions / elapsed}


def measure_cpu(pool, workers, tasks, task_ms, repetitions):
    start = time.perf_counter()
    for _ in range(tasks):
        spin(task_ms)
    t1 = (time.perf_counter() - start) * 1000
    pool.map(spin, [1] * workers, chunksize=1)  # warm-up
    times = []
    for _ in range(repetitions):
        start = time.perf_counter()
        pool.map(spin, [task_ms] * tasks, chunksize=1)
        times.append((time.perf_counter() - start) * 1000)
    tw = statistics.median(times)
    return {"tasks": tasks, "task_ms": task_ms, "t1_ms": t1, "tw_ms": tw, "workers": workers,
            "efficiency": t1 / (workers * tw)}


def measure_startup_and_memory(method, workers, repetitions, settle_s):
    context = multiprocessing.get_context(method)
    times = []
    memory = None
    for r in range(repetitions):
        pool, elapsed, pids = start_ready_pool(context, workers)
        times.append(elapsed)
        if r == repetitions - 1:
            pool.map(echo, range(workers * 4), chunksize=1)  # each worker has run a call
            time.sleep(settle_s)
            readings = [m for m in (read_memory_kib(pid) for pid in pids) if m is not None]
            if readings:
                memory = {"rss_kib": statistics.median(m["rss"] for m in readings),
                          "pss_kib": statistics.median(m["pss"] for m in readings)}
        pool.terminate()
        pool.join()
    return {"ready_ms": statistics.median(times), "ready_ms_all": times}, memory


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument("--latency-calls", type=int, default=5000)
    parser.add_argument("--latency-warmup", type=int, default=500)
    parser.add_argument("--rate-calls", type=int, default=100000)
    parser.add_argument("--map-items", type=int, default=1000000)
    parser.add_argument("--echo-1mib-reps", type=int, default=50)
    parser.add_argument("--echo-16mib-reps", type=int, default=5)
    parser.add_argument("--cpu-tasks", type=int, default=64)
    parser.add_argument("--cpu-ms", type=float, default=20)
    parser.add_argument("--cpu-reps", type=int, default=3)
    parser.add_argument("--startup-reps", type=int, default=3)
    parser.add_argument("--memory-settle-ms", type=int, default=1000)
    args = parser.parse_args()

    clock = time.perf_counter()
    workers = args.workers
    default_method = multiprocessing.get_start_method()
    result = {"python": platform.python_version(), "implementation": platform.python_implementation(),
              "workers": workers, "start_method": default_method}

    with multiprocessing.Pool(workers) as pool:
        pool.map(echo, range(workers * 4), chunksize=1)
        result["latency_us"] = measure_latency(pool, args.latency_calls, args.latency_warmup)
        result["apply_async_rate"] = measure_rate(pool, args.rate_calls)
        result["starmap"] = measure_starmap(pool, args.map_items)
        result["echo"] = {"1mib": measure_echo(pool, 1, args.echo_1mib_reps),
                          "16mib": measure_echo(pool, 16, args.echo_16mib_reps)}
        result["cpu"] = measure_cpu(pool, workers, args.cpu_tasks, args.cpu_ms, args.cpu_reps)

    result["startup"] = {}
    result["idle_memory"] = {}
    for method in ("spawn", "fork"):
        startup, memory = measure_startup_and_memory(method, workers, args.startup_reps, args.memory_settle_ms / 1000)
        result["startup"][method] = startup
        result["idle_memory"][method] = memory

    result["elapsed_s"] = time.perf_counter() - clock
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
