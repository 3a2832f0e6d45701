"""The learned hand-over between strategies: a pointwise ranker over their scores.

Which strategy to trust depends on how much is known (no history: population and profile;
a few ratings: collaborative fold-in tilted by text; many: collaborative), and hand-set
weights for that are fragile. So the strategies' scores, plus evidence counts, become features
of a gradient-boosted classifier trained to predict "this user will like this item" on a
validation split that simulates the cold protocol on train users or items. Negatives are
subsampled uniformly per user, which keeps the ranking order of a pointwise model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier


@dataclass
class LearnedBlend:
    source = "blend"
    model: HistGradientBoostingClassifier
    feature_names: list[str]

    @classmethod
    def fit(
        cls,
        X: np.ndarray,
        y: np.ndarray,
        feature_names: list[str],
        seed: int = 0,
        max_iter: int = 300,
        learning_rate: float = 0.05,
        max_leaf_nodes: int = 31,
        min_samples_leaf: int = 100,
        l2: float = 1.0,
    ) -> LearnedBlend:
        model = HistGradientBoostingClassifier(
            max_iter=max_iter,
            learning_rate=learning_rate,
            max_leaf_nodes=max_leaf_nodes,
            min_samples_leaf=min_samples_leaf,
            l2_regularization=l2,
            early_stopping=True,
            validation_fraction=0.15,
            n_iter_no_change=20,
            random_state=seed,
        )
        model.fit(X, y)
        return cls(model, list(feature_names))

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Log-odds (monotone in the probability, finer-grained for ranking)."""
        return np.asarray(self.model.decision_function(X), dtype=np.float64)


def sample_rows(
    n_items: int,
    positives: np.ndarray,
    exclude: np.ndarray,
    n_negatives: int,
    rng: np.random.Generator,
    base_score: np.ndarray | None = None,
    n_hard: int = 0,
    force_positives: bool = True,
) -> np.ndarray:
    """Candidate rows for one simulated user: the top `n_hard` items by `base_score` (the
    region where the final ranking is decided, so the blend learns to order *that*), plus
    `n_negatives` uniformly drawn items, plus (if `force_positives`) every positive. Forcing
    positives in while negatives come from the top region biases the labels against the base
    score, so a re-ranker of the top region uses `force_positives=False, n_negatives=0`.
    Never items in `exclude`."""
    mask = np.ones(n_items, dtype=bool)
    mask[exclude] = False
    chosen = np.zeros(n_items, dtype=bool)
    if base_score is not None and n_hard > 0:
        order = np.argsort(-np.where(mask, base_score, -np.inf), kind="stable")[:n_hard]
        chosen[order] = True
    pool = np.flatnonzero(mask & ~chosen)
    if len(pool):
        chosen[rng.choice(pool, size=min(n_negatives, len(pool)), replace=False)] = True
    if force_positives:
        chosen[positives] = True
    chosen[exclude] = False
    return np.flatnonzero(chosen).astype(np.int64)


@dataclass
class ListwiseLinear:
    """A linear scorer trained with a per-user softmax (listwise) loss.

    The loss pushes each user's liked items above that user's other candidates, which is what
    top-of-list metrics reward; a pointwise classifier instead spends capacity on telling
    heavy users from light ones. Features are standardised; L2-regularised; L-BFGS.
    """

    source = "blend-linear"
    w: np.ndarray
    mu: np.ndarray
    sd: np.ndarray
    feature_names: list[str]

    @classmethod
    def fit(
        cls,
        X: np.ndarray,
        y: np.ndarray,
        groups: np.ndarray,
        feature_names: list[str],
        l2: float = 1e-3,
    ) -> ListwiseLinear:
        from scipy.optimize import minimize

        mu = X.mean(axis=0)
        sd = X.std(axis=0)
        sd[sd == 0] = 1.0
        Z = (X - mu) / sd
        order = np.argsort(groups, kind="stable")
        Z, y, g = Z[order], y[order].astype(float), groups[order]
        starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
        n_pos = np.add.reduceat(y, starts)
        keep = n_pos[np.searchsorted(starts, np.arange(len(g)), side="right") - 1] > 0
        Z, y, g = Z[keep], y[keep], g[keep]
        starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
        seg = np.searchsorted(starts, np.arange(len(g)), side="right") - 1
        n_pos = np.add.reduceat(y, starts)
        target = y / n_pos[seg]
        n_groups = len(starts)

        def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
            s = Z @ w
            smax = np.maximum.reduceat(s, starts)
            e = np.exp(s - smax[seg])
            denom = np.add.reduceat(e, starts)
            logp = s - smax[seg] - np.log(denom[seg])
            p = e / denom[seg]
            value = -float(target @ logp) / n_groups + l2 * float(w @ w)
            grad = -(Z.T @ (target - p * 1.0)) / n_groups
            # d/dw of sum_i t_i logp_i = sum_i t_i (z_i - sum_j p_j z_j); sum_i t_i = 1 per group
            return value, grad + 2 * l2 * w

        res = minimize(
            loss, np.zeros(Z.shape[1]), jac=True, method="L-BFGS-B", options={"maxiter": 500}
        )
        return cls(res.x, mu, sd, list(feature_names))

    def predict(self, X: np.ndarray) -> np.ndarray:
        return np.asarray(((X - self.mu) / self.sd) @ self.w, dtype=np.float64)


def rerank_top(
    base: np.ndarray, top: int, blend_scores: Callable[[np.ndarray], np.ndarray]
) -> np.ndarray:
    """Scores where the `top` items by `base` are ordered by the blend (evaluated on their
    indices) and placed above everything else, which keeps its `base` order."""
    order = np.argsort(-base, kind="stable")
    head = order[:top]
    out = np.empty(len(base))
    out[order] = -np.arange(len(base), dtype=float)  # rank order of base
    out -= out.max() + 1.0  # all non-head below zero ... shifted under the head
    head_scores = blend_scores(head)
    lo, hi = float(np.min(head_scores)), float(np.max(head_scores))
    out[head] = 1.0 + (head_scores - lo) / (hi - lo + 1e-12)
    out[order[top:]] = -np.arange(1, len(base) - top + 1, dtype=float)
    return out


def standardise_per_user(F: np.ndarray) -> np.ndarray:
    """z-score each feature column within one user's candidate list (constant -> 0)."""
    mu = F.mean(axis=0)
    sd = F.std(axis=0)
    sd[sd == 0] = np.inf
    return np.asarray((F - mu) / sd, dtype=np.float32)


def ndcg_at(scores: np.ndarray, positives: np.ndarray, k: int) -> float:
    """Binary-gain NDCG@k of one score vector (excluded items already at -inf)."""
    if not len(positives):
        return 0.0
    k_eff = min(k, len(scores))
    top = np.argpartition(-scores, k_eff - 1)[:k_eff]
    top = top[np.argsort(-scores[top], kind="stable")]
    hits = np.isin(top, positives)
    discounts = 1.0 / np.log2(np.arange(2, k_eff + 2))
    ideal = discounts[: min(len(positives), k_eff)].sum()
    return float((hits * discounts).sum() / ideal)


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
            total = 0.0
            for Z, pos, excl in users:
                s = Z @ w.astype(np.float32)
                s[excl] = -np.inf
                total += metric_fn(s, pos) if metric_fn is not None else ndcg_at(s, pos, k)
            return total / max(len(users), 1)

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

    def predict(self, F: np.ndarray) -> np.ndarray:
        return np.asarray(standardise_per_user(F) @ self.w.astype(np.float32), dtype=np.float64)
