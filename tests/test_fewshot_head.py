"""Linear head: learns a planted preference, stays at the prior without evidence (fast)."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import roc_auc_score

from dayone.rankers.fewshot import FewShotConfig
from dayone.rankers.fewshot.linear_head import INF, choose_regularisation, fit_head, predict_head
from dayone.rankers.fewshot.scorer import BinaryFewShotScorer
from test_fewshot_fakes import KeywordEncoder, make_items, request


def _planted(n: int, seed: int) -> tuple[list[dict], list[int]]:
    """Everyone likes recent items (year ≥ 1995) whatever their history: invisible to the
    zero-shot scorer (random histories, no population overlap to speak of)."""
    items = make_items()
    ids = [it["id"] for it in items]
    year = {it["id"]: it["year"] for it in items}
    rng = np.random.default_rng(seed)
    rows, labels = [], []
    for i in range(n):
        hist = [(ids[j], bool(rng.random() < 0.5)) for j in rng.choice(len(ids), 5, replace=False)]
        target = ids[int(rng.integers(len(ids)))]
        label = int(year[target] >= 1995)
        rows.append(request(f"{seed}-{i}", f"{seed}-u{i}", hist, target))
        labels.append(label)
    return rows, labels


def test_head_learns_planted_preference_that_zero_shot_cannot_see() -> None:
    items = make_items()
    train, y_tr = _planted(200, seed=1)
    for r, lab in zip(train, y_tr, strict=True):
        r["label"] = lab
    test, y_te = _planted(300, seed=2)
    cfg = FewShotConfig(transductive=False, wide=False, cv_repeats=1)
    scorer = BinaryFewShotScorer(items, train, "few-shot", 0, KeywordEncoder(), cfg)
    s = scorer(test)
    assert roc_auc_score(y_te, s) > 0.85
    assert scorer.cv is not None and scorer.cv.chosen[0] < INF
    zs = BinaryFewShotScorer(items, [], "zero-shot", 0, KeywordEncoder(), cfg)(test)
    assert roc_auc_score(y_te, zs) < 0.7


def test_infinite_regularisation_returns_the_prior() -> None:
    rng = np.random.default_rng(0)
    off = rng.normal(size=40)
    dense = rng.normal(size=(40, 5))
    y = (rng.random(40) < 0.5).astype(float)
    p = fit_head(off, dense, np.zeros((40, 0)), y, INF, INF, lam_bias=1e9)
    np.testing.assert_allclose(predict_head(p, off, dense, np.zeros((40, 0))), off, atol=1e-6)


def test_noise_labels_keep_the_head_at_the_prior() -> None:
    rng = np.random.default_rng(5)
    off = rng.normal(size=16)
    dense = rng.normal(size=(16, 18))
    y = np.array([0, 1] * 8, dtype=float)
    rng.shuffle(y)
    cv = choose_regularisation(off, dense, np.zeros((16, 0)), y, seed=0, wide_grid=(INF,))
    # pure noise: the chosen setting is the zero-shot prior or one within tolerance of it
    assert cv.scores[cv.chosen] >= max(cv.scores.values()) - 0.005
