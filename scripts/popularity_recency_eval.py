"""Does counting recent likes more (`popularity_half_life_days`) pick next week's hits better?

Popularity is what a brand-new visitor gets before anything else is known, and on a catalogue
whose taste moves (news, new releases) last month's favourites are a poor guess for tomorrow.
Protocol, on any dataset `dayone evaluate` reads that has event times
(`dayone.recommender.recency.walk_forward`, what `popularity_half_life_days="auto"` runs at
build): walk forward through the log in windows of `--window` days over its last `--span`
share; at each cut, count positive interactions before it (weighted by recency for a
half-life), and for every user with a positive interaction in the next window (at most 300
per window), rank the catalogue by those counts minus what that user had before the cut.
Reported: ndcg@10 of the next window's new positives, averaged over (user, window) pairs,
per half-life, with a paired bootstrap interval (users resampled) of the difference to plain
counts; then "auto" judged out of sample: chosen on the log before its last `--holdout`
share of time, scored on windows inside it.

    python scripts/popularity_recency_eval.py demo
    python scripts/popularity_recency_eval.py ../shared/data/ml-100k
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from dayone.evaluation.datasets import detect_and_load, positive_mask
from dayone.evaluation.metrics import bootstrap_ci
from dayone.recommender.recency import choose_half_life, summarise_recency, walk_forward


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", help="dataset folder, or demo")
    parser.add_argument("--half-lives", default="1,7,30,180", help="days, comma-separated")
    parser.add_argument("--window", type=float, default=None,
                        help="days per test window (default: a twentieth of the log's time span, 1 to 30)")
    parser.add_argument("--span", type=float, default=0.5, help="share of the log's time walked through")
    parser.add_argument("--holdout", type=float, default=0.25,
                        help="share of the log's time 'auto' is judged on after choosing before it")
    parser.add_argument("--seed", type=int, default=0, help="bootstrap seed")
    args = parser.parse_args(argv)
    try:
        half_lives = [float(h) for h in args.half_lives.split(",")]
    except ValueError:
        parser.error(f"--half-lives must be comma-separated numbers, got {args.half_lives!r}")
    if any(h <= 0 for h in half_lives) or (args.window is not None and args.window <= 0) or not 0 < args.span <= 1:
        parser.error("half-lives and --window must be > 0, --span in (0, 1]")

    data = detect_and_load(args.data)
    df = data.interactions
    if not data.has_timestamps or df["ts"].isna().all():
        print(f"{data.name}: no event times, nothing to measure", file=sys.stderr)
        return 2
    items = {i: r for r, i in enumerate(data.catalog.ids)}
    rows = df["item"].map(items).to_numpy(dtype=np.int64)
    users = df["user"].to_numpy(dtype=object)
    ts = df["ts"].to_numpy(dtype=float)
    positive = positive_mask(df, None)

    run = walk_forward(rows, users, ts, positive, len(items), tuple(half_lives),
                       window_days=args.window, span=args.span, seed=args.seed)
    base = run.scores[None]
    if base.size == 0:
        print(f"{data.name}: no test window has positive interactions", file=sys.stderr)
        return 2
    print(f"{data.name}: {run.windows} windows of {run.window_days:g} days, {base.size} (user, window) pairs")
    print(f"{'half-life':>12}  ndcg@10  vs plain counts [95% CI, users resampled]")
    for h, s in run.scores.items():
        label = "plain" if h is None else f"{h:g} days"
        diff = ""
        if h is not None:
            d = s - base
            lo, hi = bootstrap_ci(d, seed=args.seed, clusters=run.users)
            diff = f"{d.mean():+.4f} [{lo:+.4f}, {hi:+.4f}]"
        print(f"{label:>12}  {s.mean():.4f}   {diff}")
    # "auto" judged out of sample: chosen on the log before its last `--holdout` share of
    # time, then scored on windows inside that share against plain counts
    t0, t1 = float(np.nanmin(ts)), float(np.nanmax(ts))
    edge = t1 - args.holdout * (t1 - t0)
    early = ts < edge
    chosen, report = choose_half_life(rows[early], users[early], ts[early], positive[early], len(items),
                                      seed=args.seed)
    report["half_life_days"] = chosen
    print(f"'auto' on the log before its last {args.holdout:g} of time:", summarise_recency(report))
    if chosen is not None:
        late = walk_forward(rows, users, ts, positive, len(items), (chosen,), span=args.holdout, seed=args.seed)
        d = late.scores[chosen] - late.scores[None]
        lo, hi = bootstrap_ci(d, seed=args.seed, clusters=late.users)
        print(f"  then on {late.windows} later windows ({len(late.users)} pairs): ndcg@10 plain "
              f"{late.scores[None].mean():.4f}, {chosen:g} days {late.scores[chosen].mean():.4f}, "
              f"{d.mean():+.4f} [{lo:+.4f}, {hi:+.4f}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
