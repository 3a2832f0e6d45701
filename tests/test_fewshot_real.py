"""The few-shot scorer with the real packaged MiniLM (small: a handful of texts)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from dayone.rankers.fewshot import build_binary_scorer
from dayone.rankers.fewshot.finetune import FineTuneConfig, finetune_and_score

ITEMS: list[dict[str, Any]] = [
    {"id": "sw", "title": "Star Wars (1977)", "genres": ["Action", "Sci-Fi", "Adventure"]},
    {"id": "al", "title": "Alien (1979)", "genres": ["Horror", "Sci-Fi"]},
    {"id": "st", "title": "Star Trek: First Contact (1996)", "genres": ["Action", "Sci-Fi"]},
    {"id": "ss", "title": "Sleepless in Seattle (1993)", "genres": ["Comedy", "Romance"]},
    {"id": "pw", "title": "Pretty Woman (1990)", "genres": ["Comedy", "Romance"]},
    {"id": "rj", "title": "Return of the Jedi (1983)", "genres": ["Action", "Sci-Fi", "War"]},
    {"id": "ym", "title": "You've Got Mail (1998)", "genres": ["Comedy", "Romance"]},
]
HIST = [{"item": "sw", "liked": True}, {"item": "al", "liked": True},
        {"item": "st", "liked": True}, {"item": "ss", "liked": False},
        {"item": "pw", "liked": False}]


@pytest.mark.slow
def test_real_encoder_zero_shot_prefers_the_liked_genre() -> None:
    reqs = [{"id": "a", "user": {"id": "u"}, "history": HIST, "target": "rj"},
            {"id": "b", "user": {"id": "u"}, "history": HIST, "target": "ym"}]
    s = build_binary_scorer(ITEMS, [], "zero-shot", 0)(reqs)
    assert np.all(np.isfinite(s)) and s[0] > s[1]


@pytest.mark.slow
def test_real_cross_encoder_fine_tune_runs_and_scores() -> None:
    train = [{"user": {"id": f"t{i}"}, "history": HIST, "target": t, "label": lab}
             for i, (t, lab) in enumerate([("rj", 1), ("ym", 0), ("st", 1), ("pw", 0)])]
    cfg = FineTuneConfig(epochs=1, max_length=48, variants=1, batch_size=4)
    s = finetune_and_score(train, train, {it["id"]: it for it in ITEMS}, seed=0, config=cfg)
    assert s.shape == (4,) and np.all(np.isfinite(s))
