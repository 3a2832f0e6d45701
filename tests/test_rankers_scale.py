"""Resource guards that keep the trained rankers usable on catalogues bigger than the bench's.

How they grow is measured by `benchmarks/large_catalogue.py`; these tests check the rules
that bound it, and that the bounded paths agree with the unbounded ones where both apply.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from dayone.rankers.base import InteractionMatrix
from dayone.rankers.cold_user import simulate_cold_users
from dayone.rankers.lexical import LexicalSimilarity


def _ratings(n_users: int, n_items: int, seed: int = 0) -> InteractionMatrix:
    rng = np.random.default_rng(seed)
    rows = []
    for u in range(n_users):
        for t, i in enumerate(rng.choice(n_items, size=8, replace=False)):
            rows.append((f"u{u}", f"i{i}", float(rng.integers(1, 6)), float(t)))
    return InteractionMatrix.build([f"i{k}" for k in range(n_items)], rows)


def test_cold_user_simulation_is_capped_and_the_cap_changes_nothing_below_it() -> None:
    m = _ratings(120, 30)
    users = {f"u{u}": {"gender": "FM"[u % 2]} for u in range(120)}
    args = (m, users, None, [1, 3], 0, 4, 300.0, True)
    capped = simulate_cold_users(*args, max_sim_users=20)
    assert 0 < len(capped) <= 20
    full = simulate_cold_users(*args)
    assert len(full) > 60
    generous = simulate_cold_users(*args, max_sim_users=1000)
    assert len(generous) == len(full)
    for (F1, _, pos1, h1), (F2, _, pos2, h2) in zip(full, generous, strict=True):
        np.testing.assert_array_equal(F1, F2)
        np.testing.assert_array_equal(pos1, pos2)
        np.testing.assert_array_equal(h1, h2)


def test_lexical_similarity_matches_shared_words_and_weighs_recent_items_more() -> None:
    lex = LexicalSimilarity.fit(
        [
            "porter cable sanding roll",
            "porter cable sanding disc",
            "glass beaker 250 ml",
            "glass beaker 500 ml",
            "nitrile gloves",
        ]
    )
    profile, last = lex.batch([np.array([2, 0]), np.array([0, 2]), np.array([], dtype=int)], 0.5)
    # last item 0 (sanding roll): the sanding disc is its nearest other item
    assert np.argsort(-last[0])[1] == 1
    # the newer item dominates the profile: disc above beaker 500 for [2, 0], below for [0, 2]
    assert profile[0, 1] > profile[0, 3] and profile[1, 3] > profile[1, 1]
    assert not profile[2].any() and not last[2].any()
    np.testing.assert_allclose(last[0, 0], 1.0, rtol=1e-5)


def _pair_auc(s: np.ndarray, pos: np.ndarray, neg: np.ndarray) -> float:
    if not pos.any() or not neg.any():
        return 0.5
    d = s[pos][:, None] - s[neg][None, :]
    return float((d > 0).mean() + 0.5 * (d == 0).mean())


def test_stacked_cold_item_objective_equals_per_user_pair_counting() -> None:
    from dayone.rankers.cold_item import _SplitUsers

    rng = np.random.default_rng(3)
    users, items, feats = 30, 25, 4
    Z = rng.integers(-2, 3, size=(users, items, feats)).astype(np.float32)  # many ties
    liked = rng.random((users, items)) < 0.2
    disliked = (rng.random((users, items)) < 0.2) & ~liked
    liked[0] = False  # a user with nothing liked, and one with nothing disliked
    disliked[1] = False
    w = np.array([1.0, -0.5, 0.25, 0.0])
    rest, rated = _SplitUsers(Z, liked, disliked).auc_terms(w)
    for u in range(users):
        s = Z[u] @ w.astype(np.float32)
        assert rest[u] == pytest.approx(_pair_auc(s, liked[u], ~liked[u]))
        assert rated[u] == pytest.approx(_pair_auc(s, liked[u], disliked[u]))


def test_lexical_similarity_reads_chinese_by_characters_and_survives_empty_texts() -> None:
    lex = LexicalSimilarity.fit(
        ["三体 科幻小说", "三体 第二部 黑暗森林", "红楼梦 古典小说", "西游记"]
    )
    _, last = lex.batch([np.array([0])], 1.0)
    assert np.argsort(-last[0])[1] == 1  # shares 三体 with the first book
    empty = LexicalSimilarity.fit(["", "", "..."])
    profile, last = empty.batch([np.array([0, 1])], 0.5)
    assert profile.shape == (1, 3) and not profile.any() and not last.any()


def test_simulation_budget_keeps_small_tasks_whole_and_shrinks_large_ones() -> None:
    from dayone.rankers.base import simulated_users_within_budget

    # scientific-seq: 4385 items x 10 features keeps all 3000 simulated users
    assert simulated_users_within_budget(3000, 4385, 10) == 3000
    # a 40k-item catalogue: 2 GiB / (40k x 10 x 4 bytes) users
    assert simulated_users_within_budget(3000, 40_000, 10) == 2 * 1024**3 // 1_600_000
    # never below 200, never above the cap
    assert simulated_users_within_budget(3000, 10**8, 10) == 200
    assert simulated_users_within_budget(50, 10**8, 10) == 50


def test_batched_als_solve_equals_the_row_by_row_one(monkeypatch: pytest.MonkeyPatch) -> None:
    from dayone.rankers import foldin

    rng = np.random.default_rng(3)
    X = sp.random(300, 40, density=0.08, format="csr", random_state=4, dtype=np.float64)
    X.data = rng.integers(1, 4, X.nnz).astype(np.float64)  # weighted entries, and some empty rows
    assert (np.diff(X.indptr) == 0).any()
    Y = rng.normal(0, 0.3, (40, 6))
    np.testing.assert_allclose(foldin._solve_side_batched(X, Y, 2.0, 5.0), foldin._solve_side_rows(X, Y, 2.0, 5.0),
                               atol=1e-12)
    # the switch: a whole fit gives the same factors whichever path each side takes
    small = foldin.ALSFoldIn.fit(X, factors=6, iterations=3).item_factors
    monkeypatch.setattr(foldin, "BATCH_ROWS", 1)
    batched = foldin.ALSFoldIn.fit(X, factors=6, iterations=3).item_factors
    np.testing.assert_allclose(batched, small, atol=1e-10)
