"""The contract every recommender honours, on data where the right answer is known."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import checkerboard_interactions, checkerboard_records
from dayone.data import Catalog, DataError, UserTable
from dayone.encoders import HashingEncoder
from dayone.recommender import Recommender, RecommenderConfig, UnknownItemError, UserContext


@pytest.fixture()
def rec() -> Recommender:
    users = UserTable()
    for u in range(12):
        users.add(f"u{u}", {"gender": "F" if u < 6 else "M", "age": 25 if u < 6 else 50})
    return Recommender.build(
        Catalog.from_records(checkerboard_records()),
        checkerboard_interactions(),
        users,
        config=RecommenderConfig(domain="movie"),
        encoder=HashingEncoder(),
    )


def ids(recs: list) -> list[str]:
    return [r.item for r in recs]


def test_text_request_ranks_matching_group_first(rec: Recommender) -> None:
    top = ids(rec.recommend("rocket space station astronaut", n=3))
    assert all(i.startswith("s") for i in top)


def test_history_only_in_request(rec: Recommender) -> None:
    recs = rec.recommend({"history": [{"item": "l1", "rating": 5}, {"item": "l2", "liked": True}]}, n=3)
    assert all(i.startswith("l") for i in ids(recs))
    assert not {"l1", "l2"} & set(ids(recs)), "history is excluded by default"


def test_disliked_history_pushes_away(rec: Recommender) -> None:
    recs = rec.recommend({"history": [{"item": "s1", "liked": False}, {"item": "l3", "liked": True}]}, n=4)
    assert all(i.startswith("l") for i in ids(recs))


def test_unknown_user_is_cold_not_an_error(rec: Recommender) -> None:
    assert len(rec.recommend({"user_id": "never-seen"}, n=5)) == 5


def test_known_user_uses_stored_history(rec: Recommender) -> None:
    recs = rec.recommend({"user_id": "u0"}, n=10)
    assert "s0" not in ids(recs), "u0 already rated s0"
    assert ids(recs)[0] == "s4", "the one space film u0 has not seen comes first"


def test_empty_context_falls_back_to_population(rec: Recommender) -> None:
    recs = rec.recommend(None, n=10)
    assert len(recs) == 10
    assert all(r.source in ("popularity", "well-rated") for r in recs)


def test_profile_only_uses_people_like_you(rec: Recommender) -> None:
    recs = rec.recommend({"attributes": {"gender": "F", "age": 24}}, n=3)
    assert all(i.startswith("s") for i in ids(recs))
    assert recs[0].source == "demographic-popularity"
    assert "gender=F" in recs[0].explanation


def _leaning_on_profiles(rec: Recommender) -> Recommender:
    """As a hand-over learned on replayed users who all had a profile: no weight on plain
    popularity, much on the profile's groups (what a reviewer's music log learned)."""
    from dayone.recommender.config import BlendWeights

    lean = BlendWeights(popularity=0.0, demographic=7.2, attributes_text=0.01, text=1.8)
    rec.config = rec.config.model_copy(update={"handover": [lean] * 4})
    return rec


def test_a_visitor_who_says_nothing_gets_what_is_popular(rec: Recommender) -> None:
    recs = _leaning_on_profiles(rec).recommend({}, n=4)
    assert {r.source for r in recs} == {"popularity"}, [r.source for r in recs]
    assert all(r.score > 0 for r in recs)
    assert "s4" not in ids(recs) and "l4" not in ids(recs)  # liked by 3, the others by 6


def test_an_age_reads_the_same_as_a_number_or_as_text(rec: Recommender) -> None:
    """A CSV gives "25", JSON gives 25: both are the 25-34 band the log's users are in."""
    rec = _leaning_on_profiles(rec)
    as_number = rec.recommend({"attributes": {"age": 27}}, n=4)
    as_text = rec.recommend({"attributes": {"age": "27"}}, n=4)
    assert ids(as_number) == ids(as_text)
    assert as_number[0].source == "demographic-popularity"
    assert all(i.startswith("s") for i in ids(as_number)), "the 25-34 band loves space"


def test_a_sentence_that_only_refuses_gets_the_rest(rec: Recommender) -> None:
    """"no space station" alone: anything but that film (the encoder alone reads the
    sentence as "space station", and a reviewer's "no metal" gave ten metal tracks)."""
    assert ids(rec.recommend({"text": "space station"}, n=1)) == ["s1"]
    assert "s1" not in ids(rec.recommend({"text": "no space station"}, n=8))


def test_a_refusal_that_is_a_title_in_the_catalogue_stays_a_query(rec: Recommender) -> None:
    rec.add_items([{"id": "nsa", "title": "no strings attached", "genres": ["Romance"]}])
    assert ids(rec.recommend({"text": "no strings attached"}, n=1)) == ["nsa"]


def test_items_similar_to_a_new_item_come_from_its_description(rec: Recommender) -> None:
    """A hand-over that learned to leave description likeness out after one pick (as a
    music review's did) left a new item, which has no co-occurrence yet, similar to nothing:
    catalogue order at score 0, other new items first."""
    from dayone.recommender.config import BlendWeights

    one_pick = BlendWeights(history=0.0, cooccurrence=2.4, text=0.9, popularity=0.0)
    rec.config = rec.config.model_copy(update={"handover": [one_pick] * 4})
    rec.add_items([{"id": "new", "title": "rocket crew lost on a space station orbit"},
                   {"id": "other", "title": "a wedding in paris", "genres": ["Romance"]}])
    sims = rec.similar_items("new", n=2)
    assert ids(sims) == ["s1", "s3"] and sims[1].score > 0, [(r.item, r.score) for r in sims]
    assert {r.source for r in sims} == {"history-similarity"}


def test_similar_to_a_typed_title_is_similar_to_that_item(rec: Recommender) -> None:
    by_title = ids(rec.similar_items("space station crew adrift", n=3))
    assert by_title == ids(rec.similar_items("s1", n=3)) and "s1" not in by_title


@pytest.mark.parametrize("refit_between", [False, True])
def test_a_removed_item_added_again_gets_its_interactions_back(rec: Recommender, refit_between: bool) -> None:
    """A course review deleted a course, published it again, and saw it offered to a learner
    who had completed it (and its popularity was gone) until the next refit."""
    (row,) = rec.index.rows(["s1"])
    liked_before = float(rec.population.pos[row])
    fields = rec.catalog.fields("s1")
    rec.remove_items(["s1"])
    if refit_between:
        rec.refit(train_beginnings=False)
    rec.add_items([{"id": "s1", **fields}])
    (row,) = rec.index.rows(["s1"])
    assert float(rec.population.pos[row]) == pytest.approx(liked_before)
    assert "s1" in [h.item for h in rec.histories["u1"]]
    assert "s1" not in ids(rec.recommend({"user_id": "u1"}, n=9))


def test_every_result_has_source_and_explanation(rec: Recommender) -> None:
    for ctx in ("love", {"history": [{"item": "s2", "rating": 4}]}, {"attributes": {"age": 50}}):
        for r in rec.recommend(ctx, n=5):
            assert r.source and r.explanation
            assert np.isfinite(r.score)


def test_candidates_exclude_and_n(rec: Recommender) -> None:
    recs = rec.recommend("space", n=2, candidates=["l0", "s3", "s4"], exclude=["s4"])
    assert ids(recs) == ["s3", "l0"]
    assert rec.recommend("space", n=0) == []
    with pytest.raises(UnknownItemError):
        rec.recommend("space", candidates=["nope"])


def test_unknown_history_item_is_a_clear_error(rec: Recommender) -> None:
    with pytest.raises(UnknownItemError, match="history: 'ghost'"):
        rec.recommend({"history": [{"item": "ghost"}]})


def test_brand_new_item_is_recommendable_and_reaches_fans(rec: Recommender) -> None:
    rec.add_items([{"id": "new", "title": "rocket crew lost on a space station orbit"}])
    assert ids(rec.recommend("space station rocket orbit", n=1)) == ["new"]
    fans = [m.user for m in rec.users_for_item("new", n=4)]
    assert all(int(u[1:]) < 6 for u in fans), fans
    unsaved = [m.user for m in rec.users_for_item({"title": "a love story wedding in paris"}, n=4)]
    assert all(int(u[1:]) >= 6 for u in unsaved), unsaved


def test_similar_items(rec: Recommender) -> None:
    sims = rec.similar_items("s0", n=3)
    assert "s0" not in ids(sims)
    assert all(i.startswith("s") for i in ids(sims))
    assert ids(rec.similar_items("wedding love", n=1))[0].startswith("l")


def test_events_update_profile_immediately(rec: Recommender) -> None:
    rec.add_user("fresh", {"gender": "M"})
    before = ids(rec.recommend({"user_id": "fresh"}, n=3))
    rec.add_interactions([{"user": "fresh", "item": "s1", "rating": 5}, {"user": "fresh", "item": "s2", "rating": 5}])
    after = rec.recommend({"user_id": "fresh"}, n=3)
    assert ids(after) != before
    assert all(i.startswith("s") for i in ids(after))


def test_remove_items(rec: Recommender) -> None:
    rec.remove_items(["s0", "s1"])
    got = ids(rec.recommend("rocket launch mars", n=20))
    assert "s0" not in got and "s1" not in got and len(got) == 8


def test_refit_after_removing_items_that_have_interactions(rec: Recommender, tmp_path) -> None:
    """Their interactions stay in the log (nothing is lost) but leave the statistics and the
    stored histories, so a refit, a known user's request and a save/load all still work
    (a refit used to fail: the rows of the removed items' interactions went missing)."""
    rec.add_interactions([{"user": "keen", "item": "s0", "rating": 5}, {"user": "keen", "item": "s2", "rating": 5}])
    logged = len(rec.interactions)
    rec.remove_items(["s0"])
    rec.refit()
    assert len(rec.interactions) == logged
    assert [h.item for h in rec.histories["keen"]] == ["s2"]
    assert "s0" not in ids(rec.recommend({"user_id": "keen"}, n=5))
    rec.save(str(tmp_path / "m"))
    back = Recommender.load(str(tmp_path / "m"), encoder=rec.encoder)
    assert len(back.interactions) == logged and "s0" not in back.catalog


def test_explain_lists_contributions(rec: Recommender) -> None:
    e = rec.explain({"text": "space", "history": [{"item": "s1", "rating": 5}]}, "s2")
    assert e.item == "s2" and e.contributions
    assert e.source in {"text-match", "history-similarity", "co-occurrence", "popularity", "well-rated"}


def test_bad_context_is_rejected() -> None:
    with pytest.raises(ValueError):
        UserContext.model_validate({"txt": "typo"})
    with pytest.raises(ValueError):
        UserContext.model_validate({"history": [{"item": "a", "weight": -1}]})


def test_save_load_roundtrip(rec: Recommender, tmp_path: Path) -> None:
    rec.add_items([{"id": "new", "title": "space opera"}])
    rec.save(str(tmp_path / "m"))
    back = Recommender.load(str(tmp_path / "m"), encoder=HashingEncoder())
    ctx = {"text": "space", "history": [{"item": "s1", "rating": 5}], "attributes": {"gender": "F"}}
    assert ids(back.recommend(ctx, n=5)) == ids(rec.recommend(ctx, n=5))
    assert not list(tmp_path.glob(".m.*")), "no temp folders left behind"
    assert not list((tmp_path / "m").glob("*.pkl"))


def test_users_with_and_without_words_survive_a_save(rec: Recommender, tmp_path: Path) -> None:
    """Parquet gives a column of mostly missing texts back as NaN; a reviewer's server failed
    to load its own save (and rebuilt from scratch on every start) after one user wrote text."""
    rec.add_user("talker", None, "space opera please")
    rec.save(str(tmp_path / "m"))
    back = Recommender.load(str(tmp_path / "m"), encoder=HashingEncoder())
    texts = {u["id"]: u["text"] for u in back.users.records()}
    assert texts["talker"] == "space opera please"
    assert texts["u0"] is None
    assert ids(back.recommend({"user_id": "talker"}, n=3)) == ids(rec.recommend({"user_id": "talker"}, n=3))


def test_failed_save_keeps_previous_copy(rec: Recommender, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rec.save(str(tmp_path / "m"))
    import dayone.recommender.persistence as persistence

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(persistence, "save_file", boom)
    rec.add_items([{"id": "later", "title": "x"}])
    with pytest.raises(OSError):
        rec.save(str(tmp_path / "m"))
    back = Recommender.load(str(tmp_path / "m"), encoder=HashingEncoder())
    assert "later" not in back.catalog and len(back.catalog) == 10


def test_load_refuses_other_encoder(rec: Recommender, tmp_path: Path) -> None:
    rec.save(str(tmp_path / "m"))
    with pytest.raises(DataError, match="encoder"):
        Recommender.load(str(tmp_path / "m"), encoder=HashingEncoder(dim=64))


def test_save_replaces_only_a_saved_model_or_an_empty_folder(rec: Recommender, tmp_path: Path) -> None:
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("important")
    with pytest.raises(DataError, match="not a saved dayone recommender") as err:
        rec.save(str(precious))
    assert str(precious) in str(err.value) and (precious / "notes.txt").read_text() == "important"
    victim = tmp_path / "victim.csv"
    victim.write_text("id,title\n")
    with pytest.raises(DataError, match="not a saved dayone recommender"):
        rec.save(str(victim))
    assert victim.read_text() == "id,title\n"
    (tmp_path / "empty").mkdir()
    rec.save(str(tmp_path / "empty"))
    rec.save(str(tmp_path / "empty"))  # a saved model is replaced
    assert len(Recommender.load(str(tmp_path / "empty"), encoder=HashingEncoder()).catalog) == 10
    assert not list(tmp_path.glob(".*")), "no temp folders left behind"


def test_a_save_interrupted_between_its_two_renames_is_completed_on_load(
    rec: Recommender, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    import dayone.recommender.persistence as persistence

    rec.save(str(tmp_path / "m"))
    rec.add_items([{"id": "later", "title": "x"}])
    real_replace, calls = os.replace, []

    def crash_on_second(src: object, dst: object) -> None:
        calls.append(src)
        if len(calls) == 2:
            raise KeyboardInterrupt("power cut")  # the old copy is moved away, the new one not in
        real_replace(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(persistence.os, "replace", crash_on_second)
    with pytest.raises(KeyboardInterrupt):
        rec.save(str(tmp_path / "m"))
    monkeypatch.setattr(persistence.os, "replace", real_replace)
    assert not (tmp_path / "m").exists()
    with pytest.warns(UserWarning, match="interrupted save"):
        back = Recommender.load(str(tmp_path / "m"), encoder=HashingEncoder())
    assert "later" in back.catalog, "the complete new copy is the one put back"
    assert not list(tmp_path.glob(".m.*")), "the previous copy is dropped once the new one is in"


def test_a_model_deleted_on_purpose_is_not_brought_back(rec: Recommender, tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "v[2]"  # a name that is also a glob pattern
    rec.save(str(folder))
    shutil.copytree(folder, tmp_path / ".v[2].old-1-1")  # a leftover previous copy, no new one
    shutil.rmtree(folder)
    with pytest.raises(DataError, match="no such folder"):
        Recommender.load(str(folder), encoder=HashingEncoder())
    assert (tmp_path / ".v[2].old-1-1").exists() and not folder.exists()


def _damage(root: Path, how: str) -> str:
    """Damage a saved model one way; the name of the file the error must give."""
    if how == "meta-list":
        (root / "recommender.json").write_text("[1]")
        return "recommender.json"
    if how == "meta-no-config":
        import json

        meta = json.loads((root / "recommender.json").read_text())
        del meta["config"]
        (root / "recommender.json").write_text(json.dumps(meta))
        return "recommender.json"
    if how == "meta-bad-config":
        import json

        meta = json.loads((root / "recommender.json").read_text())
        meta["config"]["surprise"] = 1
        (root / "recommender.json").write_text(json.dumps(meta))
        return "recommender.json"
    if how == "meta-not-utf8":
        (root / "recommender.json").write_bytes(b"\xff\xfe{")
        return "recommender.json"
    if how in ("items.parquet", "users.parquet", "item_vectors.safetensors", "interactions.parquet"):
        (root / how).unlink()
        return how
    if how == "vectors-truncated":
        data = (root / "item_vectors.safetensors").read_bytes()
        (root / "item_vectors.safetensors").write_bytes(data[:7])
        return "item_vectors.safetensors"
    if how == "vectors-wrong-dim":
        from safetensors.numpy import save_file

        save_file({"item_vectors": np.zeros((10, 4), dtype=np.float32)}, str(root / "item_vectors.safetensors"))
        return "item_vectors.safetensors"
    if how == "items-truncated":
        data = (root / "items.parquet").read_bytes()
        (root / "items.parquet").write_bytes(data[: len(data) // 2])
        return "items.parquet"
    if how == "items-bad-json":
        frame = pd.read_parquet(root / "items.parquet")
        frame.loc[2, "fields_json"] = "{not json"
        frame.to_parquet(root / "items.parquet", index=False)
        return "items.parquet"
    if how == "log-no-rating":
        pd.read_parquet(root / "interactions.parquet").drop(columns=["rating"]).to_parquet(
            root / "interactions.parquet", index=False)
        return "interactions.parquet"
    raise AssertionError(how)


@pytest.mark.parametrize("how", ["meta-list", "meta-no-config", "meta-bad-config", "meta-not-utf8", "items.parquet",
                                 "users.parquet", "item_vectors.safetensors", "interactions.parquet",
                                 "vectors-truncated", "vectors-wrong-dim", "items-truncated", "items-bad-json",
                                 "log-no-rating"])
def test_a_damaged_save_is_refused_naming_the_file(rec: Recommender, tmp_path: Path, how: str) -> None:
    rec.save(str(tmp_path / "m"))
    name = _damage(tmp_path / "m", how)
    with pytest.raises(DataError) as err:
        Recommender.load(str(tmp_path / "m"), encoder=HashingEncoder())
    assert err.value.file is not None and err.value.file.endswith(name), str(err.value)
    if how == "items-bad-json":
        assert err.value.row == 3 and err.value.field == "fields_json"


def test_interactions_with_unknown_items_rejected() -> None:
    with pytest.raises(UnknownItemError):
        Recommender.build(
            Catalog.from_records(checkerboard_records()),
            checkerboard_interactions().assign(item="zzz"),
            encoder=HashingEncoder(),
        )


def test_explain_agrees_with_recommend(rec: Recommender) -> None:
    ctx = {"text": "space rocket", "history": [{"item": "s1", "rating": 5}]}
    top = rec.recommend(ctx, n=1)[0]
    e = rec.explain(ctx, top.item)
    assert e.score == pytest.approx(top.score) and e.source == top.source


def test_deleted_item_in_stored_history_is_skipped(rec: Recommender) -> None:
    rec.remove_items(["s0"])
    assert "s0" not in ids(rec.recommend({"user_id": "u0"}, n=9))


def test_text_similarity_without_any_interactions() -> None:
    bare = Recommender.build(Catalog.from_records(checkerboard_records()), encoder=HashingEncoder())
    assert ids(bare.similar_items("wedding love", n=1))[0].startswith("l")
    assert len(bare.recommend(None, n=3)) == 3


def test_ann_index_survives_add_delete_add() -> None:
    rec = Recommender.build(
        Catalog.from_records(checkerboard_records()),
        checkerboard_interactions(),
        config=RecommenderConfig(index="hnsw"),
        encoder=HashingEncoder(),
    )
    rec.add_items([{"id": "x1", "title": "rocket orbit"}])
    rec.remove_items(["x1", "s2"])
    rec.add_items([{"id": "x2", "title": "rocket orbit mars"}])
    got = ids(rec.recommend("rocket orbit mars", n=20))
    assert got[0] == "x2" and "x1" not in got and "s2" not in got
    assert ids(rec.recommend({"user_id": "u0"}, n=3))


def test_many_events_and_users_in_batches(rec: Recommender) -> None:
    rec.add_users([{"id": f"n{i}", "attributes": {"gender": "F"}, "text": "space"} for i in range(20)])
    for i in range(50):
        rec.add_interactions([{"user": f"n{i % 20}", "item": f"s{i % 5}", "rating": 5}])
    assert len(rec.interactions) == len(checkerboard_interactions()) + 50
    assert rec.histories["n0"][0].item == "s0"


def _large_catalogue(n: int) -> list[dict[str, str]]:
    words = ["rocket", "orbit", "garden", "violin", "desert", "harbour", "winter", "tiger",
             "castle", "circuit", "glacier", "lantern", "meadow", "canyon", "compass", "forest"]
    rng = np.random.default_rng(0)
    return [{"id": f"i{k}", "title": " ".join(rng.choice(words, 3))} for k in range(n)]


def test_large_catalogue_ann_path_agrees_with_exact_scan(tmp_path: Path) -> None:
    """Past REFERENCE_SAMPLE items a request reads a sample and the ANN's candidates instead
    of every item; the ranking and the scores must stay those of the full scan."""
    from dayone.recommender.recommender import REFERENCE_SAMPLE

    records = _large_catalogue(REFERENCE_SAMPLE + 2000)
    events = [{"user": f"u{k % 40}", "item": f"i{(k * 7919) % len(records)}", "liked": True}
              for k in range(400)]
    built = {
        kind: Recommender.build(Catalog.from_records(records), events,
                                config=RecommenderConfig(index=kind, learn_handover=False),
                                encoder=HashingEncoder())
        for kind in ("exact", "hnsw")
    }
    assert built["hnsw"].ann is not None and built["exact"].ann is None
    for ctx in ("rocket orbit castle", {"user_id": "u3"}, {"text": "violin meadow", "user_id": "u5"}):
        exact = built["exact"].recommend(ctx, n=10)
        fast = built["hnsw"].recommend(ctx, n=10)
        # the same scores rank by rank (items that tie may be listed in either order)
        assert [r.score for r in fast] == pytest.approx([r.score for r in exact], abs=1e-6)
        # a listed item's score is the one explain() gives it against the whole catalogue
        one = built["hnsw"].explain(ctx, fast[0].item)
        assert one.score == pytest.approx(fast[0].score, abs=1e-6)
    # a restricted candidate list scores as it would among all items, with or without an ANN
    for kind, rec in built.items():
        picked = ids(rec.recommend("rocket orbit castle", n=50))[40:45]
        for r in rec.recommend("rocket orbit castle", n=5, candidates=picked):
            assert r.score == pytest.approx(rec.explain("rocket orbit castle", r.item).score, abs=1e-6), kind
    # a saved large recommender comes back with its ANN, not as a full scan
    built["hnsw"].save(str(tmp_path / "m"))
    again = Recommender.load(str(tmp_path / "m"), encoder=HashingEncoder())
    assert again.ann is not None
    # (titles repeat, so compare scores: equal-scoring items may come back in another order)
    before = [r.score for r in built["hnsw"].recommend("rocket orbit castle", n=5)]
    assert [r.score for r in again.recommend("rocket orbit castle", n=5)] == pytest.approx(before, abs=1e-6)


def test_online_event_uses_the_known_rating_scale(rec: Recommender) -> None:
    """One rating has no range of its own: a lone 1-star online must not count as a like."""
    row = int(rec.index.rows(["s1"])[0])
    before = rec.population.pos[row]
    rec.add_interactions([{"user": "u0", "item": "s1", "rating": 1}])
    assert rec.population.pos[row] == before
    rec.add_interactions([{"user": "u0", "item": "s1", "rating": 5}])
    assert rec.population.pos[row] == before + 1


def test_online_events_equal_bulk_events_and_bad_ones_name_row_and_field(rec: Recommender) -> None:
    events = [{"user": "z1", "item": "s1", "liked": True}, {"user": "z1", "item": "l2", "weight": 3.0, "ts": 5}]
    rec.add_interactions(events)  # few records: the pandas-free path
    tail = rec.interactions.tail(2).reset_index(drop=True)
    assert tail["user"].tolist() == ["z1", "z1"] and tail["liked"].iloc[0] == 1.0
    assert tail["weight"].iloc[1] == 3.0 and tail["ts"].iloc[1] == 5.0 and np.isnan(tail["rating"].iloc[1])
    with pytest.raises(DataError) as err:
        rec.add_interactions([{"user": "z1", "item": "s1"}, {"user": "z1", "item": "s2", "rating": "lots"}])
    assert err.value.row == 2 and err.value.field == "rating"
    with pytest.raises(DataError) as err:
        rec.add_interactions([{"item": "s1"}])
    assert err.value.row == 1 and err.value.field == "user"


def test_item_added_online_reaches_its_text_on_the_ann_path() -> None:
    """New items are also searched exactly, so reaching them never depends on ANN recall."""
    from dayone.recommender.recommender import REFERENCE_SAMPLE

    rec = Recommender.build(Catalog.from_records(_large_catalogue(REFERENCE_SAMPLE + 500)),
                            config=RecommenderConfig(index="hnsw", learn_handover=False),
                            encoder=HashingEncoder())
    for k in range(5):  # the ANN's answers to these texts are now remembered
        rec.recommend(f"zeppelin quokka{k} marimba", n=3)
    rec.add_items([{"id": f"new{k}", "title": f"zeppelin quokka{k} marimba"} for k in range(5)])
    for k in range(5):
        assert f"new{k}" in ids(rec.recommend(f"zeppelin quokka{k} marimba", n=3))
    rec.remove_items(["new0"])
    assert "new0" not in ids(rec.recommend("zeppelin quokka0 marimba", n=3))


def test_profile_vector_reads_the_recent_window(rec: Recommender) -> None:
    rec.config.profile_window = 2
    rec.add_interactions([{"user": "w", "item": "l1", "liked": True}, {"user": "w", "item": "l2", "liked": True},
                          {"user": "w", "item": "s1", "liked": True}, {"user": "w", "item": "s2", "liked": True}])
    space_only = rec.user_index.vector("w")
    rec.add_interactions([{"user": "w2", "item": "s1", "liked": True}, {"user": "w2", "item": "s2", "liked": True}])
    assert space_only is not None
    assert np.allclose(space_only, rec.user_index.vector("w2"), atol=1e-6)


class _RecordingEncoder(HashingEncoder):
    """Remembers every text it is asked to encode one at a time (the query path)."""

    def __init__(self) -> None:
        super().__init__()
        self.queries: list[str] = []

    def encode_query(self, texts: list[str]) -> np.ndarray:
        self.queries.extend(texts)
        return self.encode(texts)


def test_free_text_alone_is_encoded_verbatim_and_attributes_are_phrased() -> None:
    """The query encoder sees the visitor's words without template framing (each framing
    token is encoder time), but attributes still need the template to become a sentence."""
    enc = _RecordingEncoder()
    rec = Recommender.build(Catalog.from_records(checkerboard_records()), checkerboard_interactions(),
                            config=RecommenderConfig(domain="movie"), encoder=enc)
    rec.recommend({"text": "  rocket space station "}, n=3)
    assert enc.queries[-1] == "rocket space station"
    rec.recommend({"text": "rocket space station", "attributes": {"occupation": "writer"}}, n=3)
    assert "writer" in enc.queries[-1] and "rocket space station" in enc.queries[-1]
    assert enc.queries[-1] != "rocket space station"


def test_batch_added_user_texts_are_cached_as_queries_not_passages() -> None:
    """An encoder with separate query and passage forms (e5) must see user texts as queries,
    whether the user came in a batch or is encoded on demand."""

    class TwoSided(HashingEncoder):
        def encode_query(self, texts: list[str]) -> np.ndarray:
            return self.encode(["query: " + t for t in texts])

    enc = TwoSided()
    rec = Recommender.build(Catalog.from_records(checkerboard_records()), checkerboard_interactions(),
                            encoder=enc)
    rec.add_users([{"id": "b1", "text": "rocket space station"}])
    cached = rec._query_cache["rocket space station"]
    assert np.allclose(cached, enc.encode_query(["rocket space station"])[0])


def test_what_a_visitor_asks_to_avoid_is_pushed_down(rec: Recommender) -> None:
    text = "space galaxy starships, no war"
    rec.config.parse_negation = False  # the sentence as one query: "war" pulls s4 up
    assert ids(rec.recommend(text, n=1)) == ["s4"]
    rec.config.parse_negation = True
    recs = rec.recommend(text, n=10)
    assert "s4" not in ids(recs)[:4]
    s4 = next(r for r in recs if r.item == "s4")
    assert s4.contributions["avoid-match"] < 0
    assert all(r.contributions.get("avoid-match", 0.0) <= 0 for r in recs)
    # the list says why s4 sits low, and quotes only the wanted words as what was matched
    assert "pushed down: it resembles what you asked to avoid (\u201cwar\u201d)" in s4.explanation
    assert all("no war" not in r.explanation for r in recs)
    assert any("\u201cspace galaxy starships\u201d" in r.explanation for r in recs if r.source == "text-match")
    rec.config.avoid_weight = 0.0  # the clause is still dropped from the query, nothing pushed
    assert all("avoid-match" not in r.contributions for r in rec.recommend(text, n=10))
    assert all("pushed down" not in r.explanation for r in rec.recommend(text, n=10))


def test_a_lone_title_starting_with_no_is_not_a_negation(rec: Recommender) -> None:
    assert rec.text_queries(None, "No Country for Old Men") == ("No Country for Old Men", ())
    assert rec.text_queries(None, "romance, nothing sad") == ("romance", ("sad",))
    assert rec.text_queries(None, "without gore") == (None, ("gore",))
    # only an avoid phrase and no attributes: population priors rank, minus the avoided items
    rec.config.avoid_weight = 0.0
    plain = ids(rec.recommend("without rocket launch to mars", n=10))
    rec.config.avoid_weight = 1.0
    steered = ids(rec.recommend("without rocket launch to mars", n=10))
    assert steered.index("s0") > plain.index("s0")


def test_a_sentence_decides_what_the_crowd_may_lift() -> None:
    """A popular item that matches nothing in the sentence must not beat one that matches it:
    with `text_gate` the priors count only as far as an item matches the sentence."""
    items = [{"id": "hit", "title": "courtroom drama verdict"}, {"id": "match", "title": "submarine voyage beneath ice"}]
    items += [{"id": f"x{j}", "title": f"filler {j} words {j * 7}"} for j in range(20)]
    rows = [{"user": f"u{u}", "item": "hit", "rating": 5.0} for u in range(40)]
    rows += [{"user": f"u{u}", "item": f"x{u % 20}", "rating": 4.0} for u in range(40)]
    rows += [{"user": "u0", "item": "match", "rating": 5.0}]
    weights = {"text": 0.25, "popularity": 1.0, "neighbours": 0.0, "quality": 0.0, "cooccurrence": 0.0}
    cfg = RecommenderConfig(learn_handover=False, weights=weights)
    rec = Recommender.build(Catalog.from_records(items), pd.DataFrame(rows), config=cfg, encoder=HashingEncoder())
    assert ids(rec.recommend("a submarine voyage", n=1)) == ["match"]
    rec.config = rec.config.model_copy(update={"text_gate": False})
    assert ids(rec.recommend("a submarine voyage", n=1)) == ["hit"], "without the gate popularity wins"


def test_the_demo_cache_replaces_its_own_damaged_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import dayone.demo.catalog as demo

    tiny = (Catalog.from_records(checkerboard_records()), checkerboard_interactions())
    monkeypatch.setattr(demo, "load_demo_catalog", lambda: tiny)
    enc = HashingEncoder()
    first = demo.build_demo_recommender(enc, cache_dir=tmp_path, show_progress=False)
    saved = next((tmp_path / "demo").iterdir())
    (saved / "recommender.json").write_text("{trunc")  # a damaged copy, junk beside it
    (saved / "junk.txt").write_text("x")
    again = demo.build_demo_recommender(enc, cache_dir=tmp_path, show_progress=False)
    assert len(again.catalog) == len(first.catalog)
    assert Recommender.load(str(saved), encoder=enc) is not None, "the copy was rewritten whole"
    assert not (saved / "junk.txt").exists()
    demo.build_demo_recommender(enc, cache_dir=tmp_path, show_progress=False, rebuild=True)


def test_item_to_item_and_reach_explanations_speak_of_the_right_people(rec: Recommender) -> None:
    similar = rec.similar_items("s1", n=3)
    assert similar and all("which you liked" not in r.explanation for r in similar), "nobody liked the query item"
    assert rec.population.taste is None  # a log this small: users are matched by profile alone
    reach = rec.users_for_item({"title": "a love story wedding in paris"}, n=50)
    assert reach and all(m.score > 0 for m in reach), "a profile pointing away from the item is no reach"
    assert all(m.explanation.startswith("close to") for m in reach)



def test_an_avoided_phrase_is_measured_against_the_wanted_items() -> None:
    """"sports, no football": with a multilingual encoder basketball stories sit at 0.8 of
    football's match to "football" (relative to the catalogue's median item), so anchored on
    the whole catalogue they were pushed down nearly as hard as football and a list for
    "sports" filled with health stories. Anchored on the wanted items, siblings keep 0."""
    from dayone.recommender.recommender import _beyond_wanted

    wanted = np.r_[np.ones(8), np.ones(8), np.zeros(24)]  # football, basketball, health
    near = np.r_[np.ones(8), np.full(8, 0.8), np.zeros(24)]
    pushed = np.maximum(_beyond_wanted(near, wanted), 0.0)
    assert np.allclose(pushed[:8], 1.0) and np.allclose(pushed[8:], 0.0)
    # nothing wanted matches well: the top items by wanted match stand in as the reference
    weak = np.r_[np.full(8, 0.2), np.full(8, 0.3), np.zeros(24)]
    assert np.allclose(np.maximum(_beyond_wanted(near, weak), 0.0), pushed)


def test_popularity_can_favour_what_is_liked_lately() -> None:
    """A news site: yesterday's hit beat by last month's, counted plainly. With a half-life
    the recent one leads, and an event arriving later moves the reference time."""
    day = 86400.0
    items = [{"id": i, "title": f"story {i}"} for i in ("old", "new", "later")]
    rows = [{"user": f"u{u}", "item": "old", "liked": True, "ts": 0.0} for u in range(20)]
    rows += [{"user": f"v{u}", "item": "new", "liked": True, "ts": 30 * day} for u in range(5)]
    plain = Recommender.build(Catalog.from_records(items), pd.DataFrame(rows),
                              config=RecommenderConfig(learn_handover=False, beginnings=False),
                              encoder=HashingEncoder())
    assert ids(plain.recommend({}, n=3))[:2] == ["old", "new"]
    cfg = RecommenderConfig(learn_handover=False, beginnings=False, popularity_half_life_days=2.0)
    rec = Recommender.build(Catalog.from_records(items), pd.DataFrame(rows), config=cfg, encoder=HashingEncoder())
    top = rec.recommend({}, n=3)
    assert ids(top)[:2] == ["new", "old"]
    assert top[0].explanation.startswith("popular lately: 5 positive interactions")
    # three likes a week later outweigh five from a week before them
    rec.add_interactions([{"user": f"w{u}", "item": "later", "liked": True, "ts": 37 * day} for u in range(3)])
    assert ids(rec.recommend({}, n=3))[0] == "later"
    assert rec.population.trend_ref == 37 * day
