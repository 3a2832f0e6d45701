"""What "default" encoder a catalogue gets: MiniLM reads only English, so a Chinese catalogue
must not be left on it silently."""

from __future__ import annotations

from pathlib import Path

import pytest

import dayone.recommender.recommender as recommender_mod
from dayone.data import Catalog
from dayone.encoders import HashingEncoder
from dayone.encoders.choice import choose_encoder, non_latin_share, record_texts
from dayone.recommender import Recommender, RecommenderConfig

CHINESE = [{"id": "n1", "title": "国足主场战平", "category": "体育"},
           {"id": "n2", "title": "央行下调存款准备金率", "category": "财经"},
           {"id": "n3", "title": "国产芯片量产", "category": "科技", "tags": ["AI", "半导体"]}]
ENGLISH = [{"id": "m1", "title": "Alien (1979)", "genres": ["Horror", "Sci-Fi"]},
           {"id": "m2", "title": "Amélie (2001)", "genres": ["Comedy", "Romance"]}]


def test_default_follows_the_language_and_the_script(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("dayone.encoders.choice.multilingual_installed", lambda: True)
    assert choose_encoder("default", "en", record_texts(ENGLISH)) == "default"
    assert choose_encoder("default", "zh", record_texts(ENGLISH)) == "multilingual"
    assert choose_encoder("default", "en", record_texts(CHINESE)) == "multilingual"
    assert choose_encoder("default", "en", None) == "default"
    # a name given on purpose is kept, whatever the catalogue
    assert choose_encoder("minilm", "zh", record_texts(CHINESE)) == "minilm"
    assert non_latin_share(record_texts(CHINESE)) > 0.3 > non_latin_share(record_texts(ENGLISH))


def test_without_the_extra_it_warns_and_keeps_minilm(monkeypatch: pytest.MonkeyPatch,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr("dayone.encoders.choice.multilingual_installed", lambda: False)
    with caplog.at_level("WARNING"):
        assert choose_encoder("default", "zh") == "default"
    assert "multilingual encoder is not installed" in caplog.text


def test_build_records_the_chosen_encoder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    asked: list[str] = []

    def fake(name: str = "default", *args: object, **kwargs: object) -> HashingEncoder:
        asked.append(name)
        return HashingEncoder()

    monkeypatch.setattr("dayone.encoders.choice.multilingual_installed", lambda: True)
    monkeypatch.setattr(recommender_mod, "get_encoder", fake)
    cfg = RecommenderConfig(learn_handover=False, beginnings=False)
    zh = Recommender.build(Catalog.from_records(CHINESE), config=cfg)
    en = Recommender.build(Catalog.from_records(ENGLISH), config=cfg)
    assert asked == ["multilingual", "default"]
    assert zh.config.encoder == "multilingual" and en.config.encoder == "default"
    # an encoder handed in is used as it is, and the config is left alone
    given = Recommender.build(Catalog.from_records(CHINESE), config=cfg, encoder=HashingEncoder())
    assert given.config.encoder == "default" and asked == ["multilingual", "default"]
    # what was chosen is saved, so loading reads the vectors with the same model
    zh.save(str(tmp_path / "zh"))
    Recommender.load(str(tmp_path / "zh"))
    assert asked[-1] == "multilingual"


def test_the_service_gives_a_chinese_catalogue_the_multilingual_model(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import dayone.service.app as app_mod
    from dayone.service.settings import Settings
    from dayone.storage import open_store

    asked: list[str] = []
    monkeypatch.setattr("dayone.encoders.choice.multilingual_installed", lambda: True)
    monkeypatch.setattr(app_mod, "get_encoder", lambda name, *a, **k: asked.append(name) or HashingEncoder())
    store = open_store(f"sqlite:///{tmp_path / 's.db'}")
    try:
        zh = app_mod.engine_for(Settings(language="zh", catalog="none"), store, None, None)
        en = app_mod.engine_for(Settings(catalog="none"), store, None, None)
    finally:
        store.close()
    assert asked == ["multilingual", "default"]
    assert zh.config.encoder == "multilingual" and en.config.encoder == "default"


def test_a_chinese_model_explains_itself_in_chinese() -> None:
    """Explanations follow the description language (recommender/phrases.py)."""
    import pandas as pd

    stories = [{"id": f"s{j}", "标题": f"足球联赛第{j}轮", "category": "体育"} for j in range(6)]
    stories += [{"id": f"f{j}", "标题": f"股市行情第{j}期", "category": "财经"} for j in range(6)]
    clicks = [{"user": f"u{u}", "item": f"s{u % 6}", "ts": float(u)} for u in range(24)]
    clicks += [{"user": f"u{u}", "item": f"s{(u + 1) % 6}", "ts": float(u) + 0.5} for u in range(24)]
    cfg = RecommenderConfig(domain="news", language="zh", learn_handover=False, beginnings=False)
    rec = Recommender.build(Catalog.from_records(stories), pd.DataFrame(clicks), config=cfg, encoder=HashingEncoder())
    top = rec.recommend({"history": [{"item": "s0", "liked": True}]}, n=3)
    assert all(not any(w in r.explanation for w in ("popular", "similar", "people")) for r in top), top
    assert any("读过" in r.explanation or "热门" in r.explanation for r in top)
    similar = rec.similar_items("s0", n=3)
    assert all("你读过的" not in r.explanation for r in similar)
    likes = rec.predict_likes({"history": [{"item": "s0", "liked": True}]}, ["s1"])[0]
    assert likes.explanation.startswith("记录中没有不喜欢的信号")
    reach = rec.users_for_item("f0", n=2)
    assert reach and all("similarity" not in m.explanation for m in reach)


def test_every_language_has_every_sentence_with_the_same_slots() -> None:
    import string

    from dayone.recommender.phrases import PHRASES

    def slots(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    for language, table in PHRASES.items():
        assert set(table) == set(PHRASES["en"]), language
        for key, text in table.items():
            assert slots(text) <= slots(PHRASES["en"][key]), (language, key)


def test_a_catalogue_partly_in_other_languages_gets_the_multilingual_model(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A course review's catalogue was a fifth Spanish, French and Portuguese: MiniLM sent a
    French sentence to French courses whatever they taught."""
    from dayone.encoders.choice import choose_encoder, other_language_share, text_language

    monkeypatch.setattr("dayone.encoders.choice.multilingual_installed", lambda: True)
    english = [f"A hands-on course on topic {k} with short videos and graded exercises" for k in range(16)]
    foreign = ["Curso práctico de Python para el análisis de datos",
               "Cours de prise de parole en public pour les débutants",
               "Introdução ao SQL para análise de dados com exemplos"] + [
              "Finanzas para no financieros: una guía con casos"]
    assert [text_language(t) for t in foreign] == ["es", "fr", "pt", "es"]
    assert text_language("Toy Story (1995). Genres: Animation") is None  # nothing to tell by
    assert other_language_share(english + foreign) == pytest.approx(0.2)
    assert choose_encoder("default", "en", english + foreign) == "multilingual"
    films = english * 10 + ["Cité des enfants perdus, La", "Das Boot", "La vita è bella"]
    assert choose_encoder("default", "en", films) == "default"
    assert choose_encoder("default", "en", english) == "default"


def test_the_service_judges_the_language_from_its_stored_items(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import dayone.service.app as app_mod
    from dayone.service.settings import Settings
    from dayone.storage import ItemRow, open_store

    monkeypatch.setattr("dayone.encoders.choice.multilingual_installed", lambda: True)
    monkeypatch.setattr(app_mod, "get_encoder", lambda name, *a, **k: HashingEncoder())
    store = open_store(f"sqlite:///{tmp_path / 's.db'}")
    try:
        store.upsert_items([ItemRow(f"c{k}", {"title": "Curso de Python para el análisis de datos"})
                            for k in range(3)] + [ItemRow(f"e{k}", {"title": "A course on the cloud"})
                                                  for k in range(7)])
        engine = app_mod.engine_for(Settings(catalog="none"), store, None, None)
    finally:
        store.close()
    assert engine.config.encoder == "multilingual"
