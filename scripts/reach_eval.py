"""Who does a brand-new item reach? `Recommender.users_for_item` on the new-item split.

    python scripts/reach_eval.py ../shared/data/ml-100k --seed 0
    python scripts/reach_eval.py ../shared/data/ml-latest-small --seed 1

`dayone evaluate -p new-item` asks the transposed question (rank the new items for a user).
This asks the operator's one: the library is built on the split's training view (a fifth of
the items held out with all their interactions, `evaluation.protocols.new_item_split`; they
stay in the catalogue with no interactions, as items just added), and every known user is
ranked for each held-out item. Per item with at
least one liker among the known users: AUC of its likers against every other known user,
AUC of its likers against the known users who rated it below the threshold (`auc_rated`),
and recall@20 of its likers. Means over items are printed for taste matching (the default
when the log has taste factors) and for profile matching alone (the factors switched off in
the same model), so the two differ only in how users are matched.
"""

from __future__ import annotations

import argparse
import json

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from dayone.evaluation.config import EvalConfig
from dayone.evaluation.datasets import detect_and_load, positive_mask
from dayone.evaluation.protocols import new_item_split
from dayone.evaluation.strategies import RecommenderStrategy, StrategyOptions


def _auc(scores: np.ndarray, positive: np.ndarray) -> float:
    n1, n0 = int(positive.sum()), int((~positive).sum())
    if not n1 or not n0:
        return float("nan")
    r = rankdata(scores)
    return float((r[positive].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("data")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-items", type=int, default=200, help="held-out items scored (seeded sample)")
    args = ap.parse_args()
    data = detect_and_load(args.data)
    cfg = EvalConfig(seed=args.seed, protocols=["new-item"])
    split = new_item_split(data, cfg)
    rec = RecommenderStrategy(split.view, StrategyOptions()).rec
    known = sorted(set(split.view.interactions["user"].astype(str)))
    df = data.interactions
    df = df.assign(user=df["user"].astype(str), item=df["item"].astype(str))
    threshold = split.view.positive_threshold
    pos = positive_mask(df, threshold)
    cold = sorted(split.new_items)
    rng = np.random.default_rng(args.seed)
    if len(cold) > args.max_items:
        cold = sorted(rng.choice(cold, args.max_items, replace=False).tolist())
    held = df[df["item"].isin(set(cold)) & df["user"].isin(set(known))]
    pos = pd.Series(pos, index=df.index)
    taste = rec.population.taste
    results: dict[str, dict[str, list[float]]] = {"taste": {}, "profile": {}}
    user_pos = {u: j for j, u in enumerate(known)}
    for item in cold:
        rows = held[held["item"] == item]
        likers = set(rows.loc[pos[rows.index].to_numpy(), "user"]) if len(rows) else set()
        if not likers:
            continue
        raters = set(rows["user"])
        liked = np.array([u in likers for u in known])
        rated = np.array([u in raters for u in known])
        for name in ("taste", "profile"):
            rec.population.taste = taste if name == "taste" else None
            matches = rec.users_for_item(item, n=len(known))
            score = np.full(len(known), -np.inf)
            for rank, m in enumerate(matches):
                if m.user in user_pos:
                    score[user_pos[m.user]] = -rank
            out = results[name]
            out.setdefault("auc", []).append(_auc(score, liked))
            out.setdefault("auc_rated", []).append(_auc(score[rated], liked[rated]))
            top = np.argsort(-score, kind="stable")[:20]
            out.setdefault("recall@20", []).append(float(liked[top].sum() / liked.sum()))
    rec.population.taste = taste
    summary = {
        name: {k: round(float(np.nanmean(v)), 4) for k, v in vals.items()} | {"items": len(vals["auc"])}
        for name, vals in results.items()
    }
    print(json.dumps({"data": args.data, "seed": args.seed, "taste_factors": taste is not None, **summary}))


if __name__ == "__main__":
    main()
