"""Avoided phrases lose the words that name the kind of item or fill every description."""

from __future__ import annotations

import pandas as pd

from dayone.data import Catalog
from dayone.descriptions.common_words import KIND_NOUNS, common_words, without_common_words
from dayone.encoders import HashingEncoder
from dayone.recommender import Recommender, RecommenderConfig


def test_kind_nouns_and_near_universal_words_go_other_words_stay() -> None:
    common = common_words([f"Level: {lvl}. A class about {t}." for lvl in ("easy", "hard")
                           for t in ("maths", "python", "drawing", "excel", "comedy", "music")])
    assert {"level", "class", "about"} <= common and "comedy" not in common
    assert without_common_words("math-heavy courses", common) == "math-heavy"
    assert without_common_words("sad songs", KIND_NOUNS) == "sad"
    assert without_common_words("romantic comedies", common) == "romantic comedies"
    assert without_common_words("courses", common) == "courses", "nothing left: keep it whole"


def test_refusing_maths_courses_does_not_push_down_every_course() -> None:
    """A reviewer's "..., no math-heavy courses" pushed its best match from 1st to 29th."""
    items = [{"id": "excel", "title": "Python for Excel users", "description": "a course on python for excel users"},
             {"id": "calc", "title": "Calculus", "description": "a course of heavy math and calculus"}]
    items += [{"id": f"x{k}", "title": f"Pottery {k}", "description": "clay and glaze"} for k in range(10)]
    rec = Recommender.build(Catalog.from_records(items), pd.DataFrame(columns=["user", "item"]),
                            config=RecommenderConfig(domain="generic"), encoder=HashingEncoder())
    assert rec.text_queries({}, "python for excel users, no math-heavy courses")[1] == ("math-heavy",)
    top = [r.item for r in rec.recommend({"text": "python for excel users, no math-heavy courses"}, n=3)]
    assert top[0] == "excel" and "calc" not in top
