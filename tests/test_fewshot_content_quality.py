"""The content-quality prior: learns what descriptions say about being liked, without
letting an item's own flags shape its own prior."""

from __future__ import annotations

import numpy as np
import pytest

import dayone.rankers.fewshot.content_quality as cq
from dayone.rankers.fewshot.content_quality import ContentQuality
from dayone.rankers.fewshot.population import Population


def _catalogue(n_items: int, seed: int = 0) -> tuple[dict[str, np.ndarray], np.ndarray]:
    rng = np.random.default_rng(seed)
    V = rng.normal(size=(n_items, 8))
    V /= np.linalg.norm(V, axis=1, keepdims=True)
    return {f"i{j}": V[j] for j in range(n_items)}, V


def _population(V: np.ndarray, rated: int, per_item: int, seed: int = 0) -> Population:
    """Items whose first embedding dimension is high are liked more often."""
    rng = np.random.default_rng(seed)
    pop = Population()
    for j in range(rated):
        p = 1.0 / (1.0 + np.exp(-4.0 * V[j, 0]))
        for u in range(per_item):
            pop.ratings[(f"u{u}", f"i{j}")] = bool(rng.random() < p)
    for (_, item), flag in pop.ratings.items():
        pop.n[item] = pop.n.get(item, 0) + 1
        pop.k[item] = pop.k.get(item, 0) + int(flag)
    return pop


def test_it_learns_the_planted_signal_and_predicts_unrated_items() -> None:
    vectors, V = _catalogue(400)
    quality = ContentQuality.fit(_population(V, rated=300, per_item=6), vectors, {})
    assert quality.cross_fit_corr is not None and quality.cross_fit_corr > 0.3
    unrated = np.arange(300, 400)
    gains = np.array([quality(f"i{j}") for j in unrated])
    assert np.corrcoef(gains, V[unrated, 0])[0, 1] > 0.5
    assert quality("not-in-catalogue") == 0.0


def test_an_items_own_flags_never_shape_its_own_prior(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cq, "ALPHAS", (3.0,))  # fixed strength: only the folds matter
    vectors, V = _catalogue(200)
    pop = _population(V, rated=200, per_item=5)
    before = ContentQuality.fit(pop, vectors, {})
    for u in range(5):  # flip every flag of item i7 to "liked"
        pop.ratings[(f"u{u}", "i7")] = True
    pop.k["i7"] = 5
    after = ContentQuality.fit(pop, vectors, {})
    assert before.model is not None and after.model is not None

    def full_fit(q: ContentQuality) -> float:  # what a fit that saw i7 would say
        assert q.model is not None
        return float(q.model[0].predict(vectors["i7"][None, :].astype(float))[0])

    # only the base rate (one item in 200 moves it) reaches i7's cross-fitted prior
    own_move = abs(after("i7") - before("i7"))
    assert own_move < abs(full_fit(after) - full_fit(before)) / 5
    assert own_move < 0.01


def test_too_few_rated_items_gives_no_opinion() -> None:
    vectors, V = _catalogue(30)
    quality = ContentQuality.fit(_population(V, rated=30, per_item=5), vectors, {})
    assert quality.gain == {} and quality("i3") == 0.0


def test_metadata_columns_come_from_year_and_genres() -> None:
    vectors, V = _catalogue(200)
    items = {f"i{j}": {"year": 1950 + j % 50, "genres": ["Drama" if j % 2 else "Comedy"]}
             for j in range(200)}
    pop = Population()
    for j in range(200):  # dramas are liked, comedies are not; the text says nothing
        for u in range(4):
            pop.ratings[(f"u{u}", f"i{j}")] = bool(j % 2)
    for (_, item), flag in pop.ratings.items():
        pop.n[item] = pop.n.get(item, 0) + 1
        pop.k[item] = pop.k.get(item, 0) + int(flag)
    quality = ContentQuality.fit(pop, vectors, items)
    assert quality("i1") > 0 > quality("i2")
