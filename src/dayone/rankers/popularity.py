"""Population priors: how much, how well and how recently the crowd liked each item.

With no evidence about a user, the best guess is what everyone else wants; these are the
fall-back every other strategy hands over from. Several variants because they fail
differently: raw counts favour old blockbusters, positive counts favour liked ones, recency
weighting follows a moving catalogue, and a shrunk mean rating rewards quality without letting
an item with two 5-star ratings top the list.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dayone.rankers.base import InteractionMatrix, UserEvidence


@dataclass
class PopularityPriors:
    source = "popularity"
    log_count: np.ndarray
    log_positive: np.ndarray
    log_recent: np.ndarray
    shrunk_mean: np.ndarray

    @classmethod
    def fit(
        cls, m: InteractionMatrix, half_life_fraction: float = 0.25, shrink: float = 10.0
    ) -> PopularityPriors:
        """`half_life_fraction`: recency half-life as a fraction of the data's time span."""
        n = m.n_items
        count = np.bincount(m.items, minlength=n).astype(float)
        positive = np.bincount(m.items[m.positive_mask()], minlength=n).astype(float)
        if m.ts is not None and np.isfinite(m.ts).any():
            ts = np.nan_to_num(m.ts, nan=np.nanmin(m.ts))
            span = max(float(ts.max() - ts.min()), 1e-9)
            decay = 0.5 ** ((ts.max() - ts) / (half_life_fraction * span))
            recent = np.bincount(m.items, weights=decay, minlength=n)
        else:
            recent = count
        if m.ratings is not None:
            r = m.ratings
            ok = ~np.isnan(r)
            total = np.bincount(m.items[ok], weights=r[ok], minlength=n)
            cnt = np.bincount(m.items[ok], minlength=n)
            glob = float(r[ok].mean())
            shrunk = (total + shrink * glob) / (cnt + shrink)
        else:
            shrunk = np.zeros(n)
        return cls(np.log1p(count), np.log1p(positive), np.log1p(recent), shrunk)

    def score(self, user: UserEvidence) -> np.ndarray:
        return self.log_positive
