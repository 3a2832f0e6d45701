"""Known answers for the user-kNN cold-user strategy and its shape selection."""

from __future__ import annotations

import numpy as np

from dayone.rankers.base import InteractionMatrix, UserEvidence
from dayone.rankers.cold_user import choose_knn_shape
from dayone.rankers.demographic import AttributePopularity
from dayone.rankers.userknn import GRID, KNNShape, UserKNN


def _ev(items: list[int], ratings: list[float], attrs: dict | None = None) -> UserEvidence:
    return UserEvidence(
        items=np.array(items, dtype=np.int64),
        ratings=np.array(ratings, dtype=float),
        liked=[None] * len(items),
        attributes=attrs or {},
    )


def _knn(rows: list[tuple[str, str, float | None, float | None]], users: dict) -> UserKNN:
    m = InteractionMatrix.build([f"i{k}" for k in range(4)], rows)
    return UserKNN.fit(m, AttributePopularity.fit(m, users))


# two taste groups: a/b rate i0 high and like i1; c/d rate i0 low and like i2
ROWS: list[tuple[str, str, float | None, float | None]] = [
    ("a", "i0", 5.0, 0.0), ("a", "i1", 5.0, 1.0),
    ("b", "i0", 5.0, 0.0), ("b", "i1", 4.0, 1.0),
    ("c", "i0", 1.0, 0.0), ("c", "i2", 5.0, 1.0),
    ("d", "i0", 1.0, 0.0), ("d", "i2", 5.0, 1.0),
    ("e", "i3", 5.0, 0.0),
]  # fmt: skip
SHAPE = KNNShape(power=0.0, smooth=0.1, sharpness=2.0, rated=0.0)


def test_agreeing_neighbours_decide() -> None:
    knn = _knn(ROWS, {})
    likes_i0 = knn.score(_ev([0], [5.0]), SHAPE)
    hates_i0 = knn.score(_ev([0], [1.0]), SHAPE)
    assert likes_i0[1] > likes_i0[2] and hates_i0[2] > hates_i0[1]


def test_no_history_is_profile_popularity() -> None:
    users = {u: {"gender": "F" if u in "ab" else "M"} for u in "abcde"}
    knn = _knn(ROWS, users)
    s = knn.score(_ev([], [], {"gender": "F"}), KNNShape(2.0, 1.0, 1.0, 0.0))
    assert s[1] > s[2]  # the F users liked i1


def test_unrated_history_counts_plain_overlap() -> None:
    knn = _knn([(u, i, None, None) for u, i, _, _ in ROWS], {})
    s = knn.score(_ev([3], [np.nan]), SHAPE)
    assert np.argmax(s) == 3  # only e saw i3, and e "liked" only i3 (implicit: all liked)


def test_shape_selection_picks_the_best_column() -> None:
    n = 5
    G = np.tile(-np.arange(n, dtype=np.float32)[:, None], (1, len(GRID)))  # item 0 first
    G[2, 7] = 1.0  # only shape 7 puts the liked item first
    F = np.zeros((n, 3), dtype=np.float32)
    shape, val = choose_knn_shape([(F, G, np.array([2]), np.array([], dtype=np.int64))])
    assert shape == GRID[7] and val == 1.0
