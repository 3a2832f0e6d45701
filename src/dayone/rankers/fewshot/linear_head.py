"""The linear head θᵀv of seed §4, on pair features, anchored to the zero-shot scorer.

One idea: few labels should *adjust* the zero-shot scorer, not replace it. The head is a
logistic model whose log-odds are

    α · s0 + θ_dᵀ z_dense + θ_wᵀ z_wide + b,

with ``s0`` the zero-shot log-odds as offset. The penalty is a ridge toward the prior
``α = 1, θ = 0`` (separate strengths for the dense and the wide block), so at infinite
regularisation the head *is* the zero-shot scorer and 16 labels can at most tilt it.
Seed §4 writes the loss as squared error; for like/dislike labels and an AUC metric the
logistic loss is the matching choice (same linear model, proper probabilistic loss).

Regularisation is chosen by repeated stratified cross-validation *inside the train rows
only*: the grid includes "infinite" (pure zero-shot), and the most regularised setting
within a small tolerance of the best out-of-fold AUC wins, which keeps the head at the prior
unless the labels clearly say otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.metrics import roc_auc_score

INF = float("inf")
DENSE_GRID: tuple[float, ...] = (INF, 300.0, 100.0, 30.0, 10.0, 3.0)
WIDE_GRID: tuple[float, ...] = (INF, 1000.0, 300.0, 100.0)
#: CV AUC tolerance within which the more regularised setting is preferred
TOLERANCE = 0.005


@dataclass
class Standardiser:
    """Column centring/scaling from label-free statistics (train + request features)."""

    mean: np.ndarray
    scale: np.ndarray

    @classmethod
    def fit(cls, x: np.ndarray) -> Standardiser:
        mean = x.mean(axis=0) if len(x) else np.zeros(x.shape[1])
        scale = x.std(axis=0) if len(x) else np.ones(x.shape[1])
        scale = np.where(scale > 1e-8, scale, 1.0)
        return cls(mean=mean, scale=scale)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return np.asarray((x - self.mean) / self.scale)


@dataclass
class HeadParams:
    """Fitted parameters: ``alpha`` on the offset, ``theta`` on [dense, wide], ``bias``."""

    alpha: float = 1.0
    theta: np.ndarray = field(default_factory=lambda: np.zeros(0))
    bias: float = 0.0
    lam_dense: float = INF
    lam_wide: float = INF


@dataclass
class Grams:
    """Per-block Gram matrices of the train rows, computed once and reused over the grid."""

    dense: np.ndarray
    wide: np.ndarray
    offset: np.ndarray

    @classmethod
    def of(cls, offset: np.ndarray, dense: np.ndarray, wide: np.ndarray) -> Grams:
        return cls(dense=dense @ dense.T, wide=wide @ wide.T, offset=np.outer(offset, offset))


def fit_head(
    offset: np.ndarray, dense: np.ndarray, wide: np.ndarray, y: np.ndarray,
    lam_dense: float, lam_wide: float, lam_alpha: float = 10.0, lam_bias: float = 1.0,
    iters: int = 25, grams: Grams | None = None,
) -> HeadParams:
    """Penalised logistic regression around the offset (see module docstring).

    Every coefficient has an L2 penalty (``α-1`` with ``lam_alpha``, the bias with
    ``lam_bias``; an infinite strength removes a block), so the representer theorem applies:
    the log-odds are ``offset + K a`` with ``K = Σ_blocks X_b X_bᵀ / λ_b`` and ``a`` in R^n.
    Newton's method on ``a`` (``a = y - p`` at the optimum) solves an n×n system per step,
    milliseconds for a few hundred rows however wide the embedding block is, and the block
    Gram matrices are shared by every grid point of the cross-validation.
    """
    g = grams or Grams.of(offset, dense, wide)
    use_alpha = lam_dense < INF or lam_wide < INF
    n = len(y)
    gram = np.full((n, n), 1.0 / lam_bias)
    if lam_dense < INF:
        gram += g.dense / lam_dense
    if lam_wide < INF:
        gram += g.wide / lam_wide
    if use_alpha:
        gram += g.offset / lam_alpha
    a = np.zeros(n)
    eye = np.eye(n)
    for _ in range(iters):
        z = offset + gram @ a
        p = 1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0)))
        step = np.linalg.solve(eye + (p * (1.0 - p))[:, None] * gram, a + p - y)
        a -= step
        if float(np.max(np.abs(step))) < 1e-7:
            break
    theta_d = dense.T @ a / lam_dense if lam_dense < INF else np.zeros(0)
    theta_w = wide.T @ a / lam_wide if lam_wide < INF else np.zeros(0)
    alpha = 1.0 + (float(offset @ a) / lam_alpha if use_alpha else 0.0)
    return HeadParams(alpha=alpha, theta=np.concatenate([theta_d, theta_w]),
                      bias=float(a.sum()) / lam_bias, lam_dense=lam_dense, lam_wide=lam_wide)


def predict_head(params: HeadParams, offset: np.ndarray, dense: np.ndarray,
                 wide: np.ndarray) -> np.ndarray:
    """Log-odds of the fitted head."""
    blocks = ([dense] if params.lam_dense < INF else []) + (
        [wide] if params.lam_wide < INF else []
    )
    out = params.alpha * offset + params.bias
    if blocks:
        out = out + np.hstack(blocks) @ params.theta
    return np.asarray(out)


def stratified_folds(y: np.ndarray, k: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Fold index arrays with both classes spread as evenly as possible."""
    folds: list[list[int]] = [[] for _ in range(k)]
    for cls in (0, 1):
        idx = rng.permutation(np.flatnonzero(y == cls))
        for j, i in enumerate(idx):
            folds[j % k].append(int(i))
    return [np.array(sorted(f)) for f in folds]


@dataclass
class CVReport:
    """Out-of-fold pooled AUC per grid point; the chosen point."""

    scores: dict[tuple[float, float], float]
    chosen: tuple[float, float]


def choose_regularisation(
    offset: np.ndarray, dense: np.ndarray, wide: np.ndarray, y: np.ndarray, seed: int,
    dense_grid: Sequence[float] = DENSE_GRID, wide_grid: Sequence[float] = WIDE_GRID,
    repeats: int = 3,
) -> CVReport:
    """Repeated stratified K-fold over the grid; prefer strong regularisation on near-ties."""
    n_min = int(min(np.sum(y == 0), np.sum(y == 1)))
    grid = [(ld, lw) for ld in dense_grid for lw in wide_grid]
    if n_min < 2:
        return CVReport(scores={}, chosen=(INF, INF))
    k = min(5, n_min)
    rng = np.random.default_rng(seed)
    scores: dict[tuple[float, float], list[float]] = {g: [] for g in grid}
    for _ in range(repeats):
        folds = stratified_folds(y, k, rng)
        oof = {g: np.zeros(len(y)) for g in grid}
        for f in folds:
            tr = np.setdiff1d(np.arange(len(y)), f)
            grams = Grams.of(offset[tr], dense[tr], wide[tr])
            for g in grid:
                if g == (INF, INF):
                    oof[g][f] = offset[f]
                    continue
                p = fit_head(offset[tr], dense[tr], wide[tr], y[tr], g[0], g[1], grams=grams)
                oof[g][f] = predict_head(p, offset[f], dense[f], wide[f])
        for g in grid:
            scores[g].append(float(roc_auc_score(y, oof[g])))
    mean = {g: float(np.mean(v)) for g, v in scores.items()}
    best = max(mean.values())

    def strength(g: tuple[float, float]) -> tuple[float, float]:
        return (min(g[0], 1e12) + min(g[1], 1e12), g[0])

    ok = [g for g in grid if mean[g] >= best - TOLERANCE]
    chosen = max(ok, key=strength)
    return CVReport(scores=mean, chosen=chosen)
