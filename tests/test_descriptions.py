from __future__ import annotations

import json
from pathlib import Path

import pytest

from dayone.data import DataError
from dayone.descriptions import DOMAINS, Describer


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("language", ["en", "zh"])
def test_every_builtin_template_renders(domain: str, language: str) -> None:
    d = Describer(domain, language)
    text = d.item({"title": "Alien", "genres": ["Horror", "Sci-Fi"], "year": 1979, "artist": "X", "category": "c"})
    assert "Alien" in text
    assert d.user({"age": 30}, "space horror", ["Alien"], ["Saw"])


def test_movie_item_and_user() -> None:
    d = Describer("movie")
    assert d.item({"title": "Alien (1979)", "genres": ["Horror", "Sci-Fi"], "year": 1979.0}) == (
        "Alien (1979). Genres: Horror, Science Fiction. Released in 1979."
    )
    u = d.user({"gender": "F", "occupation": "writer"}, "slow-burn sci-fi", ["Alien (1979)"], ["Saw (2004)"])
    assert u.startswith("A film viewer woman, working as writer")
    assert "slow-burn sci-fi" in u and "Alien (1979)" in u and "Saw (2004)" in u


def test_chinese_movie_translates_genres() -> None:
    assert Describer("movie", "zh").item({"title": "异形", "genres": ["Horror", "Sci-Fi"]}) == "异形。类型：恐怖、科幻。"


def test_repeated_title_inside_text_is_not_duplicated() -> None:
    d = Describer("generic")
    text = d.item({"title": "Sanding Roll", "text": "Sanding Roll. Abrasives. PORTER-CABLE."})
    assert text.count("Sanding Roll") == 1


def test_query_is_the_visitors_own_words_unless_there_are_attributes_to_phrase() -> None:
    d = Describer("movie")
    assert d.query(None, "  slow-burn sci-fi ") == "slow-burn sci-fi"
    assert d.query({"age": None}, "slow-burn sci-fi") == "slow-burn sci-fi"  # nothing to phrase
    with_attrs = d.query({"occupation": "writer"}, "slow-burn sci-fi")
    assert with_attrs == d.user({"occupation": "writer"}, "slow-burn sci-fi")
    assert "writer" in with_attrs and "slow-burn sci-fi" in with_attrs
    assert d.query({"occupation": "writer"}) == d.user({"occupation": "writer"})
    assert d.query() == d.user()


def test_empty_user_gets_intro_only() -> None:
    assert Describer("news").user() == "A reader."


def test_custom_template_file(tmp_path: Path) -> None:
    t = {
        "domain": "course", "language": "en", "item": ["Course {title}.", "Level: {level}."],
        "user": {"intro": "A learner"},
    }
    f = tmp_path / "course.json"
    f.write_text(json.dumps(t))
    assert Describer(template=f).item({"title": "Algebra", "level": "beginner"}) == "Course Algebra. Level: beginner."
    f.write_text(json.dumps({**t, "typo": 1}))
    with pytest.raises(DataError, match="invalid template"):
        Describer(template=f)


def test_unknown_domain() -> None:
    with pytest.raises(ValueError, match="unknown domain"):
        Describer("cooking")


def test_a_product_keeps_the_columns_no_segment_names_but_not_its_links() -> None:
    """A shop's catalogue has columns no template foresees (features, material): they reach
    the encoder; a product page's link would only be noise to it."""
    d = Describer(domain="product")
    text = d.item({"id": "p1", "title": "Bench vise", "features": "swivel base, 4-inch jaws",
                   "material": ["cast iron"], "url": "https://shop.example/p1", "page": "x",
                   "seller_page": "https://shop.example/s/9"})
    assert text == "Bench vise. features: swivel base, 4-inch jaws. material: cast iron."
    # a film's template names its fields itself and leaves the rest out, as before
    assert "features" not in Describer(domain="movie").item({"title": "Alien", "features": "x"})


def test_chinese_other_fields_read_as_chinese() -> None:
    d = Describer("news", "zh")
    text = d.item({"标题": "国产芯片量产", "摘要": "业内人士认为，这将影响产业格局。", "tags": "芯片|半导体"})
    assert text == "国产芯片量产。业内人士认为，这将影响产业格局。tags：芯片、半导体。"
    # an English field whose value ends a sentence gets no second stop
    assert Describer("news", "en").item({"title": "Chips", "note": "Made here."}) == "Chips. note: Made here."
