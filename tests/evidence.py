"""One way for ranker tests to say "a user who has seen these items", shared by the known-answer
tests of several rankers (EASE, user-kNN, the prefix network)."""

from __future__ import annotations

import numpy as np

from dayone.rankers.base import UserEvidence


def user_evidence(
    items: list[int], ratings: list[float] | None = None, attrs: dict | None = None
) -> UserEvidence:
    """Catalogue indices oldest first; ratings NaN where not given; no explicit like flags."""
    r = np.array(ratings if ratings is not None else [np.nan] * len(items), dtype=float)
    return UserEvidence(
        items=np.array(items, dtype=np.int64),
        ratings=r,
        liked=[None] * len(items),
        attributes=attrs or {},
    )
