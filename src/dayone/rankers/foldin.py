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
    ) -> ALSFoldIn:
        rng = np.random.default_rng(seed)
        n_users, n_items = X.shape
        U = rng.normal(0, 0.01, (n_users, factors))
        V = rng.normal(0, 0.01, (n_items, factors))
        Xc = X.tocsr()
        Xt = X.T.tocsr()
        for _ in range(iterations):
            U = _solve_side(Xc, V, reg, alpha)
            V = _solve_side(Xt, U, reg, alpha)
        return cls(V, reg, alpha)

    def user_factors(self, X: sp.csr_matrix) -> np.ndarray:
        """Every user's factor given the item factors: the last half-step of the fit, for
        callers that need the users too (users x items `X`, as fitted)."""
        return _solve_side(X.tocsr(), self.item_factors, self.reg, self.alpha)

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


def _solve_side(X: sp.csr_matrix, Y: np.ndarray, reg: float, alpha: float) -> np.ndarray:
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
