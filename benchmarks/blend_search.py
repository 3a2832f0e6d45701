"""What one step of the rankers' coordinate-ascent searches costs: the blend metric over
simulated cold users, dayone's `ndcg_at` against the `np.isin` form it replaced.

    python benchmarks/blend_search.py                    # 750 users x 1,682 items, 50 positives each
    python benchmarks/blend_search.py --items 4400 --users 3000 --positives 1

The new-user and sequence rankers choose their blend weights and kNN kernels by coordinate
ascent, and each trial scores every simulated user's list with NDCG@10: about a million
calls on a trained ml100k-newuser run. The two forms are timed interleaved, round by round,
in this process, their results checked equal, and the last line prints the ratio
(baseline seconds / dayone seconds, best round each). Synthetic data: only cost is measured.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from dayone.rankers.blend import blend_metric, ndcg_at


def isin_ndcg(scores: np.ndarray, positives: np.ndarray, k: int) -> float:
    """The baseline: membership of the top k by `np.isin`, discounts built per call."""
    if not len(positives):
        return 0.0
    k_eff = min(k, len(scores))
    top = np.argpartition(-scores, k_eff - 1)[:k_eff]
    top = top[np.argsort(-scores[top], kind="stable")]
    hits = np.isin(top, positives)
    discounts = 1.0 / np.log2(np.arange(2, k_eff + 2))
    ideal = discounts[: min(len(positives), k_eff)].sum()
    return float((hits * discounts).sum() / ideal)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--items", type=int, default=1682)
    ap.add_argument("--users", type=int, default=750)
    ap.add_argument("--positives", type=int, default=50)
    ap.add_argument("--features", type=int, default=8)
    ap.add_argument("--trials", type=int, default=30, help="weight vectors scored per round")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    users = []
    for _ in range(args.users):
        Z = rng.standard_normal((args.items, args.features)).astype(np.float32)
        pos = rng.choice(args.items, size=min(args.positives, args.items), replace=False)
        excl = rng.choice(args.items, size=3, replace=False)
        users.append((Z, pos, excl))
    trials = [rng.standard_normal(args.features) for _ in range(args.trials)]

    def run(metric_fn: object) -> tuple[float, list[float]]:
        t0 = time.perf_counter()
        values = [blend_metric(users, w, 10, metric_fn) for w in trials]  # type: ignore[arg-type]
        return time.perf_counter() - t0, values

    def baseline(s: np.ndarray, p: np.ndarray) -> float:
        return isin_ndcg(s, p, 10)

    def ours(s: np.ndarray, p: np.ndarray) -> float:
        return ndcg_at(s, p, 10)

    best = {"baseline": np.inf, "dayone": np.inf}
    for r in range(args.rounds):
        t_base, v_base = run(baseline)
        t_ours, v_ours = run(ours)
        if v_base != v_ours:
            raise SystemExit("the two forms disagree")
        best["baseline"] = min(best["baseline"], t_base)
        best["dayone"] = min(best["dayone"], t_ours)
        print(f"round {r + 1}: baseline {t_base:.2f} s, dayone {t_ours:.2f} s "
              f"({args.trials} weight vectors x {args.users} users)")
    print(f"ratio: {best['baseline'] / best['dayone']:.2f}")


if __name__ == "__main__":
    main()
