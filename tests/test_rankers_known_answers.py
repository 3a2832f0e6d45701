"""Known-answer tests for each ranking strategy on small synthetic data."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from dayone.rankers.base import InteractionMatrix, UserEvidence, default_like_threshold
from dayone.rankers.blend import CoordinateAscentBlend, ndcg_at, standardise_per_user
from dayone.rankers.content_map import ContentRegressor, attribute_features
from dayone.rankers.cooccurrence import CoOccurrence
from dayone.rankers.demographic import AttributePopularity
from dayone.rankers.ease import EASE
from dayone.rankers.foldin import ALSFoldIn
from dayone.rankers.popularity import PopularityPriors
from dayone.rankers.sequential import sequences_of
from dayone.rankers.text import TextSimilarity
from dayone.rankers.transitions import Transitions
from evidence import user_evidence as _ev


def _matrix(
    rows: list[tuple[str, str, float | None, float | None]], n_items: int
) -> InteractionMatrix:
    return InteractionMatrix.build([f"i{k}" for k in range(n_items)], rows)


def test_like_threshold_is_scale_relative() -> None:
    assert default_like_threshold(np.array([1.0, 5.0])) == 4.0
    assert default_like_threshold(np.array([1.0, 10.0])) == 8.0


def test_popularity_counts_positives_recency_and_shrinks_means() -> None:
    rows = [
        ("a", "i0", 5.0, 0.0),
        ("b", "i0", 5.0, 1.0),
        ("c", "i0", 1.0, 2.0),
        ("a", "i1", 2.0, 0.0),
        ("b", "i1", 2.0, 0.0),
        ("c", "i1", 2.0, 0.0),
        ("d", "i1", 2.0, 0.0),
        ("a", "i2", 5.0, 100.0),
    ]
    pop = PopularityPriors.fit(_matrix(rows, 3))
    assert pop.log_count[1] > pop.log_count[0] > pop.log_count[2]  # raw counts
    assert pop.log_positive[0] > pop.log_positive[2] > pop.log_positive[1]  # likes only
    assert (
        np.argmax(pop.log_recent) in (0, 2) and pop.log_recent[2] > pop.log_recent[1]
    )  # recent wins over old
    assert pop.shrunk_mean[0] > pop.shrunk_mean[1]
    assert pop.shrunk_mean[2] < 5.0  # one 5-star rating is shrunk towards the mean


def test_cooccurrence_recovers_planted_pair() -> None:
    rng = np.random.default_rng(0)
    X = (rng.random((200, 30)) < 0.1).astype(np.float32)
    X[:60, 3] = 1.0
    X[:60, 17] = 1.0  # 3 and 17 always together
    S = CoOccurrence.fit(sp.csr_matrix(X)).S
    assert int(np.argmax(S[3])) == 17 and int(np.argmax(S[17])) == 3


def test_ease_on_checkerboard_scores_the_same_block() -> None:
    # two disjoint user groups: group A takes even items, group B odd items
    X = np.zeros((40, 10), dtype=np.float32)
    X[:20, 0::2] = 1.0
    X[20:, 1::2] = 1.0
    model = EASE.fit(sp.csr_matrix(X), lam=1.0)
    s = model.score(_ev([0, 2]))
    assert s[[4, 6, 8]].min() > s[[1, 3, 5, 7, 9]].max()
    assert np.allclose(np.diag(model.B), 0.0)


def test_ease_past_its_item_cap_models_the_most_interacted_items_only() -> None:
    rng = np.random.default_rng(0)
    X = (rng.random((60, 12)) < np.linspace(0.9, 0.05, 12)[None, :]).astype(np.float32)
    X = sp.csr_matrix(X)  # item j is less popular the larger j is
    capped = EASE.fit(X, lam=5.0, max_items=6)
    assert capped.kept is not None and list(capped.kept) == [0, 1, 2, 3, 4, 5]
    on_head = EASE.fit(sp.csr_matrix(X.toarray()[:, :6]), lam=5.0)
    ev = UserEvidence(items=np.array([1, 3, 9]), ratings=np.full(3, np.nan))
    s = capped.score(ev)
    assert s.shape == (12,) and not s[6:].any()  # the tail gets no EASE score
    head_ev = UserEvidence(items=np.array([1, 3]), ratings=np.full(2, np.nan))
    np.testing.assert_allclose(s[:6], on_head.score(head_ev), rtol=1e-5)
    tail_only = UserEvidence(items=np.array([8, 10]), ratings=np.full(2, np.nan))
    assert capped.score(tail_only).shape == (12,) and not capped.score(tail_only).any()
    x = np.zeros(12, dtype=np.float32)
    x[[1, 3, 9]] = 1.0
    np.testing.assert_allclose(capped.score_vector(x), s, rtol=1e-5)
    # under the cap nothing changes
    full = EASE.fit(X, lam=5.0)
    assert full.kept is None and full.score(ev).shape == (12,)


def test_ease_with_item_words_reaches_an_item_nobody_bought_yet() -> None:
    """Two product lines, bought apart; item 5 is new (no purchase) and its words say it is
    of line A. Plain EASE cannot score it; with the word Gram it ranks first for a line-A
    buyer among line B's items, and last for a line-B buyer."""
    from dayone.rankers.lexical import LexicalSimilarity

    texts = ["acme drill", "acme saw", "acme sander", "zeta pipette", "zeta flask", "acme router"]
    X = np.zeros((40, 6), dtype=np.float32)
    X[:20, :3] = 1.0
    X[20:, 3:5] = 1.0
    words = LexicalSimilarity.fit(texts).X
    plain = EASE.fit(sp.csr_matrix(X), lam=1.0)
    with_words = EASE.fit(sp.csr_matrix(X), lam=1.0, side=words, side_weight=5.0)
    a_buyer, b_buyer = _ev([0, 1]), _ev([3])
    assert plain.score(a_buyer)[5] == 0.0
    s = with_words.score(a_buyer)
    assert s[5] > s[[3, 4]].max()
    assert with_words.score(b_buyer)[5] < with_words.score(b_buyer)[4]
    assert np.allclose(np.diag(with_words.B), 0.0)
    # past the item cap the word rows follow the kept items
    capped = EASE.fit(sp.csr_matrix(X), lam=1.0, max_items=5, side=words, side_weight=5.0)
    assert capped.kept is not None and 5 not in capped.kept


def test_als_fold_in_prefers_the_users_cluster() -> None:
    X = np.zeros((60, 12), dtype=np.float32)
    X[:30, :6] = 1.0
    X[30:, 6:] = 1.0
    model = ALSFoldIn.fit(sp.csr_matrix(X), factors=4, reg=0.1, alpha=5.0, iterations=10, seed=0)
    s = model.score(_ev([7]))
    assert s[6:].mean() > s[:6].mean()
    assert np.allclose(model.user_factor(np.zeros(0, dtype=np.int64)), 0.0)


def test_transitions_predict_the_next_item() -> None:
    seqs = [np.array([0, 1, 2]), np.array([0, 1, 2]), np.array([3, 1, 4])]
    t = Transitions.fit(seqs, 5, window=1)
    assert (
        int(np.argmax(t.score(_ev([5 - 5, 1])))) == 2
    )  # after ... 1 -> 2 (seen twice) beats 4 (once)
    assert int(np.argmax(t.score(_ev([0])))) == 1


def test_sequences_follow_timestamps() -> None:
    m = _matrix(
        [
            ("u", "i2", None, 2.0),
            ("u", "i0", None, 0.0),
            ("v", "i1", None, 0.0),
            ("u", "i1", None, 1.0),
        ],
        3,
    )
    seqs = sequences_of(m)
    assert [s.tolist() for s in seqs] == [[0, 1, 2], [1]]


def test_text_similarity_uses_preference_and_recency() -> None:
    E = np.eye(4, dtype=np.float32)
    text = TextSimilarity(E, like_threshold=4.0)
    s = text.score(_ev([0, 1], [5.0, 1.0]))
    assert s[0] > s[2] > s[1]  # liked item up, disliked down
    seq = TextSimilarity(E, recency_decay=0.5)
    s = seq.score(_ev([0, 1]), use_preference=False)
    assert s[1] > s[0]  # newest counts most
    assert int(np.argmax(text.last_item(_ev([2, 3])))) == 3


def test_text_neighbour_rating_follows_similar_items() -> None:
    E = np.array([[1, 0], [0.99, 0.1], [0, 1], [0.1, 0.99]], dtype=np.float32)
    E /= np.linalg.norm(E, axis=1, keepdims=True)
    pred = TextSimilarity(E, like_threshold=4.0).neighbour_rating(_ev([0, 2], [5.0, 1.0]), k=1)
    assert pred[1] > 0 > pred[3]


def test_demographic_popularity_follows_similar_profiles() -> None:
    rows = []
    users = {}
    for u in range(40):
        young = u < 20
        users[f"u{u}"] = {"age": 20 if young else 60, "gender": "F" if u % 2 else "M"}
        rows.append((f"u{u}", "i0" if young else "i1", 5.0, None))
        rows.append((f"u{u}", "i2", 5.0, None))
    demo = AttributePopularity.fit(_matrix(rows, 3), users)
    young = demo.score(_ev([], attrs={"age": 22}))
    old = demo.score(_ev([], attrs={"age": 58}))
    assert young[0] > young[1] and old[1] > old[0]
    assert set(demo.attribute_keys()) == {"age", "gender"}
    assert demo.per_attribute({"age": 21}, "age")[0] > demo.per_attribute({"age": 21}, "age")[1]


def test_a_list_valued_attribute_counts_each_shared_value() -> None:
    """Favourite genres as a list were compared as one string: only an exact twin matched."""
    rows, users = [], {}
    for u in range(40):
        jazz = u < 20
        users[f"u{u}"] = {"likes": ["jazz", "blues"] if jazz else ["metal", "punk"]}
        if u % 3 == 0:
            users[f"u{u}"]["likes"] = [*users[f"u{u}"]["likes"], "folk"]
        rows.append((f"u{u}", "i0" if jazz else "i1", 5.0, None))
    demo = AttributePopularity.fit(_matrix(rows, 2), users)
    factor = demo.factors({"likes": ["jazz", "soul"]})["likes"]
    assert factor[:20].min() > factor[20:].max()
    assert np.all(factor[20:] == 0.5)
    score = demo.score(_ev([], attrs={"likes": ["blues"]}))
    assert score[0] > score[1]


def test_content_map_learns_a_linear_target() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 5))
    y = X @ np.array([1.0, -2.0, 0.0, 0.5, 0.0])
    reg = ContentRegressor.fit(X[:150], y[:150], alpha=0.1)
    assert np.corrcoef(reg.predict(X[150:]), y[150:])[0, 1] > 0.99


def test_attribute_features_one_hot_lists_and_standardise_numbers() -> None:
    items = [
        {"id": str(k), "genres": ["A"] if k % 2 else ["B"], "year": 1990 + k} for k in range(12)
    ]
    X, names = attribute_features(items)
    assert "genres=A" in names and "year" in names
    assert X[1, names.index("genres=A")] == 1.0 and X[0, names.index("genres=A")] == 0.0
    assert abs(X[:, names.index("year")].mean()) < 1e-9


def test_ndcg_at_known_values() -> None:
    s = np.array([3.0, 2.0, 1.0, 0.0])
    assert ndcg_at(s, np.array([0]), 10) == 1.0
    assert np.isclose(ndcg_at(s, np.array([1]), 10), 1 / np.log2(3))
    assert ndcg_at(s, np.array([3]), 2) == 0.0


def test_coordinate_ascent_finds_the_informative_feature() -> None:
    rng = np.random.default_rng(0)
    users = []
    for _ in range(30):
        pos = rng.choice(50, size=3, replace=False)
        good = rng.normal(size=50)
        good[pos] += 3.0
        F = np.column_stack([rng.normal(size=50), good])
        users.append((standardise_per_user(F), pos, np.zeros(0, dtype=np.int64)))
    blend = CoordinateAscentBlend.fit(users, ["noise", "good"], start=np.array([1.0, 0.0]))
    assert blend.val_metric > blend.start_metric
    assert abs(blend.w[1]) > abs(blend.w[0])


def test_sparse_cooccurrence_equals_the_dense_one() -> None:
    rng = np.random.default_rng(1)
    X = sp.csr_matrix((rng.random((50, 30)) < 0.2).astype(np.float32) * rng.integers(1, 3, (50, 30)))
    dense = CoOccurrence.fit(X)
    sparse = CoOccurrence.fit(X, dense_max_items=10)
    assert sp.issparse(sparse.S) and not sp.issparse(dense.S)
    np.testing.assert_allclose(sparse.S.toarray(), dense.S, rtol=1e-5, atol=1e-7)
    ev = _ev([2, 7, 11])
    np.testing.assert_allclose(sparse.score(ev), dense.score(ev), rtol=1e-5)
    np.testing.assert_allclose(
        sparse.score(ev, weights=np.array([1.0, -0.5, 2.0])),
        dense.score(ev, weights=np.array([1.0, -0.5, 2.0])), rtol=1e-5, atol=1e-9,
    )
