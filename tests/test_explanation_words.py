"""How explanations word things: other items quoted by a short title (a product title can be a
paragraph), and the domain's verb for a pick (a shop's customers bought, they did not "like")."""

from __future__ import annotations

from dayone.data import Catalog
from dayone.encoders import HashingEncoder
from dayone.recommender import Recommender, RecommenderConfig
from dayone.recommender.scored import TITLE_CHARS, short_title

# unrelated items, so that the history item is not the catalogue's only match and a related item
# stands above the median one (similarity counts relative to it)
FILLER = [{"id": f"f{k}", "title": t} for k, t in enumerate(["Wood glue", "Garden hose", "Paint brush",
                                                            "Rubber mallet", "Work gloves"])]

LONG = ("Neiko 01409A Electronic Digital Caliper with Extra Large LCD Screen | 0 - 12 Inches | "
        "Inch/Fractions/Millimeter Conversion")


def test_a_long_title_is_cut_at_a_word_and_a_short_one_kept() -> None:
    assert short_title("Toy Story (1995)") == "Toy Story (1995)"
    cut = short_title(LONG)
    assert cut == "Neiko 01409A Electronic Digital Caliper with Extra Large…"
    assert len(cut) <= TITLE_CHARS + 1 and LONG.startswith(cut[:-1])
    assert short_title("x" * 100) == "x" * TITLE_CHARS + "…"  # no space to cut at


def test_an_explanation_quotes_a_long_title_short() -> None:
    items = [{"id": "cal", "title": LONG}, {"id": "cal2", "title": "Digital caliper, stainless, 6 inch"}, *FILLER]
    rec = Recommender.build(Catalog.from_records(items), None, config=RecommenderConfig(learn_handover=False),
                            encoder=HashingEncoder())
    why = rec.explain({"history": [{"item": "cal", "liked": True}]}, "cal2").explanation
    assert why == "similar to Neiko 01409A Electronic Digital Caliper with Extra Large…, which you liked"


def test_no_reason_is_invented_for_an_item_nothing_points_to() -> None:
    """A music review asked about a metal track after one k-pop pick and was told "people who
    liked DDU-DU DDU-DU also liked this", for a part that scored it 0."""
    items = [{"id": "cal", "title": "Digital caliper, 6 inch"}, *FILLER]
    rec = Recommender.build(Catalog.from_records(items), None, config=RecommenderConfig(learn_handover=False),
                            encoder=HashingEncoder())
    far = rec.explain({"history": [{"item": "cal", "liked": True}]}, "f1")
    assert far.explanation == "nothing known about them points to it" and far.source == "catalogue-order"


def test_a_pick_that_was_only_taken_is_not_called_a_like() -> None:
    """A course review read "which you liked" for a mere enrolment; a play is "played"."""
    items = [{"id": "cal", "title": "Digital caliper, 6 inch"}, {"id": "cal2", "title": "Digital caliper, stainless"},
             *FILLER]
    for domain, verb in (("generic", "picked"), ("music", "played")):
        rec = Recommender.build(Catalog.from_records(items), None,
                                config=RecommenderConfig(learn_handover=False, domain=domain), encoder=HashingEncoder())
        why = rec.explain({"history": [{"item": "cal", "weight": 3}]}, "cal2").explanation
        assert why == f"similar to Digital caliper, 6 inch, which you {verb}"
        liked = rec.explain({"history": [{"item": "cal", "liked": True}]}, "cal2").explanation
        assert liked == "similar to Digital caliper, 6 inch, which you liked"


def test_a_shop_says_bought() -> None:
    items = [{"id": "cal", "title": "Digital caliper, 6 inch"}, {"id": "cal2", "title": "Digital caliper, stainless"},
             *FILLER]
    for domain, verb in (("product", "bought"), ("movie", "liked")):
        rec = Recommender.build(Catalog.from_records(items), None,
                                config=RecommenderConfig(learn_handover=False, domain=domain), encoder=HashingEncoder())
        why = rec.explain({"history": [{"item": "cal", "liked": True}]}, "cal2").explanation
        assert why == f"similar to Digital caliper, 6 inch, which you {verb}"
