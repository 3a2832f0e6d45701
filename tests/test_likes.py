"""Yes/no answers: the like probability from a user's like rate and an item's standing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import checkerboard_interactions, checkerboard_records
from dayone.data import Catalog
from dayone.data.interactions import normalise_interactions
from dayone.encoders import HashingEncoder
from dayone.evaluation.metrics import PooledAUC
from dayone.profiles import HistoryEntry
from dayone.recommender import Recommender, RecommenderConfig, UnknownItemError, likes
from dayone.recommender.config import LikeWeights


def test_known_answers_of_the_parts() -> None:
    np.testing.assert_allclose(likes.standings(np.array([3.0, 1.0, 2.0])), [1.0, 0.0, 0.5])
    np.testing.assert_allclose(likes.standings(np.array([1.0, 1.0, 2.0])), [0.25, 0.25, 1.0])
    assert likes.shrunk_rate(3, 4, prior=0.5, strength=2.0) == pytest.approx(4 / 6)
    assert likes.shrunk_rate(0, 0, prior=0.3) == pytest.approx(0.3), "no evidence: the prior"
    # a middling item of average standing with the crowd gets the user's rate; a better one
    # more, a worse one less
    even = np.zeros(3)
    p = likes.like_probability(likes.like_features(0.8, np.array([0.5, 0.9, 0.1]), even), LikeWeights(standing=1.0))
    assert p[0] == pytest.approx(0.8) and p[1] > 0.8 > p[2]
    flat = likes.like_features(0.8, np.array([0.1, 0.9]), np.zeros(2))
    assert likes.like_probability(flat, LikeWeights(standing=0.0)) == pytest.approx([0.8, 0.8])
    # the crowd's verdict moves the answer only when it has a weight
    crowd = likes.like_features(0.8, np.array([0.5, 0.5]), np.array([1.0, -1.0]))
    assert likes.like_probability(crowd, None) == pytest.approx([0.8, 0.8])
    p = likes.like_probability(crowd, LikeWeights(quality=1.0))
    assert p[0] == pytest.approx(1 / (1 + np.exp(-(np.log(4) + 1)))) and p[1] < 0.8


def test_the_crowds_liked_share_is_shrunk_towards_the_log() -> None:
    gain = likes.quality_gain(np.array([10.0, 0.0, 0.0, 1.0]), np.array([10.0, 10.0, 0.0, 1.0]), share=0.5)
    assert gain[0] == pytest.approx(np.log(12.5 / 2.5)), "10 of 10 liked, 5 pseudo at 50%: 12.5 of 15"
    assert gain[1] == pytest.approx(-gain[0])
    assert gain[2] == 0.0, "nobody has it: no verdict"
    assert 0.0 < gain[3] < gain[0], "one like says less than ten"
    assert not likes.quality_gain(np.ones(3), np.ones(3), share=1.0).any(), "all positive: no verdict"


def _simulated(n: int, truth: LikeWeights, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = np.column_stack([np.ones(n), rng.normal(0, 1, n), rng.normal(0, 2, n), rng.normal(0, 0.5, n)])
    z = x @ np.array([truth.bias, truth.rate, truth.standing, truth.quality])
    return x, rng.random(n) < 1 / (1 + np.exp(-z))


def test_fitted_weights_recover_the_ones_that_made_the_answers() -> None:
    truth = LikeWeights(bias=-0.3, rate=0.8, standing=0.15, quality=1.2)
    x, y = _simulated(40_000, truth)
    got = likes.fit_like_weights(x, y)
    for name in ("bias", "rate", "standing", "quality"):
        assert getattr(got, name) == pytest.approx(getattr(truth, name), abs=0.08), name
    assert likes.log_loss(x, y, got) < likes.log_loss(x, y, None)


def test_a_few_answers_barely_move_the_defaults() -> None:
    x, y = _simulated(30, LikeWeights(bias=0.0, rate=0.0, standing=2.0, quality=-2.0), seed=1)
    got = likes.fit_like_weights(x, y)
    assert abs(got.rate - 1.0) < 0.5 and abs(got.quality) < 0.5 and got.standing < 1.5


def test_fitting_does_not_run_away_on_separable_answers() -> None:
    # plain Newton overshoots on features this far apart; the fit must stay finite and
    # predict its rows better than the defaults
    x = np.column_stack([np.ones(200), np.full(200, 2.0), np.linspace(-7, 7, 200), np.zeros(200)])
    y = x[:, 2] > 0.5
    got = likes.fit_like_weights(x, y)
    assert all(abs(v) < 20 for v in got.model_dump().values())
    assert likes.log_loss(x, y, got) < likes.log_loss(x, y, None)
    assert PooledAUC()(y, likes.like_probability(x, got)) == pytest.approx(1.0)


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
    # and a yes/no answer then says how likely a pick is, not a like rate nothing supports
    assert again.likes_only
    assert "the log records no dislikes" in again.predict_likes(None, ["s0"])[0].explanation


def test_unknown_items_are_named(rec: Recommender) -> None:
    with pytest.raises(UnknownItemError, match="ghost"):
        rec.predict_likes(None, ["s0", "ghost"])


def _rated_world(seed: int = 0) -> tuple[Catalog, pd.DataFrame, np.ndarray]:
    """Item text is noise; whether a pick is liked depends on the item's quality and on how
    easily the user likes anything, as on a real ratings site."""
    rng = np.random.default_rng(seed)
    quality = rng.normal(0, 1.5, 100)
    items = [{"id": f"i{j}", "title": f"thing {rng.integers(1_000_000)}"} for j in range(100)]
    rows = []
    for u in range(180):
        ease = rng.normal(0, 1)
        for t, j in enumerate(rng.choice(100, size=18, replace=False)):
            liked = rng.random() < 1 / (1 + np.exp(-(quality[j] + ease)))
            rows.append({"user": f"u{u}", "item": f"i{j}", "rating": 5.0 if liked else 2.0, "ts": float(t)})
    return Catalog.from_records(items), pd.DataFrame(rows), quality


def test_the_hand_over_fits_the_answers_weights_and_a_saved_model_keeps_them(tmp_path: Path) -> None:
    from dayone.recommender.handover import summarise_handover

    catalog, df, quality = _rated_world()
    rec = Recommender.build(catalog, df, config=RecommenderConfig(beginnings=False), encoder=HashingEncoder())
    fit = rec.handover_report["likes"]
    assert fit["learned"] is True, fit
    assert fit["heldout_auc_learned"] > fit["heldout_auc_default"]
    assert rec.config.likes is not None and rec.config.likes.quality > 0.3, "the crowd's verdict carries here"
    best, worst = f"i{int(np.argmax(quality))}", f"i{int(np.argmin(quality))}"
    p_best, p_worst = rec.predict_likes(None, [best, worst])
    assert p_best.probability > p_worst.probability and p_best.crowd > 0 > p_worst.crowd
    assert "liked more often than most" in p_best.explanation and "less often" in p_worst.explanation
    assert any(line.strip().startswith("yes/no answers (predict_likes) fitted on")
               for line in summarise_handover(rec.handover_report))
    rec.save(tmp_path / "model")
    again = Recommender.load(tmp_path / "model", encoder=HashingEncoder())
    assert again.config.likes == rec.config.likes
    assert again.predict_likes(None, [best])[0].probability == pytest.approx(p_best.probability)


def test_a_log_without_dislikes_keeps_the_hand_set_weights() -> None:
    catalog, df, _ = _rated_world()
    df["rating"] = 5.0
    rec = Recommender.build(catalog, df, config=RecommenderConfig(beginnings=False), encoder=HashingEncoder())
    fit = rec.handover_report["likes"]
    assert fit["learned"] is False and "0 other explicit picks" in fit["reason"]
    assert rec.config.likes is None


def test_a_log_of_likes_only_answers_how_likely_a_pick_is() -> None:
    """Purchases recorded as likes: every user's like rate would read 100% and every answer
    about 1.0. The answer then rests on where the item ranks for them, and says so."""
    df = checkerboard_interactions().assign(rating=np.nan, liked=True)
    rec = Recommender.build(Catalog.from_records(checkerboard_records()), normalise_interactions(df),
                            config=RecommenderConfig(domain="movie", beginnings=False), encoder=HashingEncoder())
    assert rec.likes_only and rec.like_prior > 0.95
    fan = {"history": [{"item": "s1", "liked": True}, {"item": "s3", "liked": True}]}
    space, love = rec.predict_likes(fan, ["s2", "l2"])
    assert space.standing > love.standing
    assert space.probability > 0.5 > love.probability, (space.probability, love.probability)
    assert "the log records no dislikes" in space.explanation and "pick it" in space.explanation
    # a rated log with dislikes keeps the like rate
    rated = Recommender.build(Catalog.from_records(checkerboard_records()), checkerboard_interactions(),
                              config=RecommenderConfig(domain="movie", beginnings=False), encoder=HashingEncoder())
    assert not rated.likes_only
