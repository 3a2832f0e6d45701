"""Description rewrites keep the title, keep both history groups, and are seeded."""

from __future__ import annotations

import numpy as np

from dayone.rankers.fewshot.augment import augmented_pairs, item_variant, user_variant
from dayone.rankers.fewshot.describe import item_text
from test_fewshot_fakes import make_items, request


def test_item_variants_keep_the_title() -> None:
    item = make_items()[0]
    rng = np.random.default_rng(0)
    for _ in range(20):
        assert item["title"] in item_variant(item, rng)
    assert item_text(item).startswith(item["title"])


def test_user_variant_keeps_both_groups() -> None:
    items = {it["id"]: it for it in make_items()}
    hist = [{"item": "space-0", "liked": True}] + [
        {"item": f"war-{j}", "liked": False} for j in range(6)
    ]
    rng = np.random.default_rng(1)
    for _ in range(20):
        text = user_variant(hist, items, rng)
        assert "space story 0" in text and "war story" in text


def test_augmented_pairs_multiply_and_are_seeded() -> None:
    items = {it["id"]: it for it in make_items()}
    rows = [dict(request("a", "u", [("space-0", True), ("war-1", False), ("war-2", True)],
                         "space-3"), label=1)]
    a = augmented_pairs(rows, items, variants=3, seed=4)
    assert len(a) == 4 and all(p[2] == 1 for p in a)
    assert a == augmented_pairs(rows, items, variants=3, seed=4)
