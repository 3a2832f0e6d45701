"""Ranking brand-new items (no interactions at all) for known users.

A cold item is known only by its content, so every strategy goes through content:
- text: the user's rating-centred profile in embedding space, and a content kNN predicting
  the user's rating from their most similar rated items (zero-shot: no learned parameters);
- content maps learned on warm items (ridge): embedding + attributes -> the item's ALS
  factors (scored with the user's ALS factor), -> log popularity, -> mean rating;
- attribute affinity: the user's centred mean rating per attribute value (e.g. genre).
In the `trained` setting the blend weights are found by coordinate ascent on a simulated cold
split (a fifth of the warm items lose all their interactions; strategies are refitted without
them), maximising the mean of per-user AUC (liked vs rest) and AUC over rated items.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dayone.rankers.base import InteractionMatrix, UserEvidence
from dayone.rankers.blend import CoordinateAscentBlend, standardise_per_user
from dayone.rankers.content_map import ContentRegressor, attribute_features
from dayone.rankers.foldin import ALSFoldIn
from dayone.rankers.popularity import PopularityPriors
from dayone.rankers.text import TextSimilarity

FEATURES = ["text_pref", "text_knn", "mapped_cf", "pred_pop", "pred_quality", "attr_affinity"]


def _auc(scores: np.ndarray, pos: np.ndarray, neg: np.ndarray) -> float:
    """ROC AUC of pos vs neg indices (ties count 1/2); 0.5 when a class is empty."""
    if not len(pos) or not len(neg):
        return 0.5
    sp_, sn = scores[pos], scores[neg]
    allv = np.concatenate([sp_, sn])
    ranks = _rankdata(allv)
    rp = ranks[: len(pos)].sum()
    return float((rp - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def _rankdata(x: np.ndarray) -> np.ndarray:
    from scipy.stats import rankdata

    return np.asarray(rankdata(x))


@dataclass
class _Fitted:
    text: TextSimilarity
    als: ALSFoldIn | None
    factor_map: ContentRegressor | None
    pop_map: ContentRegressor | None
    quality_map: ContentRegressor | None
    A: np.ndarray  # items x attribute columns
    C: np.ndarray  # content features used by the maps
    like_threshold: float | None

    @classmethod
    def fit(
        cls, m: InteractionMatrix, E: np.ndarray, A: np.ndarray, learned: bool, seed: int
    ) -> _Fitted:
        C = np.hstack([E, A])
        text = TextSimilarity(E, like_threshold=m.like_threshold)
        if not learned or m.n_users == 0:
            return cls(text, None, None, None, None, A, C, m.like_threshold)
        warm = np.unique(m.items)
        X = m.binary()
        als = ALSFoldIn.fit(X, factors=24, reg=20.0, alpha=5.0, iterations=6, seed=seed)
        pop = PopularityPriors.fit(m)
        factor_map = ContentRegressor.fit(C[warm], als.item_factors[warm])
        pop_map = ContentRegressor.fit(C[warm], pop.log_count[warm])
        counts = np.expm1(pop.log_count[warm])
        quality_map = ContentRegressor.fit(
            C[warm], pop.shrunk_mean[warm], alpha=5.0, weights=np.sqrt(counts)
        )
        return cls(text, als, factor_map, pop_map, quality_map, A, C, m.like_threshold)

    def features(self, user: UserEvidence, cand: np.ndarray) -> np.ndarray:
        F = np.zeros((len(cand), len(FEATURES)), dtype=np.float32)
        if len(user.items):
            F[:, 0] = self.text.score(user)[cand]
            F[:, 1] = self.text.neighbour_rating(user)[cand]
            w = user.preference_weights(self.like_threshold)
            Ah = self.A[user.items]
            counts = Ah.sum(axis=0)
            affinity = (w @ Ah) / (counts + 3.0)
            F[:, 5] = self.A[cand] @ affinity
        if self.als is not None and self.factor_map is not None and len(user.items):
            uf = self.als.user_factor(user.items)
            F[:, 2] = self.factor_map.predict(self.C[cand]) @ uf
        if self.pop_map is not None:
            F[:, 3] = self.pop_map.predict(self.C[cand])
        if self.quality_map is not None:
            F[:, 4] = self.quality_map.predict(self.C[cand])
        return F


def zero_shot_score(F: np.ndarray) -> np.ndarray:
    Z = standardise_per_user(F)
    return np.asarray(Z[:, 0] + Z[:, 1] + 0.5 * Z[:, 5])


@dataclass
class ColdItemRanker:
    source = "cold-item"
    fitted: _Fitted
    blend: CoordinateAscentBlend | None
    info: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def fit(
        cls,
        item_ids: list[str],
        item_records: list[dict[str, Any]],
        m: InteractionMatrix | None,
        users: dict[str, dict[str, Any]],
        E: np.ndarray,
        setting: str,
        seed: int = 0,
        cold_fraction: float = 0.2,
    ) -> ColdItemRanker:
        A, _ = attribute_features(item_records)
        if m is None:
            m = InteractionMatrix.build(item_ids, [])
        trained = setting == "trained" and m.n_users > 0
        fitted = _Fitted.fit(m, E, A, trained, seed)
        if not trained:
            return cls(fitted, None, {"strategy": "text zero-shot"})
        rng = np.random.default_rng(seed)
        warm = np.unique(m.items)
        pseudo = rng.choice(warm, size=max(1, int(cold_fraction * len(warm))), replace=False)
        sim_fit = _Fitted.fit(m.drop_items(pseudo), E, A, True, seed)
        in_pseudo = np.isin(m.items, pseudo)
        pos_mask = m.positive_mask()
        sims = []
        for u in range(m.n_users):
            rows = np.flatnonzero(m.users == u)
            test_rows = rows[in_pseudo[rows]]
            liked = test_rows[pos_mask[test_rows]]
            if not len(liked):
                continue
            hist = rows[~in_pseudo[rows]]
            ratings = m.ratings[hist] if m.ratings is not None else np.full(len(hist), np.nan)
            ev = UserEvidence(items=m.items[hist], ratings=ratings)
            F = sim_fit.features(ev, pseudo)
            local = {it: k for k, it in enumerate(pseudo)}
            pos = np.array([local[i] for i in np.unique(m.items[liked])])
            disliked = test_rows[~pos_mask[test_rows]]
            neg = np.array([local[i] for i in np.unique(m.items[disliked])], dtype=np.int64)
            sims.append((standardise_per_user(F), pos, neg))
        # the blend excludes nothing; "excluded" slot carries the rated negatives
        users_for_ca = [(Z, pos, np.zeros(0, dtype=np.int64)) for Z, pos, _ in sims]
        negatives = {id(Z): neg for Z, _, neg in sims}

        def metric(scores: np.ndarray, pos: np.ndarray) -> float:
            rest = np.setdiff1d(np.arange(len(scores)), pos)
            return _auc(scores, pos, rest)

        start = np.zeros(len(FEATURES))
        start[0], start[1], start[5] = 1.0, 1.0, 0.5
        # rated-only AUC needs the negatives: fold them in through a closure over the users
        rated = [(Z, pos, negatives[id(Z)]) for Z, pos, _ in users_for_ca]

        def combined(w: np.ndarray) -> float:
            total = 0.0
            for Z, pos, neg in rated:
                s = Z @ w.astype(np.float32)
                total += 0.5 * metric(s, pos) + 0.5 * _auc(s, pos, neg)
            return total / max(len(rated), 1)

        blend = _ascend(rated, start, combined)
        info = {
            "simulated_users": len(rated),
            "pseudo_cold_items": len(pseudo),
            "val_auc_mix_start": round(combined(start), 4),
            "val_auc_mix_blend": round(blend.val_metric, 4),
            "weights": {k: float(v) for k, v in zip(FEATURES, blend.w, strict=True) if v},
        }
        return cls(fitted, blend, info)

    def score_candidates(self, user: UserEvidence, cand: np.ndarray) -> np.ndarray:
        F = self.fitted.features(user, cand)
        if self.blend is None:
            return zero_shot_score(F)
        return self.blend.predict(F)

    def score(self, user: UserEvidence) -> np.ndarray:
        n = self.fitted.C.shape[0]
        return self.score_candidates(user, np.arange(n))


def _ascend(
    users: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
    start: np.ndarray,
    objective: Any,
    grid: tuple[float, ...] = (-1.0, -0.5, -0.25, 0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0),
    passes: int = 3,
) -> CoordinateAscentBlend:
    """Coordinate ascent of a linear blend on an arbitrary objective(w)."""
    w = start.astype(np.float64).copy()
    best = first = objective(w)
    for _ in range(passes):
        improved = False
        for j in range(len(w)):
            for value in grid:
                if value == w[j]:
                    continue
                trial = w.copy()
                trial[j] = value
                v = objective(trial)
                if v > best + 1e-6:
                    best, w, improved = v, trial, True
        if not improved:
            break
    return CoordinateAscentBlend(w, list(FEATURES), best, first)
