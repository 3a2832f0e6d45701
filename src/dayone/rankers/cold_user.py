"""Ranking the catalogue for users unseen in training (from a profile and 0..k interactions).

Strategies fitted on warm users: population priors, profile-conditioned popularity, EASE,
ALS fold-in, co-occurrence, text similarity and a user-kNN over profile and first ratings.
In the `trained` setting a simulated cold split drives every choice: a fold of train users is
hidden, each given the first k of their interactions (k drawn from the request history
lengths, so the simulation matches what will be asked), and their later likes are the
targets for strategies fitted on the other folds. On that split the user-kNN's kernel is
tuned first (it is the strongest single strategy there), then a linear blend of all
strategies starting from it is searched, and kept only if it beats the kNN alone on held-out
simulated users. In the `zero-shot` setting nothing is learned from interactions:
profile-conditioned popularity (a population statistic) tilted by text similarity to the
user's history, with hand-set weights.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dayone.rankers.base import InteractionMatrix, UserEvidence, simulated_users_within_budget
from dayone.rankers.blend import CoordinateAscentBlend, standardise_per_user
from dayone.rankers.candidate_lists import CandidateLists, list_auc, targets_for
from dayone.rankers.cooccurrence import CoOccurrence
from dayone.rankers.demographic import AttributePopularity
from dayone.rankers.ease import EASE
from dayone.rankers.foldin import ALSFoldIn
from dayone.rankers.popularity import PopularityPriors
from dayone.rankers.prefix_net import PrefixNet
from dayone.rankers.sasrec import available as torch_available
from dayone.rankers.text import TextSimilarity
from dayone.rankers.userknn import (
    KNNShape,
    NeighbourEvidence,
    UserKNN,
    affordable_bags,
    bagged_score,
    mean_ndcg,
    tune_bagged,
    tune_shape,
)

FEATURES = [
    "pop_count",
    "pop_positive",
    "pop_recent",
    "pop_mean",
    "demographic",
    "ease",
    "ease_pref",
    "als",
    "cooc",
    "text",
    "text_knn",
    "n_history",
    "hist_mean_rating",
    "hist_positive_frac",
    "uknn",
    "prefix_net",
]


# kNN kernels tuned on bootstrap resamples of the simulated users, scores averaged: held-out
# NDCG@10 on the simulated split, one search vs 8 bags (scripts/newuser_validation.py --bags 8)
# is in docs/benchmarks.md
KNN_BAGS = 8

SimulatedUser = tuple[np.ndarray, tuple[UserKNN, NeighbourEvidence] | None, np.ndarray, np.ndarray]


@dataclass
class _Fitted:
    """All strategies fitted on one interaction matrix."""

    pop: PopularityPriors
    demo: AttributePopularity
    ease: EASE | None
    als: ALSFoldIn | None
    cooc: CoOccurrence | None
    text: TextSimilarity | None
    like_threshold: float | None
    knn: UserKNN | None = None
    # kernels chosen on the simulated split, their scores averaged; empty = column left 0
    knn_shapes: tuple[KNNShape, ...] = ()
    prefix: PrefixNet | None = None

    @classmethod
    def fit(
        cls,
        m: InteractionMatrix,
        users: dict[str, dict[str, Any]],
        E: np.ndarray | None,
        collaborative: bool,
        seed: int,
        ease_lam: float,
        neighbours: bool = False,
        history_lengths: list[int] | None = None,
    ) -> _Fitted:
        """`neighbours` (trained only) adds the user-kNN and, with torch installed and
        `history_lengths` given, the prefix network trained on that protocol."""
        X = m.binary()
        demo = AttributePopularity.fit(m, users)
        prefix = None
        if neighbours and history_lengths is not None and m.n_users and torch_available():
            prefix = PrefixNet.fit(m, users, history_lengths, seed=seed)
        return cls(
            PopularityPriors.fit(m),
            demo,
            EASE.fit(X, lam=ease_lam) if collaborative else None,
            ALSFoldIn.fit(X, factors=32, reg=20.0, alpha=5.0, iterations=6, seed=seed)
            if collaborative
            else None,
            CoOccurrence.fit(X) if collaborative else None,
            TextSimilarity(E, like_threshold=m.like_threshold) if E is not None else None,
            m.like_threshold,
            UserKNN.fit(m, demo) if neighbours and m.n_users else None,
            prefix=prefix,
        )

    def feature_names(self) -> list[str]:
        return FEATURES + [f"attr_{k}" for k in self.demo.attribute_keys()]

    def features(self, user: UserEvidence) -> np.ndarray:
        n = len(self.pop.log_count)
        keys = self.demo.attribute_keys()
        F = np.zeros((n, len(FEATURES) + len(keys)))
        for j, key in enumerate(keys):
            F[:, len(FEATURES) + j] = np.log(self.demo.per_attribute(user.attributes, key) + 1e-6)
        F[:, 0] = self.pop.log_count
        F[:, 1] = self.pop.log_positive
        F[:, 2] = self.pop.log_recent
        F[:, 3] = self.pop.shrunk_mean
        F[:, 4] = np.log(self.demo.score(user) + 1e-6)
        w = user.preference_weights(self.like_threshold)
        if self.ease is not None and len(user.items):
            F[:, 5] = self.ease.score(user)
            F[:, 6] = self.ease.score(user, weights=w)
        if self.als is not None and len(user.items):
            F[:, 7] = self.als.score(user)
        if self.cooc is not None and len(user.items):
            F[:, 8] = self.cooc.score(user)
        if self.text is not None and len(user.items):
            F[:, 9] = self.text.score(user)
            F[:, 10] = self.text.neighbour_rating(user)
        F[:, 11] = len(user.items)
        r = user.ratings
        if len(r) and not np.isnan(r).all():
            F[:, 12] = np.nanmean(r)
            if self.like_threshold is not None:
                F[:, 13] = np.nanmean(r >= self.like_threshold)
        if self.knn is not None and self.knn_shapes:
            F[:, 14] = bagged_score(self.knn, self.knn.evidence(user), self.knn_shapes)
        if self.prefix is not None:
            F[:, 15] = self.prefix.score(user)
        return F


@dataclass
class ColdUserRanker:
    source = "cold-user"
    items: list[str]
    fitted: _Fitted
    blend: CoordinateAscentBlend | None
    setting: str
    info: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def fit(
        cls,
        item_ids: list[str],
        m: InteractionMatrix,
        users: dict[str, dict[str, Any]],
        E: np.ndarray | None,
        setting: str,
        history_lengths: list[int],
        seed: int = 0,
        folds: int = 4,
        ease_lam: float = 300.0,
        max_sim_users: int = 1200,
        knn_bags: int = KNN_BAGS,
        candidate_lists: CandidateLists | None = None,
    ) -> ColdUserRanker:
        """`max_sim_users` caps the simulated cold users (spread over the folds): each one
        holds an items x features matrix and is re-scored at every step of the kernel and
        blend searches, so without a cap time and memory grow with train users x items (a
        6,000-user catalogue would keep 5,000 of them). 1200 is above every public task's
        count (ml-100k has about 750), where nothing changes.

        `knn_bags` kernels are tuned on bootstrap resamples of the simulated users and their
        scores averaged (`userknn.tune_bagged`); 0 = one search on all of them. Fewer bags
        are tuned where the search would be slow (`userknn.affordable_bags`).

        `candidate_lists`: the shape of the requests' own short lists (`candidate_lists.py`).
        With it the blend is searched on AUC within simulated lists drawn like theirs (a few
        of each simulated user's later likes among items drawn from the requests' lists)
        instead of on NDCG@10 over the catalogue; the kNN kernel is still tuned on the
        catalogue."""
        trained = setting == "trained"
        collaborative = trained and max(history_lengths or [0]) > 0
        fitted = _Fitted.fit(
            m, users, E, collaborative, seed, ease_lam, neighbours=trained,
            history_lengths=history_lengths,
        )
        if not trained:
            return cls(item_ids, fitted, None, setting)
        n_features = len(fitted.feature_names())
        max_sim_users = simulated_users_within_budget(max_sim_users, len(item_ids), n_features)
        raw = simulate_cold_users(
            m, users, E, history_lengths, seed, folds, ease_lam, collaborative, max_sim_users
        )
        names = fitted.feature_names()
        start = np.zeros(len(names))
        start[names.index("demographic")] = 1.0
        knn_val = None
        if fitted.knn is not None and raw:
            cases = [(nb[0], nb[1], pos, hist) for _, nb, pos, hist in raw if nb is not None]
            default = fitted.knn.default_shape()
            bags = affordable_bags(cases, knn_bags)
            if bags:
                fitted.knn_shapes = tuple(tune_bagged(cases, default, bags, seed=seed))
                knn_val = mean_ndcg(cases, fitted.knn_shapes)
            else:
                shape, knn_val = tune_shape(cases, default)
                fitted.knn_shapes = (shape,)
            start[:] = 0.0
            start[names.index("uknn")] = 1.0
        sims = [
            (standardise_per_user(_with_knn(F, nb, fitted.knn_shapes)), pos, hist)
            for F, nb, pos, hist in raw
        ]
        del raw
        lists = None
        if candidate_lists is not None:
            lists = candidate_lists.restricted_to(np.unique(m.items))
        metric_fn = None
        if lists is not None:
            sims = _as_lists(sims, lists, np.random.default_rng([seed, 1]))
            metric_fn = list_auc
        measure = "auc_in_lists" if lists is not None else "ndcg@10"
        blend, held_search, held_start = CoordinateAscentBlend.fit_if_it_generalises(
            sims, names, start, seed=seed, metric_fn=metric_fn
        )
        info = {
            "simulated_users": len(sims),
            f"val_{measure}_start": round(blend.start_metric, 4),
            f"val_{measure}_blend": round(blend.val_metric, 4),
            f"val_{measure}_heldout": {
                "blend": round(held_search, 4), "start": round(held_start, 4)
            },
            "weights": {n: float(w) for n, w in zip(names, blend.w, strict=True) if w},
        }
        if lists is not None:
            info["simulated_list_length"] = lists.length
        if fitted.knn_shapes and fitted.knn is not None:
            keys = fitted.knn.keys
            info["knn_shapes"] = [
                {
                    "attribute_power": dict(zip(keys, shape.attribute_power, strict=True)),
                    **{k: v for k, v in vars(shape).items() if k != "attribute_power"},
                }
                for shape in fitted.knn_shapes
            ]
            info["knn_val_ndcg@10"] = round(knn_val or 0.0, 4)
        if fitted.prefix is not None:
            info["prefix_net"] = fitted.prefix.info
        return cls(item_ids, fitted, blend, setting, info)

    def score(self, user: UserEvidence) -> np.ndarray:
        F = self.fitted.features(user)
        if self.blend is not None:
            return self.blend.predict(F)
        return zero_shot_score(F)


def _as_lists(
    sims: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
    shape: CandidateLists,
    rng: np.random.Generator,
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Each simulated user's catalogue-wide features cut down to a list drawn like the
    requests' lists: a few of their later likes first (those on the requests' lists where
    there are any, `targets_for`), then items from the requests' lists (never another of
    their likes nor a history item). Users without a later like drop out."""
    out = []
    for Z, pos, hist in sims:
        if not len(pos):
            continue
        targets = targets_for(rng, pos, shape.length, shape)
        listed = shape.sample(rng, targets, np.concatenate([pos, hist]))
        out.append((Z[listed], np.arange(len(targets)), np.zeros(0, dtype=np.int64)))
    return out


def zero_shot_score(F: np.ndarray) -> np.ndarray:
    """Profile popularity (log scale) plus a text tilt that grows with the history."""
    demo = F[:, FEATURES.index("demographic")]
    pop = F[:, FEATURES.index("pop_positive")]
    text = F[:, FEATURES.index("text")]
    n = F[0, FEATURES.index("n_history")] if len(F) else 0
    base = demo + 0.1 * pop
    tilt = min(1.0, n / 10.0) * 2.0
    return np.asarray(base + tilt * text)


def _z(x: np.ndarray) -> np.ndarray:
    sd = float(x.std())
    return (x - x.mean()) / sd if sd > 0 else np.zeros_like(x)


def candidate_score(F: np.ndarray) -> np.ndarray:
    """First-stage score whose top items the blend re-ranks: profile popularity plus, once
    there is history, EASE (both standardised so neither scale dominates)."""
    return np.asarray(_z(F[:, FEATURES.index("demographic")]) + _z(F[:, FEATURES.index("ease")]))


def evidence_from_rows(
    items: np.ndarray, ratings: np.ndarray, attributes: dict[str, Any]
) -> UserEvidence:
    return UserEvidence(
        items=items, ratings=ratings, liked=[None] * len(items), attributes=attributes
    )


def simulate_cold_users(
    m: InteractionMatrix,
    users: dict[str, dict[str, Any]],
    E: np.ndarray | None,
    history_lengths: list[int],
    seed: int,
    folds: int,
    ease_lam: float,
    collaborative: bool = True,
    max_sim_users: int | None = None,
) -> list[SimulatedUser]:
    """Hide each fold of train users in turn; for each hidden user with at least one later
    like, return (raw features for every item, the fold's user-kNN and the user's evidence
    for it, liked item indices, history item indices). At most `max_sim_users` are simulated
    (the first of each fold's random order); each fold's strategies are fitted on the other
    folds' users, as without the cap."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(m.n_users)
    lengths = np.array(history_lengths or [0])
    pos_mask = m.positive_mask()
    per_fold = -(-max_sim_users // folds) if max_sim_users else m.n_users
    rows_of = np.split(
        np.argsort(m.users, kind="stable"),
        np.cumsum(np.bincount(m.users, minlength=m.n_users))[:-1],
    )
    out = []
    for f in range(folds):
        held = order[f::folds]
        rest = np.setdiff1d(np.arange(m.n_users), held)
        held = held[:per_fold]
        fitted = _Fitted.fit(
            m.subset_users(rest),
            users,
            E,
            collaborative,
            seed + f,
            ease_lam,
            neighbours=True,
            history_lengths=history_lengths,
        )
        for u in held:
            rows = rows_of[u]
            if m.ts is not None:
                rows = rows[np.lexsort((rng.random(len(rows)), m.ts[rows]))]
            else:
                rows = rng.permutation(rows)
            k = int(rng.choice(lengths))
            hist, future = rows[:k], rows[k:]
            pos = np.unique(m.items[future[pos_mask[future]]])
            if len(pos) == 0:
                continue
            ratings = m.ratings[hist] if m.ratings is not None else np.full(len(hist), np.nan)
            ev = evidence_from_rows(m.items[hist], ratings, users.get(m.user_ids[u], {}))
            nb = (fitted.knn, fitted.knn.evidence(ev)) if fitted.knn is not None else None
            out.append((fitted.features(ev).astype(np.float32), nb, pos, m.items[hist]))
    return out


def _with_knn(
    F: np.ndarray, nb: tuple[UserKNN, NeighbourEvidence] | None, shapes: tuple[KNNShape, ...]
) -> np.ndarray:
    """The simulated user's features with the tuned kNN column filled in."""
    if nb is not None and shapes:
        F = F.copy()
        F[:, FEATURES.index("uknn")] = bagged_score(nb[0], nb[1], shapes)
    return F
