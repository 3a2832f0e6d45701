"""Metric definitions checked against brute-force versions written straight from the formulas."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import roc_auc_score

from dayone.evaluation.metrics import (
    AUC,
    GAUC,
    MRR,
    NDCG,
    CatalogueCoverage,
    HitRate,
    IntraListDiversity,
    NewItemShare,
    Novelty,
    PooledAUC,
    RatedAUC,
    Recall,
    Truth,
    bootstrap_ci,
    group_gaps,
    parse_metric,
)

CATALOGUE = [f"i{n}" for n in range(12)]


@st.composite
def ranked_case(draw):
    """A catalogue of 12 items, a relevant set, a disliked set and a judged list with holes."""
    rel = draw(st.sets(st.sampled_from(CATALOGUE), min_size=1, max_size=6))
    neg = draw(st.sets(st.sampled_from([i for i in CATALOGUE if i not in rel]), max_size=4))
    order = draw(st.permutations(CATALOGUE))
    length = draw(st.integers(0, len(CATALOGUE)))
    ranked: list[str | None] = list(order[:length])
    holes = draw(st.lists(st.integers(0, max(length - 1, 0)), max_size=3))
    for h in holes:
        if ranked:
            ranked[h] = None
    k = draw(st.integers(1, 15))
    return rel, neg, ranked, k


def truth_for(rel: set[str], neg: set[str]) -> Truth:
    return Truth(
        relevant=frozenset(rel),
        negative=frozenset(neg),
        n_allowed=len(CATALOGUE),
        n_relevant_allowed=len(rel),
        n_negative_allowed=len(neg),
    )


def brute_dcg(gains: list[int]) -> float:
    return sum(g / math.log2(r + 1) for r, g in enumerate(gains, 1))


def brute_pair_auc(pos_scores: list[float], neg_scores: list[float]) -> float:
    if not pos_scores or not neg_scores:
        return float("nan")
    wins = 0.0
    for p in pos_scores:
        for n in neg_scores:
            wins += 1.0 if p > n else 0.5 if p == n else 0.0
    return wins / (len(pos_scores) * len(neg_scores))


@given(ranked_case())
@settings(max_examples=200, deadline=None)
def test_ranking_metrics_match_brute_force(case):
    rel, neg, ranked, k = case
    truth = truth_for(rel, neg)
    gains = [1 if (i is not None and i in rel) else 0 for i in ranked]
    # recall / hit
    assert Recall(k)(ranked, truth) == pytest.approx(sum(gains[:k]) / len(rel))
    assert HitRate(k)(ranked, truth) == float(any(gains[:k]))
    # ndcg: ideal ranking puts every relevant item first
    ideal = brute_dcg([1] * len(rel) + [0] * len(CATALOGUE))
    ideal_k = brute_dcg(([1] * len(rel))[:k])
    assert ideal_k <= ideal
    assert NDCG(k)(ranked, truth) == pytest.approx(brute_dcg(gains[:k]) / ideal_k)
    # mrr over the whole list, and cut at k
    first = next((r for r, g in enumerate(gains, 1) if g), None)
    assert MRR()(ranked, truth) == pytest.approx(1 / first if first else 0.0)
    assert MRR(k)(ranked, truth) == pytest.approx(1 / first if first and first <= k else 0.0)
    # auc: ranked items score -rank, unranked items share the lowest score
    score = {i: -float(r) for r, i in enumerate(ranked, 1) if i is not None}
    low = -1e9
    pos = [score.get(i, low) for i in CATALOGUE if i in rel]
    others = [score.get(i, low) for i in CATALOGUE if i not in rel]
    assert AUC()(ranked, truth) == pytest.approx(brute_pair_auc(pos, others))
    negs = [score.get(i, low) for i in CATALOGUE if i in neg]
    expected = brute_pair_auc(pos, negs)
    got = RatedAUC()(ranked, truth)
    assert (math.isnan(expected) and math.isnan(got)) or got == pytest.approx(expected)


@given(ranked_case())
@settings(max_examples=100, deadline=None)
def test_auc_equals_sklearn_on_full_scores(case):
    rel, neg, ranked, _ = case
    truth = truth_for(rel, neg)
    if len(rel) == len(CATALOGUE):
        return
    score = {i: -float(r) for r, i in enumerate(ranked, 1) if i is not None}
    y = [int(i in rel) for i in CATALOGUE]
    s = [score.get(i, -1e9) for i in CATALOGUE]
    assert AUC()(ranked, truth) == pytest.approx(roc_auc_score(y, s))


@given(
    st.lists(
        st.tuples(st.integers(0, 1), st.integers(-3, 3), st.sampled_from("abcd")),
        min_size=1,
        max_size=40,
    )
)
@settings(max_examples=200, deadline=None)
def test_pooled_auc_and_gauc_match_definitions(rows):
    y = np.array([r[0] for r in rows])
    s = np.array([float(r[1]) for r in rows])
    users = np.array([r[2] for r in rows])
    got = PooledAUC()(y, s)
    if 0 < y.sum() < len(y):
        assert got == pytest.approx(roc_auc_score(y, s))
        assert got == pytest.approx(brute_pair_auc(list(s[y == 1]), list(s[y == 0])))
    else:
        assert math.isnan(got)
    num = den = 0.0
    for u in np.unique(users):
        yu, su = y[users == u], s[users == u]
        if 0 < yu.sum() < len(yu):
            num += brute_pair_auc(list(su[yu == 1]), list(su[yu == 0])) * len(yu)
            den += len(yu)
    g = GAUC()(y, s, users)
    if den:
        assert g == pytest.approx(num / den)
    else:
        assert math.isnan(g)


def test_known_values_by_hand():
    truth = Truth(frozenset({"a", "c"}), n_allowed=4, n_relevant_allowed=2)
    ranked = ["b", "a", None, "c"]
    assert Recall(2)(ranked, truth) == 0.5
    assert NDCG(2)(ranked, truth) == pytest.approx((1 / math.log2(3)) / (1 + 1 / math.log2(3)))
    assert MRR()(ranked, truth) == 0.5
    # a beats nothing ranked below except... negatives: b (above a) and d (unranked)
    # a: beats d (1);  c: beats d? c is ranked, d unranked -> 1.  wins 2 of 4 pairs
    assert AUC()(ranked, truth) == pytest.approx(0.5)


def test_parse_metric_keys_and_errors():
    assert parse_metric("ndcg@10").key == "ndcg@10"
    assert parse_metric("hit@5").key == "hit@5"
    assert parse_metric("mrr").key == "mrr"
    with pytest.raises(ValueError, match="unknown metric"):
        parse_metric("precision@3")
    with pytest.raises(ValueError, match="cut-off"):
        parse_metric("ndcg")
    with pytest.raises(ValueError):
        NDCG(0)


def test_beyond_accuracy_metrics():
    lists = [["a", "b", None], ["b", "c"], []]
    assert CatalogueCoverage(2, 10)(lists) == pytest.approx(0.3)
    counts = {"a": 3, "b": 0}
    nov = Novelty(2, counts, n_users=7)
    assert nov.per_list(["a", "b"]) == pytest.approx((-math.log2(4 / 8) - math.log2(1 / 8)) / 2)
    assert math.isnan(nov.per_list([]))
    vec = {"a": np.array([1.0, 0.0]), "b": np.array([0.0, 2.0]), "c": np.array([1.0, 1.0])}
    ild = IntraListDiversity(3, vec.get)
    expected = np.mean([1.0, 1 - 1 / math.sqrt(2), 1 - 1 / math.sqrt(2)])
    assert ild.per_list(["a", "b", "c"]) == pytest.approx(expected)
    assert math.isnan(ild.per_list(["a"]))
    share = NewItemShare(2, frozenset({"b"}))
    assert share(lists) == pytest.approx((0.5 + 0.5) / 2)


def test_group_gaps_and_bootstrap():
    gaps = group_gaps({"ndcg@10": [1.0, 0.0, 0.5, float("nan")]}, ["F", "M", "M", "F"])
    assert gaps["ndcg@10"]["groups"] == {"F": 1.0, "M": 0.25}
    assert gaps["ndcg@10"]["gap"] == pytest.approx(0.75)
    lo, hi = bootstrap_ci([0.2] * 30, n_boot=50)
    assert lo == pytest.approx(0.2) and hi == pytest.approx(0.2)
    vals = np.random.default_rng(1).random(200)
    lo, hi = bootstrap_ci(vals, n_boot=300, clusters=[str(i // 4) for i in range(200)])
    assert lo < vals.mean() < hi
