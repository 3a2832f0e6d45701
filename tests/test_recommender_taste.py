"""Taste factors: a brand-new item reaches the visitors whose picks lean its way, through
the collaborative space, even when its words share nothing with theirs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dayone.data import Catalog, UserTable
from dayone.encoders import HashingEncoder
from dayone.recommender import Recommender, RecommenderConfig
from dayone.recommender.config import BlendWeights
from dayone.recommender.taste import MIN_WARM_ITEMS, TasteFactors

# each taste group likes two kinds of item whose words have nothing in common: only the
# log says that people who like harbours also like violins
KINDS = {
    0: ("harbor sail anchor", "violin sonata orchestra"),
    1: ("desert camel dune", "robot circuit laser"),
    2: ("forest owl moss", "chef recipe spice"),
}
PER_KIND = 10
MEMBERS = 40


def _world(seed: int = 0) -> tuple[Catalog, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    items, by_group = [], {}
    for g, kinds in KINDS.items():
        ids = []
        for k, words in enumerate(kinds):
            for j in range(PER_KIND):
                item = f"g{g}k{k}i{j}"
                items.append({"id": item, "title": f"{words} {rng.integers(1_000_000)}"})
                ids.append(item)
        by_group[g] = ids
    rows = []
    for g, ids in by_group.items():
        for u in range(MEMBERS):
            for t, item in enumerate(rng.choice(ids, 8, replace=False)):
                rows.append({"user": f"g{g}u{u}", "item": str(item), "rating": 5.0, "ts": float(t)})
    return Catalog.from_records(items), pd.DataFrame(rows)


NEW_ITEMS = [
    {"id": "new-violin", "title": "violin sonata orchestra premiere"},
    {"id": "new-robot", "title": "robot circuit laser premiere"},
    {"id": "new-chef", "title": "chef recipe spice premiere"},
]
HARBOUR_FAN = {"history": [{"item": f"g0k0i{j}", "rating": 5} for j in range(3)]}


def _only(part: str) -> BlendWeights:
    """Blend weights that count one strategy and nothing else."""
    return BlendWeights(**{name: 0.0 for name in BlendWeights.model_fields} | {part: 1.0})


def _only_taste() -> RecommenderConfig:
    """New items weigh taste with the strongest collaborative weight, here co-occurrence's,
    which then orders the known items: nothing else counts."""
    only = _only("cooccurrence")
    return RecommenderConfig(learn_handover=False, beginnings=False, handover=[only] * 4)


def test_a_new_item_reaches_the_taste_its_words_do_not_share() -> None:
    catalog, df = _world()
    rec = Recommender.build(catalog, df, config=_only_taste(), encoder=HashingEncoder())
    rec.add_items(NEW_ITEMS)
    # the words alone cannot say it: the violin item is no closer to the harbour picks than the others
    picks = rec.index._mat[rec.index.rows([f"g0k0i{j}" for j in range(3)])].mean(axis=0)
    text_sims = {i["id"]: float(rec.index._mat[rec.index.rows([i["id"]])[0]] @ picks) for i in NEW_ITEMS}
    assert max(text_sims.values()) < 0.1, text_sims
    recs = rec.recommend(HARBOUR_FAN, n=3, candidates=[i["id"] for i in NEW_ITEMS])
    assert recs[0].item == "new-violin", [(r.item, r.score) for r in recs]
    assert recs[0].source == "taste-match"
    assert recs[0].explanation.startswith("new here: its description places it")
    # over the whole catalogue the new violin item joins their group's known items, at a
    # discount: the mapped factors are shrunk towards the average item
    top = [r.item for r in rec.recommend(HARBOUR_FAN, n=2 * PER_KIND - 3 + 1)]  # their group's unpicked + 1
    assert set(top) == {i for i in catalog.ids if i.startswith("g0")} - {f"g0k0i{j}" for j in range(3)} | {"new-violin"}, top
    assert top[0] != "new-violin"


def test_dislikes_alone_give_no_taste_and_the_switch_turns_it_off() -> None:
    catalog, df = _world()
    rec = Recommender.build(catalog, df, config=_only_taste(), encoder=HashingEncoder())
    assert "taste" not in rec._score(rec._context_for(HARBOUR_FAN)).parts  # no new item yet
    rec.add_items(NEW_ITEMS)
    disliked = {"history": [{"item": "g0k0i0", "rating": 1}]}
    assert "taste" not in rec._score(rec._context_for(disliked)).parts
    scored = rec._score(rec._context_for(HARBOUR_FAN))
    known = np.isin(scored.rows, rec.index.rows([i for i in catalog.ids]))
    assert scored.parts["taste"][~known].all() and not scored.parts["taste"][known].any()
    off = Recommender.build(catalog, df, config=_only_taste().model_copy(update={"taste": False}),
                            encoder=HashingEncoder())
    assert off.population.taste is None
    off.add_items(NEW_ITEMS)
    assert "taste" not in off._score(off._context_for(HARBOUR_FAN)).parts


def test_too_small_a_log_learns_no_map() -> None:
    catalog, df = _world()
    few = df[df["item"].isin(sorted(set(df["item"]))[: MIN_WARM_ITEMS - 1])]
    rec = Recommender.build(catalog, few, config=_only_taste(), encoder=HashingEncoder())
    assert rec.population.taste is None


def test_a_removed_item_keeps_no_factors_and_comes_back_new() -> None:
    catalog, df = _world()
    rec = Recommender.build(catalog, df, config=_only_taste(), encoder=HashingEncoder())
    taste = rec.population.taste
    assert isinstance(taste, TasteFactors)
    row = int(rec.index.rows(["g0k1i0"])[0])
    assert taste.warm[row]
    rec.remove_items(["g0k1i0"])
    assert not taste.warm[row] and not taste.factors[row].any()
    # back again, it is a new item until the next refit: factors from its words alone
    rec.add_items([{"id": "g0k1i0", "title": "violin sonata orchestra, reissued"}])
    again = int(rec.index.rows(["g0k1i0"])[0])
    assert not taste.warm[again]
    np.testing.assert_allclose(taste.factors[again], taste.mapper.predict(rec.index._mat[[again]])[0])
    rec.refit()  # its interactions stayed in the log, so it is warm again
    taste = rec.population.taste
    assert taste is not None and taste.warm[again]


def test_a_saved_model_rebuilds_the_same_factors_from_its_log(tmp_path: Path) -> None:
    catalog, df = _world()
    rec = Recommender.build(catalog, df, config=_only_taste(), encoder=HashingEncoder())
    rec.add_items(NEW_ITEMS)
    before = rec.recommend(HARBOUR_FAN, n=5, candidates=[i["id"] for i in NEW_ITEMS])
    rec.save(str(tmp_path / "m"))
    again = Recommender.load(str(tmp_path / "m"), encoder=HashingEncoder())
    after = again.recommend(HARBOUR_FAN, n=5, candidates=[i["id"] for i in NEW_ITEMS])
    assert [(r.item, r.source) for r in after] == [(r.item, r.source) for r in before]
    assert [r.score for r in after] == pytest.approx([r.score for r in before], abs=1e-6)


def test_with_a_learned_hand_over_a_new_item_still_reaches_its_taste() -> None:
    """The hand-over replays known items only, so it learns no taste weight of its own; a
    new item borrows the bucket's collaborative weight and still leads for its taste."""
    catalog, df = _world()
    rec = Recommender.build(catalog, df, config=RecommenderConfig(beginnings=False), encoder=HashingEncoder())
    assert rec.config.handover is not None
    assert all("taste" not in b.model_dump() for b in rec.config.handover)
    rec.add_items(NEW_ITEMS)
    recs = rec.recommend(HARBOUR_FAN, n=3, candidates=[i["id"] for i in NEW_ITEMS])
    assert recs[0].item == "new-violin" and recs[0].source == "taste-match"


def test_a_new_item_gets_the_quality_its_words_predict() -> None:
    """Everyone rates one kind of their group's items 5 and the other 2: a brand-new item
    worded like the first kind is predicted better than one worded like the second, and the
    explanation says the quality was read from its description."""
    catalog, df = _world()
    df = df.assign(rating=np.where(df["item"].str.contains("k1"), 2.0, 5.0))
    rec = Recommender.build(catalog, df, config=_only_taste(), encoder=HashingEncoder())
    rec.add_items([{"id": "new-harbor", "title": "harbor sail anchor premiere"},
                   {"id": "new-violin", "title": "violin sonata orchestra premiere"}])
    taste = rec.population.taste
    assert taste is not None and taste.quality is not None
    good, bad = taste.quality_at(rec.index.rows(["new-harbor", "new-violin"]))
    assert good > 0 > bad, (good, bad)
    quality_only = _only("quality")
    rec.config = rec.config.model_copy(update={"handover": [quality_only] * 4})
    recs = rec.recommend(HARBOUR_FAN, n=2, candidates=["new-violin", "new-harbor"])
    assert [r.item for r in recs] == ["new-harbor", "new-violin"]
    assert recs[0].source == "well-rated"
    assert recs[0].explanation == "new here: its description resembles items others rated well"


def test_a_new_item_reaches_the_users_whose_taste_it_suits() -> None:
    catalog, df = _world()
    users = UserTable()
    users.add("newcomer", {}, text="violin sonata orchestra")  # a profile, no picks yet
    rec = Recommender.build(catalog, df, users, config=_only_taste(), encoder=HashingEncoder())
    rec.add_items(NEW_ITEMS)
    # the 40 harbour fans and the newcomer whose profile names the item's words, nobody else
    reached = rec.users_for_item("new-violin", n=MEMBERS + 1)
    assert all(m.user.startswith("g0") or m.user == "newcomer" for m in reached), [m.user for m in reached]
    assert "newcomer" in {m.user for m in reached if m.source == "profile-match"}
    # with the taste factors switched off the same people are found only by their words;
    # the factors add the pull of what the harbour fans' picks have in common
    by_taste = [m for m in reached if m.source == "taste-match"]
    assert all(m.explanation.startswith("their picks lean its way: people who liked ") for m in by_taste)
    # the like it names is one that points the item's way in taste *and* reads like it: a
    # violin piece for whoever liked one, not whichever harbour item is closest in factors
    named = [m for m in by_taste if any(h.item.startswith("g0k1") for h in rec.histories[m.user])]
    assert named and all("liked violin sonata orchestra" in m.explanation for m in named), \
        [m.explanation for m in named]
    taste = rec.population.taste
    rec.population.taste = None
    plain = rec.users_for_item("new-violin", n=MEMBERS + 1)
    rec.population.taste = taste
    assert {m.source for m in plain} == {"profile-match"}
    assert [m.score for m in reached] != [m.score for m in plain]
    # an unsaved item is matched the same way, from its description
    unsaved = rec.users_for_item({"title": "robot circuit laser premiere"}, n=5)
    assert all(m.user.startswith("g1") for m in unsaved), [m.user for m in unsaved]
    # a known item does not reach the people who already have it
    fans = set(df.loc[df["item"] == "g0k1i0", "user"])
    assert not fans & {m.user for m in rec.users_for_item("g0k1i0", n=40)}


def test_a_new_item_gets_the_popularity_its_words_predict() -> None:
    """Few people take up the second kind of each group's items: a brand-new item worded like
    the first kind is predicted to reach more people, counts a share of that as its
    popularity (none with `new_item_popularity` 0), and the explanation says it is predicted."""
    catalog, df = _world()
    rare = df["item"].str.contains("k1")
    df = df[~rare | (np.arange(len(df)) % 10 == 0)]
    rec = Recommender.build(catalog, df, config=_only_taste(), encoder=HashingEncoder())
    rec.add_items([{"id": "new-harbor", "title": "harbor sail anchor premiere"},
                   {"id": "new-violin", "title": "violin sonata orchestra premiere"}])
    taste = rec.population.taste
    assert taste is not None and taste.reach is not None
    rows = rec.index.rows(["new-harbor", "new-violin", "g0k0i0"])
    wide, narrow, known = taste.reach_at(rows)
    assert wide > narrow > 0 and known == 0.0, (wide, narrow, known)  # a known item's own count speaks
    popularity_only = _only("popularity")
    rec.config = rec.config.model_copy(update={"handover": [popularity_only] * 4})
    recs = rec.recommend(None, n=2, candidates=["new-violin", "new-harbor"])
    assert [r.item for r in recs] == ["new-harbor", "new-violin"]
    assert recs[0].source == "popularity"
    assert "its popularity is predicted" in recs[0].explanation
    # on the scale of the counted items, never above the most liked one; counted once, the
    # prediction (shrunk towards the average item) stays below it
    best_known = max(r.score for r in rec.recommend(None, n=5) if not r.item.startswith("new-"))
    assert best_known >= recs[0].score
    rec.config = rec.config.model_copy(update={"new_item_popularity": 1.0})
    assert best_known > rec.recommend(None, n=1, candidates=["new-harbor"])[0].score
    rec.config = rec.config.model_copy(update={"new_item_popularity": 0.0})
    assert all(r.score == 0.0 for r in rec.recommend(None, n=2, candidates=["new-violin", "new-harbor"]))


def test_items_similar_to_a_new_item_are_not_the_crowds_favourites(tmp_path: Path) -> None:
    """Nobody has a brand-new item, so the similar-users vote for it is the whole crowd's:
    popularity by another name, which must not decide "similar", before or after a reload."""
    catalog, df = _world()
    heavy = df[df["item"] == "g1k0i0"].assign(user=lambda d: d["user"] + "-again")
    df = pd.concat([df, *[heavy.assign(user=heavy["user"] + f"-{k}") for k in range(20)]])  # a best seller
    rec = Recommender.build(catalog, df, config=RecommenderConfig(beginnings=False), encoder=HashingEncoder())
    rec.add_items([{"id": "new-violin", "title": "violin sonata orchestra premiere"}])
    for model in (rec, _reloaded(rec, tmp_path)):
        similar = model.similar_items("new-violin", n=5)
        assert all(r.source not in ("popularity", "similar-users") for r in similar), [(r.item, r.source) for r in similar]
        assert "g1k0i0" not in [r.item for r in similar]
        assert similar[0].item.startswith("g0k1"), [(r.item, r.explanation) for r in similar]
    # a known item's similar-users vote is real, and says whose it is
    known = rec.similar_items("g0k0i0", n=5)
    voted = [r for r in known if r.source == "similar-users"]
    assert all("people who liked" in r.explanation and "match yours" not in r.explanation for r in voted)


def _reloaded(rec: Recommender, tmp_path: Path) -> Recommender:
    rec.save(str(tmp_path / "m"))
    return Recommender.load(str(tmp_path / "m"), encoder=HashingEncoder())
