"""Ranking brand-new items (no interactions at all) for known users.

A cold item is known only by its content, so every strategy goes through content:
- text: the user's rating-centred profile in embedding space, and a content kNN predicting
  the user's rating from their most similar rated items (zero-shot: no learned parameters);
- content maps learned on warm items (ridge): embedding + attributes -> the item's ALS
  factors (scored with the user's ALS factor), -> log popularity, -> mean rating;
- attribute affinity: the user's centred mean rating per attribute value (e.g. genre);
- with explicit ratings: the user's predicted rating from content (`content_rating.py`, item
  quality + a per-user taste model), and the content-mapped factors of two more ALS models,
  one fitted on liked interactions only and one on disliked ones (folded in from the user's
  liked / disliked items). The all-interactions factor map predicts *whether* a user rates an
  item but says nothing about liked vs disliked among rated items (validation AUC ~0.51 there);
  the liked/disliked maps and the rating model carry that; a saturated copy of the
  liked-only score (`_saturate`) lifts likely-rated items without reordering them.
In the `trained` setting the blend weights are found by coordinate ascent on simulated cold
splits (a fifth of the warm items lose all their interactions; strategies are refitted without
them), maximising a weighted mean of per-user AUC (liked vs rest) and AUC over rated items
(liked vs disliked), weighted towards the latter, the task's primary metric.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from dayone.rankers.base import InteractionMatrix, UserEvidence, simulated_users_within_budget
from dayone.rankers.blend import CoordinateAscentBlend, standardise_per_user
from dayone.rankers.content_map import ContentRegressor, attribute_features
from dayone.rankers.content_rating import UserContentRating, content_features
from dayone.rankers.foldin import ALSFoldIn
from dayone.rankers.lexical import LexicalSimilarity
from dayone.rankers.popularity import PopularityPriors
from dayone.rankers.text import TextSimilarity

FEATURES = [
    "text_pref",
    "text_knn",
    "mapped_cf",
    "pred_pop",
    "pred_quality",
    "attr_affinity",
    "user_rating",
    "mapped_cf_liked",
    "mapped_cf_disliked",
    "liked_cf_saturated",
]
# weight of AUC over rated items (liked vs disliked) against AUC over all candidates in the
# blend objective. On held-out simulated splits of ml100k train: 0.5 -> (auc 0.767, rated
# 0.616), 0.6 -> (0.754, 0.625), 0.67 -> (0.727, 0.639); 0.6 leans to the primary metric
# without letting all-candidate AUC collapse
RATED_WEIGHT = 0.6
# Zero-shot only: word overlap (TF-IDF) of a candidate with everything the user interacted
# with, not centred on their ratings, in z-units. The zero-shot terms above are all
# rating-centred, so they order liked vs disliked but not which new items a user will take
# up at all; the bench's own TF-IDF content floor beat them on all-candidate AUC. Chosen on
# mls-newitem (scripts/variant_tasks.py) among 0.5 and 1 of this or of the sentence
# encoder's similarity: 0.5 lifts AUC 0.608 -> 0.655 and recall@20 0.111 -> 0.151 at AUC
# over rated items 0.610 -> 0.606; ml100k-newitem moves the same way (docs/benchmarks.md).
REACH_WEIGHT = 0.5


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
    rating: UserContentRating | None = None
    liked_als: ALSFoldIn | None = None
    liked_map: ContentRegressor | None = None
    disliked_als: ALSFoldIn | None = None
    disliked_map: ContentRegressor | None = None

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
        fitted = cls(text, als, factor_map, pop_map, quality_map, A, C, m.like_threshold)
        if m.ratings is not None:
            fitted.rating = UserContentRating.fit(m, content_features(E, A))
            positive = m.positive_mask()
            fitted.liked_als, fitted.liked_map = _mapped_als(m, positive, C, seed)
            if (~positive).sum() >= 10 * m.n_users**0.5:
                fitted.disliked_als, fitted.disliked_map = _mapped_als(m, ~positive, C, seed)
        return fitted

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
        if self.rating is not None:
            F[:, 6] = self.rating.score(user, cand)
        if len(user.items) and (self.liked_als is not None or self.disliked_als is not None):
            liked = _liked(user, self.like_threshold)
            for col, als, fmap, sel in (
                (7, self.liked_als, self.liked_map, liked),
                (8, self.disliked_als, self.disliked_map, ~liked),
            ):
                if als is not None and fmap is not None and sel.any():
                    F[:, col] = fmap.predict(self.C[cand]) @ als.user_factor(user.items[sel])
            F[:, 9] = _saturate(F[:, 7])
        return F


def _saturate(v: np.ndarray) -> np.ndarray:
    """A logistic squash of the user's standardised liked-factor score.

    Which items a user will rate at all separates liked items from the unrated bulk (AUC over
    all candidates), but among the items the user did rate it is mostly noise. Saturated, it
    still lifts the likely-rated block over the rest while leaving the order *inside* that
    block to the rating features; on held-out simulated splits it raised rated-item AUC by
    ~0.006-0.011 at (nearly) the same all-candidate AUC.
    """
    sd = float(v.std())
    if sd == 0:
        return np.zeros_like(v)
    return np.asarray(1.0 / (1.0 + np.exp(-2.0 * (v - v.mean()) / sd)), dtype=v.dtype)


def _liked(user: UserEvidence, like_threshold: float | None) -> np.ndarray:
    """Which history items the user liked: rating >= threshold, else the explicit flag, else
    (a bare interaction) yes."""
    out = np.ones(len(user.items), dtype=bool)
    r = user.ratings
    for k in range(len(user.items)):
        if len(r) > k and not np.isnan(r[k]) and like_threshold is not None:
            out[k] = r[k] >= like_threshold
        elif k < len(user.liked) and user.liked[k] is not None:
            out[k] = bool(user.liked[k])
    return out


def _mapped_als(
    m: InteractionMatrix, mask: np.ndarray, C: np.ndarray, seed: int
) -> tuple[ALSFoldIn, ContentRegressor]:
    """Implicit ALS on the selected interactions only, and its content -> factor map."""
    X = sp.csr_matrix(
        (np.ones(int(mask.sum()), dtype=np.float32), (m.users[mask], m.items[mask])),
        shape=(m.n_users, m.n_items),
    )
    X.data[:] = 1.0
    als = ALSFoldIn.fit(X, factors=24, reg=20.0, alpha=5.0, iterations=6, seed=seed)
    items = np.unique(m.items[mask])
    return als, ContentRegressor.fit(C[items], als.item_factors[items])


def zero_shot_score(F: np.ndarray) -> np.ndarray:
    Z = standardise_per_user(F)
    return np.asarray(Z[:, 0] + Z[:, 1] + 0.5 * Z[:, 5])


@dataclass
class ColdItemRanker:
    source = "cold-item"
    fitted: _Fitted
    blend: CoordinateAscentBlend | None
    info: dict[str, Any] = field(default_factory=dict)
    lexical: LexicalSimilarity | None = None  # zero-shot reach term (`REACH_WEIGHT`)

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
        n_splits: int = 4,
        rated_weight: float = RATED_WEIGHT,
        item_texts: list[str] | None = None,
        max_users_per_split: int = 1500,
    ) -> ColdItemRanker:
        """`max_users_per_split` caps the simulated users of each split (a seeded sample):
        each holds a pseudo items x features block, so without it time and memory grow with
        users x items. ml-100k has about 900 per split, where nothing changes."""
        A, _ = attribute_features(item_records)
        if m is None:
            m = InteractionMatrix.build(item_ids, [])
        trained = setting == "trained" and m.n_users > 0
        fitted = _Fitted.fit(m, E, A, trained, seed)
        if not trained:
            lexical = LexicalSimilarity.fit(item_texts) if item_texts is not None else None
            info: dict[str, Any] = {
                "strategy": "text zero-shot",
                "reach_weight": REACH_WEIGHT if lexical is not None else 0.0,
            }
            return cls(fitted, None, info, lexical)
        rng = np.random.default_rng(seed)
        warm = np.unique(m.items)
        # several simulated splits, pooled: which fifth of the warm items plays "new" moves the
        # fitted weights a lot (the 3 bench seeds of one split each spread 0.58-0.61)
        splits: list[_SplitUsers] = []
        n_pseudo = max(1, int(cold_fraction * len(warm)))
        max_users_per_split = simulated_users_within_budget(
            max_users_per_split, n_pseudo * n_splits, len(FEATURES)
        )
        for _ in range(n_splits):
            pseudo = rng.choice(warm, size=n_pseudo, replace=False)
            batch = _simulated_users(m, pseudo, E, A, seed, max_users_per_split)
            if batch is not None:
                splits.append(batch)
        n_simulated = sum(len(b.Z) for b in splits)

        def combined(w: np.ndarray) -> float:
            total = 0.0
            for batch in splits:
                rest, rated = batch.auc_terms(w)
                total += float(((1.0 - rated_weight) * rest + rated_weight * rated).sum())
            return total / max(n_simulated, 1)

        start = np.zeros(len(FEATURES))
        if fitted.rating is not None:
            start[FEATURES.index("user_rating")] = 1.0
        else:
            start[0], start[1], start[5] = 1.0, 1.0, 0.5
        blend = _ascend(start, combined)
        info = {
            "simulated_users": n_simulated,
            "simulated_splits": n_splits,
            "pseudo_cold_items": n_pseudo,
            "rated_weight": rated_weight,
            "val_auc_mix_start": round(combined(start), 4),
            "val_auc_mix_blend": round(blend.val_metric, 4),
            "weights": {k: float(v) for k, v in zip(FEATURES, blend.w, strict=True) if v},
        }
        return cls(fitted, blend, info)

    def score_candidates(self, user: UserEvidence, cand: np.ndarray) -> np.ndarray:
        F = self.fitted.features(user, cand)
        if self.blend is not None:
            return self.blend.predict(F)
        score = zero_shot_score(F)
        if self.lexical is not None and len(user.items):
            reach = self.lexical.batch([user.items], decay=1.0)[0][0][cand]
            sd = float(reach.std())
            if sd > 0:
                score = score + REACH_WEIGHT * (reach - reach.mean()) / sd
        return score

    def score(self, user: UserEvidence) -> np.ndarray:
        n = self.fitted.C.shape[0]
        return self.score_candidates(user, np.arange(n))


@dataclass
class _SplitUsers:
    """One simulated split's users over its pseudo-cold items, stacked so that the blend
    objective ranks them all in one call (a Python loop over users ranked each user's list
    separately and took 90% of a fit: 1.7M rank calls on a 750-user synthetic task)."""

    Z: np.ndarray  # users x pseudo items x features, standardised per user
    liked: np.ndarray  # users x pseudo items, bool
    disliked: np.ndarray  # users x pseudo items, bool: rated but not liked

    def auc_terms(self, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per user: AUC of the liked items against every other candidate, and against the
        rated-but-disliked ones (0.5 where a side is empty), with ties counted 1/2."""
        from scipy.stats import rankdata

        S = self.Z @ w.astype(np.float32)
        n = S.shape[1]
        k = self.liked.sum(axis=1)
        ranks = rankdata(S, axis=1)
        rest = _auc_from_ranks(ranks, self.liked, k, n - k)
        rated = self.liked | self.disliked
        # rank inside the rated subset: everything else goes below it, then is discounted
        inside = rankdata(np.where(rated, S, -np.inf), axis=1) - (n - rated.sum(axis=1))[:, None]
        return rest, _auc_from_ranks(inside, self.liked, k, self.disliked.sum(axis=1))


def _auc_from_ranks(
    ranks: np.ndarray, pos: np.ndarray, k: np.ndarray, n_neg: np.ndarray
) -> np.ndarray:
    rank_sum = np.where(pos, ranks, 0.0).sum(axis=1)
    ok = (k > 0) & (n_neg > 0)
    denom = np.where(ok, k * n_neg, 1)
    return np.where(ok, (rank_sum - k * (k + 1) / 2) / denom, 0.5)


def _simulated_users(
    m: InteractionMatrix,
    pseudo: np.ndarray,
    E: np.ndarray,
    A: np.ndarray,
    seed: int,
    max_users: int | None = None,
) -> _SplitUsers | None:
    """Refit without the `pseudo` items; for the users who liked one of them (at most
    `max_users`, a seeded sample), the standardised features over `pseudo` and which of
    those items each liked and rated-but-disliked."""
    sim_fit = _Fitted.fit(m.drop_items(pseudo), E, A, True, seed)
    in_pseudo = np.isin(m.items, pseudo)
    pos_mask = m.positive_mask()
    local = np.full(m.n_items, -1, dtype=np.int64)
    local[pseudo] = np.arange(len(pseudo))
    order = np.argsort(m.users, kind="stable")
    bounds = np.searchsorted(m.users[order], np.arange(m.n_users + 1))
    liked_pseudo = np.bincount(m.users[in_pseudo & pos_mask], minlength=m.n_users)
    eligible = [int(u) for u in np.flatnonzero(liked_pseudo)]
    if max_users is not None and len(eligible) > max_users:
        pick = np.random.default_rng(seed + 7919).choice(len(eligible), max_users, replace=False)
        eligible = [eligible[k] for k in np.sort(pick)]
    if not eligible:
        return None
    Z = np.zeros((len(eligible), len(pseudo), len(FEATURES)), dtype=np.float32)
    liked_m = np.zeros((len(eligible), len(pseudo)), dtype=bool)
    disliked_m = np.zeros_like(liked_m)
    for r, u in enumerate(eligible):
        rows = order[bounds[u] : bounds[u + 1]]
        test_rows = rows[in_pseudo[rows]]
        liked = test_rows[pos_mask[test_rows]]
        hist = rows[~in_pseudo[rows]]
        ratings = m.ratings[hist] if m.ratings is not None else np.full(len(hist), np.nan)
        ev = UserEvidence(items=m.items[hist], ratings=ratings)
        Z[r] = standardise_per_user(sim_fit.features(ev, pseudo))
        pos = np.unique(local[m.items[liked]])
        neg = np.setdiff1d(np.unique(local[m.items[test_rows[~pos_mask[test_rows]]]]), pos)
        liked_m[r, pos] = True
        disliked_m[r, neg] = True
    return _SplitUsers(Z, liked_m, disliked_m)


def _ascend(
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
