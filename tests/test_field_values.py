"""A sentence matched against each item's field values, not only its whole description."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dayone.data import Catalog
from dayone.data.errors import DataError
from dayone.encoders import HashingEncoder, get_encoder
from dayone.index.field_values import (
    FieldValues,
    TitleWords,
    identifying_fields,
    title_words,
    values_of,
)
from dayone.recommender import Recommender, RecommenderConfig


def test_values_are_short_strings_of_list_and_scalar_fields() -> None:
    fields = {
        "title": "Heat (1995)",
        "genres": ["Action", "Crime", "action"],
        "tags": ["slow burn", "", "x" * 80, 7],
        "brand": "Acme",
        "description": "A long text about the item that is not a value.",
        "year": 1995,
        "released": "1995-12-15",
        "flag": True,
        "note": "one two three four five six seven",
    }
    assert values_of(fields) == ["Action", "Crime", "slow burn", "Acme"]
    assert values_of({"genres": "Adventure|Animation|Children", "tags": ["ab|cde"]}) == [
        "Adventure", "Animation", "Children", "cde"]  # "|" separates values in one string
    # flags and two-letter codes meet no sentence by meaning ("Sigur Ros" met "ko")
    assert values_of({"language": "ko", "instrumental": "false", "genres": ["k-pop", "R&B"],
                      "tags": ["流行", "乐"]}) == ["k-pop", "R&B", "流行", "乐"]


def test_a_value_too_long_to_be_one_gives_its_short_pieces() -> None:
    """A category path's levels, or a flattened category, are what a visitor types ("digital
    calipers"); without them a product's only value would be its brand."""
    assert values_of({"category": "Tools & Home Improvement > Measuring & Layout Tools > Digital Calipers",
                      "brand": "HM Digital"}) == [
        "Tools & Home Improvement", "Measuring & Layout Tools", "Digital Calipers", "HM Digital"]
    assert values_of({"category": "Test, Measure & Inspect Dimensional Measurement Calipers Digital Calipers"}) == [
        "Test", "Measure", "Inspect Dimensional Measurement Calipers Digital Calipers"]
    assert values_of({"about": "a sentence of nine words with no separator in it"}) == []


def test_values_per_item_are_capped() -> None:
    assert len(values_of({"tags": [f"tag {i}" for i in range(100)]})) == 16


class TableEncoder:
    """Known vectors per text, so the best-value arithmetic can be checked exactly."""

    model_id = "table"
    dim = 3

    def __init__(self, table: dict[str, list[float]]) -> None:
        self.table = table
        self.calls: list[list[str]] = []

    def encode(self, texts: list[str], batch_size: int = 64, show_progress: bool = False) -> np.ndarray:
        self.calls.append(list(texts))
        return np.asarray([self.table[t] for t in texts], dtype=np.float32)


def test_best_is_the_closest_value_and_nan_without_values() -> None:
    enc = TableEncoder({"Sci-Fi": [1, 0, 0], "Comedy": [0, 1, 0], "space": [0.6, 0.8, 0]})
    fv = FieldValues(3)
    fv.add([0, 1, 2], [{"genres": ["Comedy"]}, {"genres": ["Comedy"], "tags": ["space"]}, {"title": "Untagged"}],
           enc.encode)
    best = fv.best(np.array([1.0, 0.0, 0.0]), 4)
    np.testing.assert_allclose(best[:2], [0.0, 0.6], atol=1e-6)
    assert np.isnan(best[2]) and np.isnan(best[3])
    assert fv.closest(np.array([1.0, 0.0, 0.0]), 1) == ("space", pytest.approx(0.6))
    # a value seen before is not encoded again; a row's values are replaced, then removed
    fv.add([2], [{"genres": ["Sci-Fi", "Comedy"]}], enc.encode)
    assert enc.calls[-1] == ["Sci-Fi"]
    assert fv.best(np.array([1.0, 0.0, 0.0]), 3)[2] == pytest.approx(1.0)
    fv.remove([2])
    assert np.isnan(fv.best(np.array([1.0, 0.0, 0.0]), 3)[2])


def test_a_makers_name_counts_only_when_the_sentence_types_it() -> None:
    """By meaning, "digital caliper" is near the brand "HM Digital": a maker's name must not
    lift its whole range for a shared word, but typing the name still finds it."""
    enc = TableEncoder({"HM Digital": [0.8, 0.6, 0], "Calipers": [1, 0, 0], "Water Testing": [0, 1, 0]})
    fv = FieldValues(3)
    fv.add([0, 1], [{"brand": "HM Digital", "category": "Water Testing"}, {"brand": "HM Digital"}], enc.encode)
    fv.add([2], [{"category": "Calipers", "brand": "HM Digital"}], enc.encode)
    q = np.array([1.0, 0.0, 0.0])
    best = fv.best(q, 3, "digital caliper")
    np.testing.assert_allclose(best[[0, 2]], [0.0, 1.0], atol=1e-6)  # the category, not the brand
    assert np.isnan(best[1]), "an item whose only value is its maker's name is matched by its description"
    assert fv.closest(q, 0, "digital caliper") == ("Water Testing", pytest.approx(0.0))
    typed = fv.best(q, 3, "an hm digital meter")
    np.testing.assert_allclose(typed, [0.8, 0.8, 1.0], atol=1e-6)
    assert fv.closest(q, 1, "HM Digital") == ("HM Digital", pytest.approx(0.8))
    assert np.isnan(fv.best(q, 3)[1]), "no words, no maker's name"


def test_preload_keeps_the_first_vector_of_a_repeated_value() -> None:
    fv = FieldValues(2)
    fv.preload(["a", "b", "a"], np.array([[1, 0], [0, 1], [0.6, 0.8]], dtype=np.float32))
    assert fv.values == ["a", "b"]
    np.testing.assert_allclose(fv.vectors[0], [1, 0])
    with pytest.raises(ValueError):
        fv.preload(["c"], np.zeros((2, 2), dtype=np.float32))


def test_a_sentence_names_a_title_by_most_of_its_words() -> None:
    assert title_words({"title": "Magnificent Seven, The (1960)"}) == {"magnificent", "seven", "the"}
    titles = TitleWords()
    titles.add([0, 1, 2], [{"title": "Magnificent Seven, The (1960)"}, {"title": "Seven (1995)"},
                           {"name": "Burn After Reading"}])
    assert titles.named("The Magnificent Seven") == {0: 1.0}
    assert titles.named("seven") == {1: 1.0}  # {seven} vs {magnificent, seven, the}: 1/3
    assert titles.named("magnificent seven") == {0: pytest.approx(2 / 3)}
    assert titles.named("slow-burn sci-fi") == {}  # one word of five
    titles.remove([0])
    assert titles.named("the magnificent seven") == {}


def test_names_are_found_without_their_accents() -> None:
    """Visitors type "Beyonce" and "Bjork": a music review found neither."""
    titles = TitleWords()
    titles.add([0, 1, 2], [{"title": "Crème Brûlée"}, {"title": "Jóga"}, {"title": "방탄소년단 소개"}])
    assert titles.named("creme brulee") == {0: 1.0}
    assert titles.named("Joga") == {1: 1.0}
    assert titles.named("방탄소년단 소개") == {2: 1.0}, "other scripts still match as typed"
    enc = TableEncoder({"Beyoncé": [1, 0], "Bjørk": [0, 1]})
    fv = FieldValues(2)
    fv.add([0, 1], [{"artist": "Beyoncé"}, {"artist": "Bjørk"}], enc.encode)
    assert fv.closest(np.array([1.0, 0.0]), 0, "some beyonce please") == ("Beyoncé", pytest.approx(1.0))
    assert fv.closest(np.array([0.0, 1.0]), 1, "bjork") == ("Bjørk", pytest.approx(1.0))
    assert fv.has_value("beyonce")


def _films() -> list[dict[str, Any]]:
    return [
        {"id": "burnt", "title": "Burnt (2015)", "genres": ["Drama"]},
        {"id": "bar", "title": "Burn After Reading (2008)", "genres": ["Comedy", "Crime"]},
        {"id": "cigarette", "title": "Cigarette Burns (2005)", "genres": ["Horror", "Thriller"]},
        {"id": "toy", "title": "Toy Story (1995)", "genres": ["Animation", "Children", "Comedy"]},
        {"id": "fargo", "title": "Fargo (1996)", "genres": ["Comedy", "Crime", "Drama", "Thriller"]},
        {"id": "amelie", "title": "Amelie (2001)", "genres": ["Comedy", "Romance"]},
        {"id": "heat", "title": "Heat (1995)", "genres": ["Action", "Crime", "Thriller"]},
        {"id": "contact", "title": "Contact (1997)", "genres": ["Drama", "Sci-Fi"], "tags": ["space", "thoughtful"]},
        {"id": "solaris", "title": "Solaris (1972)", "genres": ["Drama", "Mystery", "Sci-Fi"]},
        {"id": "seven", "title": "Magnificent Seven, The (1960)", "genres": ["Western"]},
        {"id": "notting", "title": "Notting Hill (1999)", "genres": ["Comedy", "Romance"]},
    ]


@pytest.mark.slow
def test_title_words_no_longer_carry_a_sentence_but_titles_are_still_found() -> None:
    """With the real packaged model: "slow-burn sci-fi" matched against whole descriptions
    puts a film called *Burn…* first; with the field values the science-fiction films lead,
    and a film asked for by name is still first."""
    rec = Recommender.build(Catalog.from_records(_films()), config=RecommenderConfig(domain="movie"),
                            encoder=get_encoder("default"))
    rec.config = rec.config.model_copy(update={"field_match": 0.0})
    assert rec.recommend("slow-burn sci-fi", n=1)[0].item in {"burnt", "bar", "cigarette"}
    rec.config = rec.config.model_copy(update={"field_match": 0.5})
    top = rec.recommend("slow-burn sci-fi", n=2)
    assert {r.item for r in top} == {"contact", "solaris"}
    assert "Sci-Fi" in top[0].explanation
    for share in (0.0, 0.5):
        rec.config = rec.config.model_copy(update={"field_match": share})
        assert rec.recommend("The Magnificent Seven", n=1)[0].item == "seven"
        assert rec.recommend("Notting Hill", n=1)[0].item == "notting"


def test_field_values_are_saved_so_a_load_encodes_none_of_them(tmp_path: Path) -> None:
    class Counting(HashingEncoder):
        def __init__(self) -> None:
            super().__init__()
            self.texts: list[str] = []

        def encode(self, texts: list[str], batch_size: int = 64, show_progress: bool = False) -> np.ndarray:
            self.texts.extend(texts)
            return super().encode(texts, batch_size=batch_size, show_progress=show_progress)

    rec = Recommender.build(Catalog.from_records(_films()), encoder=HashingEncoder())
    rec.save(str(tmp_path / "m"))
    enc = Counting()
    back = Recommender.load(str(tmp_path / "m"), encoder=enc)
    assert enc.texts == []
    assert back.field_values.values == rec.field_values.values
    np.testing.assert_allclose(back.field_values.best(enc.encode(["Sci-Fi"])[0], len(_films())),
                               rec.field_values.best(enc.encode(["Sci-Fi"])[0], len(_films())))
    # an item added later brings its new value; a removed one no longer matches
    back.add_items([{"id": "new", "title": "The Quiet Orbit (2026)", "genres": ["Space Opera"]}])
    assert "Space Opera" in back.field_values.values
    row = int(back.index.rows(["contact"])[0])
    assert not np.isnan(back.field_values.best(enc.encode(["space"])[0], back._n_rows())[row])
    back.remove_items(["contact"])
    assert np.isnan(back.field_values.best(enc.encode(["space"])[0], back._n_rows())[row])
    # a save keeps only the values some item still carries, and the fields it decided to skip
    back.save(str(tmp_path / "m2"))
    again = Recommender.load(str(tmp_path / "m2"), encoder=HashingEncoder())
    assert "thoughtful" not in again.field_values.values and "Space Opera" in again.field_values.values
    assert again.field_values.skipped == back.field_values.skipped


def test_a_damaged_field_value_file_is_named(tmp_path: Path) -> None:
    rec = Recommender.build(Catalog.from_records(_films()), encoder=HashingEncoder())
    rec.save(str(tmp_path / "m"))
    (tmp_path / "m" / "field_values.json").write_text('{"values": [1, 2]}', encoding="utf-8")
    with pytest.raises(DataError, match="field_values.json"):
        Recommender.load(str(tmp_path / "m"), encoder=HashingEncoder())
    (tmp_path / "m" / "field_values.json").unlink()
    with pytest.raises(DataError, match="field_values.json"):
        Recommender.load(str(tmp_path / "m"), encoder=HashingEncoder())


def test_a_typed_title_leads_the_list_even_against_a_popular_namesake() -> None:
    import pandas as pd

    items = [
        {"id": "exact", "title": "Seven Samurai (1954)", "genres": ["Drama"]},
        {"id": "namesake", "title": "Seven Samurai Returns (2020)", "genres": ["Action"]},
        {"id": "other", "title": "Samurai Jack (2001)", "genres": ["Animation"]},
    ] + [{"id": f"x{j}", "title": f"garden tools {j}", "genres": ["Documentary"]} for j in range(10)]
    rows = [{"user": f"u{u}", "item": "namesake", "rating": 5.0} for u in range(50)]
    rows += [{"user": "v", "item": "exact", "rating": 2.0}]
    cfg = RecommenderConfig(learn_handover=False)
    rec = Recommender.build(Catalog.from_records(items), pd.DataFrame(rows), config=cfg, encoder=HashingEncoder())
    top = rec.recommend("Seven Samurai", n=3)
    assert [r.item for r in top[:2]] == ["exact", "namesake"]  # the whole title, then 2 of its 3 words
    assert top[0].source == "title-match" and top[0].explanation == "its title is what you typed"
    # among a candidate list too
    assert rec.recommend({"text": "seven samurai"}, n=1, candidates=["other", "namesake", "exact"])[0].item == "exact"
    # with a profile beside the words, the words still name it (not the template around them)
    assert rec.recommend({"text": "Seven Samurai", "attributes": {"age": 30}}, n=1)[0].item == "exact"
    # a stored profile text is not a title typed now: it does not pin the film to every list
    rec.add_user("fan", {}, text="Seven Samurai")
    assert rec.recommend({"user_id": "fan"}, n=3)[0].source != "title-match"
    assert rec.recommend({"user_id": "fan", "text": "Seven Samurai"}, n=1)[0].source == "title-match"
    rec.config = rec.config.model_copy(update={"title_lead": False})
    assert all(r.source != "title-match" for r in rec.recommend("Seven Samurai", n=3))


def test_words_that_are_a_field_value_ask_for_that_kind_not_a_film_of_that_name() -> None:
    items: list[dict[str, Any]] = [{"id": "w", "title": "Western (1997)", "genres": ["Drama"]}]
    items += [{"id": f"g{j}", "title": f"Dust Riders {j}", "genres": ["Western"]} for j in range(5)]
    items += [{"id": f"x{j}", "title": f"Kitchen Tales {j}", "genres": ["Cooking"]} for j in range(5)]
    rec = Recommender.build(Catalog.from_records(items), config=RecommenderConfig(learn_handover=False),
                            encoder=HashingEncoder())
    top = rec.recommend("western", n=6)
    assert all(r.source != "title-match" for r in top)
    assert {r.item for r in top} == {"w"} | {f"g{j}" for j in range(5)}
    assert rec.recommend("Western", n=1)[0].source != "title-match"


def test_a_title_is_pooled_and_leads_on_a_large_catalogue() -> None:
    items: list[dict[str, Any]] = [{"id": f"g{j}", "title": f"seven samurai garden {j}", "tags": ["gardening"]}
                                   for j in range(3000)]
    long = " ".join(f"word{k}" for k in range(60))
    items.append({"id": "exact", "title": "Seven Samurai (1954)", "description": long, "tags": ["samurai"]})
    rec = Recommender.build(Catalog.from_records(items), config=RecommenderConfig(index="hnsw", learn_handover=False),
                            encoder=HashingEncoder())
    assert rec.ann is not None
    top = rec.recommend("Seven Samurai", n=3)
    assert top[0].item == "exact" and top[0].source == "title-match"


def test_a_large_catalogue_pools_the_items_whose_values_match() -> None:
    """Past the ANN threshold only a candidate pool is scored; the items carrying the
    sentence's closest value must be in it even when their whole description is far."""
    words = ["lantern", "meadow", "canyon", "compass", "glacier", "harbour", "violin", "tiger", "castle", "circuit"]
    items: list[dict[str, Any]] = [{"id": f"g{j}", "title": f"space garden {words[j % 10]} {j}", "tags": ["gardening"]}
                                   for j in range(3000)]
    long = " ".join(f"{w}{k}" for k in range(5) for w in words)  # fifty other words
    items += [{"id": f"t{j}", "title": " ".join(words) + f" {j}", "description": long, "tags": ["space opera"]}
              for j in range(3)]
    rec = Recommender.build(Catalog.from_records(items), config=RecommenderConfig(index="hnsw", learn_handover=False),
                            encoder=HashingEncoder())
    assert rec.ann is not None
    assert {r.item for r in rec.recommend("space opera", n=3)} == {"t0", "t1", "t2"}
    rec.config = rec.config.model_copy(update={"field_match": 0.0})
    assert not {r.item for r in rec.recommend("space opera", n=3)} & {"t0", "t1", "t2"}


def test_a_sharper_gate_keeps_a_half_matching_popular_item_behind_the_best_match() -> None:
    import pandas as pd

    items: list[dict[str, Any]] = [{"id": "best", "title": "space opera starships galaxy"},
                                   {"id": "half", "title": "space opera garden tools"}]
    items += [{"id": f"x{j}", "title": f"garden tools {j}"} for j in range(8)]
    rows = [{"user": f"p{u}", "item": "half", "rating": 5.0} for u in range(60)]
    rows += [{"user": f"q{j}", "item": f"x{j}", "rating": 5.0} for j in range(8)]
    order = {}
    for power in (1.0, 2.0):
        cfg = RecommenderConfig(learn_handover=False, title_lead=False, text_gate_power=power,
                                weights={"popularity": 1.5})
        rec = Recommender.build(Catalog.from_records(items), pd.DataFrame(rows), config=cfg, encoder=HashingEncoder())
        order[power] = [r.item for r in rec.recommend("space opera starships galaxy", n=2)]
    assert order == {1.0: ["half", "best"], 2.0: ["best", "half"]}, order


def test_identifying_fields_are_not_encoded_as_values() -> None:
    """A SKU names one item: matching a sentence against it is noise, and encoding one per
    item would cost as much as the catalogue. Shared values (a brand) stay."""
    fields = [{"title": f"Shoe {j}", "sku": f"SKU-{j:05d}", "brand": ["Acme", "Zenith"][j % 2]} for j in range(60)]
    assert identifying_fields(fields) == {"sku"}
    assert identifying_fields(fields[:10]) == frozenset()  # too few items to tell
    calls: list[list[str]] = []

    def encode(values: list[str]) -> np.ndarray:
        calls.append(values)
        return np.ones((len(values), 3), dtype=np.float32)

    fv = FieldValues(3)
    fv.add(range(60), fields, encode)
    assert sorted(fv.values) == ["Acme", "Zenith"] and fv.skipped == {"sku"}
    fv.add([60], [{"title": "Shoe 60", "sku": "SKU-00060", "brand": "Nova"}], encode)  # online: the decision holds
    assert calls[-1] == ["Nova"]


def test_values_that_tell_no_item_apart_leave_the_match_to_the_words() -> None:
    """Every item filed under "book": the value match would halve every item's match and so
    weaken the sentence against the crowd; it is left out."""
    items = [{"id": f"b{j}", "title": f"{w} stories {j}", "kind": "book"}
             for j, w in enumerate(["ocean", "mountain", "desert", "forest"] * 3)]
    rec = Recommender.build(Catalog.from_records(items), config=RecommenderConfig(learn_handover=False),
                            encoder=HashingEncoder())
    with_values = rec.recommend("ocean stories", n=12)
    rec.config = rec.config.model_copy(update={"field_match": 0.0})
    words_only = rec.recommend("ocean stories", n=12)
    assert [(r.item, round(r.score, 9)) for r in with_values] == [(r.item, round(r.score, 9)) for r in words_only]


def test_chinese_columns_play_the_roles_of_their_english_names() -> None:
    fields = {"标题": "国产芯片量产", "摘要": "报道称，国产芯片量产。业内人士认为，这将影响相关产业格局。",
              "频道": "科技", "标签": "芯片|半导体", "作者": "新华社", "发布时间": "2025-04-07T08:00:00"}
    # the summary is prose, the time no value, the title names the item
    assert values_of(fields) == ["科技", "芯片", "半导体", "新华社"]
    assert title_words(fields) == frozenset({"国产芯片量产"})
    # a Chinese value is judged by its characters (no spaces between words), and split at
    # the Chinese list marks
    assert values_of({"话题": "关于人工智能和芯片产业未来十年的发展前景"}) == []
    assert values_of({"类型": "恐怖、科幻"}) == ["恐怖", "科幻"]
    assert values_of({"when": "2025-04-07T08:00:00Z", "at": "2025-04-07 08:00"}) == []
