"""EASE (Steck 2019): a closed-form item-item linear model with a zero diagonal.

The strongest simple collaborative model on small catalogues, and it needs no user factors,
so a user known only by a handful of items is scored directly from them (no fold-in).
The L2 weight `lam` is the one knob; it is chosen by the caller on a validation split.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from dayone.rankers.base import UserEvidence


@dataclass
class EASE:
    source = "ease"
    B: np.ndarray

    @classmethod
    def fit(cls, X: sp.csr_matrix, lam: float = 200.0) -> EASE:
        G = np.asarray((X.T @ X).todense(), dtype=np.float64)
        G[np.diag_indices_from(G)] += lam
        P = np.linalg.inv(G)
        B = -P / np.diag(P)[None, :]
        B[np.diag_indices_from(B)] = 0.0
        return cls(B.astype(np.float32))

    def score_vector(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(x @ self.B, dtype=np.float64)

    def score(self, user: UserEvidence, weights: np.ndarray | None = None) -> np.ndarray:
        if not len(user.items):
            return np.zeros(self.B.shape[0])
        w = (
            np.ones(len(user.items), dtype=np.float32)
            if weights is None
            else weights.astype(np.float32)
        )
        return np.asarray(w @ self.B[user.items], dtype=np.float64)
