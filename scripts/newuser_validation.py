"""Validation figures behind the cold-user choices in docs/benchmarks.md (issue 4).

Everything here is on the simulated cold split of a task's train.jsonl (4 folds of train users
hidden in turn, each given its first k ratings by time, later likes as targets), exactly as
`ColdUserRanker` builds it; truth.jsonl is never read.

    python scripts/newuser_validation.py ../shared/bench/tasks/ml100k-newuser-k1 --seed 0

prints JSON with
- `single`: val NDCG@10 of single strategies (profile popularity, EASE over lambda, EASE on
  likes only, ALS fold-in over factors/reg/alpha, the user-kNN with its default kernel);
- `heldout`: the kNN kernel tuned on one half of the simulated users and scored on the other
  (both ways, mean), for the default kernel, the tuned kernel, and the tuned kernel without
  the "early" agreement option; with `--bags B` also `bagged_b` for b = 1..B: the averaged
  scores of the first b kernels tuned on bootstrap resamples of the fitting half (what
  `ColdUserRanker` does with `KNN_BAGS`).
"""

from __future__ import annotations

import argparse
import json

import numpy as np

import dayone.rankers.userknn as userknn
from dayone.bench.task import load_task
from dayone.rankers.base import InteractionMatrix
from dayone.rankers.blend import ndcg_at
from dayone.rankers.cold_user import evidence_from_rows
from dayone.rankers.demographic import AttributePopularity
from dayone.rankers.ease import EASE
from dayone.rankers.foldin import ALSFoldIn
from dayone.rankers.prefix_net import PrefixNet

EASE_LAMBDAS = (100.0, 300.0, 1000.0, 3000.0, 10000.0)
EASE_LIKES_LAMBDAS = (300.0, 3000.0)
PREFIX_WEIGHTS = (0.0, 0.1, 0.25, 0.5, 1.0, 2.0)
ALS_GRID = ((32, 20.0, 5.0), (64, 1.0, 10.0), (64, 10.0, 10.0), (32, 50.0, 20.0), (16, 5.0, 5.0))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("task")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--folds", type=int, default=4)
    ap.add_argument("--no-single", action="store_true", help="skip the (slow) EASE/ALS grid")
    ap.add_argument(
        "--lift", action="store_true", help="also score the tuned kernel with the lift option"
    )
    ap.add_argument(
        "--era", action="store_true", help="also score the tuned kernel with the join-time option"
    )
    ap.add_argument(
        "--prefix-net",
        action="store_true",
        help="also score the tuned kernel plus the prefix network (weight chosen on the fitting half)",
    )
    ap.add_argument(
        "--bags", type=int, default=0, help="also score kernels tuned on this many bootstraps"
    )
    args = ap.parse_args()
    task, _ = load_task(args.task, "trained")
    rows = task.train_interactions()
    m = InteractionMatrix.build(task.catalogue, [(r.user, r.item, r.rating, r.ts) for r in rows])
    lengths = np.array([len(r.history) for r in task.requests] or [0])
    rng = np.random.default_rng(args.seed)
    order = rng.permutation(m.n_users)
    positive = m.positive_mask()
    single: dict[str, float] = {}
    cases = []
    prefix_scores: list[np.ndarray] = []
    for f in range(args.folds):
        held = order[f :: args.folds]
        sub = m.subset_users(np.setdiff1d(np.arange(m.n_users), held))
        demo = AttributePopularity.fit(sub, task.users)
        knn = userknn.UserKNN.fit(sub, demo)
        prefix = (
            PrefixNet.fit(sub, task.users, lengths.tolist(), seed=args.seed + f)
            if args.prefix_net
            else None
        )
        models: dict[str, object] = {}
        if not args.no_single:
            X, P = sub.binary(), sub.binary(positive_only=True)
            models |= {f"ease_{lam:g}": EASE.fit(X, lam) for lam in EASE_LAMBDAS}
            models |= {f"ease_likes_{lam:g}": EASE.fit(P, lam) for lam in EASE_LIKES_LAMBDAS}
            models |= {
                f"als_f{fa}_reg{reg:g}_a{al:g}": ALSFoldIn.fit(
                    X, factors=fa, reg=reg, alpha=al, iterations=6, seed=args.seed + f
                )
                for fa, reg, al in ALS_GRID
            }
        for u in held:
            idx = np.flatnonzero(m.users == u)
            ts = m.ts if m.ts is not None else np.zeros(len(m.users))
            idx = idx[np.lexsort((rng.random(len(idx)), ts[idx]))]
            k = int(rng.choice(lengths))
            hist, future = idx[:k], idx[k:]
            pos = np.unique(m.items[future[positive[future]]])
            if not len(pos):
                continue
            ratings = m.ratings[hist] if m.ratings is not None else np.full(k, np.nan)
            ev = evidence_from_rows(m.items[hist], ratings, task.users.get(m.user_ids[u], {}))
            nb = knn.evidence(ev)
            cases.append((knn, nb, pos, m.items[hist]))
            if prefix is not None:
                prefix_scores.append(prefix.score(ev))
            scores = {"profile_popularity": demo.score(ev)}
            scores["user_knn_default"] = knn.score_evidence(nb, knn.default_shape())
            for name, model in models.items():
                scores[name] = model.score(ev) if k else np.zeros(m.n_items)  # type: ignore[attr-defined]
            for name, s in scores.items():
                s = np.asarray(s, dtype=np.float64).copy()
                s[m.items[hist]] = -np.inf
                single[name] = single.get(name, 0.0) + ndcg_at(s, pos, 10)
    single = {name: round(v / len(cases), 4) for name, v in single.items()}

    def val(part: list, shape: userknn.KNNShape) -> float:
        return userknn.mean_ndcg(part, (shape,))

    split = np.random.default_rng(7 + args.seed).permutation(len(cases))
    halves = (
        [cases[i] for i in split[: len(split) // 2]],
        [cases[i] for i in split[len(split) // 2 :]],
    )
    default = cases[0][0].default_shape()
    heldout: dict[str, float] = {"default": 0.0, "tuned": 0.0, "tuned_without_early": 0.0}
    early = userknn.EARLY
    chosen: dict[str, list[float]] = {}
    prefix_of = {id(c[1]): s for c, s in zip(cases, prefix_scores, strict=False)}

    def _with_prefix(part: list, shape: userknn.KNNShape, w: float, log: bool) -> float:
        """Mean NDCG@10 of z(kNN share, or its log) + w * z(prefix network log-probability),
        each standardised per user as the blend does."""
        total = 0.0
        for knn_, ev_, pos_, hist_ in part:
            s = knn_.score_evidence(ev_, shape)
            s = _z(np.log(s + 1e-6) if log else s) + w * _z(prefix_of[id(ev_)])
            s[hist_] = -np.inf
            total += ndcg_at(s, pos_, 10)
        return total / max(len(part), 1)
    eras: list[float] = []

    for fit_on, check_on in (halves, halves[::-1]):
        if args.bags:
            shapes = userknn.tune_bagged(fit_on, default, args.bags, seed=args.seed)
            for b in range(1, args.bags + 1):
                name = f"bagged_{b}"
                heldout[name] = heldout.get(name, 0.0) + userknn.mean_ndcg(check_on, shapes[:b]) / 2
        heldout["default"] += val(check_on, default) / 2
        heldout["tuned"] += val(check_on, userknn.tune_shape(fit_on, default)[0]) / 2
        userknn.EARLY = (0.0,)
        heldout["tuned_without_early"] += val(check_on, userknn.tune_shape(fit_on, default)[0]) / 2
        userknn.EARLY = early
        if args.lift:
            userknn.LIFT = (0.0, 0.1, 0.25, 0.5)
            shape = userknn.tune_shape(fit_on, default)[0]
            heldout["tuned_with_lift"] = heldout.get("tuned_with_lift", 0.0) + val(check_on, shape) / 2
            userknn.LIFT = (0.0,)
        if args.prefix_net:
            shape = userknn.tune_shape(fit_on, default)[0]
            for name, log in (("tuned_plus_prefix_net", False), ("tuned_plus_prefix_net_log", True)):
                w = max(PREFIX_WEIGHTS, key=lambda w: _with_prefix(fit_on, shape, w, log))
                chosen.setdefault(name, []).append(w)
                heldout[name] = heldout.get(name, 0.0) + _with_prefix(check_on, shape, w, log) / 2
        if args.era:
            userknn.ERA = (0.0, 0.25, 0.5, 1.0, 2.0)
            shape = userknn.tune_shape(fit_on, default)[0]
            heldout["tuned_with_era"] = heldout.get("tuned_with_era", 0.0) + val(check_on, shape) / 2
            eras.append(shape.era)
            userknn.ERA = (0.0,)
    print(
        json.dumps(
            {
                "task": task.name,
                "seed": args.seed,
                "simulated_users": len(cases),
                "single": single,
                "heldout": {n: round(v, 4) for n, v in heldout.items()},
                **({"era_chosen": eras} if args.era else {}),
                **({"prefix_weight_chosen": chosen} if chosen else {}),
            }
        )
    )


def _z(x: np.ndarray) -> np.ndarray:
    sd = float(x.std())
    return (x - x.mean()) / sd if sd > 0 else np.zeros_like(x)


if __name__ == "__main__":
    main()
