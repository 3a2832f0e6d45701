"""How explanations word things: other items quoted by a short title (a product title can be a
paragraph), and the domain's verb for a pick (a shop's customers bought, they did not "like")."""

from __future__ import annotations

from dayone.data import Catalog
from dayone.encoders import HashingEncoder
from dayone.recommender import Recommender, RecommenderConfig
from dayone.recommender.scored import TITLE_CHARS, short_title

LONG = ("Neiko 01409A Electronic Digital Caliper with Extra Large LCD Screen | 0 - 12 Inches | "
        "Inch/Fractions/Millimeter Conversion")


def test_a_long_title_is_cut_at_a_word_and_a_short_one_kept() -> None:
    assert short_title("Toy Story (1995)") == "Toy Story (1995)"
    cut = short_title(LONG)
    assert cut == "Neiko 01409A Electronic Digital Caliper with Extra Large…"
    assert len(cut) <= TITLE_CHARS + 1 and LONG.startswith(cut[:-1])
    assert short_title("x" * 100) == "x" * TITLE_CHARS + "…"  # no space to cut at


def test_an_explanation_quotes_a_long_title_short() -> None:
    items = [{"id": "cal", "title": LONG}, {"id": "cal2", "title": "Digital caliper, stainless, 6 inch"},
             {"id": "glue", "title": "Wood glue"}]
    rec = Recommender.build(Catalog.from_records(items), None, config=RecommenderConfig(learn_handover=False),
                            encoder=HashingEncoder())
    why = rec.explain({"history": [{"item": "cal", "liked": True}]}, "cal2").explanation
    assert why == "similar to Neiko 01409A Electronic Digital Caliper with Extra Large…, which you liked"


def test_a_shop_says_bought() -> None:
    items = [{"id": "cal", "title": "Digital caliper, 6 inch"}, {"id": "cal2", "title": "Digital caliper, stainless"},
             {"id": "glue", "title": "Wood glue"}]
    for domain, verb in (("product", "bought"), ("movie", "liked")):
        rec = Recommender.build(Catalog.from_records(items), None,
                                config=RecommenderConfig(learn_handover=False, domain=domain), encoder=HashingEncoder())
        why = rec.explain({"history": [{"item": "cal", "liked": True}]}, "cal2").explanation
        assert why == f"similar to Digital caliper, 6 inch, which you {verb}"
