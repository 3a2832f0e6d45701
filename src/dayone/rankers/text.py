"""Text similarity with a pretrained sentence encoder: the zero-shot strategy.

Items are embedded once (unit vectors); a user is the weighted sum of their history's vectors,
weighted by expressed preference (rating relative to the user's mean, liked/disliked) and by
recency (the newest item counts most for sequences). Works for a catalogue no one has
interacted with yet, which is the whole point of the project.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dayone.rankers.base import UserEvidence


@dataclass
class TextSimilarity:
    source = "text"
    E: np.ndarray  # items x d, unit rows
    recency_decay: float = 1.0  # 1.0 = order ignored; <1 = newest weighs most
    like_threshold: float | None = None

    def profile(self, user: UserEvidence, use_preference: bool = True) -> np.ndarray:
        if not len(user.items):
            return np.zeros(self.E.shape[1])
        w = (
            user.preference_weights(self.like_threshold)
            if use_preference
            else np.ones(len(user.items))
        )
        if use_preference and np.all(w <= 0):  # only dislikes known: fall back to attention
            w = np.ones(len(user.items))
        age = np.arange(len(user.items))[::-1]
        w = w * self.recency_decay**age
        return np.asarray(w @ self.E[user.items])

    def score(self, user: UserEvidence, use_preference: bool = True) -> np.ndarray:
        p = self.profile(user, use_preference)
        norm = float(np.linalg.norm(p))
        if norm == 0:
            return np.zeros(self.E.shape[0])
        return np.asarray(self.E @ (p / norm), dtype=np.float64)

    def last_item(self, user: UserEvidence) -> np.ndarray:
        """Similarity to the most recent item only."""
        if not len(user.items):
            return np.zeros(self.E.shape[0])
        return np.asarray(self.E @ self.E[user.items[-1]], dtype=np.float64)

    def neighbour_rating(self, user: UserEvidence, k: int = 20) -> np.ndarray:
        """Content kNN: each item's predicted (centred) rating from the user's k most similar
        rated items, weighted by similarity; 0 where nothing is known."""
        if not len(user.items):
            return np.zeros(self.E.shape[0])
        w = user.preference_weights(self.like_threshold)
        S = self.E @ self.E[user.items].T  # items x history
        k = min(k, S.shape[1])
        if k < S.shape[1]:
            idx = np.argpartition(-S, k - 1, axis=1)[:, :k]
            Sk = np.take_along_axis(S, idx, axis=1)
            wk = w[idx]
        else:
            Sk, wk = S, np.broadcast_to(w, S.shape)
        Sk = np.maximum(Sk, 0.0) ** 3
        return np.asarray((Sk * wk).sum(axis=1) / (Sk.sum(axis=1) + 1e-3))
