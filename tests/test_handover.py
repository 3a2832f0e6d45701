"""The learned hand-over: weights per evidence bucket, chosen on simulated new users."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dayone.data import Catalog
from dayone.data.errors import DataError
from dayone.encoders import HashingEncoder
from dayone.recommender import Recommender, RecommenderConfig
from dayone.recommender.handover import summarise_handover


def clustered_world(seed: int = 0) -> tuple[Catalog, pd.DataFrame]:
    """Item text is pure noise; taste lives in co-occurrence (two clusters) and popularity.

    A good hand-over must learn to drop text-history similarity and trust co-occurrence
    once a user has picks, and popularity before that.
    """
    rng = np.random.default_rng(seed)
    items = [{"id": f"i{j}", "title": f"thing {rng.integers(1_000_000)}"} for j in range(120)]
    rows = []
    for u in range(160):
        cluster = u % 2
        pool = np.arange(cluster * 60, cluster * 60 + 60)
        weights = 1.0 / np.arange(1, 61)
        picks = rng.choice(pool, size=15, replace=False, p=weights / weights.sum())
        for t, j in enumerate(picks):
            rows.append({"user": f"u{u}", "item": f"i{j}", "rating": 5.0, "ts": float(t)})
    return Catalog.from_records(items), pd.DataFrame(rows)


def test_handover_learns_to_trust_collaborative_signals() -> None:
    catalog, df = clustered_world()
    rec = Recommender.build(catalog, df, config=RecommenderConfig(), encoder=HashingEncoder())
    report = rec.handover_report
    assert report["learned"] is True
    assert rec.config.handover is not None and len(rec.config.handover) == 4
    warm = next(b for b in report["buckets"] if b["bucket"] == 3)
    assert warm["ndcg10_learned"] >= warm["ndcg10_default"]
    w = rec.config.handover[3]
    assert w.cooccurrence > w.history, "noise text must lose to co-occurrence"
    # learned weights are saved with the model
    assert rec.config.model_dump()["handover"][3]["cooccurrence"] == w.cooccurrence


def test_handover_is_skipped_on_tiny_data_and_can_be_disabled() -> None:
    catalog, df = clustered_world()
    small = Recommender.build(catalog, df[df["user"].isin(["u1", "u2"])], encoder=HashingEncoder())
    assert small.handover_report["learned"] is False and small.config.handover is None
    off = Recommender.build(catalog, df, config=RecommenderConfig(learn_handover=False), encoder=HashingEncoder())
    assert off.config.handover is None and off.handover_report == {}


def test_handover_is_reproducible() -> None:
    catalog, df = clustered_world()
    a = Recommender.build(catalog, df, encoder=HashingEncoder()).config.handover
    b = Recommender.build(catalog, df, encoder=HashingEncoder()).config.handover
    assert a == b


def test_flat_scores_are_not_rewarded() -> None:
    """All-zero weights must score 0: the pool holds every relevant item, so ties go against them."""
    from dayone.recommender.handover import _Example, _mean_ndcg

    ex = _Example(bucket=0, parts=np.zeros((20, 2)), relevant=np.arange(20) < 5, n_relevant=5)
    assert _mean_ndcg(np.zeros(2), [ex]) == 0.0
    ex.parts[:5, 0] = 1.0
    assert _mean_ndcg(np.array([1.0, 0.0]), [ex]) == 1.0


def test_replay_targets_are_clear_likes_not_lukewarm_ratings() -> None:
    """A replayed user's later 3-of-5 ratings are not targets: learning from them rewarded
    strategies that predict what people watch rather than what they like. Every user here
    loves their first two items and is lukewarm about the rest (one 1-star fixes the scale),
    so only the k=0 and k=1 replays have anything to find."""
    catalog, df = clustered_world()
    df = df.copy()
    order = df.groupby("user").cumcount()
    df["rating"] = np.where(order < 2, 5.0, 3.0)
    df.loc[df.index[-1], "rating"] = 1.0
    rec = Recommender.build(catalog, df, config=RecommenderConfig(beginnings=False), encoder=HashingEncoder())
    report = rec.handover_report
    assert report["learned"] is True
    examples = sum(b["examples"] for b in report["buckets"])
    assert examples == 2 * report["validation_users"]


def test_replayed_picks_fall_in_the_bucket_they_are_served_from() -> None:
    """A first pick rated 3 on a scale whose ratings average near 5 is served as no like
    (`sign_history`, relative to the user's shrunk mean), so its replay must train the no-like
    weights; the log's fixed-midpoint signs used to file it under one like."""
    catalog, df = clustered_world()
    df = df.copy()
    order = df.groupby("user").cumcount()
    df["rating"] = np.where(order == 0, 3.0, 5.0)
    df.loc[df.index[-1], "rating"] = 1.0
    rec = Recommender.build(catalog, df, config=RecommenderConfig(beginnings=False), encoder=HashingEncoder())
    report = rec.handover_report
    assert report["learned"] is True
    no_likes = next(b for b in report["buckets"] if b["bucket"] == 0)
    assert no_likes["examples"] == 2 * report["validation_users"]  # k=0 and k=1


def test_the_summary_says_what_each_bucket_learned_and_why_not() -> None:
    from dayone.recommender.handover import summarise_handover

    catalog, df = clustered_world()
    rec = Recommender.build(catalog, df, encoder=HashingEncoder())
    lines = summarise_handover(rec.handover_report)
    assert lines[0].startswith(f"hand-over learned on {rec.handover_report['validation_users']} replayed users")
    assert [line.split(" liked picks")[0].strip() for line in lines[1:5]] == ["0", "1-2", "3-5", "6+"]
    assert "cooccurrence" in lines[4].split("weighs most:")[1], "taste lives in co-occurrence here"
    # every rating here is a 5, so nothing says what a dislike looks like
    assert lines[5].strip().startswith("yes/no answers (predict_likes): hand-set weights")
    assert "0 other explicit picks" in lines[5]
    # with no picks, parts that need picks are never scored, so they are never named
    assert "cooccurrence" not in lines[1] and "history" not in lines[1]
    small = Recommender.build(catalog, df[df["user"].isin(["u1", "u2"])], encoder=HashingEncoder())
    assert "not learned (only 2 users" in summarise_handover(small.handover_report)[0]
    assert summarise_handover({})[0].startswith("hand-over: none (no interactions")


def test_a_loaded_model_still_says_what_its_hand_over_learned(tmp_path: Path) -> None:
    """The report is saved beside the weights, so `summarise_handover` (and the service's
    /models/current) explains a loaded model as it did the freshly built one."""
    catalog, df = clustered_world()
    rec = Recommender.build(catalog, df, encoder=HashingEncoder())
    rec.save(str(tmp_path / "m"))
    back = Recommender.load(str(tmp_path / "m"), encoder=HashingEncoder())
    assert back.handover_report == rec.handover_report
    assert summarise_handover(back.handover_report) == summarise_handover(rec.handover_report)
    assert summarise_handover(back.handover_report)[0].startswith("hand-over learned on")


def test_a_save_without_a_report_loads_with_none_and_a_bad_one_is_named(tmp_path: Path) -> None:
    catalog, df = clustered_world()
    Recommender.build(catalog, df, encoder=HashingEncoder()).save(str(tmp_path / "m"))
    meta_file = tmp_path / "m" / "recommender.json"
    meta = json.loads(meta_file.read_text())
    del meta["handover_report"]  # as written before the report was kept
    meta_file.write_text(json.dumps(meta))
    assert Recommender.load(str(tmp_path / "m"), encoder=HashingEncoder()).handover_report == {}
    meta["handover_report"] = [1, 2]
    meta_file.write_text(json.dumps(meta))
    with pytest.raises(DataError, match="handover_report") as err:
        Recommender.load(str(tmp_path / "m"), encoder=HashingEncoder())
    assert "recommender.json" in str(err.value)


def test_the_replayed_users_can_be_the_latest_arrivals_when_times_say_who_came_when() -> None:
    """A deployment serves tomorrow's visitors: asked to, with real arrival times the hand-over
    replays the latest arrivals; with per-user positions (everyone starts at 0) it samples at
    random."""
    from dayone.recommender.handover import _replayed_users

    rows = [{"user": f"u{u}", "item": f"i{k}", "ts": 1000.0 * u + k} for u in range(50) for k in range(6)]
    df = pd.DataFrame(rows)
    eligible = sorted(df["user"].unique())
    rng = np.random.default_rng(0)
    assert _replayed_users(df, eligible, 10, rng, latest=True) == {f"u{u}" for u in range(40, 50)}
    positions = df.assign(ts=df.groupby("user").cumcount().astype(float))
    picked = _replayed_users(positions, eligible, 10, np.random.default_rng(0), latest=True)
    assert len(picked) == 10 and picked != {f"u{u}" for u in range(40, 50)}
    untimed = df.assign(ts=np.nan)
    assert _replayed_users(untimed, eligible, 10, np.random.default_rng(0), latest=True) == picked
    # the default samples at random whatever the times say
    assert _replayed_users(df, eligible, 10, np.random.default_rng(0)) == picked
    assert RecommenderConfig().handover_replay == "random"
