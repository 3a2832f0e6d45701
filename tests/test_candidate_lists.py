"""Simulated candidate lists: drawn like the requests' own lists, scored by AUC within them."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import roc_auc_score

from dayone.rankers.candidate_lists import CandidateLists, list_auc


def test_lists_are_read_only_when_every_request_has_a_short_one() -> None:
    short = [np.array([1, 2, 3]), np.array([4, 5, 6, 7, 8])]
    lists = CandidateLists.of(short, n_items=100)
    assert lists is not None and lists.length == 4 and len(lists.pool) == 8
    # a request without a list, or lists that are most of the catalogue: rank the catalogue
    assert CandidateLists.of([np.array([1, 2, 3]), np.zeros(0, dtype=np.int64)], 100) is None
    assert CandidateLists.of([np.arange(60), np.arange(70)], 100) is None
    assert CandidateLists.of([], 100) is None


def test_a_simulated_list_puts_the_target_first_and_draws_like_the_requests() -> None:
    # item 7 appears on the requests' lists nine times as often as items 1..6
    pool = np.array([7] * 54 + [1, 2, 3, 4, 5, 6] * 1)
    lists = CandidateLists(pool, length=3)
    rng = np.random.default_rng(0)
    drawn = [lists.sample(rng, targets=np.array([20]), history=np.array([1, 2])) for _ in range(300)]
    assert all(d[0] == 20 and len(d) == 3 and len(set(d.tolist())) == 3 for d in drawn)
    assert not any({1, 2} & set(d.tolist()) for d in drawn)  # never a history item
    share_of_7 = np.mean([7 in d[1:] for d in drawn])
    assert share_of_7 > 0.95


def test_restricted_to_known_items_or_none_when_too_few_are_left() -> None:
    lists = CandidateLists(np.array([1, 2, 3, 4, 9, 9]), length=3)
    kept = lists.restricted_to(np.array([1, 2, 9]))
    assert kept is not None and sorted(kept.pool.tolist()) == [1, 2, 9, 9]
    assert lists.restricted_to(np.array([1, 9])) is None


def test_list_auc_is_roc_auc_with_ties_as_half() -> None:
    rng = np.random.default_rng(4)
    for _ in range(20):
        scores = rng.integers(0, 4, size=12).astype(float)  # many ties
        positives = rng.choice(12, size=3, replace=False)
        labels = np.zeros(12, dtype=int)
        labels[positives] = 1
        assert abs(list_auc(scores, positives) - roc_auc_score(labels, scores)) < 1e-12
