"""Simulated candidate lists: drawn like the requests' own lists, scored by AUC within them."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import roc_auc_score

from dayone.rankers.candidate_lists import CandidateLists, list_auc, targets_for


def test_lists_are_read_only_when_every_request_has_a_short_one() -> None:
    short = [np.array([1, 2, 3]), np.array([4, 5, 6, 7, 8])]
    lists = CandidateLists.of(short, n_items=100)
    assert lists is not None and lists.length == 4 and len(lists.items) == 8
    # a request without a list, or lists that are most of the catalogue: rank the catalogue
    assert CandidateLists.of([np.array([1, 2, 3]), np.zeros(0, dtype=np.int64)], 100) is None
    assert CandidateLists.of([np.arange(60), np.arange(70)], 100) is None
    assert CandidateLists.of([np.arange(1500)], 100_000) is None  # too long to search on
    assert CandidateLists.of([], 100) is None


def test_a_simulated_list_puts_the_target_first_and_draws_like_the_requests() -> None:
    # item 7 appears on the requests' lists nine times as often as items 1..6
    lists = CandidateLists.of([np.array([7] * 54 + [1, 2, 3, 4, 5, 6])], n_items=1000)
    assert lists is not None
    lists.length = 3
    rng = np.random.default_rng(0)
    drawn = [lists.sample(rng, targets=np.array([20]), history=np.array([1, 2])) for _ in range(300)]
    assert all(d[0] == 20 and len(d) == 3 and len(set(d.tolist())) == 3 for d in drawn)
    assert not any({1, 2} & set(d.tolist()) for d in drawn)  # never a history item
    share_of_7 = np.mean([7 in d[1:] for d in drawn])
    assert share_of_7 > 0.95


def test_restricted_to_known_items_or_none_when_too_few_are_left() -> None:
    lists = CandidateLists.of([np.array([1, 2, 3]), np.array([4, 9, 9])], n_items=100)
    assert lists is not None
    kept = lists.restricted_to(np.array([1, 2, 9]))
    assert kept is not None and kept.items.tolist() == [1, 2, 9]
    np.testing.assert_allclose(kept.share, [0.25, 0.25, 0.5])
    assert lists.restricted_to(np.array([1, 9])) is None


def test_a_pool_that_runs_short_gives_what_it_has_at_once() -> None:
    """Every request shows the same shelf, most of it already in the history: the list is
    the rest of the shelf, drawn without a retry loop."""
    lists = CandidateLists.of([np.arange(30)] * 1000, n_items=10_000)
    assert lists is not None
    drawn = lists.sample(np.random.default_rng(0), np.array([500]), np.arange(25))
    assert drawn[0] == 500 and sorted(drawn[1:].tolist()) == [25, 26, 27, 28, 29]


def test_targets_prefer_likes_that_appear_on_the_lists() -> None:
    lists = CandidateLists.of([np.array([1, 2, 3, 4])] * 3, n_items=100)
    assert lists is not None
    rng = np.random.default_rng(0)
    picked = {int(t) for _ in range(50) for t in targets_for(rng, np.array([2, 50, 60]), 30, lists)}
    assert picked == {2}
    # none of the likes is ever listed: any of them will do
    assert len(targets_for(rng, np.array([50, 60, 70]), 30, lists)) == 3


def test_list_auc_is_roc_auc_with_ties_as_half() -> None:
    rng = np.random.default_rng(4)
    for n, k in [(12, 3)] * 20 + [(400, 80)] * 3:  # the pairwise path and the ranked one
        scores = rng.integers(0, 4, size=n).astype(float)  # many ties
        positives = rng.choice(n, size=k, replace=False)
        labels = np.zeros(n, dtype=int)
        labels[positives] = 1
        assert abs(list_auc(scores, positives) - roc_auc_score(labels, scores)) < 1e-12


def test_simulated_new_users_lists_hold_their_likes_first_and_no_other_like() -> None:
    from dayone.rankers.cold_user import _as_lists

    lists = CandidateLists.of([np.arange(40)] * 5, n_items=1000)
    assert lists is not None
    lists.length = 20
    Z = np.arange(40, dtype=np.float32)[:, None] * np.ones((1, 3), dtype=np.float32)
    likes = np.array([3, 5, 7, 9])
    history = np.array([0, 1])
    out = _as_lists([(Z, likes, history), (Z, np.zeros(0, dtype=np.int64), history)], lists,
                    np.random.default_rng(0))
    assert len(out) == 1  # no later like, no list
    Zl, positives, excluded = out[0]
    assert Zl.shape == (20, 3) and positives.tolist() == [0, 1] and not len(excluded)
    listed = Zl[:, 0].astype(int)
    assert set(listed[:2].tolist()) <= set(likes.tolist())
    assert not set(listed[2:].tolist()) & {*likes.tolist(), *history.tolist()}
    again = _as_lists([(Z, likes, history)], lists, np.random.default_rng(0))
    np.testing.assert_array_equal(again[0][0], Zl)  # seeded: the same lists every run
