"""Popularity that forgets: recency-weighted counts, and the half-life "auto" picks by
replaying the log's own past."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from dayone.data import Catalog
from dayone.encoders import HashingEncoder
from dayone.recommender import Recommender, RecommenderConfig
from dayone.recommender.recency import DAY, choose_half_life, decayed_counts, summarise_recency

N_ITEMS = 200


def _log(drifting: bool, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """120 days of likes, 40 a day. Drifting: each day's likes come from that day's "hits"
    (a block of items that moves every 5 days). Stationary: one fixed long-tailed taste."""
    rng = np.random.default_rng(seed)
    rows, users, ts = [], [], []
    weights = 1.0 / np.arange(1, N_ITEMS + 1)
    for day in range(120):
        for j in range(40):
            if drifting:
                block = (day // 5) * 7 % N_ITEMS
                item = (block + int(rng.integers(0, 10))) % N_ITEMS
            else:
                item = int(rng.choice(N_ITEMS, p=weights / weights.sum()))
            rows.append(item)
            users.append(f"u{int(rng.integers(0, 400))}")
            ts.append(day * DAY + j * 60.0)
    return np.array(rows), np.array(users, dtype=object), np.array(ts, dtype=float)


def test_decayed_counts_halve_per_half_life() -> None:
    rows = np.array([0, 1, 1])
    ts = np.array([0.0, 2 * DAY, 4 * DAY])
    ok = np.ones(3, dtype=bool)
    assert decayed_counts(rows, ts, ok, 2, None, 4 * DAY).tolist() == [1.0, 2.0]
    assert np.allclose(decayed_counts(rows, ts, ok, 2, 2.0, 4 * DAY), [0.25, 1.5])


def test_auto_finds_a_short_half_life_when_taste_moves_and_none_when_it_does_not() -> None:
    rows, users, ts = _log(drifting=True)
    chosen, report = choose_half_life(rows, users, ts, np.ones(rows.size, dtype=bool), N_ITEMS)
    assert chosen is not None and chosen <= 7, report
    assert report["best_vs_plain"][1] > 0
    rows, users, ts = _log(drifting=False)
    chosen, report = choose_half_life(rows, users, ts, np.ones(rows.size, dtype=bool), N_ITEMS)
    assert chosen is None, report
    assert "plain counts" in summarise_recency({**report, "half_life_days": chosen})
    assert summarise_recency({"half_life_days": 1.0, "set": True}) == "popularity: a half-life of 1 day, as set"


def test_a_log_without_times_keeps_plain_counts() -> None:
    rows, users, _ = _log(drifting=True)
    chosen, report = choose_half_life(rows, users, np.full(rows.size, np.nan),
                                      np.ones(rows.size, dtype=bool), N_ITEMS)
    assert chosen is None and "windows" in report["reason"]


def test_build_with_auto_reports_and_uses_the_choice() -> None:
    rows, users, ts = _log(drifting=True)
    items = Catalog.from_records([{"id": f"i{j}", "title": f"story {j}"} for j in range(N_ITEMS)])
    log = pd.DataFrame({"user": users, "item": [f"i{r}" for r in rows], "liked": True, "ts": ts})
    cfg = RecommenderConfig(learn_handover=False, beginnings=False, taste=False,
                            popularity_half_life_days="auto")
    rec = Recommender.build(items, log, config=cfg, encoder=HashingEncoder())
    days = rec.recency_report["half_life_days"]
    assert days is not None and rec.population.half_life_s == days * DAY
    # the newest block of hits leads a new visitor's list
    last_block = {f"i{(119 // 5) * 7 % N_ITEMS + k}" for k in range(10)}
    assert set(r.item for r in rec.recommend({}, n=5)) <= last_block


@pytest.mark.parametrize("bad", [0, -1.5, "sometimes"])
def test_a_bad_half_life_is_refused(bad: object) -> None:
    with pytest.raises(ValidationError):
        RecommenderConfig(popularity_half_life_days=bad)


def test_the_similar_users_crowd_forgets_too() -> None:
    """The hand-over may lean on the similar-users part for a visitor with no picks; its
    crowd vote must forget as popularity does, or all-time hits come back that way."""
    rows, users, ts = _log(drifting=True)
    items = Catalog.from_records([{"id": f"i{j}", "title": f"story {j}"} for j in range(N_ITEMS)])
    log = pd.DataFrame({"user": users, "item": [f"i{r}" for r in rows], "liked": True, "ts": ts})
    cfg = RecommenderConfig(beginnings=False, taste=False, popularity_half_life_days=3.0,
                            weights={"text": 0.0, "popularity": 0.0, "neighbours": 1.0, "quality": 0.0,
                                     "cooccurrence": 0.0}, learn_handover=False)
    rec = Recommender.build(items, log, config=cfg, encoder=HashingEncoder())
    last_block = {f"i{(119 // 5) * 7 % N_ITEMS + k}" for k in range(10)}
    assert set(r.item for r in rec.recommend({}, n=5)) <= last_block


def test_a_saved_auto_choice_is_reused_while_the_log_is_the_same(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import dayone.recommender.recommender as recommender_mod

    rows, users, ts = _log(drifting=True)
    items = Catalog.from_records([{"id": f"i{j}", "title": f"story {j}"} for j in range(N_ITEMS)])
    log = pd.DataFrame({"user": users, "item": [f"i{r}" for r in rows], "liked": True, "ts": ts})
    cfg = RecommenderConfig(learn_handover=False, beginnings=False, taste=False, popularity_half_life_days="auto")
    rec = Recommender.build(items, log, config=cfg, encoder=HashingEncoder())
    chosen = rec.recency_report["half_life_days"]
    rec.save(str(tmp_path / "m"))
    calls: list[int] = []
    real = recommender_mod.choose_half_life
    monkeypatch.setattr(recommender_mod, "choose_half_life", lambda *a, **k: calls.append(1) or real(*a, **k))
    loaded = Recommender.load(str(tmp_path / "m"), encoder=HashingEncoder())
    assert calls == [] and loaded.population.half_life_s == chosen * DAY
    # new events: the next refit replays again
    loaded.add_interactions([{"user": "z", "item": "i0", "liked": True, "ts": float(ts.max()) + 60}])
    loaded.refit()
    assert calls == [1]
