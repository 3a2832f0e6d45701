"""The learned sequence model (SASRec) and its place in the sequential blend.

Synthetic sequences follow a deterministic rule that popularity cannot see (every item is
equally popular), so only a model that reads the order can rank the next item first.
"""

from __future__ import annotations

import numpy as np
import pytest

from dayone.rankers import sequential
from dayone.rankers.base import InteractionMatrix, UserEvidence
from dayone.rankers.sasrec import SASRec, SASRecConfig, available, ndcg10
from dayone.rankers.sequential import SequentialRanker

# the sequence model needs the [torch] extra; the blend without it must work regardless
needs_torch = pytest.mark.skipif(not available(), reason="torch is not installed")

N_ITEMS = 24
SMALL = SASRecConfig(dim=32, layers=1, heads=1, dropout=0.0, lr=0.01, max_epochs=30, patience=30)


ROUTES = np.array([np.random.default_rng(r).permutation(N_ITEMS) for r in range(3)])


def _next(prev2: int, prev: int) -> int:
    """Sequences walk one of three fixed cyclic routes (permutations of the catalogue), so
    every item has three possible successors and only the item *before* it says which route
    is being walked: first-order counts and popularity cannot predict the next item, a model
    of the order can."""
    for route in ROUTES:
        pos = int(np.flatnonzero(route == prev)[0])
        if route[pos - 1] == prev2:
            return int(route[(pos + 1) % N_ITEMS])
    raise ValueError("not on a route")


def _sequences(n: int, length: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        route, start = ROUTES[rng.integers(len(ROUTES))], int(rng.integers(N_ITEMS))
        out.append(route[(start + np.arange(length)) % N_ITEMS].astype(np.int64))
    return out


@needs_torch
def test_sasrec_learns_an_order_dependent_rule_popularity_cannot() -> None:
    train = _sequences(400, 7, seed=0)
    test = _sequences(200, 5, seed=1)
    histories, targets = [s[:-1] for s in test], np.array([s[-1] for s in test])
    model = SASRec.fit(train, N_ITEMS, None, SMALL, seed=0)
    learned = ndcg10(model.score_batch(histories), targets)
    pop = np.bincount(np.concatenate(train), minlength=N_ITEMS).astype(float)
    popularity = ndcg10(np.tile(pop, (len(test), 1)), targets)
    assert learned > 0.9
    assert popularity < 0.5
    # the same seed gives the same model
    again = SASRec.fit(train, N_ITEMS, None, SMALL, seed=0)
    np.testing.assert_allclose(
        again.score_batch(histories[:5]), model.score_batch(histories[:5]), rtol=1e-5
    )


@needs_torch
def test_early_stopping_keeps_the_best_epoch_and_empty_history_scores_zero() -> None:
    train = _sequences(200, 6, seed=2)
    val = ([s[:-1] for s in _sequences(50, 5, seed=3)], np.array([0] * 50))
    cfg = SASRecConfig(dim=8, layers=1, heads=1, max_epochs=6, patience=2)
    model = SASRec.fit(train, N_ITEMS, np.eye(N_ITEMS, 4, dtype=np.float32), cfg, val=val)
    curve = model.info["curve"]
    assert 1 <= model.info["best_epoch"] <= len(curve) <= 6
    assert model.info["val_ndcg@10"] == max(c["val_ndcg@10"] for c in curve)
    scores = model.score_batch([np.zeros(0, dtype=np.int64), train[0]])
    assert not scores[0].any() and scores[1].any()


def _matrix(seqs: list[np.ndarray]) -> InteractionMatrix:
    rows = [(f"u{u}", f"i{i}", None, float(t)) for u, s in enumerate(seqs) for t, i in enumerate(s)]
    return InteractionMatrix.build([f"i{k}" for k in range(N_ITEMS)], rows)


def _top1(ranker: SequentialRanker, test: list[np.ndarray]) -> float:
    users = [UserEvidence(items=s[:-1], ratings=np.full(len(s) - 1, np.nan)) for s in test]
    top = np.argmax(ranker.score_batch(users), axis=1)
    return float(np.mean(top == np.array([s[-1] for s in test])))


@needs_torch
def test_blend_weighs_the_sequence_model_and_it_adds_to_the_counts() -> None:
    seqs, test = _sequences(300, 7, seed=4), _sequences(100, 4, seed=6)
    ids = [f"i{k}" for k in range(N_ITEMS)]

    def fit(cfg: SASRecConfig) -> SequentialRanker:
        return SequentialRanker.fit(
            ids, _matrix(seqs), None, "trained", [], max_sim_users=100, sequence_model=cfg
        )

    with_model, counts_only = fit(SMALL), fit(SASRecConfig(max_epochs=0))
    assert with_model.info["weights"].get("sasrec", 0.0) > 0
    assert with_model.fitted.seq_model is not None and counts_only.fitted.seq_model is None
    # transitions/EASE half-solve the routes (items two steps apart co-occur); the order
    # model must add clearly on top
    assert _top1(with_model, test) > _top1(counts_only, test) + 0.1


def test_blend_skips_the_sequence_model_cleanly_without_torch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sequential, "sasrec_available", lambda: False)
    seqs = _sequences(100, 5, seed=5)
    ranker = SequentialRanker.fit(
        [f"i{k}" for k in range(N_ITEMS)], _matrix(seqs), None, "trained", [], max_sim_users=50
    )
    assert ranker.fitted.seq_model is None
    assert "sasrec" not in ranker.info and "sasrec" not in ranker.info["weights"]
    scores = ranker.score(UserEvidence(items=np.array([1, 2]), ratings=np.full(2, np.nan)))
    assert scores.shape == (N_ITEMS,) and np.isfinite(scores).all()


def test_ease_lambda_is_chosen_from_the_grid_on_held_out_items() -> None:
    seqs, held = _sequences(200, 6, seed=7), _sequences(50, 4, seed=8)
    lam, scores = sequential.choose_ease_lambda(
        seqs, N_ITEMS, [s[:-1] for s in held], np.array([s[-1] for s in held]), (1.0, 1e6)
    )
    assert set(scores) == {"1.0", "1000000.0"}
    assert scores[str(lam)] == max(scores.values()) > 0.3


def test_word_weight_is_chosen_on_held_out_items_and_zero_when_words_mislead() -> None:
    """Sequences stay inside one of two halves of the catalogue. Words that name the half
    help EASE reach an item rarely bought, so some weight wins; words that pair items
    across the halves only mislead, so EASE alone (0) wins."""
    from dayone.rankers.lexical import LexicalSimilarity

    rng = np.random.default_rng(3)
    half = N_ITEMS // 2

    def walk(n: int, length: int) -> list[np.ndarray]:
        out = []
        for _ in range(n):
            side = int(rng.integers(2))
            out.append(side * half + rng.choice(half, size=length, replace=False))
        return out

    seqs, held = walk(30, 3), walk(60, 4)
    honest = LexicalSimilarity.fit([f"line{i // half} part{i}" for i in range(N_ITEMS)])
    crossed = LexicalSimilarity.fit([f"pair{i % half} part{i}" for i in range(N_ITEMS)])
    hist, targets = [s[:-1] for s in held], np.array([s[-1] for s in held])
    w_honest, _, scores, _ = sequential.choose_word_weight(
        seqs, N_ITEMS, honest, 10.0, hist, targets
    )
    w_crossed, _, _, _ = sequential.choose_word_weight(
        seqs, N_ITEMS, crossed, 10.0, hist, targets
    )
    assert set(scores) == {
        f"{m}@{d}" for m in sequential.WORD_WEIGHTS for d in sequential.WORD_DECAYS
    }
    assert w_honest > 0 and scores["0.0@1.0"] < max(scores.values())
    assert w_crossed == 0.0


@pytest.mark.parametrize("cap", [None, 20])
def test_word_weight_choice_returns_the_ease_it_would_fit(
    cap: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ranker reuses the chooser's winning model instead of inverting again, so it must
    be the model `EASE.fit` gives for that weight, also past the item cap (`cap`), where the
    choice is made on the kept items only."""
    from dayone.rankers.ease import EASE, most_interacted
    from dayone.rankers.lexical import LexicalSimilarity

    if cap is not None:
        monkeypatch.setattr(sequential, "most_interacted", lambda X: most_interacted(X, cap))
    seqs, held = _sequences(120, 5, seed=11), _sequences(40, 4, seed=12)
    vocab = LexicalSimilarity.fit([f"line{i % 4} part{i}" for i in range(N_ITEMS)])
    hist, targets = [s[:-1] for s in held], np.array([s[-1] for s in held])
    weight, _, _, chosen = sequential.choose_word_weight(
        seqs, N_ITEMS, vocab, 10.0, hist, targets
    )
    X = sequential.binary_matrix(seqs, N_ITEMS)
    fitted = EASE.fit(X, 10.0, max_items=cap or N_ITEMS, side=vocab.X, side_weight=weight)
    assert chosen.n_items == fitted.n_items == N_ITEMS
    if cap is None:
        assert chosen.kept is None and fitted.kept is None
    else:
        assert chosen.kept is not None and fitted.kept is not None
        np.testing.assert_array_equal(chosen.kept, fitted.kept)
        assert len(chosen.kept) == cap
    np.testing.assert_allclose(chosen.B, fitted.B, atol=1e-5)


def test_ease_with_words_leans_to_the_newest_history_item_when_it_decays() -> None:
    """Half the sequences stay in items 0-11, half in 12-23. A history that moved from the
    first half to the second should continue in the second: with a decay below 1 the newest
    item's half leads; as a bag of items (decay 1) the half of the three older items does."""
    from dayone.rankers.lexical import LexicalSimilarity

    half = N_ITEMS // 2
    rng = np.random.default_rng(5)
    seqs = [
        side * half + rng.choice(half, size=5, replace=False)
        for side in rng.integers(2, size=80)
    ]
    vocab = LexicalSimilarity.fit([f"line{i // half} part{i}" for i in range(N_ITEMS)])
    user = UserEvidence(items=np.array([0, 1, 2, 13]), ratings=np.full(4, np.nan))
    col = sequential.FEATURES.index("ease_text")

    def halves(decay: float) -> tuple[float, float]:
        fitted = sequential._Fitted.fit(seqs, N_ITEMS, None, 10.0, words=(vocab, 1.0, decay))
        F = fitted.features(user, N_ITEMS)[:, col]
        rest = np.setdiff1d(np.arange(N_ITEMS), user.items)
        return float(F[rest[rest < half]].mean()), float(F[rest[rest >= half]].mean())

    first, second = halves(0.3)
    assert second > first
    bag_first, bag_second = halves(1.0)
    assert bag_first > bag_second  # three of the four items are in the first half
    # with no word weight the recency alone still earns the column; with neither, no column
    recent = sequential._Fitted.fit(seqs, N_ITEMS, None, 10.0, words=(vocab, 0.0, 0.6))
    assert recent.ease_text is not None
    plain = sequential._Fitted.fit(seqs, N_ITEMS, None, 10.0, words=(vocab, 0.0, 1.0))
    assert plain.ease_text is None


def test_the_blend_starts_from_the_strongest_single_strategy() -> None:
    """Coordinate ascent stays near its start, so the start is the strategy that ranks the
    simulated next items best alone (here EASE: its column marks the target), never the
    in-history flag, and columns that are all zero are not tried."""
    rng = np.random.default_rng(0)
    names = sequential.FEATURES
    sims = []
    for _ in range(30):
        F = rng.normal(size=(N_ITEMS, len(names))).astype(np.float32)
        F[:, names.index("sasrec")] = 0.0
        target = int(rng.integers(N_ITEMS))
        F[:, names.index("ease")] = rng.normal(size=N_ITEMS) * 0.1
        F[target, names.index("ease")] = 5.0
        sims.append((F, np.array([target]), np.zeros(0, dtype=np.int64)))
    start, alone = sequential.strongest_single_start(sims)
    assert max(alone, key=alone.__getitem__) == "ease" and alone["ease"] == 1.0
    assert "in_history" not in alone and "sasrec" not in alone
    expected = np.zeros(len(names))
    expected[names.index("ease")], expected[names.index("in_history")] = 1.0, -1.0
    np.testing.assert_array_equal(start, expected)


@needs_torch
def test_few_train_users_still_leave_a_stopping_set_for_the_sequence_model() -> None:
    """With fewer users than 2 x max_sim_users the blend's users and the early-stopping users
    split the eligible ones; taking them all for the blend left the stopping set empty and the
    sequence model stopped after its first epoch whatever it could learn."""
    seqs = _sequences(300, 7, seed=9)
    ranker = SequentialRanker.fit(
        [f"i{k}" for k in range(N_ITEMS)],
        _matrix(seqs),
        None,
        "trained",
        [],
        max_sim_users=3000,
        sequence_model=SMALL,
        ease_lam=None,
    )
    assert ranker.info["simulated_users"] == ranker.info["stopping_users"] == 150
    assert ranker.info["sasrec"]["best_epoch"] > 1
    assert ranker.info["sasrec"]["val_ndcg@10"] > 0.5
    assert ranker.info["ease_val_ndcg@10"]


def test_zero_shot_puts_history_last_unless_the_user_repeats_items() -> None:
    """Items 0 and 1 share a text vector, so item 0 in the history makes item 1 (and item 0
    itself) the nearest; a history item goes after every other item unless the user's own
    history shows re-consumption."""
    E = np.eye(6, dtype=np.float32)
    E[1] = E[0]
    ranker = SequentialRanker.fit([f"i{k}" for k in range(6)], None, E, "zero-shot", [])
    once = ranker.score(UserEvidence(items=np.array([2, 0]), ratings=np.full(2, np.nan)))
    assert np.argmax(once) == 1 and set(np.argsort(-once)[-2:]) == {0, 2}
    again = ranker.score(UserEvidence(items=np.array([0, 2, 0]), ratings=np.full(3, np.nan)))
    assert np.argsort(-again)[0] in (0, 1) and np.argsort(-again)[1] in (0, 1)


def test_zero_shot_breaks_sentence_encoder_ties_by_shared_words() -> None:
    """Items 1 and 2 look the same to the encoder; the one sharing the history item's brand
    and model words comes first once the ranker has the item texts."""
    texts = ["acme x100 sanding roll", "acme x100 sanding disc", "zeta grinding wheel", "beaker"]
    E = np.array([[1, 0, 0], [0, 1, 0], [0, 1, 0], [0, 0, 1]], dtype=np.float32)
    user = UserEvidence(items=np.array([0]), ratings=np.full(1, np.nan))
    ids = [f"i{k}" for k in range(4)]
    with_words = SequentialRanker.fit(ids, None, E, "zero-shot", [], item_texts=texts)
    assert with_words.info["lexical_weight"] > 0
    scores = with_words.score(user)
    assert scores[1] > scores[2] > scores[0]
    plain = SequentialRanker.fit(ids, None, E, "zero-shot", []).score(user)
    assert plain[1] == plain[2]


def test_a_request_with_no_history_gets_the_most_popular_items(monkeypatch: pytest.MonkeyPatch) -> None:
    """The blend is fitted on users with a history; for an empty one only popularity is
    known, and the blend's (possibly negative) popularity weight must not turn it around."""
    monkeypatch.setattr(sequential, "sasrec_available", lambda: False)
    seqs = _sequences(150, 6, seed=11)
    ranker = SequentialRanker.fit(
        [f"i{k}" for k in range(N_ITEMS)], _matrix(seqs), None, "trained", [], max_sim_users=60
    )
    assert ranker.blend is not None
    # as fitted on real data (Amazon Scientific): popularity a negative correction in the blend
    ranker.blend.w[sequential.FEATURES.index("pop")] = -1.0
    counts = np.bincount(np.concatenate(seqs), minlength=N_ITEMS)
    scores = ranker.score(UserEvidence(items=np.zeros(0, dtype=np.int64), ratings=np.zeros(0)))
    top = np.argsort(-scores, kind="stable")[:3]
    assert set(top.tolist()) <= set(np.argsort(-counts, kind="stable")[:5].tolist())
    assert np.corrcoef(scores, counts)[0, 1] > 0.9


def test_zero_shot_with_train_allowed_gives_an_empty_history_the_popular_items() -> None:
    """Zero-shot may use population statistics where the task lets it read train; an empty
    history used to get the catalogue in file order (ndcg@10 0.10 against popularity's 0.47
    on a text-only new-user variant)."""
    seqs = _sequences(150, 6, seed=5)
    ranker = SequentialRanker.fit([f"i{k}" for k in range(N_ITEMS)], _matrix(seqs), None,
                                  "zero-shot", [])
    counts = np.bincount(np.concatenate(seqs), minlength=N_ITEMS)
    scores = ranker.score(UserEvidence(items=np.zeros(0, dtype=np.int64), ratings=np.zeros(0)))
    assert np.corrcoef(scores, counts)[0, 1] > 0.9
