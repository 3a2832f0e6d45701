"""Zero-shot scorer: similarity direction, cold inputs, determinism (fake encoder, fast)."""

from __future__ import annotations

import numpy as np

from dayone.rankers.fewshot import FewShotConfig, build_binary_scorer
from dayone.rankers.fewshot.features import kernel_like_rate
from test_fewshot_fakes import KeywordEncoder, make_items, request


def test_liked_similar_target_ranks_above_disliked_similar() -> None:
    items = make_items()
    hist = [("space-0", True), ("space-1", True), ("horror-0", False), ("horror-1", False)]
    reqs = [request("a", "u1", hist, "space-5"), request("b", "u1", hist, "horror-5")]
    score = build_binary_scorer(items, [], "zero-shot", 0, encoder=KeywordEncoder())
    s = score(reqs)
    assert s[0] > s[1]


def test_user_like_rate_orders_users_with_unrelated_targets() -> None:
    items = make_items()
    likes_all = [(f"war-{j}", True) for j in range(5)]
    likes_none = [(f"war-{j}", False) for j in range(5)]
    reqs = [request("a", "u1", likes_all, "comedy-3"), request("b", "u2", likes_none, "comedy-3")]
    s = build_binary_scorer(items, [], "zero-shot", 0, encoder=KeywordEncoder())(reqs)
    assert s[0] > s[1]


def test_finite_scores_for_empty_history_and_unknown_items() -> None:
    items = make_items()
    reqs = [
        request("a", "u1", [], "space-1"),
        request("b", "u2", [("nope-1", True)], "nope-2"),
        {"id": "c", "history": [], "target": "also-unknown"},
        request("d", "u3", [("space-0", True)], "space-1"),
    ]
    for setting in ("zero-shot", "few-shot"):
        s = build_binary_scorer(items, [], setting, 0, encoder=KeywordEncoder())(reqs)
        assert s.shape == (4,)
        assert np.all(np.isfinite(s))


def test_same_seed_same_scores() -> None:
    items = make_items()
    rng = np.random.default_rng(3)
    ids = [it["id"] for it in items]
    reqs = [
        request(f"r{i}", f"u{i}", [(ids[j], bool(rng.random() < 0.5)) for j in rng.choice(len(ids), 6)],
                ids[int(rng.integers(len(ids)))])
        for i in range(60)
    ]
    cfg = FewShotConfig(cloze_rows=100)
    a = build_binary_scorer(items, [], "zero-shot", 7, encoder=KeywordEncoder(), config=cfg)(reqs)
    b = build_binary_scorer(items, [], "zero-shot", 7, encoder=KeywordEncoder(), config=cfg)(reqs)
    np.testing.assert_array_equal(a, b)


def test_flat_kernel_is_the_smoothed_like_rate() -> None:
    sims = np.array([0.1, 0.9, 0.5])
    liked = np.array([1.0, 0.0, 1.0])
    flat = kernel_like_rate(sims, liked, base=0.5, temperature=1e9)
    assert abs(flat - (2 + 2 * 0.5) / (3 + 2)) < 1e-9
    sharp = kernel_like_rate(sims, liked, base=0.5, temperature=0.01)
    assert sharp < flat  # the most similar item (0.9) was disliked


def test_prepared_scorer_scores_chunks_like_one_batch() -> None:
    items = make_items()
    rng = np.random.default_rng(11)
    ids = [it["id"] for it in items]

    def rows(n: int, tag: str, labelled: bool) -> list[dict]:
        out = []
        for i in range(n):
            r = request(f"{tag}{i}", f"{tag}u{i % 9}",
                        [(ids[j], bool(rng.random() < 0.5)) for j in rng.choice(len(ids), 6)],
                        ids[int(rng.integers(len(ids)))])
            if labelled:
                r["label"] = int(rng.random() < 0.5)
            out.append(r)
        return out

    train, reqs = rows(40, "t", True), rows(50, "q", False)
    whole = build_binary_scorer(items, train, "few-shot", 0, encoder=KeywordEncoder())(reqs)
    chunked = build_binary_scorer(items, train, "few-shot", 0, encoder=KeywordEncoder())
    chunked.prepare(reqs)  # type: ignore[attr-defined]
    parts = np.concatenate([chunked(reqs[:20]), chunked(reqs[20:])])
    np.testing.assert_allclose(parts, whole, rtol=1e-9, atol=1e-9)


def test_rated_histories_are_read_on_their_own_scale() -> None:
    """1-10 ratings: a 4 is a dislike (a fixed "> 3" cut would call it a like)."""
    from dayone.rankers.fewshot.population import rating_like_threshold, with_like_flags

    items = make_items()
    rng = np.random.default_rng(0)
    flagged, rated = [], []
    for u in range(30):
        hist = [(f"{g}-{j}", bool(rng.random() < 0.5)) for g in ("space", "war") for j in range(4)]
        target = f"space-{5 + u % 5}"
        flagged.append(request(f"r{u}", f"u{u}", hist, target))
        r = request(f"r{u}", f"u{u}", hist, target)
        r["history"] = [{"item": i, "rating": 9 if f else 4} for i, f in hist]
        r["history"][0]["rating"] = 1 if not hist[0][1] else 10  # the scale's ends occur
        rated.append(r)
    assert rating_like_threshold(rated) == 8.0
    assert [e["liked"] for e in with_like_flags(rated, 8.0)[0]["history"]] == [f for _, f in (
        (e["item"], e["liked"]) for e in flagged[0]["history"])]
    enc = KeywordEncoder()
    by_flags = build_binary_scorer(items, [], "zero-shot", 0, encoder=enc)(flagged)
    by_ratings = build_binary_scorer(items, [], "zero-shot", 0, encoder=enc)(rated)
    np.testing.assert_allclose(by_ratings, by_flags)


def test_strength_only_histories_say_how_easily_a_user_likes() -> None:
    """Histories with only a `weight` (plays) had no like flag at all, so every request got
    the same score (AUC 0.50 on a reviewer's play-count task). Strengths above the task's
    median now count as likes: users who engage strongly get the higher scores."""
    from dayone.rankers.fewshot.population import weight_like_threshold, with_like_flags

    items = make_items()
    ids = [it["id"] for it in items]
    rng = np.random.default_rng(3)
    reqs = []
    for u in range(40):
        keen = u % 2 == 0
        hist = [{"item": ids[int(j)], "weight": int(rng.integers(20, 40) if keen else rng.integers(1, 5))}
                for j in rng.choice(len(ids), 6, replace=False)]
        reqs.append({"id": f"r{u}", "user": {"id": f"u{u}"}, "history": hist,
                     "target": ids[int(rng.integers(len(ids)))], "candidates": None, "n": 1})
    threshold = weight_like_threshold(reqs)
    assert threshold is not None and 4 <= threshold < 20
    assert all(e["liked"] for e in with_like_flags(reqs, None, threshold)[0]["history"])
    scores = build_binary_scorer(items, [], "zero-shot", 0, encoder=KeywordEncoder())(reqs)
    assert np.ptp(scores) > 0
    assert scores[0::2].mean() > scores[1::2].mean()
    # no spread at the middle (most purchases counted once): strengths are no verdict
    once = [{"history": [{"item": "a", "weight": 1}, {"item": "b", "weight": 1}]},
            {"history": [{"item": "a", "weight": 1}, {"item": "c", "weight": 3}]}]
    assert weight_like_threshold(once) is None


def test_implicit_histories_calibrate_on_sampled_negatives() -> None:
    """Every history flag is 'liked' (implicit data): the four usual terms are constant, so
    the cloze pairs hidden items with sampled untouched ones and calibrates reach terms.
    Each user sticks to one genre; positives come from it, negatives are random items."""
    from dayone.rankers.fewshot.cloze import with_sampled_negatives
    from dayone.rankers.fewshot.scorer import BinaryFewShotScorer
    from dayone.rankers.fewshot.zeroshot import REACH_TERMS

    items = make_items()
    genres = sorted({it["id"].split("-")[0] for it in items})
    rng = np.random.default_rng(0)
    reqs, labels = [], []
    for u in range(120):
        genre = genres[u % len(genres)]
        own = [f"{genre}-{j}" for j in rng.permutation(12)]
        hist = [(i, True) for i in own[:6]]
        if u % 2:
            target, label = own[6], 1
        else:
            target, label = items[int(rng.integers(len(items)))]["id"], 0
        reqs.append(request(f"r{u}", f"u{u}", hist, target))
        labels.append(label)
    scorer = build_binary_scorer(items, [], "zero-shot", 0, encoder=KeywordEncoder())
    s = scorer(reqs)
    assert isinstance(scorer, BinaryFewShotScorer)
    assert scorer.zero_shot_weights is not None
    assert scorer.zero_shot_weights.source == "cloze-sampled-negatives"
    assert scorer.zero_shot_weights.terms == REACH_TERMS
    y = np.array(labels)
    auc = (s[y == 1][:, None] > s[y == 0][None, :]).mean()
    assert auc > 0.8
    # histories with a dislike keep the usual cloze
    mixed = [{"history": [], "target": "a", "label": 1}, {"history": [], "target": "b", "label": 0}]
    assert with_sampled_negatives(mixed, ["a", "b", "c"], 0) == mixed
