"""Implicit ALS (Hu, Koren & Volinsky 2008) with fold-in of users unseen at training time.

A new user's factor is the regularised least-squares solution given the item factors and
their few interactions; with strong regularisation it stays near the origin, so the score
degrades gracefully towards the item bias (popularity) instead of overfitting one rating.
Pure numpy: the item side of these catalogues is small enough for dense normal equations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from dayone.rankers.base import UserEvidence


@dataclass
class ALSFoldIn:
    source = "als"
    item_factors: np.ndarray  # items x f
    reg: float
    alpha: float

    @classmethod
    def fit(
        cls,
        X: sp.csr_matrix,
        factors: int = 32,
        reg: float = 10.0,
        alpha: float = 10.0,
        iterations: int = 8,
        seed: int = 0,
        batch_rows: int | None = None,
    ) -> ALSFoldIn:
        """`batch_rows`: from how many rows a side is solved in stacks (default BATCH_ROWS);
        the two paths differ only in float rounding."""
        rng = np.random.default_rng(seed)
        n_users, n_items = X.shape
        U = rng.normal(0, 0.01, (n_users, factors))
        V = rng.normal(0, 0.01, (n_items, factors))
        Xc = X.tocsr()
        Xt = X.T.tocsr()
        for _ in range(iterations):
            U = _solve_side(Xc, V, reg, alpha, batch_rows)
            V = _solve_side(Xt, U, reg, alpha, batch_rows)
        return cls(V, reg, alpha)

    def user_factors(self, X: sp.csr_matrix, batch_rows: int | None = None) -> np.ndarray:
        """Every user's factor given the item factors: the last half-step of the fit, for
        callers that need the users too (users x items `X`, as fitted)."""
        return _solve_side(X.tocsr(), self.item_factors, self.reg, self.alpha, batch_rows)

    def user_factor(self, items: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        f = self.item_factors.shape[1]
        if not len(items):
            return np.zeros(f)
        Y = self.item_factors
        c = self.alpha * (np.ones(len(items)) if weights is None else np.maximum(weights, 0.0))
        Yi = Y[items]
        A = Y.T @ Y + (Yi.T * c) @ Yi + self.reg * np.eye(f)
        b = (Yi.T * (1.0 + c)).sum(axis=1)
        return np.asarray(np.linalg.solve(A, b))

    def score(self, user: UserEvidence, weights: np.ndarray | None = None) -> np.ndarray:
        return np.asarray(self.item_factors @ self.user_factor(user.items, weights))


# below this many rows a side is solved row by row (a few hundred ms at most); above it the
# per-row Python overhead dominates, and `_solve_side_batched` does the same sums in sparse
# products. Small sides keep the loop, so the bench's ALS (hundreds to thousands of users)
# gives the same floats as before
BATCH_ROWS = 20_000
# the batched path holds every other-side row's outer product (f x f floats each)
BATCH_BYTES = 512 * 1024**2
BATCH_CHUNK = 4096  # rows solved at once: their normal equations take chunk x f x f floats


def _solve_side(X: sp.csr_matrix, Y: np.ndarray, reg: float, alpha: float,
                batch_rows: int | None = None) -> np.ndarray:
    """Each row's regularised weighted least squares given the other side's factors `Y`:
    (YᵀY + Σᵢ cᵢ yᵢyᵢᵀ + reg·I) x = Σᵢ (1 + cᵢ) yᵢ over the row's entries i, cᵢ = alpha·xᵢ."""
    f = Y.shape[1]
    threshold = BATCH_ROWS if batch_rows is None else batch_rows
    if X.shape[0] >= max(threshold, Y.shape[0]) and Y.shape[0] * f * f * 8 <= BATCH_BYTES:
        return _solve_side_batched(X, Y, reg, alpha)
    return _solve_side_rows(X, Y, reg, alpha)


def _solve_side_rows(X: sp.csr_matrix, Y: np.ndarray, reg: float, alpha: float) -> np.ndarray:
    """`_solve_side` one row at a time."""
    f = Y.shape[1]
    YtY = Y.T @ Y + reg * np.eye(f)
    out = np.zeros((X.shape[0], f))
    for u in range(X.shape[0]):
        lo, hi = X.indptr[u], X.indptr[u + 1]
        if lo == hi:
            continue
        idx = X.indices[lo:hi]
        c = alpha * X.data[lo:hi]
        Yi = Y[idx]
        A = YtY + (Yi.T * c) @ Yi
        b = (Yi.T * (1.0 + c)).sum(axis=1)
        out[u] = np.linalg.solve(A, b)
    return out


def _solve_side_batched(X: sp.csr_matrix, Y: np.ndarray, reg: float, alpha: float) -> np.ndarray:
    """`_solve_side` for sides with many more rows than the other side has: Σᵢ cᵢ yᵢyᵢᵀ for
    every row at once is the sparse product of the confidences with each yᵢ's outer product
    (computed once per other-side row, not once per entry), and the equations are solved in
    stacks. 2.4-2.9x faster on 100k users (`benchmarks/als_sides.py`)."""
    f = Y.shape[1]
    YtY = Y.T @ Y + reg * np.eye(f)
    outer = (Y[:, :, None] * Y[:, None, :]).reshape(Y.shape[0], f * f)
    confidence = X.astype(np.float64) * alpha
    gain = X.astype(np.float64)
    gain.data = 1.0 + alpha * gain.data
    out = np.zeros((X.shape[0], f))
    nonempty = np.flatnonzero(np.diff(X.indptr) > 0)
    for lo in range(0, nonempty.shape[0], BATCH_CHUNK):
        rows = nonempty[lo : lo + BATCH_CHUNK]
        A = np.asarray(confidence[rows] @ outer).reshape(-1, f, f) + YtY
        b = np.asarray(gain[rows] @ Y)
        out[rows] = np.linalg.solve(A, b[..., None])[..., 0]
    return out
