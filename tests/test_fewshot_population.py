"""Leakage guards: own-user exclusion in population counts and in the history cloze."""

from __future__ import annotations

from dayone.rankers.fewshot.cloze import cloze_rows
from dayone.rankers.fewshot.population import Population
from test_fewshot_fakes import request


def test_population_counts_exclude_the_requesting_user() -> None:
    rows = [
        request("a", "u1", [("x", True), ("y", True)], "z"),
        request("b", "u2", [("x", False)], "z"),
        request("c", "u1", [("x", True)], "z"),  # sliding window: same rating again
    ]
    pop = Population.from_rows(rows)
    assert pop.counts("x", "u1") == (1, 0)  # only u2's dislike
    assert pop.counts("x", "u2") == (1, 1)  # u1's like counted once
    assert pop.counts("x", "nobody") == (2, 1)


def test_train_labels_count_but_request_targets_do_not() -> None:
    train = [dict(request("t", "u9", [], "z"), label=1)]
    reqs = [request("a", "u1", [], "z")]
    pop = Population.from_rows([*train, *reqs], labelled=train)
    assert pop.counts("z", "u1") == (1, 1)


def test_cloze_drops_pseudo_rows_that_reveal_a_request_answer() -> None:
    # u1's second request lists the first request's target ("t1") with its flag
    reqs = [
        request("r1", "u1", [("a", True), ("b", False), ("c", True)], "t1"),
        request("r2", "u1", [("b", False), ("c", True), ("t1", False)], "t2"),
    ]
    rows = cloze_rows(reqs, reqs, max_rows=100, seed=0)
    assert all(not (r["user"]["id"] == "u1" and r["target"] == "t1") for r in rows)
    assert len(rows) == 3 + 2
