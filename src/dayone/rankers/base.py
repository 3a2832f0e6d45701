"""Shared shapes for the rankers: an indexed interaction matrix and a user's evidence.

Every strategy scores the whole catalogue for one user as a dense vector (catalogues here are
thousands of items, so dense is simpler and faster than sparse top-k bookkeeping), which lets
the learned blend line strategies up item by item.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import scipy.sparse as sp

from dayone.data.interactions import rating_scale


@dataclass
class InteractionMatrix:
    """Users x items with the raw rating/weight, a 0/1 "positive" mask and timestamps.

    `positive` is what counts as a like: rating >= `like_threshold` for explicit data, any
    interaction for implicit data (no ratings).
    """

    item_ids: list[str]
    user_ids: list[str]
    users: np.ndarray  # row index per interaction
    items: np.ndarray  # column index per interaction
    ratings: np.ndarray | None
    ts: np.ndarray | None
    like_threshold: float | None

    @classmethod
    def build(
        cls,
        item_ids: list[str],
        rows: list[tuple[str, str, float | None, float | None]],
        like_threshold: float | None = None,
    ) -> InteractionMatrix:
        """rows = (user, item, rating or None, ts or None); unknown items must be filtered first."""
        item_index = {i: k for k, i in enumerate(item_ids)}
        user_index: dict[str, int] = {}
        users = np.empty(len(rows), dtype=np.int64)
        items = np.empty(len(rows), dtype=np.int64)
        ratings = np.full(len(rows), np.nan)
        ts = np.full(len(rows), np.nan)
        for k, (u, i, r, t) in enumerate(rows):
            users[k] = user_index.setdefault(u, len(user_index))
            items[k] = item_index[i]
            if r is not None:
                ratings[k] = r
            if t is not None:
                ts[k] = t
        has_r = bool(len(rows)) and not np.isnan(ratings).all()
        if has_r and like_threshold is None:
            like_threshold = default_like_threshold(ratings[~np.isnan(ratings)])
        return cls(
            list(item_ids),
            list(user_index),
            users,
            items,
            ratings if has_r else None,
            ts if (len(rows) and not np.isnan(ts).all()) else None,
            like_threshold if has_r else None,
        )

    @property
    def n_users(self) -> int:
        return len(self.user_ids)

    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    def positive_mask(self) -> np.ndarray:
        if self.ratings is None or self.like_threshold is None:
            return np.ones(len(self.users), dtype=bool)
        return np.nan_to_num(self.ratings, nan=self.like_threshold) >= self.like_threshold

    def binary(self, positive_only: bool = False) -> sp.csr_matrix:
        """0/1 users x items (duplicates collapse)."""
        mask = self.positive_mask() if positive_only else np.ones(len(self.users), dtype=bool)
        mat = sp.csr_matrix(
            (np.ones(int(mask.sum()), dtype=np.float32), (self.users[mask], self.items[mask])),
            shape=(self.n_users, self.n_items),
        )
        mat.data[:] = 1.0
        return mat

    def subset_users(self, keep: np.ndarray) -> InteractionMatrix:
        """Only the interactions of users whose row index is in `keep` (indices renumbered)."""
        keep_set = np.zeros(self.n_users, dtype=bool)
        keep_set[keep] = True
        mask = keep_set[self.users]
        return self._masked(mask)

    def drop_items(self, drop: np.ndarray) -> InteractionMatrix:
        """All interactions except those with items in `drop` (catalogue unchanged)."""
        gone = np.zeros(self.n_items, dtype=bool)
        gone[drop] = True
        return self._masked(~gone[self.items])

    def _masked(self, mask: np.ndarray) -> InteractionMatrix:
        old_users = self.users[mask]
        uniq, new_users = np.unique(old_users, return_inverse=True)
        return InteractionMatrix(
            self.item_ids,
            [self.user_ids[u] for u in uniq],
            new_users.astype(np.int64),
            self.items[mask],
            None if self.ratings is None else self.ratings[mask],
            None if self.ts is None else self.ts[mask],
            self.like_threshold,
        )


def default_like_threshold(ratings: np.ndarray) -> float:
    """A like is a rating in the top ~40% of the scale (>= 4 on 1-5, >= 7 on 1-10).

    Scale-relative rather than "4" so hidden datasets with other scales get a sensible default;
    the ends are read past the rarest 0.1% of ratings, so a few outliers cannot stretch it.
    """
    lo, hi = rating_scale(ratings)
    if hi <= lo:
        return hi
    return float(np.ceil(lo + 0.7 * (hi - lo) - 1e-9))


@dataclass
class UserEvidence:
    """What is known about one user at request time, in catalogue indices.

    `items` is oldest first where the source has an order; `ratings`/`liked` align with it and
    are NaN / None where unknown; `attributes` is the profile (age, gender, ...).
    """

    items: np.ndarray
    ratings: np.ndarray
    liked: list[bool | None] = field(default_factory=list)
    attributes: dict[str, Any] = field(default_factory=dict)

    def preference_weights(self, like_threshold: float | None) -> np.ndarray:
        """+ for evidence of liking, - for disliking, relative to the user's own mean rating.

        Users rate on their own scales (rating bias), so a 3 from a harsh rater is not a 3 from
        a generous one; without ratings, `liked` gives +/-1 and plain interactions count +1.
        """
        w = np.ones(len(self.items))
        r = self.ratings
        if len(r) and not np.isnan(r).all():
            known = ~np.isnan(r)
            centre = float(np.mean(r[known]))
            if like_threshold is not None:
                centre = 0.5 * centre + 0.5 * (like_threshold - 0.5)
            w[known] = r[known] - centre
        for k, liked in enumerate(self.liked):
            if liked is not None and (len(r) == 0 or np.isnan(r[k])):
                w[k] = 1.0 if liked else -1.0
        return w


class Strategy(Protocol):
    """A catalogue-wide scorer for one user: higher = more likely wanted."""

    source: str

    def score(self, user: UserEvidence) -> np.ndarray: ...


# Memory the validation simulations of the trained rankers may hold for their simulated
# users' feature matrices (users x candidate items x features, float32).
SIMULATION_BUDGET_BYTES = 2 * 1024**3


def simulated_users_within_budget(
    cap: int, n_candidates: int, n_features: int, budget: int = SIMULATION_BUDGET_BYTES
) -> int:
    """How many simulated users to keep: `cap`, or fewer when their feature matrices would
    pass `budget`. Why: each simulated user keeps a score per catalogue item and feature for
    the blend search, so a 40k-item catalogue held 4.8 GB at the public tasks' 3000 users.
    At least 200 are kept whatever the size (fewer cannot choose blend weights)."""
    per_user = max(1, n_candidates * n_features * 4)
    return max(min(cap, 200), min(cap, budget // per_user))
