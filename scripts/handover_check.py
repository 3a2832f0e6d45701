"""What the learned hand-over gives up by listening more, or less, to a new user's first picks.

On the demo catalogue (MovieLens latest-small) later ratings are mostly popular films, so a
visitor who picks three Pixar films is shown Forrest Gump and Shrek, not Toy Story 2
(`dayone demo`, part 3), now through the similar-users strategy ("liked by 186 of the 282
people whose picks match yours"). This prints, per evidence bucket, the replayed users'
NDCG@10 of the learned weights, its standard error, and what other history-similarity and
similar-users weights would score on the same replayed users, so the trade-off is a figure,
not an impression.

    python scripts/handover_check.py
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dayone.demo import build_demo_recommender
from dayone.recommender import handover


def main() -> int:
    rec = build_demo_recommender()
    by_bucket: dict[int, list[Any]] = {}
    score = handover._mean_ndcg

    def recording(w: np.ndarray, examples: list[Any]) -> float:
        if examples:
            by_bucket[examples[0].bucket] = examples
        return score(w, examples)

    handover._mean_ndcg = recording
    try:
        report = handover.learn_handover(rec)
    finally:
        handover._mean_ndcg = score
    names = handover.STRATEGIES
    h_i, c_i = names.index("history"), names.index("neighbours")
    for bucket in report["buckets"]:
        if "weights" not in bucket:
            continue
        examples = by_bucket[bucket["bucket"]]
        w = np.array([bucket["weights"][s] for s in names])
        per_user = np.array([handover._ndcg10(e.parts @ w, e) for e in examples])
        se = per_user.std() / np.sqrt(len(per_user))
        print(
            f"bucket {bucket['bucket']} ({len(examples)} replays): learned NDCG@10 "
            f"{per_user.mean():.4f} ± {se:.4f} (history {w[h_i]}, similar users {w[c_i]})"
        )
        for hist in (0.5, 1.0, 2.0):
            for users in (0.0, w[c_i]):
                trial = w.copy()
                trial[h_i], trial[c_i] = hist, users
                print(f"   history {hist}, similar users {users}: {score(trial, examples):.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
