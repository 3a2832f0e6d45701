"""Known-answer tests for the new-item (cold-item) ranker's rating-aware parts."""

from __future__ import annotations

import numpy as np

from dayone.rankers.base import InteractionMatrix, UserEvidence
from dayone.rankers.cold_item import FEATURES, ColdItemRanker, _Fitted, _liked
from dayone.rankers.content_map import attribute_features, categorical_keys
from dayone.rankers.content_rating import UserContentRating, content_features, rating_biases


def _catalogue(n: int = 40) -> tuple[list[str], list[dict], np.ndarray]:
    """Even items are genre A, odd items genre B; embeddings are random (no signal)."""
    ids = [f"i{k}" for k in range(n)]
    records = [{"id": i, "genres": ["A" if k % 2 == 0 else "B"]} for k, i in enumerate(ids)]
    E = np.random.default_rng(0).normal(size=(n, 8)).astype(np.float32)
    return ids, records, E


def _taste_rows(ids: list[str], warm: int) -> list[tuple[str, str, float | None, float | None]]:
    """Users u0-u9 love genre A and dislike B; users u10-u19 the opposite."""
    rows: list[tuple[str, str, float | None, float | None]] = []
    for u in range(20):
        fan_of_a = u < 10
        for k in range(warm):
            likes = (k % 2 == 0) == fan_of_a
            rows.append((f"u{u}", ids[k], 5.0 if likes else 1.0, float(k)))
    return rows


def test_rating_biases_recover_item_quality() -> None:
    ids = ["a", "b"]
    rows = [(f"u{u}", "a", 5.0, None) for u in range(20)]
    rows += [(f"u{u}", "b", 1.0, None) for u in range(20)]
    mu, bu, bi = rating_biases(InteractionMatrix.build(ids, rows))
    assert mu == 3.0
    assert bi[0] > 1.0 > -1.0 > bi[1]
    assert np.allclose(bu, 0.0)


def test_user_rating_follows_the_users_own_taste_not_the_crowd() -> None:
    ids, records, E = _catalogue()
    A, _ = attribute_features(records)
    m = InteractionMatrix.build(ids, _taste_rows(ids, warm=30))
    model = UserContentRating.fit(m, content_features(E, A), lam=1.0)
    cold = np.arange(30, 40)
    genre_a = cold[cold % 2 == 0]
    genre_b = cold[cold % 2 == 1]
    fan_a = UserEvidence(items=np.array([0, 1, 2, 3]), ratings=np.array([5.0, 1.0, 5.0, 1.0]))
    fan_b = UserEvidence(items=np.array([0, 1, 2, 3]), ratings=np.array([1.0, 5.0, 1.0, 5.0]))
    s_a = model.score(fan_a, cold)
    s_b = model.score(fan_b, cold)
    local = {int(c): k for k, c in enumerate(cold)}
    a_pos = [local[int(c)] for c in genre_a]
    b_pos = [local[int(c)] for c in genre_b]
    # the crowd is split evenly, so only the per-user part can order the genres, and it must
    # do so by a real margin (rating points), not by rounding noise
    assert s_a[a_pos].min() > s_a[b_pos].max()
    assert s_b[b_pos].min() > s_b[a_pos].max()
    assert s_a[a_pos].mean() - s_a[b_pos].mean() > 1.0


def test_user_rating_without_ratings_is_item_quality() -> None:
    ids, records, E = _catalogue()
    A, _ = attribute_features(records)
    # everyone rates genre A 5 and genre B 2: genre A is simply better
    rows = [
        (f"u{u}", ids[k], 5.0 if k % 2 == 0 else 2.0, None) for u in range(10) for k in range(30)
    ]
    model = UserContentRating.fit(InteractionMatrix.build(ids, rows), content_features(E, A))
    s = model.score(
        UserEvidence(items=np.zeros(0, dtype=np.int64), ratings=np.zeros(0)), np.arange(30, 40)
    )
    assert np.all(s[0::2] > s[1::2].max())


def test_liked_uses_threshold_then_flags() -> None:
    ev = UserEvidence(
        items=np.array([0, 1, 2, 3]),
        ratings=np.array([5.0, 2.0, np.nan, np.nan]),
        liked=[None, None, False, None],
    )
    assert _liked(ev, 4.0).tolist() == [True, False, False, True]


def test_rating_features_only_with_explicit_ratings() -> None:
    ids, records, E = _catalogue()
    A, _ = attribute_features(records)
    cold = np.arange(30, 40)
    ev = UserEvidence(items=np.array([0, 1, 2, 3]), ratings=np.array([5.0, 1.0, 5.0, 1.0]))
    explicit = _Fitted.fit(InteractionMatrix.build(ids, _taste_rows(ids, 30)), E, A, True, 0)
    F = explicit.features(ev, cold)
    for name in ("user_rating", "mapped_cf_liked", "mapped_cf_disliked"):
        assert np.abs(F[:, FEATURES.index(name)]).sum() > 0, name
    implicit_rows = [(u, i, None, t) for u, i, _, t in _taste_rows(ids, 30)]
    implicit = _Fitted.fit(InteractionMatrix.build(ids, implicit_rows), E, A, True, 0)
    bare = UserEvidence(items=np.array([0, 1, 2, 3]), ratings=np.full(4, np.nan))
    G = implicit.features(bare, cold)
    assert implicit.rating is None and implicit.disliked_als is None
    assert np.all(G[:, FEATURES.index("user_rating")] == 0)
    assert np.all(G[:, FEATURES.index("mapped_cf_disliked")] == 0)


def test_trained_ranker_puts_the_users_genre_first() -> None:
    ids, records, E = _catalogue()
    m = InteractionMatrix.build(ids, _taste_rows(ids, warm=30))
    ranker = ColdItemRanker.fit(ids, records, m, {}, E, "trained", seed=0)
    assert ranker.info["rated_weight"] == 0.6 and ranker.info["simulated_splits"] == 4
    cold = np.arange(30, 40)
    fan_b = UserEvidence(items=np.array([0, 1, 2, 3]), ratings=np.array([1.0, 5.0, 1.0, 5.0]))
    s = ranker.score_candidates(fan_b, cold)
    assert s[1::2].mean() > s[0::2].mean()
    assert ranker.info["simulated_users"] > 4 * 6
    capped = ColdItemRanker.fit(ids, records, m, {}, E, "trained", seed=0, max_users_per_split=6)
    assert capped.info["simulated_users"] == 4 * 6


def test_zero_shot_reach_lifts_new_items_that_share_words_with_what_the_user_took_up() -> None:
    """The rating-centred zero-shot terms say nothing about a user who liked everything
    they saw; word overlap with their history then decides which new item they will take up,
    and only when the ranker has item texts."""
    ids = ["i0", "i1", "i2", "i3"]
    records = [{"id": i} for i in ids]
    texts = ["harbour lights 1994", "harbour lights returns 1996", "desert storm", "quiet garden"]
    E = np.eye(4, dtype=np.float32)
    m = InteractionMatrix.build(ids, [("u0", "i0", 5.0, 0.0), ("u1", "i2", 5.0, 0.0)])
    user = UserEvidence(items=np.array([0]), ratings=np.array([5.0]))
    cand = np.array([1, 2, 3])
    ranker = ColdItemRanker.fit(ids, records, m, {}, E, "zero-shot", item_texts=texts)
    assert ranker.info["reach_weight"] > 0
    scores = ranker.score_candidates(user, cand)
    assert np.argmax(scores) == 0 and scores[0] > scores[1] + 0.1
    plain = ColdItemRanker.fit(ids, records, m, {}, E, "zero-shot").score_candidates(user, cand)
    assert np.ptp(plain) < 1e-6


def test_a_category_written_as_text_is_an_attribute_like_a_list() -> None:
    """A news `category` or a shop's `brand` is a text field, and "Action|Comedy" is how
    MovieLens writes genres; both must give the same columns as a list would."""
    as_list = [{"id": f"i{k}", "genres": ["A", "B"] if k % 2 else ["A"]} for k in range(10)]
    as_text = [{"id": f"i{k}", "genres": "A|B" if k % 2 else "A"} for k in range(10)]
    A_list, names_list = attribute_features(as_list)
    A_text, names_text = attribute_features(as_text)
    assert names_text == ["genres=a", "genres=b"] and names_list == ["genres=A", "genres=B"]
    assert np.array_equal(A_list, A_text)
    news = [{"id": f"n{k}", "category": "sports" if k < 6 else "Politics"} for k in range(12)]
    _, names = attribute_features(news)
    assert names == ["category=politics", "category=sports"]


def test_titles_prose_dates_and_numbers_written_as_text_are_not_categories() -> None:
    """Only a shared label is a category: a title is unique, prose is long, a date or a
    number written as text repeats but is no label (a release date once would have become
    hundreds of columns)."""
    long_text = "a long account of what happens in this item, " * 3
    items = [
        {
            "id": f"i{k}",
            "title": f"Film {k % 3}",  # repeats, but a title names an item
            "abstract": "shared summary",  # prose by name
            "release_date": "01-Jan-1995",
            "code": str(1990 + k % 2),
            "blurb": long_text,
            "studio": "Pixar" if k % 2 else "Ghibli",
            "uid": f"x{k}",
        }
        for k in range(12)
    ]
    assert categorical_keys(items) == {"studio"}
    _, names = attribute_features(items)
    assert names == ["studio=ghibli", "studio=pixar"]


def test_attribute_columns_keep_only_the_most_frequent_values(monkeypatch) -> None:
    import dayone.rankers.content_map as content_map

    monkeypatch.setattr(content_map, "MAX_VALUE_COLUMNS", 2)
    items = [{"id": f"i{k}", "brand": f"b{k % 4}", "tags": ["t"] if k < 30 else []}
             for k in range(40)]
    A, names = attribute_features(items)
    # t on 30 items, each brand on 10: the tag and one brand of the tied four are kept
    assert A.shape == (40, 2) and "tags=t" in names


def test_zero_shot_new_items_follow_the_category_of_a_bare_history() -> None:
    """A reader who clicked only sports stories (no ratings) gets the new sports stories
    first even when the encoder tells no story from another (one vector for all): the
    category carries it, where before every new story scored alike."""
    ids = [f"n{k}" for k in range(24)]
    records = [{"id": i, "category": "sports" if k % 2 else "politics"} for k, i in enumerate(ids)]
    E = np.ones((24, 8), dtype=np.float32) / np.sqrt(8)
    user = UserEvidence(items=np.array([1, 3, 5, 7, 9]), ratings=np.full(5, np.nan))
    cold = np.arange(12, 24)
    scores = ColdItemRanker.fit(ids, records, None, {}, E, "zero-shot").score_candidates(user, cold)
    sports = cold % 2 == 1
    assert scores[sports].min() > scores[~sports].max()


def test_a_number_field_with_placeholders_stays_a_number() -> None:
    """A runtime with "unknown" on a tenth of the items is a number with gaps, not a
    category of one label (which dropped the runtime column)."""
    items = [{"id": f"i{k}", "runtime": 90 + k if k % 10 else "unknown"} for k in range(100)]
    _, names = attribute_features(items)
    assert names == ["runtime", "runtime?"]
    priced = [{"id": f"i{k}", "cost": f"${k % 3}.99", "published": "2020-01-0" + str(k % 3 + 1)}
              for k in range(30)]
    assert categorical_keys(priced) == set()


def test_the_capped_columns_do_not_depend_on_set_order(monkeypatch) -> None:
    import dayone.rankers.content_map as content_map

    monkeypatch.setattr(content_map, "MAX_VALUE_COLUMNS", 3)
    items = [{"id": f"i{k}", "tags": [f"t{j}" for j in range(6)]} for k in range(5)]
    _, names = attribute_features(items)
    assert names == ["tags=t0", "tags=t1", "tags=t2"]  # six tied at 5: the first by name


def test_a_field_mixing_lists_and_text_gives_one_column_per_label() -> None:
    items = [{"id": f"i{k}", "genres": ["Action"] if k % 2 else "Action|Drama"} for k in range(10)]
    _, names = attribute_features(items)
    assert names == ["genres=action", "genres=drama"]
