"""The library's similar-beginnings strategy: known answers, serving from numpy, save/load."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dayone.data import Catalog, DataError, UserTable
from dayone.encoders import HashingEncoder
from dayone.profiles import HistoryEntry, UserContext
from dayone.rankers.sasrec import available
from dayone.recommender import Recommender, RecommenderConfig
from dayone.recommender import beginnings as beginnings_module
from dayone.recommender.beginnings import Beginnings
from dayone.recommender.config import BlendWeights

needs_torch = pytest.mark.skipif(not available(), reason="torch is not installed")

GROUPS = 4
PER_GROUP = 10
# the last group is the least popular: a prior that only counts likes would rank it last
MEMBERS = (110, 60, 50, 40)


def _world(seed: int = 0) -> tuple[Catalog, pd.DataFrame, UserTable]:
    """Each user belongs to one group: their job names it, their first pick is the group's
    starter (item g*10), and everything they like afterwards is from the group."""
    rng = np.random.default_rng(seed)
    items = [{"id": f"i{j}", "title": f"thing {rng.integers(1_000_000)}"} for j in range(GROUPS * PER_GROUP)]
    users, rows = UserTable(), []
    n = 0
    for g, members in enumerate(MEMBERS):
        for _ in range(members):
            user = f"u{n}"
            n += 1
            users.add(user, {"occupation": f"job{g}"})
            later = rng.choice(np.arange(g * PER_GROUP + 1, (g + 1) * PER_GROUP), 6, replace=False)
            for t, j in enumerate([g * PER_GROUP, *later.tolist()]):
                rows.append({"user": user, "item": f"i{j}", "rating": 5.0, "ts": float(t)})
    return Catalog.from_records(items), pd.DataFrame(rows), users


@pytest.fixture(autouse=True)
def _two_networks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two averaged networks instead of five: the same code path at less than half the time."""
    monkeypatch.setattr(beginnings_module, "NETS", 2)


def _only_beginnings() -> RecommenderConfig:
    """A hand-over that weighs nothing but the network, in every evidence bucket."""
    only = BlendWeights(text=0, attributes_text=0, history=0, cooccurrence=0, neighbours=0,
                        popularity=0, demographic=0, quality=0, beginnings=1.0)
    return RecommenderConfig(learn_handover=False, handover=[only] * 4)


# six liked picks of the least popular group: enough evidence for the strategy to count
# (`BEGINNINGS_MIN_POSITIVES`)
KNOWN_VISITOR = [{"item": f"i{j}", "rating": 5} for j in range(30, 36)]


def _group(item: str) -> int:
    return int(item[1:]) // PER_GROUP


@needs_torch
def test_a_first_pick_leads_to_what_people_who_started_with_it_liked() -> None:
    catalog, df, users = _world()
    net = Beginnings.fit(catalog.ids, df, np.ones(len(df), dtype=bool), users)
    assert net is not None and net.info["nets"] >= 1
    logp = net.log_probs(["i30"], [True], {})
    top = [net.items[k] for k in np.argsort(-logp)[:6]]
    assert {_group(i) for i in top} == {3}, f"the least popular group's items lead: {top}"
    # the profile alone says it too (a visitor with no pick yet)
    logp = net.log_probs([], [], {"occupation": "job2"})
    top = [net.items[k] for k in np.argsort(-logp)[:6]]
    assert {_group(i) for i in top} == {2}, top
    # with nothing known the network falls back to what most people went on to like
    logp = net.log_probs([], [], {})
    assert _group(net.items[int(np.argmax(logp))]) == 0


def test_too_few_users_or_no_torch_train_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    catalog, df, users = _world()
    few = df[df["user"].isin([f"u{n}" for n in range(beginnings_module.MIN_USERS - 1)])]
    assert Beginnings.fit(catalog.ids, few, np.ones(len(few), dtype=bool), users) is None
    monkeypatch.setattr("dayone.rankers.sasrec.available", lambda: False)
    assert Beginnings.fit(catalog.ids, df, np.ones(len(df), dtype=bool), users) is None


@needs_torch
def test_recommendations_name_similar_beginnings_and_survive_save_and_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog, df, users = _world()
    rec = Recommender.build(catalog, df, users, config=_only_beginnings(), encoder=HashingEncoder())
    assert rec.beginnings is not None
    visitor = {"history": KNOWN_VISITOR}
    recs = rec.recommend(visitor, n=4)
    assert {_group(r.item) for r in recs} == {3}
    assert {r.source for r in recs} == {"similar-beginnings"}
    assert "first picks were like yours" in recs[0].explanation

    rec.save(str(tmp_path / "m"))
    assert (tmp_path / "m" / "beginnings.safetensors").exists()

    def no_training(*args: object, **kwargs: object) -> None:
        raise AssertionError("a saved network must be loaded, not trained again")

    monkeypatch.setattr(Beginnings, "fit", no_training)
    back = Recommender.load(str(tmp_path / "m"), encoder=HashingEncoder())
    assert back.beginnings is not None
    again = back.recommend(visitor, n=4)
    assert [r.item for r in again] == [r.item for r in recs]
    assert [r.score for r in again] == pytest.approx([r.score for r in recs])


@needs_torch
def test_a_corrupt_saved_network_is_a_clear_error(tmp_path: Path) -> None:
    catalog, df, users = _world()
    rec = Recommender.build(catalog, df, users, config=_only_beginnings(), encoder=HashingEncoder())
    rec.save(str(tmp_path / "m"))
    meta_file = tmp_path / "m" / "beginnings.json"
    meta = json.loads(meta_file.read_text())
    meta["items"] = meta["items"][:-1]  # no longer fits the saved arrays
    meta_file.write_text(json.dumps(meta))
    with pytest.raises(DataError, match="beginnings.json.*corrupt similar-beginnings|corrupt similar-beginnings"):
        Recommender.load(str(tmp_path / "m"), encoder=HashingEncoder())
    (tmp_path / "m" / "beginnings.safetensors").unlink()
    with pytest.raises(DataError, match="incomplete"):
        Recommender.load(str(tmp_path / "m"), encoder=HashingEncoder())


@needs_torch
def test_the_hand_over_learns_whether_to_use_it_and_switching_it_off_skips_training() -> None:
    catalog, df, users = _world()
    rec = Recommender.build(catalog, df, users, encoder=HashingEncoder())
    assert rec.beginnings is not None
    assert rec.handover_report["learned"]
    assert all("beginnings" in b["weights"] for b in rec.handover_report["buckets"] if "weights" in b)
    # zero-shot weights give it no weight, but it is still scored, so a replay can weigh it
    plain = Recommender.build(catalog, df, users, config=RecommenderConfig(learn_handover=False),
                              encoder=HashingEncoder())
    assert plain.config.weights.beginnings == 0
    known = UserContext(history=[HistoryEntry(**h) for h in KNOWN_VISITOR])
    scored = plain._score(known)
    assert "beginnings" in scored.parts and scored.parts["beginnings"].max() == pytest.approx(1.0)
    assert "similar-beginnings" not in {r.source for r in plain.recommend(known, n=10)}
    # below BEGINNINGS_MIN_POSITIVES liked picks it is not part of the blend at all
    one_pick = UserContext(history=[HistoryEntry(item="i30", rating=5.0)])
    assert "beginnings" not in plain._score(one_pick).parts
    # once a learned hand-over gives it no weight, requests no longer pay for it
    plain.config = plain.config.model_copy(update={"handover": [BlendWeights()] * 4})
    assert "beginnings" not in plain._score(known).parts
    off = Recommender.build(catalog, df, users, config=RecommenderConfig(beginnings=False, learn_handover=False),
                            encoder=HashingEncoder())
    assert off.beginnings is None
    assert "beginnings" not in off._score(known).parts
