"""The library's similar-users strategy: known answers on planted populations."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from dayone.data import Catalog, UserTable
from dayone.encoders import HashingEncoder
from dayone.recommender import Recommender, RecommenderConfig
from dayone.recommender.config import NeighbourKernel
from dayone.recommender.neighbours import Neighbours

KERNEL = NeighbourKernel()
SHARP = NeighbourKernel(smooth=0.3, sharpness=2.0)


def _fit(triples: list[tuple[str, int, float]], n_rows: int, profiles: UserTable | None = None) -> Neighbours:
    users = np.array([u for u, _, _ in triples], dtype=object)
    rows = np.array([r for _, r, _ in triples], dtype=np.int64)
    prefs = np.array([p for _, _, p in triples], dtype=np.float64)
    return Neighbours.fit(users, rows, prefs, n_rows, profiles)


def _two_tastes() -> list[tuple[str, int, float]]:
    """10 people like items 0-4 (taste A), 20 like items 5-9 (taste B): B is more popular.

    Under the default kernel, each of A's people weighs (2 shared picks + 1) = 3 against a
    stranger's 1 for a visitor with two A picks, so A's crowd (30) outvotes B's (20)."""
    out = []
    for u in range(10):
        out += [(f"a{u}", j, 1.0) for j in range(5)]
    for u in range(20):
        out += [(f"b{u}", j, 1.0) for j in range(5, 10)]
    return out


def test_picks_find_the_people_who_share_them() -> None:
    nb = _fit(_two_tastes(), 10)
    vote = nb.vote(np.array([0, 1]), np.array([1.0, 1.0]), {}, KERNEL)
    assert vote is not None and vote.from_picks
    share = vote.share
    assert share[2:5].min() > share[5:10].max(), "taste A's other items beat the more popular taste B"
    assert set(vote.people.tolist()) == {nb.index_of[f"a{u}"] for u in range(10)}
    # with no pick and no profile the crowd is everyone: the vote is the share who liked each item
    plain = nb.vote(np.zeros(0, dtype=np.int64), np.zeros(0), {}, KERNEL)
    assert plain is not None and not plain.from_picks and not plain.profiled
    np.testing.assert_allclose(plain.share, [10 / 30] * 5 + [20 / 30] * 5)


def test_someone_who_hated_your_pick_counts_less_than_a_stranger() -> None:
    triples = [("agrees", 0, 1.0), ("agrees", 1, 1.0), ("hates", 0, -1.0), ("hates", 2, 1.0), ("stranger", 3, 1.0)]
    vote = _fit(triples, 4).vote(np.array([0]), np.array([1.0]), {}, KERNEL)
    assert vote is not None
    assert vote.share[1] > vote.share[3] > vote.share[2]


def test_profile_alone_weighs_people_who_share_it() -> None:
    profiles = UserTable()
    triples = []
    for u in range(20):  # 20 Canadians like item 0
        profiles.add(f"c{u}", {"country": "Canada"})
        triples.append((f"c{u}", 0, 1.0))
    for u in range(30):  # 30 others like item 1: more popular overall
        profiles.add(f"o{u}", {"country": "Chile"})
        triples.append((f"o{u}", 1, 1.0))
    nb = _fit(triples, 2, profiles)
    canadian = nb.vote(np.zeros(0, dtype=np.int64), np.zeros(0), {"country": "canada"}, KERNEL)
    assert canadian is not None and not canadian.from_picks
    assert canadian.share[0] > canadian.share[1]
    plain = nb.vote(np.zeros(0, dtype=np.int64), np.zeros(0), {"country": "Peru"}, KERNEL)
    assert plain is not None and not plain.profiled, "an attribute value nobody has says nothing"
    np.testing.assert_allclose(plain.share, [20 / 50, 30 / 50])


def test_excluding_a_user_equals_leaving_them_out_of_the_population() -> None:
    triples = [*_two_tastes(), ("me", 0, 1.0), ("me", 7, 1.0)]
    full = _fit(triples, 10)
    without = _fit([t for t in triples if t[0] != "me"], 10)
    picks, prefs = np.array([0, 7]), np.array([1.0, 1.0])
    got = full.vote(picks, prefs, {}, KERNEL, exclude="me")
    want = without.vote(picks, prefs, {}, KERNEL)
    assert got is not None and want is not None
    np.testing.assert_allclose(got.share, want.share, atol=1e-12)


def _overlapping() -> list[tuple[str, int, float]]:
    """10 people share both of the visitor's picks (0, 1) and like item 2; 20 share only
    pick 0 and like item 3; 30 strangers like item 4."""
    out = []
    for u in range(10):
        out += [(f"both{u}", 0, 1.0), (f"both{u}", 1, 1.0), (f"both{u}", 2, 1.0)]
    for u in range(20):
        out += [(f"one{u}", 0, 1.0), (f"one{u}", 3, 1.0)]
    out += [(f"s{u}", 4, 1.0) for u in range(30)]
    return out


def test_capping_the_neighbours_keeps_the_strongest() -> None:
    nb = _fit(_overlapping(), 5)
    picks, prefs = np.array([0, 1]), np.array([1.0, 1.0])
    everyone = nb.vote(picks, prefs, {}, KERNEL)
    roomy = nb.vote(picks, prefs, {}, KERNEL, max_neighbours=30)
    capped = nb.vote(picks, prefs, {}, KERNEL, max_neighbours=10)
    assert everyone is not None and roomy is not None and capped is not None
    np.testing.assert_allclose(everyone.share, roomy.share)  # a cap above the crowd changes nothing
    assert set(capped.people.tolist()) == {nb.index_of[f"both{u}"] for u in range(10)}
    # the 20 one-pick people fall back to a stranger's weight: item 3 loses its lift
    assert capped.share[3] < everyone.share[3] and capped.share[2] >= everyone.share[2]
    assert np.all(capped.share <= 1.0 + 1e-12)


def test_excluding_a_user_the_cap_left_out_removes_only_their_floor() -> None:
    triples = [*_overlapping(), ("me", 0, 1.0), ("me", 4, 1.0)]
    picks, prefs = np.array([0, 1]), np.array([1.0, 1.0])
    full = _fit(triples, 5)
    without = _fit([t for t in triples if t[0] != "me"], 5)
    got = full.vote(picks, prefs, {}, KERNEL, exclude="me", max_neighbours=10)
    want = without.vote(picks, prefs, {}, KERNEL, max_neighbours=10)
    assert got is not None and want is not None
    np.testing.assert_allclose(got.share, want.share, atol=1e-12)


def test_play_counts_agree_whatever_their_scale() -> None:
    """Stored engagement strengths are scaled by the log's largest count; a visitor's own
    count (NaN pref) must still agree fully with anyone who engaged with the same item."""
    nb = _fit([("fan", 0, 0.41), ("fan", 1, 0.9), ("other", 2, 0.9)], 3)
    vote = nb.vote(np.array([0]), np.array([np.nan]), {}, KERNEL)
    assert vote is not None and vote.people.tolist() == [nb.index_of["fan"]]
    # agreement 1 (not 1 - |1.0 - 0.41|): the fan weighs (1 + 1) against the stranger's 1
    np.testing.assert_allclose(vote.share[1], 2 / 3)


def _world() -> tuple[Catalog, pd.DataFrame, UserTable]:
    """Item text is noise; two taste clusters, the second three times as large."""
    rng = np.random.default_rng(0)
    items = [{"id": f"i{j}", "title": f"thing {rng.integers(1_000_000)}"} for j in range(40)]
    users, rows = UserTable(), []
    for u in range(80):
        cluster = 0 if u < 20 else 1
        users.add(f"u{u}", {"gender": "F" if cluster == 0 else "M"})
        for t, j in enumerate(rng.choice(np.arange(cluster * 20, cluster * 20 + 20), 8, replace=False)):
            rows.append({"user": f"u{u}", "item": f"i{j}", "rating": 5.0, "ts": float(t)})
    return Catalog.from_records(items), pd.DataFrame(rows), users


def test_recommendations_name_similar_users_as_their_source(tmp_path: Path) -> None:
    catalog, df, users = _world()
    # the sharper kernel: 60 strangers must not outvote the ~12 people who share a pick
    cfg = RecommenderConfig(learn_handover=False, neighbour_kernel=SHARP, weights={"text": 0.0, "history": 0.0, "cooccurrence": 0.0,
                                                           "popularity": 0.0, "demographic": 0.0, "quality": 0.0})
    rec = Recommender.build(catalog, df, users, config=cfg, encoder=HashingEncoder())
    recs = rec.recommend({"history": [{"item": "i0", "rating": 5}, {"item": "i1", "rating": 5}]}, n=5)
    assert all(int(r.item[1:]) < 20 for r in recs), "the small cluster's items, not the popular ones"
    assert {r.source for r in recs} == {"similar-users"}
    assert "people whose picks match yours" in recs[0].explanation
    # a known user is not their own neighbour, and the kernel is saved with the model
    rec.save(str(tmp_path / "m"))
    back = Recommender.load(str(tmp_path / "m"), encoder=HashingEncoder())
    assert back.config.neighbour_kernel == SHARP
    mine = back.recommend({"user_id": "u0"}, n=5)
    assert all(int(r.item[1:]) < 20 for r in mine)


def test_kernel_config_rejects_unknown_and_bad_values() -> None:
    with pytest.raises(ValidationError):
        RecommenderConfig.model_validate({"neighbour_kernel": {"smooth": 1.0, "sharp": 2}})
    with pytest.raises(ValidationError):
        NeighbourKernel(smooth=0.0)


def test_a_hand_over_saved_before_similar_users_is_learned_again(tmp_path: Path) -> None:
    import json

    catalog, df, users = _world()
    rec = Recommender.build(catalog, df, users, config=RecommenderConfig(), encoder=HashingEncoder())
    assert rec.config.handover is not None
    rec.save(str(tmp_path / "m"))
    meta_file = tmp_path / "m" / "recommender.json"
    meta = json.loads(meta_file.read_text())
    for bucket in meta["config"]["handover"]:  # as an older version wrote it
        del bucket["neighbours"]
    meta_file.write_text(json.dumps(meta))
    back = Recommender.load(str(tmp_path / "m"), encoder=HashingEncoder())
    assert back.handover_report["relearned_on_load"] == ["neighbours"]
    assert back.config.handover == rec.config.handover, "same data, same seed: the same weights"
    # once saved by this version it is taken as it is
    back.save(str(tmp_path / "m"))
    again = Recommender.load(str(tmp_path / "m"), encoder=HashingEncoder())
    assert "relearned_on_load" not in again.handover_report


def test_an_item_lifted_by_the_wider_crowd_is_not_credited_to_matching_people() -> None:
    items = [{"id": f"i{j}", "title": f"thing {j}"} for j in range(10)]
    rows = [{"user": f"p{u}", "item": "i9", "rating": 5.0} for u in range(50)]
    rows += [{"user": f"m{u}", "item": i, "rating": 5.0} for u in range(3) for i in ("i0", "i1")]
    weights = {"text": 0.0, "history": 0.0, "cooccurrence": 0.0, "popularity": 0.0, "quality": 0.0}
    rec = Recommender.build(Catalog.from_records(items), pd.DataFrame(rows),
                            config=RecommenderConfig(learn_handover=False, weights=weights),
                            encoder=HashingEncoder())
    recs = {r.item: r for r in rec.recommend({"history": [{"item": "i0", "rating": 5}]}, n=3)}
    assert "liked by 0 of" not in recs["i9"].explanation
    # the people who share the picks lack it: the wider crowd put it there, and the source
    # and the sentence both say so
    assert recs["i9"].source == "popularity"
    assert recs["i9"].explanation == "popular: 50 positive interactions (none of the 3 people whose picks match yours has it)"
    assert recs["i1"].source == "similar-users"
    assert recs["i1"].explanation == "liked by 3 of the 3 people whose picks match yours"


def test_a_crowd_that_knows_nothing_of_you_is_labelled_popularity_everywhere() -> None:
    """With no picks and no profile, similar users is popularity: the source and the
    contributions must both say so (and one label's parts add up, never collide)."""
    items = [{"id": f"i{j}", "title": f"thing {j}"} for j in range(6)]
    rows = [{"user": f"p{u}", "item": f"i{u % 3 + k}", "rating": 5.0} for u in range(30) for k in (0, 3)]
    weights = {"text": 0.0, "history": 0.0, "cooccurrence": 0.0, "popularity": 0.5, "quality": 0.0}
    rec = Recommender.build(Catalog.from_records(items), pd.DataFrame(rows),
                            config=RecommenderConfig(learn_handover=False, weights=weights),
                            encoder=HashingEncoder())
    top = rec.recommend({}, n=1)[0]
    assert top.source == "popularity"
    assert "similar-users" not in top.contributions
    with_pick = rec.recommend({"history": [{"item": "i0", "rating": 5}]}, n=1)[0]
    parts = with_pick.contributions
    assert with_pick.item == "i3"
    assert parts.get("similar-users", 0) > 0, "with a pick the people who share it are similar users again"
    assert top.contributions["popularity"] > parts.get("popularity", 0)


def test_an_item_let_through_by_the_sentence_says_it_matches_the_sentence() -> None:
    items = [{"id": "exact", "title": "space opera starships"}, {"id": "near", "title": "space opera"}]
    items += [{"id": f"x{j}", "title": f"garden tools {j}"} for j in range(8)]
    rows = [{"user": f"p{u}", "item": "near", "rating": 5.0} for u in range(60)]
    rows += [{"user": f"q{j}", "item": f"x{j}", "rating": 5.0} for j in range(8)]
    # the sentence is also two items' title; the title lead is tested in test_field_values.py
    cfg = RecommenderConfig(learn_handover=False, weights={"popularity": 3.0}, title_lead=False)
    rec = Recommender.build(Catalog.from_records(items), pd.DataFrame(rows), config=cfg,
                            encoder=HashingEncoder())
    recs = {r.item: r for r in rec.recommend({"text": "space opera starships"}, n=3)}
    near = recs["near"]  # popular, and only half-matching: the crowd wins it, the sentence gates it
    assert near.source == "popularity"
    assert near.explanation.startswith("popular: 60 positive interactions")
    assert "; it also matches your description (similarity 0." in near.explanation
    assert recs["exact"].source == "text-match"
    assert "also matches" not in recs["exact"].explanation


def test_the_latest_opinion_counts_by_time_not_by_log_order() -> None:
    items = [{"id": f"i{j}", "title": f"thing {j}"} for j in range(4)]
    rows = [  # the log arrived out of order: the dislike is the later opinion
        {"user": "a", "item": "i0", "rating": 1.0, "ts": 200},
        {"user": "a", "item": "i0", "rating": 5.0, "ts": 100},
        {"user": "b", "item": "i1", "rating": 5.0, "ts": 50},
    ]
    rec = Recommender.build(Catalog.from_records(items), pd.DataFrame(rows),
                            config=RecommenderConfig(learn_handover=False), encoder=HashingEncoder())
    nb = rec.population.neighbours
    assert nb is not None
    signed = nb.prefs[nb.index_of["a"], rec.index.rows(["i0"])[0]] - 2.0
    assert signed < 0, "the 5-star rating came first; the 1-star one is a's opinion now"
    assert [h.rating for h in rec.histories["a"]] == [5.0, 1.0], "history in time order"
