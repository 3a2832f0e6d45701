"""How far can a brand-new item's *quality* be told from its content? A ceiling check for
ml100k-newitem's primary metric.

`auc_rated` compares, per user, the new items that user liked with those they rated but did
not like. Which items people agree are good (the item's rating bias b_i) carries most of it;
the cold-item ranker predicts b_i from content (`content_rating.UserContentRating.quality`).
This script holds out a fifth of the *warm* items of the task's train split (seeded, several
times), fits content -> b_i on the rest and scores each user's held-out rated items by the
prediction alone, against:

- the oracle: b_i computed from the other users' ratings of the held-out item (what a
  perfect quality model could know; the user's own rating is left out);
- content predictors: ridge on MiniLM + attributes (what the ranker uses), optionally with
  multilingual-e5 vectors beside it (`--e5`, encodes the catalogue once more, ~1 min),
  and a gradient-boosted regressor on the attributes and hand-made title features.

Reads only train.jsonl and items.jsonl (never truth.jsonl).

    python scripts/new_item_quality_ceiling.py ../shared/bench/tasks/ml100k-newitem [--e5]
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any

import numpy as np
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import Ridge

from dayone.bench.encoding import item_text
from dayone.bench.runner import _LazyEncoder
from dayone.bench.task import load_task
from dayone.rankers.base import InteractionMatrix
from dayone.rankers.content_map import attribute_features
from dayone.rankers.content_rating import content_features, rating_biases


def title_features(item: dict[str, Any]) -> list[float]:
    """Cheap title cues a tree can combine with year and genres: a moved article (foreign or
    classic titles), an alternative title in parentheses, a sequel number, its length."""
    t = str(item.get("title", ""))
    return [
        1.0 if re.search(r", (The|A|An|La|Le|Les|L'|Il|Das|Der|Die|El)\b", t) else 0.0,
        1.0 if re.search(r"\)\s*\(", t) else 0.0,
        1.0 if re.search(r"\b(2|3|4|II|III|IV)\b", t) else 0.0,
        len(t) / 40.0,
    ]


def per_user_auc_rated(
    m: InteractionMatrix, held: np.ndarray, score_of_row: np.ndarray
) -> float:
    """Mean over users of the AUC of liked vs not-liked rows among `held` items."""
    assert m.ratings is not None and m.like_threshold is not None
    rows = np.flatnonzero(np.isin(m.items, held))
    order = rows[np.argsort(m.users[rows], kind="stable")]
    bounds = np.searchsorted(m.users[order], np.arange(m.n_users + 1))
    aucs = []
    for u in range(m.n_users):
        r = order[bounds[u] : bounds[u + 1]]
        liked = m.ratings[r] >= m.like_threshold
        pos, neg = score_of_row[r][liked], score_of_row[r][~liked]
        if len(pos) and len(neg):
            gt = (pos[:, None] > neg[None, :]).mean()
            eq = (pos[:, None] == neg[None, :]).mean()
            aucs.append(gt + 0.5 * eq)
    return float(np.mean(aucs))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("task_dir")
    parser.add_argument("--splits", type=int, default=5, help="held-out fifths of warm items")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--e5", action="store_true", help="also try multilingual-e5 vectors")
    args = parser.parse_args(argv)
    if args.splits < 1:
        parser.error(f"--splits must be at least 1, got {args.splits}")

    task, _ = load_task(args.task_dir, "trained")
    rows = task.train_interactions()
    m = InteractionMatrix.build(task.catalogue, [(r.user, r.item, r.rating, r.ts) for r in rows])
    if m.ratings is None:
        print("this task has no explicit ratings: no rated-item AUC to bound", file=sys.stderr)
        return 2
    records = [task.items[i] for i in task.catalogue]
    E = _LazyEncoder(None, task).item_vectors(task, progress=False)
    A, _ = attribute_features(records)
    X = content_features(E, A)
    predictors: dict[str, tuple[np.ndarray, str]] = {
        "ridge on MiniLM + attributes (the ranker's)": (X, "ridge"),
        "boosted trees on attributes + title cues": (
            np.hstack([A, np.array([title_features(r) for r in records])]),
            "trees",
        ),
    }
    if args.e5:
        from dayone.encoders import get_encoder

        V = get_encoder("multilingual").encode([item_text(r) for r in records])
        predictors["ridge on MiniLM + e5 + attributes"] = (
            np.hstack([X, content_features(np.asarray(V), np.zeros((len(records), 0)))]),
            "ridge",
        )

    mu, _, bi = rating_biases(m)
    ok = ~np.isnan(m.ratings)
    counts = np.bincount(m.items[ok], minlength=m.n_items)
    warm = np.flatnonzero(counts > 0)
    # the oracle: the item's mean rating from everyone else, shrunk like rating_biases
    sums = np.bincount(m.items[ok], m.ratings[ok], minlength=m.n_items)
    others = (sums[m.items] - m.ratings) / (counts[m.items] - 1 + 10.0) - mu * (
        (counts[m.items] - 1) / (counts[m.items] - 1 + 10.0)
    )
    rng = np.random.default_rng(args.seed)
    results: dict[str, list[float]] = {"oracle: other users' mean rating": []}
    results.update({name: [] for name in predictors})
    for s in range(args.splits):
        held = rng.choice(warm, size=len(warm) // 5, replace=False)
        fit_on = np.setdiff1d(warm, held)
        sub = m.drop_items(held)
        _, _, bi_fit = rating_biases(sub)
        w = np.sqrt(counts[fit_on])
        results["oracle: other users' mean rating"].append(per_user_auc_rated(m, held, others))
        for name, (F, kind) in predictors.items():
            model: Any
            if kind == "ridge":
                model = Ridge(alpha=10.0)
            else:
                model = HistGradientBoostingRegressor(
                    max_iter=200, learning_rate=0.05, max_leaf_nodes=15, min_samples_leaf=20,
                    random_state=args.seed,
                )
            model.fit(F[fit_on], bi_fit[fit_on], sample_weight=w)
            q = np.asarray(model.predict(F))
            results[name].append(per_user_auc_rated(m, held, q[m.items]))
        print(f"split {s}: " + ", ".join(f"{v[-1]:.4f}" for v in results.values()), flush=True)
    print(f"\nper-user AUC over rated held-out items ({args.splits} splits of a fifth of "
          f"{len(warm)} warm items; mean, min-max):")
    for name, v in results.items():
        print(f"  {name:<48} {np.mean(v):.4f}  ({min(v):.4f}-{max(v):.4f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
