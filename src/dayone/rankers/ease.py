"""EASE (Steck 2019): a closed-form item-item linear model with a zero diagonal.

The strongest simple collaborative model on small catalogues, and it needs no user factors,
so a user known only by a handful of items is scored directly from them (no fold-in).
The L2 weight `lam` is the one knob; it is chosen by the caller on a validation split.

With item text (`side`, items x word features, rows L2-normalised) the Gram matrix also gets
`side_weight` x the word-overlap Gram (collective EASE: Ning & Karypis' SSLIM, Jeunen et al.
2020): every item shares weight with the items whose text it shares, so a rarely bought item
borrows the co-purchases of its product line instead of standing alone. On sparse purchase
data this is where the closed form gains most (scientific-seq, docs/benchmarks.md).

Its cost is a dense items x items inverse: memory grows with the square of the catalogue and
time with the cube (40,000 items would need ~13 GB per matrix and hours on two cores). Past
`max_items` the model is fitted on the most-interacted items only; the others get no EASE
score (0) and do not feed it as inputs. They are the long tail, where an item-item model
has too little co-occurrence to say much anyway, and the caller's other strategies (text,
popularity) still rank them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from dayone.rankers.base import UserEvidence

# 8,000 items: three 8k x 8k matrices (~1.3 GB in all) and tens of seconds on two cores
MAX_ITEMS = 8000


@dataclass
class EASE:
    source = "ease"
    B: np.ndarray  # kept x kept item weights
    kept: np.ndarray | None = None  # catalogue index of each row of B; None = every item
    n_items: int = 0

    @classmethod
    def fit(
        cls,
        X: sp.csr_matrix,
        lam: float = 200.0,
        max_items: int = MAX_ITEMS,
        side: sp.csr_matrix | None = None,
        side_weight: float = 0.0,
    ) -> EASE:
        n = X.shape[1]
        kept = most_interacted(X, max_items)
        if kept is not None:
            X = X.tocsc()[:, kept].tocsr()
            if side is not None:
                side = side[kept]
        B = weights_in_place(gram(X, side, side_weight), lam)
        return cls(B.astype(np.float32), kept, n)

    def _full(self, scores: np.ndarray) -> np.ndarray:
        if self.kept is None:
            return np.asarray(scores, dtype=np.float64)
        out = np.zeros(self.n_items, dtype=np.float64)
        out[self.kept] = scores
        return out

    def _rows(self, items: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(positions in B of the items it models, mask of which of `items` those are)."""
        if self.kept is None:
            return items, np.ones(len(items), dtype=bool)
        pos = np.searchsorted(self.kept, items)
        pos = np.minimum(pos, len(self.kept) - 1)
        mask = self.kept[pos] == items
        return pos[mask], mask

    def score_vector(self, x: np.ndarray) -> np.ndarray:
        """Scores for a dense catalogue-length input vector."""
        if self.kept is not None:
            x = x[self.kept]
        return self._full(np.asarray(x @ self.B))

    def score(self, user: UserEvidence, weights: np.ndarray | None = None) -> np.ndarray:
        size = self.n_items if self.kept is not None else self.B.shape[0]
        if not len(user.items):
            return np.zeros(size)
        w = (
            np.ones(len(user.items), dtype=np.float32)
            if weights is None
            else weights.astype(np.float32)
        )
        rows, mask = self._rows(np.asarray(user.items))
        if not len(rows):
            return np.zeros(size)
        return self._full(np.asarray(w[mask] @ self.B[rows]))


def most_interacted(X: sp.csr_matrix, max_items: int = MAX_ITEMS) -> np.ndarray | None:
    """Sorted catalogue indices of the `max_items` items with most interactions, or None when
    the catalogue is no larger (EASE then models every item)."""
    if X.shape[1] <= max_items:
        return None
    counts = np.asarray(X.getnnz(axis=0)).ravel()
    return np.sort(np.argsort(-counts, kind="stable")[:max_items])


def gram(
    X: sp.csr_matrix, side: sp.csr_matrix | None = None, side_weight: float = 0.0
) -> np.ndarray:
    """Dense XᵀX, plus `side_weight` x the side features' Gram when given."""
    G = np.asarray((X.T @ X).todense(), dtype=np.float64)
    if side is not None and side_weight > 0:
        G += side_weight * np.asarray((side @ side.T).todense(), dtype=np.float64)
    return G


def weights_with_side(
    G: np.ndarray, side: np.ndarray, side_weight: float, lam: float, buf: np.ndarray
) -> np.ndarray:
    """EASE's B for the Gram `G + side_weight * side`, built in `buf` (G and side unchanged,
    so a grid of weights reuses both without another items x items copy each time)."""
    np.multiply(side, side_weight, out=buf)
    buf += G
    return weights_in_place(buf, lam)


def weights_in_place(G: np.ndarray, lam: float) -> np.ndarray:
    """EASE's closed form from a Gram matrix, which it overwrites (its diagonal gets `lam`):
    B = -P / diag(P) column-wise with P = (G + lam I)^-1, and a zero diagonal."""
    G[np.diag_indices_from(G)] += lam
    P = np.linalg.inv(G)
    P /= -np.diag(P)[None, :]
    P[np.diag_indices_from(P)] = 0.0
    return P
