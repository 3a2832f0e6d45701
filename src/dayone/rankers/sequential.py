"""Next-item ranking from an ordered history of implicit interactions (purchases, plays).

Zero-shot (no interaction data at all): text similarity to a recency-weighted profile of the
history, the newest item weighing most, with items already in the history pushed down (a
repeat is rare and the nearest neighbour of an item is itself). Trained: first-order
transitions, EASE and co-occurrence from train sequences, EASE whose Gram matrix also counts
shared item words and weighs recent history items more (`ease_text`, the words' weight and
the decay chosen on held-out next items), popularity,
and the text features, blended by coordinate ascent on NDCG@10, started from the strongest
single strategy, of a leave-last-out simulation on train sequences
(each train user's last train item is predicted from the rest; strategies are fitted on the
sequences without their last two items, so that the simulated history, like a request's,
ends in an item the strategies were not fitted on).

The trained blend also weighs a small SASRec (`dayone.rankers.sasrec`, when torch is
installed): the counting strategies see pairs or bags of items, the transformer reads the
order of the recent items. Its epoch count is chosen by early stopping on held-out last items
of *other* train users than those the blend is fitted on (so the blend does not see a feature
tuned on its own targets), and the final model is refitted on all train sequences for that
many epochs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dayone.rankers.base import InteractionMatrix, UserEvidence, simulated_users_within_budget
from dayone.rankers.blend import CoordinateAscentBlend, blend_metric, standardise_per_user
from dayone.rankers.candidate_lists import CandidateLists, list_auc
from dayone.rankers.cooccurrence import CoOccurrence
from dayone.rankers.ease import EASE, gram, most_interacted, weights_in_place, weights_with_side
from dayone.rankers.lexical import LexicalSimilarity
from dayone.rankers.sasrec import SASRec, SASRecConfig, ndcg10
from dayone.rankers.sasrec import available as sasrec_available
from dayone.rankers.text import TextSimilarity
from dayone.rankers.transitions import Transitions

FEATURES = [
    "text_profile",
    "text_last",
    "in_history",
    "transitions",
    "ease",
    "cooc",
    "pop",
    "sasrec",
    "lex_profile",  # word overlap: zero-shot only, left 0 (and so unweighted) when trained
    "lex_last",
    "ease_text",  # EASE whose Gram also counts shared words (trained, with item texts)
]
ZERO_SHOT_DECAY = 0.6  # fixed a priori: each older item counts 0.6x the next newer one
# Zero-shot, items already in the history go after every other item (z-units; a score
# rarely spans 10) unless the user's own history repeats an item: with no interaction data
# the only evidence that this catalogue is re-consumed (music, groceries) is the request
# itself. Was 2, which let a history item's near-duplicate text keep it in the top 10; 10
# ranks the next item better on the leave-last-out splits of both mls-seq (films) and
# scientific-seq's train sequences (`scripts/sequence_validation.py`, docs/benchmarks.md).
HISTORY_PENALTY = 10.0
# Word overlap next to the sentence encoder in the zero-shot score (z-units). Chosen on the
# same two leave-last-out splits (`scripts/sequence_validation.py`): 0.25 is the only weight
# tried (0.25, 0.5, 1) that ranks better than none on both the film and the product task;
# products gain most (brands, product lines and model numbers), films least (titles).
LEXICAL_WEIGHT = 0.25
# with candidate lists, only simulated users whose next item appears on the requests' lists
# are kept, if at least this many (and a quarter of them) are; otherwise all are kept, since a
# blend fitted on a hundred users is noise
MIN_LISTED_TARGETS = 300


@dataclass
class _Fitted:
    text: TextSimilarity | None
    trans: Transitions | None
    ease: EASE | None
    cooc: CoOccurrence | None
    pop: np.ndarray | None
    seq_model: SASRec | None = None
    lexical: LexicalSimilarity | None = None
    ease_text: EASE | None = None
    ease_text_decay: float = 1.0

    @classmethod
    def fit(
        cls,
        sequences: list[np.ndarray],
        n_items: int,
        E: np.ndarray | None,
        ease_lam: float,
        lexical: LexicalSimilarity | None = None,
        words: tuple[LexicalSimilarity, float, float] | None = None,
        ease_text: EASE | None = None,
    ) -> _Fitted:
        """`words`: item word features, their weight in the Gram matrix of a second EASE
        (`ease_text`) and the recency decay of its input; `lexical` is the zero-shot
        word-overlap score, a different use. `ease_text`: that second EASE already fitted on
        these sequences with these words (the weight choice computes it), so it is not
        inverted again."""
        text = TextSimilarity(E, recency_decay=ZERO_SHOT_DECAY) if E is not None else None
        if not sequences:
            return cls(text, None, None, None, None, lexical=lexical)
        X = binary_matrix(sequences, n_items)
        cols = np.concatenate(sequences)
        pop = np.log1p(np.bincount(cols, minlength=n_items).astype(float))
        return cls(
            text,
            Transitions.fit(sequences, n_items),
            EASE.fit(X, lam=ease_lam),
            CoOccurrence.fit(X),
            pop,
            lexical=lexical,
            ease_text=(
                (ease_text or EASE.fit(X, lam=ease_lam, side=words[0].X, side_weight=words[1]))
                # words or recency: with weight 0 and decay 0.8 it is EASE over recent items
                if words is not None and (words[1] > 0 or words[2] < 1)
                else None
            ),
            ease_text_decay=words[2] if words is not None else 1.0,
        )

    def text_batch(self, users: list[UserEvidence]) -> tuple[np.ndarray, np.ndarray] | None:
        """Profile and last-item similarities for many users in two matrix products (a
        per-user mat-vec re-reads the whole embedding table each time: memory-bound)."""
        if self.text is None:
            return None
        E = self.text.E
        P = np.zeros((len(users), E.shape[1]), dtype=np.float32)
        L = np.zeros((len(users), E.shape[1]), dtype=np.float32)
        for r, u in enumerate(users):
            if len(u.items):
                p = self.text.profile(u, use_preference=False)
                norm = float(np.linalg.norm(p))
                P[r] = p / norm if norm > 0 else 0.0
                L[r] = E[u.items[-1]]
        return P @ E.T, L @ E.T

    def lexical_batch(self, users: list[UserEvidence]) -> tuple[np.ndarray, np.ndarray] | None:
        if self.lexical is None:
            return None
        return self.lexical.batch([u.items for u in users], ZERO_SHOT_DECAY)

    def seq_batch(self, users: list[UserEvidence]) -> np.ndarray | None:
        """Next-item logits of the sequence model for many users in one batched forward."""
        if self.seq_model is None:
            return None
        return self.seq_model.score_batch([u.items for u in users])

    def features(
        self,
        user: UserEvidence,
        n_items: int,
        text_rows: tuple[np.ndarray, np.ndarray] | None = None,
        seq_row: np.ndarray | None = None,
        lexical_rows: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> np.ndarray:
        F = np.zeros((n_items, len(FEATURES)), dtype=np.float32)
        if not len(user.items):
            if self.pop is not None:
                F[:, 6] = self.pop
            return F
        if text_rows is not None:
            F[:, 0], F[:, 1] = text_rows
        elif self.text is not None:
            F[:, 0] = self.text.score(user, use_preference=False)
            F[:, 1] = self.text.last_item(user)
        F[user.items, 2] = 1.0
        if self.trans is not None:
            F[:, 3] = self.trans.score(user)
        if self.ease is not None:
            F[:, 4] = self.ease.score(user)
        if self.cooc is not None:
            F[:, 5] = self.cooc.score(user)
        if self.pop is not None:
            F[:, 6] = self.pop
        if seq_row is not None:
            F[:, 7] = seq_row
        if lexical_rows is not None:
            F[:, 8], F[:, 9] = lexical_rows
        if self.ease_text is not None:
            age = np.arange(len(user.items) - 1, -1, -1, dtype=np.float64)
            F[:, 10] = self.ease_text.score(user, weights=self.ease_text_decay**age)
        return F


def zero_shot_score(
    F: np.ndarray,
    history_repeats: bool = False,
    penalty: float = HISTORY_PENALTY,
    lexical_weight: float = LEXICAL_WEIGHT,
) -> np.ndarray:
    """Sentence-encoder similarity to the recency-weighted history and to its last item,
    plus `lexical_weight` times the same two on word overlap (columns left 0 when the
    ranker has no item texts), minus the history penalty."""
    Z = standardise_per_user(F)
    penalty = 0.0 if history_repeats else penalty
    dense = Z[:, 0] + 0.5 * Z[:, 1]
    words = Z[:, 8] + 0.5 * Z[:, 9]
    return np.asarray(dense + lexical_weight * words - penalty * F[:, 2])


def repeats_items(items: np.ndarray) -> bool:
    return len(np.unique(items)) < len(items)


@dataclass
class SequentialRanker:
    source = "sequential"
    n_items: int
    fitted: _Fitted
    blend: CoordinateAscentBlend | None
    info: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def fit(
        cls,
        item_ids: list[str],
        m: InteractionMatrix | None,
        E: np.ndarray | None,
        setting: str,
        history_lengths: list[int],
        seed: int = 0,
        ease_lam: float | None = 200.0,
        max_sim_users: int = 3000,
        sequence_model: SASRecConfig | None = None,
        holdout: int = 2,
        item_texts: list[str] | None = None,
        candidate_lists: CandidateLists | None = None,
    ) -> SequentialRanker:
        """`sequence_model`: the SASRec configuration (defaults when None); the feature is
        skipped when torch is not installed or `sequence_model.max_epochs` is 0.
        `max_sim_users`: simulated users the blend is fitted on (and, separately, held-out
        users for EASE's lambda and SASRec's epochs); 3000 rather than 1500 because the
        blend's validation figure moved by 0.01 between seeds' draws of 1500 users.
        `ease_lam`: EASE's L2 weight; None chooses it from `EASE_LAMBDAS` on held-out users
        (on scientific-seq EASE alone is flat over the grid, 0.071-0.074 ndcg@10 on the
        held-out users, so the fixed default saves the five inversions).

        `holdout`: the simulation fits the strategies on each train sequence minus its last
        `holdout` items and predicts the last item from all the others. With 2 (the default)
        the simulated history ends in an item the strategies were not fitted on, as a real
        request's does (its last item is the validation target, which is not in train): with
        1 the history is exactly a fitted sequence, which flatters the learned sequence model
        (it has read every step of that history) and made the blend overweight it.

        `item_texts` (catalogue order) adds word-overlap similarity (`lexical.py`) to the
        zero-shot score at `LEXICAL_WEIGHT`. The trained blend does not take that similarity
        as a feature (as two more blend features on scientific-seq it gained a little in
        sample and lost a little on test, docs/benchmarks.md); there the words enter through
        `ease_text` instead, inside the item-item model, where a rarely bought item borrows
        the co-purchases of the items it shares words with.

        `candidate_lists`: the shape of the requests' own short lists (`candidate_lists.py`).
        With it, each simulated user's next item is ranked against a list drawn like the
        requests' lists instead of against the whole catalogue, and the blend is searched on
        AUC within those lists."""
        n = len(item_ids)
        if setting != "trained" or m is None or m.n_users == 0:
            lexical = LexicalSimilarity.fit(item_texts) if item_texts is not None else None
            zs_info: dict[str, Any] = {
                "strategy": "text zero-shot",
                "lexical_weight": LEXICAL_WEIGHT if lexical else 0,
            }
            fitted = _Fitted.fit([], n, E, 0.0, lexical)
            if m is not None and m.n_users:
                # popularity is a population statistic, allowed without training; only a
                # request with an empty history uses it (zero_shot_score ignores it), which
                # otherwise got the catalogue in file order
                fitted.pop = np.log1p(np.bincount(m.items, minlength=n).astype(float))
            return cls(n, fitted, None, zs_info)
        seqs = sequences_of(m)
        # leave-last-out simulation: fit on sequences minus their last `holdout` items,
        # predict each last item from the rest
        rng = np.random.default_rng(seed)
        eligible = [u for u, s in enumerate(seqs) if len(s) > holdout]
        fit_on = [s[:-holdout] if len(s) > holdout else s[:-1] for s in seqs]
        truncated = [s[:-1] for s in seqs]
        # EASE's lambda and SASRec's epochs are chosen on other users' last items than the
        # blend's simulated users (so the blend never sees a feature tuned on its own targets).
        # With fewer than 2 x max_sim_users eligible users the two sets split them in half:
        # taking all for the blend left the stopping set empty and SASRec stopped at epoch 1.
        max_sim_users = simulated_users_within_budget(max_sim_users, n, len(FEATURES))
        n_stop = min(max_sim_users, len(eligible) // 2)
        n_sim = min(max_sim_users, len(eligible) - n_stop)
        chosen = rng.choice(eligible, size=n_sim, replace=False)
        rest = np.setdiff1d(np.asarray(eligible, dtype=np.int64), chosen)
        stop_users = rng.choice(rest, size=min(n_stop, len(rest)), replace=False)
        stop_val = (
            [truncated[u] for u in stop_users],
            np.array([seqs[u][-1] for u in stop_users], dtype=np.int64),
        )
        has_stop_set = len(stop_users) > 0
        ease_info: dict[str, float] = {}
        if ease_lam is None:
            if has_stop_set:
                ease_lam, ease_info = choose_ease_lambda(fit_on, n, *stop_val)
            else:
                ease_lam = 200.0
        words_info: dict[str, Any] = {}
        words = None
        chosen_ease: EASE | None = None
        if item_texts is not None and has_stop_set:
            vocab = LexicalSimilarity.fit(item_texts)
            weight, decay, words_info, chosen_ease = choose_word_weight(
                fit_on, n, vocab, ease_lam, *stop_val
            )
            words = (vocab, weight, decay)
        sim_fit = _Fitted.fit(fit_on, n, E, ease_lam, words=words, ease_text=chosen_ease)
        cfg = sequence_model or SASRecConfig()
        seq_info: dict[str, Any] = {}
        if cfg.max_epochs > 0 and sasrec_available():
            sim_fit.seq_model = SASRec.fit(
                fit_on, n, E, cfg, seed=seed, val=stop_val if has_stop_set else None
            )
            seq_info = {
                k: sim_fit.seq_model.info[k] for k in ("best_epoch", "val_ndcg@10", "seconds")
            }
        evs = [
            UserEvidence(items=truncated[u], ratings=np.full(len(truncated[u]), np.nan))
            for u in chosen
        ]
        text = sim_fit.text_batch(evs)
        seq_rows = sim_fit.seq_batch(evs)
        lex = sim_fit.lexical_batch(evs)
        shape = None
        if candidate_lists is not None:
            known = np.unique(np.concatenate(fit_on)) if fit_on else np.zeros(0, dtype=np.int64)
            shape = candidate_lists.restricted_to(known)
        list_rng = np.random.default_rng([seed, 1])
        on_lists = np.ones(len(chosen), dtype=bool)
        if shape is not None:
            # a request's right item is on its list, so a simulated next item is too where
            # enough of them are: otherwise being on the lists at all tells the negatives apart
            listed_targets = shape.listed(np.array([seqs[u][-1] for u in chosen], dtype=np.int64))
            if listed_targets.sum() >= max(MIN_LISTED_TARGETS, len(chosen) // 4):
                on_lists = listed_targets
        sims = []
        for r, (u, ev) in enumerate(zip(chosen, evs, strict=True)):
            rows = (text[0][r], text[1][r]) if text is not None else None
            F = sim_fit.features(
                ev,
                n,
                rows,
                seq_rows[r] if seq_rows is not None else None,
                (lex[0][r], lex[1][r]) if lex is not None else None,
            )
            # standardised over the whole catalogue, as `predict` does, so that a list's
            # order under any weights is the order the answer will have
            Z = standardise_per_user(F)
            if shape is not None:
                if not on_lists[r]:
                    continue
                listed = shape.sample(list_rng, seqs[u][-1:], ev.items)
                sims.append((Z[listed], np.array([0]), np.zeros(0, dtype=np.int64)))
            else:
                sims.append((Z, np.array([seqs[u][-1]]), np.zeros(0, dtype=np.int64)))
        metric_fn = list_auc if shape is not None else None
        measure = "auc_in_lists" if shape is not None else "ndcg@10"
        start, alone = strongest_single_start(sims, metric_fn)
        blend = CoordinateAscentBlend.fit(sims, FEATURES, start, metric_fn=metric_fn)
        info = {
            "simulated_users": len(sims),
            f"val_{measure}_alone": alone,
            "stopping_users": len(stop_users),
            f"val_{measure}_start": round(blend.start_metric, 4),
            f"val_{measure}_blend": round(blend.val_metric, 4),
            "weights": {k: float(v) for k, v in zip(FEATURES, blend.w, strict=True) if v},
            "ease_lambda": ease_lam,
        }
        if shape is not None:
            info["simulated_list_length"] = shape.length
        if ease_info:
            info["ease_val_ndcg@10"] = ease_info
        if words_info:
            info["ease_text_val_ndcg@10"] = words_info
        if words is not None and blend.w[FEATURES.index("ease_text")] == 0:
            words = None  # the blend does not use it: skip the extra inverse
        final = _Fitted.fit(seqs, n, E, ease_lam, words=words)
        if sim_fit.seq_model is not None and blend.w[FEATURES.index("sasrec")] != 0:
            epochs = max(1, int(sim_fit.seq_model.info["best_epoch"]))
            final.seq_model = SASRec.fit(seqs, n, E, cfg, seed=seed, epochs=epochs)
            seq_info["final_seconds"] = final.seq_model.info["seconds"]
        if seq_info:
            info["sasrec"] = seq_info
        return cls(n, final, blend, info)

    def score(self, user: UserEvidence) -> np.ndarray:
        return self.score_batch([user])[0]

    def score_batch(self, users: list[UserEvidence]) -> np.ndarray:
        text = self.fitted.text_batch(users)
        seq_rows = self.fitted.seq_batch(users)
        lex = self.fitted.lexical_batch(users)
        out = np.zeros((len(users), self.n_items))
        for r, user in enumerate(users):
            rows = (text[0][r], text[1][r]) if text is not None else None
            seq = seq_rows[r] if seq_rows is not None else None
            lex_rows = (lex[0][r], lex[1][r]) if lex is not None else None
            F = self.fitted.features(user, self.n_items, rows, seq, lex_rows)
            if not len(user.items):
                # nothing to continue from: the blend's weights are fitted on users with a
                # history, where popularity is one correction among many (often negative),
                # so alone it would rank the catalogue upside down
                out[r] = F[:, FEATURES.index("pop")]
            elif self.blend is None:
                out[r] = zero_shot_score(F, repeats_items(np.asarray(user.items)))
            else:
                out[r] = self.blend.predict(F)
        return out


def strongest_single_start(
    sims: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
    metric_fn: Callable[[np.ndarray, np.ndarray], float] | None = None,
) -> tuple[np.ndarray, dict[str, float]]:
    """The blend's starting weights: the one strategy that ranks the simulated users' next
    items best on its own, with history items put last (in_history -1).

    Why: coordinate ascent moves one weight at a time, so it stays near its start. A fixed
    hand-chosen start (text profile + last item) left it below the best strategy alone once
    a stronger one existed: on scientific-seq, searched from the text start the blend did
    no better on held-out simulated users than EASE with item words alone, and searched from
    that strategy it did (docs/benchmarks.md). Returns (start, each strategy's figure
    alone)."""
    history = FEATURES.index("in_history")
    alone: dict[str, float] = {}
    for j, name in enumerate(FEATURES):
        if j == history or all(not np.any(Z[:, j]) for Z, _, _ in sims[:20]):
            continue
        w = np.zeros(len(FEATURES))
        w[j], w[history] = 1.0, -1.0
        alone[name] = round(blend_metric(sims, w, 10, metric_fn), 4)
    start = np.zeros(len(FEATURES))
    start[history] = -1.0
    if alone:
        start[FEATURES.index(max(alone, key=alone.__getitem__))] = 1.0
    return start, alone


EASE_LAMBDAS = (50.0, 100.0, 200.0, 400.0, 800.0)


def binary_matrix(sequences: list[np.ndarray], n_items: int, decay: float | None = None) -> Any:
    """Users x items 0/1 (CSR) of what each sequence contains; with `decay`, each item
    weighs decay^(its distance from the sequence's end) instead (repeats add up)."""
    import scipy.sparse as sp

    rows = np.concatenate([np.full(len(s), u) for u, s in enumerate(sequences)])
    cols = np.concatenate(sequences)
    if decay is None:
        vals = np.ones(len(cols), dtype=np.float32)
    else:
        vals = np.concatenate(
            [decay ** np.arange(len(s) - 1, -1, -1, dtype=np.float64) for s in sequences]
        ).astype(np.float32)
    X = sp.csr_matrix((vals, (rows, cols)), shape=(len(sequences), n_items))
    if decay is None:
        X.data[:] = 1.0
    return X


def choose_ease_lambda(
    sequences: list[np.ndarray],
    n_items: int,
    histories: list[np.ndarray],
    targets: np.ndarray,
    grid: tuple[float, ...] = EASE_LAMBDAS,
) -> tuple[float, dict[str, float]]:
    """EASE's L2 weight with the best NDCG@10 of EASE alone on held-out next items.

    Why: the right shrinkage depends on how sparse the data is (a fixed 200 came from denser
    rating data); EASE alone is a cheap proxy for its value in the blend. The Gram matrix is
    built once and only the inverse is redone per lambda."""
    X = binary_matrix(sequences, n_items)
    G = gram(X)
    H = binary_matrix(list(histories), n_items)
    scores: dict[str, float] = {}
    best, best_lam = -1.0, grid[0]
    for lam in grid:
        B = weights_in_place(G.copy(), lam)
        metric = ndcg10(np.asarray(H @ B), targets)
        scores[str(lam)] = round(metric, 4)
        if metric > best:
            best, best_lam = metric, lam
    return best_lam, scores


# Weight of the word-overlap Gram in `ease_text`, in units of the mean number of sequences an
# item is in (so the text counts the same relative to co-purchases whatever the data's size).
# 0 = EASE alone; the best is chosen on held-out next items.
WORD_WEIGHTS = (0.0, 0.25, 0.5, 1.0, 2.0)
# How much each older history item counts in `ease_text`'s input (1 = a bag of items; 0.6 is
# the zero-shot profile's decay). Chosen with the weight.
WORD_DECAYS = (1.0, 0.8, 0.6)


def choose_word_weight(
    sequences: list[np.ndarray],
    n_items: int,
    words: LexicalSimilarity,
    lam: float,
    histories: list[np.ndarray],
    targets: np.ndarray,
    grid: tuple[float, ...] = WORD_WEIGHTS,
    decays: tuple[float, ...] = WORD_DECAYS,
) -> tuple[float, float, dict[str, float], EASE]:
    """The word-overlap weight of `ease_text`, and how fast older history items fade in its
    input, with the best NDCG@10 of that EASE alone on held-out next items (history items
    last, as the blend's in-history weight puts them).

    Why chosen and not fixed: how much shared words say about co-purchase depends on the
    catalogue (brands and product lines in a hardware shop, little in film titles); on
    scientific-seq's held-out items EASE alone went from 0.079 to 0.100 at weight 1 and falls
    again past it, and weighting the history by recency moved it again (docs/benchmarks.md).
    Each weight costs one inverse; the decays reuse it. Returns (absolute weight, decay,
    figures keyed "weight@decay", the EASE of the chosen weight): the caller fits on these
    same sequences, so keeping the winner (float32, as `EASE` holds it) saves an items x
    items inverse (about 20 s at EASE's 8,000-item cap, `benchmarks/ease_words.py`)."""
    X = binary_matrix(sequences, n_items)
    Hs = {d: binary_matrix(list(histories), n_items, decay=d) for d in decays}
    W = words.X
    # on a catalogue past EASE's size cap, choose on the items EASE keeps (as it is fitted)
    kept = most_interacted(X)
    share = 1.0
    if kept is not None:
        X, W = X.tocsc()[:, kept].tocsr(), W[kept]
        Hs = {d: H.tocsc()[:, kept].tocsr() for d, H in Hs.items()}
        pos = np.minimum(np.searchsorted(kept, targets), len(kept) - 1)
        reachable = kept[pos] == targets
        share = float(reachable.mean())
        Hs = {d: H[np.flatnonzero(reachable)] for d, H in Hs.items()}
        targets = pos[reachable]
    unit = float(np.asarray(X.sum(axis=0)).mean()) or 1.0
    G = gram(X)
    side = np.asarray((W @ W.T).todense(), dtype=np.float64)
    buf = np.empty_like(G)
    penalty = 10.0 * (next(iter(Hs.values())).toarray() > 0)
    scores: dict[str, float] = {}
    best, best_w, best_d = -1.0, 0.0, 1.0
    best_B: np.ndarray | None = None
    for mult in grid:
        B = weights_with_side(G, side, mult * unit, lam, buf)
        for d, H in Hs.items():
            metric = share * ndcg10(np.asarray(H @ B) - penalty, targets) if len(targets) else 0.0
            scores[f"{mult}@{d}"] = round(metric, 4)
            if metric > best:
                if best_w != mult * unit or best_B is None:
                    best_B = B.astype(np.float32)
                best, best_w, best_d = metric, mult * unit, d
    assert best_B is not None
    return best_w, best_d, scores, EASE(best_B, kept, n_items)


def sequences_of(m: InteractionMatrix) -> list[np.ndarray]:
    """Each user's items ordered by ts (row order where ts is missing)."""
    ts = m.ts if m.ts is not None else np.arange(len(m.users), dtype=float)
    order = np.lexsort((np.arange(len(m.users)), ts, m.users))
    users, items = m.users[order], m.items[order]
    bounds = np.flatnonzero(np.r_[True, users[1:] != users[:-1], True])
    return [items[bounds[k] : bounds[k + 1]] for k in range(len(bounds) - 1)]
