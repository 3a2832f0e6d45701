"""Why the service runs BLAS on one thread: a request-sized product, all threads vs one.

    python benchmarks/blas_threads.py            # prints both timings and the ratio
    python benchmarks/blas_threads.py --busy 2   # the same while 2 processes keep cores busy

A request multiplies a few thousand item vectors by one query. Split over every core, each
product must wait for all of its threads to be scheduled; on a machine whose cores are busy
(other requests, other jobs) that wait dominates. Both runs happen in this process, back to
back, on the same arrays; the ratio depends on how busy the machine is, so run it under the
load you care about.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import time

import numpy as np
from threadpoolctl import threadpool_limits


def timed(fn: object, rounds: int) -> float:
    for _ in range(10):
        fn()  # type: ignore[operator]
    t0 = time.perf_counter()
    for _ in range(rounds):
        fn()  # type: ignore[operator]
    return (time.perf_counter() - t0) / rounds


def _spin(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=4096, help="item vectors per product")
    ap.add_argument("--dim", type=int, default=384)
    ap.add_argument("--rounds", type=int, default=300)
    ap.add_argument("--busy", type=int, default=0, help="CPU-bound processes running meanwhile "
                    "(other requests, other jobs)")
    args = ap.parse_args()
    hogs = [mp.Process(target=_spin, args=(600.0,), daemon=True) for _ in range(args.busy)]
    for h in hogs:
        h.start()
    rng = np.random.default_rng(0)
    mat = rng.standard_normal((args.rows, args.dim)).astype(np.float32)
    vec = rng.standard_normal(args.dim).astype(np.float32)
    many = timed(lambda: mat @ vec, args.rounds)
    with threadpool_limits(1, user_api="blas"):
        one = timed(lambda: mat @ vec, args.rounds)
    for h in hogs:
        h.terminate()
    print(f"cpus {os.cpu_count()}, {args.busy} busy processes, load average {os.getloadavg()[0]:.1f}")
    print(f"{args.rows}x{args.dim} mat-vec, default BLAS threads: {many * 1e3:.3f} ms")
    print(f"{args.rows}x{args.dim} mat-vec, one BLAS thread:     {one * 1e3:.3f} ms")
    print(f"ratio (default / one thread): {many / one:.1f}")


if __name__ == "__main__":
    main()
