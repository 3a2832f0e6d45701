"""Yes/no answers: the like probability from a user's like rate and an item's standing."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import checkerboard_interactions, checkerboard_records
from dayone.data import Catalog
from dayone.data.interactions import normalise_interactions
from dayone.encoders import HashingEncoder
from dayone.profiles import HistoryEntry
from dayone.recommender import Recommender, RecommenderConfig, UnknownItemError, likes


def test_known_answers_of_the_parts() -> None:
    np.testing.assert_allclose(likes.standings(np.array([3.0, 1.0, 2.0])), [1.0, 0.0, 0.5])
    np.testing.assert_allclose(likes.standings(np.array([1.0, 1.0, 2.0])), [0.25, 0.25, 1.0])
    assert likes.shrunk_rate(3, 4, prior=0.5, strength=2.0) == pytest.approx(4 / 6)
    assert likes.shrunk_rate(0, 0, prior=0.3) == pytest.approx(0.3), "no evidence: the prior"
    # a middling item gets the user's rate; a better one more, a worse one less
    p = likes.like_probability(0.8, np.array([0.5, 0.9, 0.1]), weight=1.0)
    assert p[0] == pytest.approx(0.8) and p[1] > 0.8 > p[2]
    assert likes.like_probability(0.8, np.array([0.1, 0.9]), weight=0.0) == pytest.approx([0.8, 0.8])


def test_which_picks_say_liked() -> None:
    hist = [HistoryEntry(item="a", liked=True), HistoryEntry(item="b", liked=False),
            HistoryEntry(item="c", rating=4.0), HistoryEntry(item="d", rating=3.0),
            HistoryEntry(item="e"), HistoryEntry(item="f", weight=7.0)]
    assert likes.explicit_likes(hist, threshold=4.0) == (2, 4), "implicit picks say nothing"
    assert likes.explicit_likes(hist, threshold=None) == (1, 2), "unrated scale: flags only"
    assert likes.like_threshold(3.5, (1.0, 5.0), hist) == 3.5
    assert likes.like_threshold(None, (1.0, 5.0), hist) == 4.0, "top quarter of the log's scale"
    assert likes.like_threshold(None, None, hist) == pytest.approx(3.75), "of the picks' own ratings"
    assert likes.like_threshold(None, None, hist[:2]) is None


@pytest.fixture(scope="module")
def rec() -> Recommender:
    return Recommender.build(Catalog.from_records(checkerboard_records()), checkerboard_interactions(),
                             config=RecommenderConfig(domain="movie"), encoder=HashingEncoder())


def test_a_picky_user_is_less_likely_to_like_the_same_item(rec: Recommender) -> None:
    # both have liked s1 (a space film); one has disliked three others, one liked them
    picky = {"history": [{"item": "s1", "liked": True}] + [{"item": f"l{i}", "liked": False} for i in range(3)]}
    easy = {"history": [{"item": "s1", "liked": True}] + [{"item": f"l{i}", "liked": True} for i in range(3)]}
    p_picky = rec.predict_likes(picky, ["s2"])[0]
    p_easy = rec.predict_likes(easy, ["s2"])[0]
    assert p_picky.like_rate < p_easy.like_rate and p_picky.probability < p_easy.probability
    assert "likes 1 of 4 picks" in p_picky.explanation


def test_within_one_user_the_item_they_would_rank_higher_is_more_likely(rec: Recommender) -> None:
    fan = {"history": [{"item": "s1", "rating": 5}, {"item": "s3", "rating": 5}, {"item": "l1", "rating": 1}]}
    space, love = rec.predict_likes(fan, ["s2", "l2"])
    assert space.probability > love.probability and space.standing > love.standing
    assert 0.0 <= love.probability <= space.probability <= 1.0
    assert space.source and "ranks above" in space.explanation


def test_the_population_sets_the_prior(rec: Recommender) -> None:
    # the log: 54 ratings of 5 and 12 of 1 (checkerboard_interactions)
    assert rec.like_prior == pytest.approx((54 + 1) / (66 + 2))
    nobody = rec.predict_likes(None, ["s0"])[0]
    assert nobody.like_rate == pytest.approx(rec.like_prior)
    assert "no pick says whether it was liked" in nobody.explanation
    # clicks say nothing about liking: once only those are left, the prior is even again
    again = Recommender.build(Catalog.from_records(checkerboard_records()), checkerboard_interactions(),
                              encoder=HashingEncoder())
    assert again.like_prior > 0.5
    again.interactions = normalise_interactions(checkerboard_interactions().drop(columns=["rating"]))
    again.refit()
    assert again.like_prior == 0.5


def test_unknown_items_are_named(rec: Recommender) -> None:
    with pytest.raises(UnknownItemError, match="ghost"):
        rec.predict_likes(None, ["s0", "ghost"])
