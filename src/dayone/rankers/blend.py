"""The learned hand-over between strategies: a linear blend of their scores.

Which strategy to trust depends on how much is known (no history: population and profile;
a few ratings: collaborative fold-in tilted by text; many: collaborative), and hand-set
weights for that are fragile. So the weights are chosen by coordinate ascent directly on the
task's metric (NDCG@10, or AUC for cold items) over a validation split that simulates the cold
protocol on train users or items. Pointwise (gradient-boosted) and listwise-softmax models were
tried first and lost to plain profile popularity at the top of the list (docs/benchmarks.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


def standardise_per_user(F: np.ndarray) -> np.ndarray:
    """z-score each feature column within one user's candidate list (constant -> 0)."""
    mu = F.mean(axis=0)
    sd = F.std(axis=0)
    sd[sd == 0] = np.inf
    return np.asarray((F - mu) / sd, dtype=np.float32)


_DISCOUNTS = 1.0 / np.log2(np.arange(2, 1002))
# membership of the top k in the positives by one broadcast comparison up to this many
# positives: the blend and kernel searches call `ndcg_at` about a million times on a
# trained new-user run, and `np.isin`'s sort-based path cost 13 times as much per call there
_BROADCAST_MAX = 4096


def ndcg_at(scores: np.ndarray, positives: np.ndarray, k: int) -> float:
    """Binary-gain NDCG@k of one score vector (excluded items already at -inf)."""
    if not len(positives):
        return 0.0
    k_eff = min(k, len(scores))
    top = np.argpartition(-scores, k_eff - 1)[:k_eff]
    top = top[np.argsort(-scores[top], kind="stable")]
    if len(positives) <= _BROADCAST_MAX:
        hits = (top[:, None] == positives[None, :]).any(axis=1)
    else:
        hits = np.isin(top, positives)
    discounts = _DISCOUNTS[:k_eff] if k_eff <= _DISCOUNTS.shape[0] else 1.0 / np.log2(np.arange(2, k_eff + 2))
    ideal = discounts[: min(len(positives), k_eff)].sum()
    return float((hits * discounts).sum() / ideal)


def blend_metric(
    users: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
    w: np.ndarray,
    k: int = 10,
    metric_fn: Callable[[np.ndarray, np.ndarray], float] | None = None,
) -> float:
    """Mean metric (NDCG@k unless `metric_fn`) of the blend `w` over (features, positives,
    excluded) users."""
    total = 0.0
    for Z, pos, excl in users:
        s = Z @ w.astype(np.float32)
        s[excl] = -np.inf
        total += metric_fn(s, pos) if metric_fn is not None else ndcg_at(s, pos, k)
    return total / max(len(users), 1)


@dataclass
class CoordinateAscentBlend:
    """A linear blend of per-user-standardised strategy scores whose weights maximise the
    task's own top-of-list metric (NDCG@k) on simulated cold users, by coordinate ascent
    (Metzler & Croft 2007, the RankLib method).

    Chosen over pointwise/listwise surrogate losses because on the simulated splits those
    optimised the bulk of the list and lost to the plain profile prior at the top, while
    direct search on the metric can only match or beat its starting point (the prior).
    """

    source = "blend-ca"
    w: np.ndarray
    feature_names: list[str]
    val_metric: float = 0.0
    start_metric: float = 0.0

    @classmethod
    def fit(
        cls,
        users: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
        feature_names: list[str],
        start: np.ndarray,
        k: int = 10,
        metric_fn: Callable[[np.ndarray, np.ndarray], float] | None = None,
        grid: tuple[float, ...] = (-1.0, -0.5, -0.25, 0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0),
        passes: int = 3,
    ) -> CoordinateAscentBlend:
        """users: (standardised features items x f, positive indices, excluded indices);
        `metric_fn(scores, positives)` replaces NDCG@k (e.g. an AUC for full-list tasks)."""

        def metric(w: np.ndarray) -> float:
            return blend_metric(users, w, k, metric_fn)

        w = start.astype(np.float64).copy()
        best = start_metric = metric(w)
        for _ in range(passes):
            improved = False
            for j in range(len(w)):
                if all(np.all(Z[:, j] == 0) for Z, _, _ in users[:20]):
                    continue
                for value in grid:
                    if value == w[j]:
                        continue
                    trial = w.copy()
                    trial[j] = value
                    m = metric(trial)
                    if m > best + 1e-6:
                        best, w, improved = m, trial, True
            if not improved:
                break
        return cls(w, list(feature_names), best, start_metric)

    @classmethod
    def fit_if_it_generalises(
        cls,
        users: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
        feature_names: list[str],
        start: np.ndarray,
        seed: int = 0,
        k: int = 10,
        metric_fn: Callable[[np.ndarray, np.ndarray], float] | None = None,
    ) -> tuple[CoordinateAscentBlend, float, float]:
        """The blend, or the start weights alone when the blend does not generalise.

        Coordinate ascent can only improve on its start *on the users it is fitted on*; when
        the start is already a strong tuned strategy, the extra weights mostly fit noise of a
        few hundred simulated users. So: fit on one half of the users, score on the other,
        both ways; keep the search only if that held-out figure beats the start's on the same
        users. Returns (blend, held-out metric of the search, held-out metric of the start).
        """
        order = np.random.default_rng(seed).permutation(len(users))
        halves = (order[: len(order) // 2], order[len(order) // 2 :])
        searched = kept = 0.0
        for fit_on, check_on in (halves, halves[::-1]):
            part = cls.fit([users[i] for i in fit_on], feature_names, start, k=k,
                           metric_fn=metric_fn)
            held = [users[i] for i in check_on]
            searched += blend_metric(held, part.w, k, metric_fn) * len(held)
            kept += blend_metric(held, start, k, metric_fn) * len(held)
        searched, kept = searched / max(len(users), 1), kept / max(len(users), 1)
        if searched > kept:
            return cls.fit(users, feature_names, start, k=k, metric_fn=metric_fn), searched, kept
        at_start = blend_metric(users, start, k, metric_fn)
        kept_blend = cls(start.astype(np.float64).copy(), list(feature_names), at_start, at_start)
        return kept_blend, searched, kept

    def predict(self, F: np.ndarray) -> np.ndarray:
        return np.asarray(standardise_per_user(F) @ self.w.astype(np.float32), dtype=np.float64)
