"""Implicit ALS's user-side solve on a large log: row by row vs batched (`rankers/foldin.py`).

The library refits taste factors (`recommender/taste.py`) with implicit ALS on every refit,
twice when the hand-over is learned (the shadow too). Solving each user's normal equations
in a Python loop costs tens of microseconds of overhead per user; on 100k users that
dominates the fit. `_solve_side` switches to the batched solve for sides of
`foldin.BATCH_ROWS` rows or more. This script times both on the same synthetic log
(Zipf-skewed items), interleaved round by round in one process, checks they agree, and
also times a whole `ALSFoldIn.fit` with the switch on and off. Last line:
`ratio: <row-by-row seconds / batched seconds>` for the user side (best round of each).

    python benchmarks/als_sides.py                       # 100k users, 10k items, 1M events
    python benchmarks/als_sides.py --users 20000 --items 5000 --events 300000 --rounds 2
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import scipy.sparse as sp

from dayone.rankers import foldin


def synthetic_log(users: int, items: int, events: int, seed: int = 0) -> sp.csr_matrix:
    rng = np.random.default_rng(seed)
    p = 1.0 / np.arange(1, items + 1) ** 0.8
    p /= p.sum()
    X = sp.csr_matrix(
        (np.ones(events, dtype=np.float32), (rng.integers(0, users, events), rng.choice(items, events, p=p))),
        shape=(users, items),
    )
    X.sum_duplicates()
    X.data[:] = 1.0
    return X


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--users", type=int, default=100_000)
    ap.add_argument("--items", type=int, default=10_000)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--factors", type=int, default=24)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    for name, value in vars(args).items():
        if value < 1:
            ap.error(f"--{name} must be at least 1, got {value}")
    X = synthetic_log(args.users, args.items, args.events)
    Y = np.random.default_rng(1).normal(0, 0.1, (args.items, args.factors))
    print(f"log: {X.shape[0]} users x {X.shape[1]} items, {X.nnz} events, {args.factors} factors")
    rows_s, batched_s = [], []
    for r in range(args.rounds):
        t = time.perf_counter()
        a = foldin._solve_side_rows(X, Y, 20.0, 5.0)
        rows_s.append(time.perf_counter() - t)
        t = time.perf_counter()
        b = foldin._solve_side_batched(X, Y, 20.0, 5.0)
        batched_s.append(time.perf_counter() - t)
        print(f"round {r + 1}: user side row by row {rows_s[-1]:.2f} s, batched {batched_s[-1]:.2f} s, "
              f"largest difference {np.abs(a - b).max():.1e}")
    fits = {}
    default = foldin.BATCH_ROWS
    for label, threshold in (("row by row", 10**12), ("switching", default)):
        foldin.BATCH_ROWS = threshold
        t = time.perf_counter()
        foldin.ALSFoldIn.fit(X, factors=args.factors, reg=20.0, alpha=5.0, iterations=6)
        fits[label] = time.perf_counter() - t
    print(f"whole fit (6 iterations): row by row {fits['row by row']:.1f} s, switching {fits['switching']:.1f} s "
          f"({fits['row by row'] / fits['switching']:.2f}x)")
    print(f"ratio: {min(rows_s) / min(batched_s):.2f}")


if __name__ == "__main__":
    main()
