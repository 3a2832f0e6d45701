"""Simulating the short candidate lists a task asks to be ordered.

Why: a news site or a shop page asks for an order of the 20-50 items it is about to show
(an impression), not for the best items of the whole catalogue. The items on such a list
are not a random draw: they are what was fresh or popular that day, so popularity, which
decides a whole-catalogue ranking, separates a list's items much less, and what the visitor
read before separates them more. A blend whose weights were searched on whole-catalogue
rankings of simulated users brings the wrong balance to such lists; searched on simulated
lists drawn the way the requests' own lists are drawn (from the items that appear on them,
as often as they appear), it learns the balance the task needs. Only the requests'
candidates are read, never which of them is right.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# lists longer than this share of the catalogue are treated as the whole catalogue
SHORT_SHARE = 0.5


@dataclass
class CandidateLists:
    pool: np.ndarray  # item indices, one entry per appearance on a request's list
    length: int  # the median list length

    @classmethod
    def of(cls, lists: Sequence[np.ndarray], n_items: int) -> CandidateLists | None:
        """None when a request has no list, or the lists are most of the catalogue."""
        if not lists or any(lst is None or len(lst) < 2 for lst in lists):
            return None
        length = int(np.median([len(lst) for lst in lists]))
        if length > SHORT_SHARE * n_items:
            return None
        return cls(np.concatenate([np.asarray(lst, dtype=np.int64) for lst in lists]), length)

    def restricted_to(self, items: np.ndarray) -> CandidateLists | None:
        """The same shape over the given items only (a simulation's targets are items the
        strategies know, so its negatives must be known items too, or the mere fact of being
        known would tell the target apart). None when fewer than `length` such items are left."""
        pool = self.pool[np.isin(self.pool, items)]
        if len(np.unique(pool)) < self.length:
            return None
        return CandidateLists(pool, self.length)

    def sample(
        self, rng: np.random.Generator, targets: np.ndarray, history: np.ndarray
    ) -> np.ndarray:
        """A list of `length` distinct items (fewer only if the pool runs out), the targets
        first, the others drawn from the pool as often as they appear there, never a target
        again nor an item of the history."""
        out = list(dict.fromkeys(int(t) for t in targets))[: self.length]
        chosen = set(out)
        banned = {*map(int, targets), *map(int, history)}
        for _ in range(8):
            draw = self.pool[rng.integers(0, len(self.pool), size=2 * self.length)]
            for item in draw.tolist():
                if item not in banned and item not in chosen:
                    chosen.add(item)
                    out.append(item)
                    if len(out) == self.length:
                        return np.asarray(out, dtype=np.int64)
        # a pool dominated by a few items: fill up from the rest of it, evenly
        for item in rng.permutation(np.unique(self.pool)).tolist():
            if len(out) == self.length:
                break
            if item not in banned and item not in chosen:
                chosen.add(item)
                out.append(item)
        return np.asarray(out, dtype=np.int64)


def targets_for(rng: np.random.Generator, positives: np.ndarray, length: int) -> np.ndarray:
    """Which of a simulated user's later likes go on their list: a request's list holds a
    few right items among many (a tenth, at least one), not all a user will ever like."""
    k = min(len(positives), max(1, length // 10))
    return np.asarray(rng.choice(positives, size=k, replace=False), dtype=np.int64)


def list_auc(scores: np.ndarray, positives: np.ndarray) -> float:
    """ROC AUC of the positives against the rest of the list (ties count 1/2): the primary
    metric of the bench's candidate-list tasks."""
    n = len(scores)
    k = len(positives)
    if k == 0 or k == n:
        return 0.5
    pos = np.zeros(n, dtype=bool)
    pos[positives] = True
    s_pos = scores[pos]
    s_neg = scores[~pos]
    greater = (s_pos[:, None] > s_neg[None, :]).sum()
    ties = (s_pos[:, None] == s_neg[None, :]).sum()
    return float((greater + 0.5 * ties) / (k * (n - k)))
