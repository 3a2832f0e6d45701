"""Turn a UserContext into what the rankers consume: signed history and query vectors.

A rating of 4 means little from someone who rates everything 5, so ratings are centred on the
user's own mean, shrunk towards the population mean while the user has few ratings: that is
the "rating bias" the scorer needs from the first interaction on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from dayone.profiles.context import HistoryEntry


@dataclass
class SignedHistory:
    """History items with a preference in [-1, 1] each (>0 liked, <0 disliked)."""

    items: list[str] = field(default_factory=list)
    prefs: list[float] = field(default_factory=list)

    @property
    def liked(self) -> list[str]:
        return [i for i, p in zip(self.items, self.prefs, strict=True) if p > 0]

    @property
    def disliked(self) -> list[str]:
        return [i for i, p in zip(self.items, self.prefs, strict=True) if p < 0]


@dataclass
class RatingScale:
    """The population's rating statistics, learned from the interactions the system holds."""

    mean: float = 3.5
    spread: float = 1.0
    shrinkage: float = 3.0


def sign_history(history: list[HistoryEntry], scale: RatingScale) -> SignedHistory:
    """Give every history entry a preference, using the user's own rating bias."""
    ratings = [h.rating for h in history if h.rating is not None]
    if ratings:
        n = len(ratings)
        user_mean = (scale.shrinkage * scale.mean + sum(ratings)) / (scale.shrinkage + n)
    else:
        user_mean = scale.mean
    out = SignedHistory()
    weights = [h.weight for h in history if h.weight is not None and h.rating is None and h.liked is None]
    wmax = float(np.log1p(max(weights))) if weights else 1.0
    for h in history:
        if h.liked is not None:
            p = 1.0 if h.liked else -1.0
        elif h.rating is not None:
            p = float(np.clip((h.rating - user_mean) / max(scale.spread, 1e-6), -1.0, 1.0))
            if abs(p) < 0.05:  # a rating exactly at the user's mean still says "watched it"
                p = 0.05
        elif h.weight is not None:
            # relative to the user's own strongest: their favourite counts fully, whatever the
            # scale; a zero strength (listed, never played) says nothing either way
            p = 0.3 + 0.7 * float(np.log1p(h.weight)) / max(wmax, 1e-9) if h.weight > 0 else 0.0
        else:
            p = 0.5
        out.items.append(h.item)
        out.prefs.append(p)
    return out


def history_vector(vectors: np.ndarray, prefs: np.ndarray) -> np.ndarray:
    """Preference-weighted mean of item vectors; disliked items push the query away."""
    if vectors.shape[0] == 0:
        return np.zeros(vectors.shape[1] if vectors.ndim == 2 else 0, dtype=np.float32)
    v = (prefs[:, None] * vectors).sum(axis=0)
    norm = float(np.linalg.norm(v))
    return (v / norm).astype(np.float32) if norm > 0 else v.astype(np.float32)
