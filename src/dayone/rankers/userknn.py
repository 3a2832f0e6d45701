"""What people like this user went on to like: a user-kNN over profile and first ratings.

A new user's few ratings and profile are matched against every train user; each train user's
weight is (rating agreement on the shared items + a) ** g, times profile similarity ** p, and
an item's score is the weighted share of those users who liked it. This answers the cold-user
question directly ("which items will this person like in the end"), so it carries both the
population's popularity (every neighbour liked the blockbusters) and the user's taste (the
neighbours who agree on the first ratings dominate), which item-item models such as EASE or
ALS fold-in lose when they see one or three items. With no history it is profile-kernel
popularity. The shape of the kernel (a, g, p, how much merely rating an item counts next to
liking it) is not fixed: `GRID` is scored on the simulated cold split and the best is kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from dayone.rankers.base import InteractionMatrix, UserEvidence
from dayone.rankers.demographic import AttributePopularity


@dataclass(frozen=True)
class KNNShape:
    """Kernel of the neighbour weights (see module docstring)."""

    power: float  # exponent on the profile similarity (0 = ignore the profile)
    smooth: float  # a: weight of a neighbour sharing no history item
    sharpness: float  # g: exponent on agreement + a (higher = trust overlap more)
    rated: float  # how much "rated it" counts next to "liked it" in the outcome


GRID: tuple[KNNShape, ...] = tuple(
    KNNShape(p, a, g, c)
    for p in (0.5, 1.0, 2.0)
    for a in (0.3, 1.0)
    for g in (1.0, 2.0, 3.0)
    for c in (0.0, 0.5)
)


@dataclass
class UserKNN:
    source = "user-knn"
    rated: sp.csc_matrix  # train users x items, rating (NaN ratings -> the midpoint)
    seen: sp.csc_matrix  # 0/1
    liked_t: sp.csr_matrix  # items x users, 0/1 liked
    seen_t: sp.csr_matrix  # items x users, 0/1 rated
    demo: AttributePopularity
    scale: float  # rating range, to turn |difference| into agreement in [0, 1]
    low: float  # lowest rating (stored ratings are shifted to start at 1; 0 = not rated)

    @classmethod
    def fit(cls, m: InteractionMatrix, demo: AttributePopularity) -> UserKNN:
        X = m.binary()
        if m.ratings is not None:
            r = np.nan_to_num(m.ratings, nan=float(np.nanmean(m.ratings)))
            lo, hi = float(r.min()), float(r.max())
            scale = max(hi - lo, 1e-9)
            key = m.users * m.n_items + m.items  # a repeated (user, item): keep the last rating
            _, last = np.unique(key[::-1], return_index=True)
            keep = len(key) - 1 - last
            R = sp.csr_matrix(
                (r[keep] - lo + 1.0, (m.users[keep], m.items[keep])), shape=X.shape
            )
        else:
            lo, scale, R = 0.0, 1.0, X.copy()
        P = m.binary(positive_only=True)
        return cls(R.tocsc(), X.tocsc(), P.T.tocsr(), X.T.tocsr(), demo, scale, lo)

    def _agreement(self, user: UserEvidence) -> np.ndarray:
        """Per train user: sum over the shared history items of 1 - |rating difference|/range
        (1 per shared item when either rating is unknown)."""
        n = self.seen.shape[0]
        if not len(user.items):
            return np.zeros(n)
        S = self.seen[:, user.items].toarray()
        r = np.asarray(user.ratings, dtype=float)
        if len(r) != len(user.items) or not np.isfinite(r).any():
            return np.asarray(S.sum(axis=1))
        theirs = self.rated[:, user.items].toarray() - 1.0 + self.low  # stored shifted by 1
        diff = np.abs(theirs - r[None, :])
        agree = np.where(np.isfinite(diff), 1.0 - np.minimum(diff, self.scale) / self.scale, 1.0)
        return np.asarray((S * agree).sum(axis=1))

    def score_shapes(self, user: UserEvidence, shapes: tuple[KNNShape, ...]) -> np.ndarray:
        """items x len(shapes): one score column per kernel shape."""
        profile = self.demo.similarity(user.attributes) ** (1.0 / self.demo.power)
        agree = self._agreement(user)
        cols = []
        for s in shapes:
            w = (agree + s.smooth) ** s.sharpness * profile**s.power
            total = float(w.sum())
            col = self.liked_t @ w
            if s.rated:
                col = col + s.rated * (self.seen_t @ w)
            cols.append(np.asarray(col).ravel() / max(total, 1e-12))
        return np.stack(cols, axis=1)

    def score(self, user: UserEvidence, shape: KNNShape) -> np.ndarray:
        return self.score_shapes(user, (shape,))[:, 0]
