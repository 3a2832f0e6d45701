"""Known answers for the user-kNN cold-user strategy and its shape selection."""

from __future__ import annotations

import numpy as np
import pytest

from dayone.rankers import userknn
from dayone.rankers.base import InteractionMatrix
from dayone.rankers.blend import CoordinateAscentBlend, standardise_per_user
from dayone.rankers.demographic import AttributePopularity
from dayone.rankers.userknn import (
    KNNShape,
    NeighbourEvidence,
    UserKNN,
    affordable_bags,
    bagged_score,
    mean_ndcg,
    tune_bagged,
    tune_shape,
)
from evidence import user_evidence as _ev


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
SHAPE = KNNShape(smooth=0.1, sharpness=2.0)


def test_agreeing_neighbours_decide() -> None:
    knn = _knn(ROWS, {})
    likes_i0 = knn.score(_ev([0], [5.0]), SHAPE)
    hates_i0 = knn.score(_ev([0], [1.0]), SHAPE)
    assert likes_i0[1] > likes_i0[2] and hates_i0[2] > hates_i0[1]


def test_no_history_is_profile_popularity() -> None:
    users = {u: {"gender": "F" if u in "ab" else "M"} for u in "abcde"}
    knn = _knn(ROWS, users)
    s = knn.score(_ev([], [], {"gender": "F"}), KNNShape(attribute_power=(2.0,), smooth=1.0))
    assert s[1] > s[2]  # the F users liked i1


def test_unrated_history_counts_plain_overlap() -> None:
    knn = _knn([(u, i, None, None) for u, i, _, _ in ROWS], {})
    s = knn.score(_ev([3], [np.nan]), SHAPE)
    assert np.argmax(s) == 3  # only e saw i3, and e "liked" only i3 (implicit: all liked)


Case = tuple[UserKNN, NeighbourEvidence, np.ndarray, np.ndarray]


def _gender_world(seed: int) -> tuple[UserKNN, list[Case]]:
    """40 users: gender decides what they like (F: i1, i2; M: i3, i4), the zip code is noise,
    and i0 is popular with everyone and with 20 profile-less users. One simulated cold user
    per profiled user: no history, their two liked items as targets, i0 excluded."""
    rng = np.random.default_rng(seed)
    rows: list[tuple[str, str, float | None, float | None]] = []
    users = {}
    for u in range(40):
        g = "F" if u % 2 else "M"
        users[f"u{u}"] = {"gender": g, "zip": str(10000 + int(rng.integers(0, 2)) * 50000)}
        rows += [(f"u{u}", f"i{i}", 5.0, 0.0) for i in ((1, 2) if g == "F" else (3, 4))]
        rows.append((f"u{u}", "i0", 5.0, 0.0))
    rows += [(f"x{u}", "i0", 5.0, 0.0) for u in range(20)]
    m = InteractionMatrix.build([f"i{k}" for k in range(5)], rows)
    knn = UserKNN.fit(m, AttributePopularity.fit(m, users))
    cases = [
        (knn, knn.evidence(_ev([], [], users[f"u{u}"])),
         np.array([1, 2] if u % 2 else [3, 4]), np.array([0]))
        for u in range(40)
    ]  # fmt: skip
    return knn, cases


def test_tuning_finds_the_attribute_that_matters() -> None:
    """The search must raise the gender power above the zip power."""
    knn, cases = _gender_world(0)
    shape, val = tune_shape(cases, KNNShape(attribute_power=(0.0, 0.0)), k=2)
    g, z = (shape.attribute_power[knn.keys.index(k)] for k in ("gender", "zip"))
    assert g > z and val == 1.0


def test_bagged_kernels_average_the_scores_and_keep_the_signal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Kernels tuned on resamples: every bag finds gender, the average of their scores is the
    mean of the single scores, and a seed fixes the resamples."""
    knn, cases = _gender_world(1)
    start = KNNShape(attribute_power=(0.0, 0.0))
    shapes = tune_bagged(cases, start, bags=3, seed=5)
    assert len(shapes) == 3 and shapes == tune_bagged(cases, start, bags=3, seed=5)
    assert all(s.attribute_power[knn.keys.index("gender")] > 0 for s in shapes)
    ev = cases[0][1]
    singles = [knn.score_evidence(ev, s) for s in shapes]
    assert np.allclose(bagged_score(knn, ev, shapes), np.mean(singles, axis=0))
    assert mean_ndcg(cases, shapes, k=2) == 1.0 > mean_ndcg(cases, [start], k=2)
    # bags are cut where the searches would be slow, down to one plain search
    pairs = knn.liked_t.nnz + knn.seen_t.nnz
    assert affordable_bags(cases, 8) == 8
    monkeypatch.setattr(userknn, "BAGGING_BUDGET", 80 * 40 * 3.5 * pairs)
    assert affordable_bags(cases, 8) == 3
    monkeypatch.setattr(userknn, "BAGGING_BUDGET", 80 * 40 * 1.5 * pairs)
    assert affordable_bags(cases, 8) == 0


def _users(
    n: int, seed: int, signal: float = 3.0
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Feature 0 = noise, feature 1 = informative about the 3 positives of 50 items."""
    rng = np.random.default_rng(seed)
    users = []
    for _ in range(n):
        pos = rng.choice(50, size=3, replace=False)
        good = rng.normal(size=50)
        good[pos] += signal
        F = np.column_stack([rng.normal(size=50), good])
        users.append((standardise_per_user(F), pos, np.zeros(0, dtype=np.int64)))
    return users


def test_blend_search_is_kept_only_when_it_generalises() -> None:
    users = _users(40, 0)
    names = ["noise", "good"]
    searched, held_search, held_start = CoordinateAscentBlend.fit_if_it_generalises(
        users, names, start=np.array([1.0, 0.0])
    )
    assert held_search > held_start and abs(searched.w[1]) > abs(searched.w[0])
    # the start already ranks every positive first: no search can beat it on held-out users
    kept, held_search, held_start = CoordinateAscentBlend.fit_if_it_generalises(
        _users(40, 1, signal=100.0), names, start=np.array([0.0, 1.0])
    )
    assert held_search <= held_start and list(kept.w) == [0.0, 1.0]


def test_early_agreement_counts_items_the_neighbour_also_started_with() -> None:
    rows: list[tuple[str, str, float | None, float | None]] = [
        ("a", "i0", 5.0, 1.0), ("a", "i1", 5.0, 2.0),  # a started with i0
        ("b", "i2", 5.0, 1.0), ("b", "i0", 5.0, 2.0),  # b rated i0 second
    ]  # fmt: skip
    knn = _knn(rows, {})
    ev = knn.evidence(_ev([0], [5.0]))
    a, b = knn.seen.shape[0] - 2, knn.seen.shape[0] - 1  # users are indexed in row order
    assert ev.agreement[a] == ev.agreement[b] == 1.0
    assert ev.early_agreement[a] == 1.0 and ev.early_agreement[b] == 0.0
    s = knn.score(_ev([0], [5.0]), KNNShape(smooth=0.1, early=3.0))
    assert s[1] > s[2]  # a's later like beats b's


def test_era_weights_neighbours_who_joined_when_the_first_items_date_the_user(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # early users (joined at t=0) start with i0 and like i1; late users (t=1000) start with
    # i3, then rate i0 too, and like i2. An item's era counts the users who had it first (so
    # i0 dates to the early users); a new user starting with i0 joined early.
    monkeypatch.setattr(userknn, "EARLY_RANK", 1)
    rows: list[tuple[str, str, float | None, float | None]] = []
    for u in ("e1", "e2"):
        rows += [(u, "i0", 4.0, 0.0), (u, "i1", 5.0, 1.0)]
    for u in ("l1", "l2", "l3"):
        rows += [(u, "i3", 4.0, 1000.0), (u, "i0", 4.0, 1001.0), (u, "i2", 5.0, 1002.0)]
    knn = _knn(rows, {})
    ev = knn.evidence(_ev([0], [4.0]))
    assert ev.era_distance is not None
    assert ev.era_distance[:2].max() < ev.era_distance[2:].min()
    plain = knn.score_evidence(ev, KNNShape(smooth=1.0))
    dated = knn.score_evidence(ev, KNNShape(smooth=1.0, era=4.0))
    assert plain[2] > plain[1]  # more late users, all of whom rated i0 too
    assert dated[1] > dated[2]
