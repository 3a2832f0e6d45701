"""The two parts of a refit that loading a saved model waited on, against their former way
in the same process.

`Recommender.load` refits the population from the saved log (the log is the truth; derived
statistics are not saved twice), and `dayone recommend` pays it on every call. On a shop's
log of 44k purchases by 8,400 people most of it was the taste factors'
row-by-row least squares (one small solve per user, per iteration) and building each user's
history from per-user DataFrame groups. Now the taste factors solve the user side in stacks
(`taste.BATCH_ROWS`), and the histories come from one pass over plain lists. This times both
on a synthetic log of that shape (Zipf item popularity, 5 events per user) and prints each
next to its former way:

    python benchmarks/refit_parts.py [--users 8400] [--items 2000] [--repeats 3]

Lines: `als user side, stacked over row by row: 0.NNx` and `histories, one pass over
groupby: 0.NNx` (below 1 is faster).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
import pandas as pd
import scipy.sparse as sp

from dayone.data.interactions import normalise_interactions
from dayone.profiles import HistoryEntry
from dayone.rankers.foldin import _solve_side_batched, _solve_side_rows
from dayone.recommender.recommender import _histories
from dayone.recommender.taste import ALPHA, FACTORS, REG


def best_of(repeats: int, run: Callable[[], object]) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        run()
        times.append(time.perf_counter() - t)
    return min(times)


def groupby_histories(df: pd.DataFrame) -> dict[str, list[HistoryEntry]]:
    """The former way (before the eighteenth session), kept here as the baseline."""
    out = {}
    for user, group in df.groupby("user", sort=False):
        out[str(user)] = [
            HistoryEntry(item=str(it), rating=None if np.isnan(r) else float(r),
                         weight=None if np.isnan(w) else float(w), liked=None if np.isnan(lk) else bool(lk))
            for it, r, w, lk in zip(group["item"], group["rating"], group["weight"], group["liked"], strict=True)
        ]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--users", type=int, default=8_400)
    ap.add_argument("--items", type=int, default=2_000)
    ap.add_argument("--events", type=int, default=5, help="per user")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    n = args.users * args.events
    users = np.repeat(np.arange(args.users), args.events)
    items = (rng.zipf(1.3, size=n) - 1) % args.items
    df = normalise_interactions(pd.DataFrame({
        "user": [f"u{u}" for u in users], "item": [f"i{i}" for i in items],
        "liked": np.where(rng.random(n) < 0.8, 1.0, np.nan)}))
    X = sp.csr_matrix((np.ones(n), (users, items)), shape=(args.users, args.items))
    X.data[:] = 1.0
    Y = rng.normal(0, 0.1, (args.items, FACTORS))

    rows = best_of(args.repeats, lambda: _solve_side_rows(X, Y, REG, ALPHA))
    stacked = best_of(args.repeats, lambda: _solve_side_batched(X, Y, REG, ALPHA))
    np.testing.assert_allclose(_solve_side_rows(X, Y, REG, ALPHA), _solve_side_batched(X, Y, REG, ALPHA),
                               rtol=1e-6, atol=1e-9)
    print(f"log: {args.users} users, {args.items} items, {n} events")
    print(f"als user side: row by row {rows * 1000:.0f} ms, stacked {stacked * 1000:.0f} ms")
    old = best_of(args.repeats, lambda: groupby_histories(df))
    new = best_of(args.repeats, lambda: _histories(df))
    print(f"histories: groupby {old * 1000:.0f} ms, one pass {new * 1000:.0f} ms")
    print(f"als user side, stacked over row by row: {stacked / rows:.2f}x")
    print(f"histories, one pass over groupby: {new / old:.2f}x")


if __name__ == "__main__":
    main()
