"""Paired comparison of two `dayone evaluate` runs on the same data and seed.

    python scripts/compare_evaluations.py NEW_DIR OLD_DIR [--metric ndcg@10] [--strategy dayone]

Reads each run's per_user.parquet (so run without --no-per-user), pairs the rows by protocol,
setting and request, and prints per setting: both means, their difference, and a 95%
bootstrap interval of the difference over requests (the same requests in both runs, so the
interval is much tighter than comparing the two runs' own intervals).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("new", type=Path)
    ap.add_argument("old", type=Path)
    ap.add_argument("--metric", default="ndcg@10")
    ap.add_argument("--strategy", default="dayone")
    ap.add_argument("--bootstrap", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    frames = []
    for name, folder in (("new", args.new), ("old", args.old)):
        path = folder / "per_user.parquet"
        if not path.exists():
            print(f"error: {path} not found (run dayone evaluate without --no-per-user)", file=sys.stderr)
            return 2
        df = pd.read_parquet(path)
        if args.metric not in df.columns:
            print(f"error: {path} has no column {args.metric!r}", file=sys.stderr)
            return 2
        df = df[df["strategy"] == args.strategy]
        frames.append(df.set_index(["protocol", "setting", "request"])[args.metric].rename(name))
    both = pd.concat(frames, axis=1, join="inner").dropna()
    if both.empty:
        print("error: no request is in both runs", file=sys.stderr)
        return 2
    rng = np.random.default_rng(args.seed)
    print(f"{args.metric}, strategy {args.strategy}: new {args.new}  vs  old {args.old}")
    print(f"{'protocol':<10} {'setting':<8} {'n':>5} {'new':>8} {'old':>8} {'diff':>8}  95% CI")
    for (protocol, setting), group in both.groupby(level=["protocol", "setting"], sort=False):
        diff = (group["new"] - group["old"]).to_numpy()
        idx = rng.integers(0, len(diff), size=(args.bootstrap, len(diff)))
        lo, hi = np.percentile(diff[idx].mean(axis=1), [2.5, 97.5])
        print(
            f"{protocol:<10} {setting:<8} {len(diff):>5} {group['new'].mean():>8.4f} "
            f"{group['old'].mean():>8.4f} {diff.mean():>+8.4f}  [{lo:+.4f}, {hi:+.4f}]"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
