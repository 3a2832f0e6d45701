"""Evaluation metrics, one class per metric, each docstring giving its exact formula.

The definitions are the ones `../shared/bench/score.py` uses, so a number computed here and a
number printed by the bench scorer mean the same thing (a test checks agreement to 1e-6):

* ranking metrics look at a *judged list*: the system's ranked items where every slot that the
  bench would reject (unknown id, outside the candidates, repeated) is ``None`` and counts as a
  miss but keeps its position;
* NDCG uses binary gain and an ideal DCG of ``min(|relevant|, K)`` hits;
* per-request AUC treats allowed items that the list does not rank as sharing the lowest rank,
  and ties count 1/2;
* binary AUC is sklearn's ``roc_auc_score`` (average ranks for ties); GAUC weights each user's
  AUC by that user's number of examples, over users with both labels.

Metric keys follow LensKit style (``ndcg@10``, ``mrr``) so reports and JSON agree with the bench.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

JudgedList = Sequence[str | None]


@dataclass(frozen=True)
class Truth:
    """What the evaluator knows about one request.

    ``n_allowed`` is the number of items the system was allowed to rank (candidates, or the
    catalogue minus the excluded history); ``n_relevant_allowed`` / ``n_negative_allowed`` count
    the relevant / disliked items among them. They are only needed by the AUC metrics.
    """

    relevant: frozenset[str]
    negative: frozenset[str] = field(default_factory=frozenset)
    n_allowed: int | None = None
    n_relevant_allowed: int | None = None
    n_negative_allowed: int | None = None


def _discounts(n: int) -> np.ndarray:
    return 1.0 / np.log2(np.arange(2, n + 2))


def hit_ranks(ranked: JudgedList, relevant: frozenset[str] | set[str]) -> np.ndarray:
    """1-based positions of the relevant items in the list (invalid ``None`` slots never hit)."""
    return np.array(
        [r for r, item in enumerate(ranked, 1) if item is not None and item in relevant],
        dtype=np.int64,
    )


def auc_from_labels(labels: Sequence[bool] | np.ndarray, n_pos: int, n_neg: int) -> float:
    """AUC of a ranked list of positives (True) and negatives (False), best first.

    Positives and negatives that the list leaves out share the lowest rank, below every ranked
    item, and a tie counts 1/2:

        AUC = (sum over ranked positives p of #negatives ranked below p or unranked
               + 1/2 * #unranked positives * #unranked negatives) / (n_pos * n_neg)

    NaN when either class is empty.
    """
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    lab = np.asarray(labels, dtype=np.int64)
    neg_above = np.cumsum(1 - lab) - (1 - lab)
    unranked_pos = n_pos - int(lab.sum())
    unranked_neg = n_neg - int((1 - lab).sum())
    wins = float(((n_neg - neg_above) * lab).sum())
    wins += 0.5 * unranked_pos * unranked_neg
    return wins / (n_pos * n_neg)


class RankingMetric:
    """A per-request accuracy metric over a judged ranked list.

    Subclasses set ``name`` and implement ``__call__``; ``key`` is ``name@k`` (or ``name``).
    The aggregate over requests is the mean over the requests where the value is defined
    (not NaN), exactly as the bench computes it.
    """

    name = "metric"

    def __init__(self, k: int | None = None) -> None:
        if k is not None and k <= 0:
            raise ValueError(f"{type(self).__name__}: k must be positive, got {k}")
        self.k = k

    @property
    def key(self) -> str:
        return f"{self.name}@{self.k}" if self.k is not None else self.name

    def __call__(self, ranked: JudgedList, truth: Truth) -> float:  # pragma: no cover
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.k if self.k is not None else ''})"


class RelevanceMetric(RankingMetric):
    """A metric of where the relevant items land in the list.

    NaN when the request has no relevant item, else a function of the 1-based ranks of the
    relevant items (`hit_ranks`). Recall, HitRate, NDCG and MRR share that rule, so it is
    written here once and each subclass only states its formula in ``from_ranks``.
    """

    def __call__(self, ranked: JudgedList, truth: Truth) -> float:
        if not truth.relevant:
            return float("nan")
        return self.from_ranks(hit_ranks(ranked, truth.relevant), truth)

    def from_ranks(self, ranks: np.ndarray, truth: Truth) -> float:  # pragma: no cover
        raise NotImplementedError


class CutoffMetric(RelevanceMetric):
    """A relevance metric that is only defined at a cut-off K (key ``name@K``): the
    constructor requires ``k`` and `parse_metric` rejects the bare name."""

    k: int

    def __init__(self, k: int) -> None:
        super().__init__(k)


class Recall(CutoffMetric):
    """Recall@K = |relevant items in the top K| / |relevant|.

    The denominator counts every relevant item, even one the system could not rank.
    NaN when there is no relevant item.
    """

    name = "recall"

    def from_ranks(self, ranks: np.ndarray, truth: Truth) -> float:
        return float((ranks <= self.k).sum() / len(truth.relevant))


class HitRate(CutoffMetric):
    """HitRate@K = 1 if at least one relevant item is in the top K, else 0 (key ``hit@K``)."""

    name = "hit"

    def from_ranks(self, ranks: np.ndarray, truth: Truth) -> float:
        return float((ranks <= self.k).any())


class NDCG(CutoffMetric):
    """NDCG@K with binary gain.

    DCG@K  = sum over relevant items at rank r <= K of 1 / log2(r + 1)
    IDCG@K = sum_{j=1}^{min(|relevant|, K)} 1 / log2(j + 1)
    NDCG@K = DCG@K / IDCG@K
    """

    name = "ndcg"

    def from_ranks(self, ranks: np.ndarray, truth: Truth) -> float:
        ranks = ranks[ranks <= self.k]
        dcg = float((1.0 / np.log2(ranks + 1.0)).sum())
        ideal = float(_discounts(min(len(truth.relevant), self.k)).sum())
        return dcg / ideal


class MRR(RelevanceMetric):
    """MRR = 1 / rank of the first relevant item in the returned list, 0 when none is returned.

    With ``k``, only the top K count (``mrr@K``); without, the whole returned list (as the bench).
    """

    name = "mrr"

    def from_ranks(self, ranks: np.ndarray, truth: Truth) -> float:
        if self.k is not None:
            ranks = ranks[ranks <= self.k]
        return 1.0 / float(ranks[0]) if len(ranks) else 0.0


class AUC(RankingMetric):
    """Per-request ROC AUC of the relevant items against every other allowed item.

        n_pos = |relevant ∩ allowed|,  n_neg = |allowed| - n_pos
        AUC   = P(score(relevant) > score(other)) + 1/2 P(tie)

    where items the list leaves out share the lowest score (see `auc_from_labels`).
    NaN when a class is empty; the aggregate is then the mean over defined requests.
    """

    name = "auc"

    def __call__(self, ranked: JudgedList, truth: Truth) -> float:
        if truth.n_allowed is None or truth.n_relevant_allowed is None:
            raise ValueError("AUC needs Truth.n_allowed and Truth.n_relevant_allowed")
        labels = [item in truth.relevant for item in ranked if item is not None]
        return auc_from_labels(
            labels, truth.n_relevant_allowed, truth.n_allowed - truth.n_relevant_allowed
        )


class RatedAUC(RankingMetric):
    """Per-request AUC of the relevant items against the explicitly disliked ones only
    (key ``auc_rated``): the list is restricted to relevant and negative items, and unranked
    ones share the lowest rank, as in `AUC`.
    """

    name = "auc_rated"

    def __call__(self, ranked: JudgedList, truth: Truth) -> float:
        if truth.n_relevant_allowed is None or truth.n_negative_allowed is None:
            raise ValueError("auc_rated needs Truth.n_relevant_allowed and n_negative_allowed")
        labels = [
            item in truth.relevant
            for item in ranked
            if item is not None and (item in truth.relevant or item in truth.negative)
        ]
        return auc_from_labels(labels, truth.n_relevant_allowed, truth.n_negative_allowed)


_RANKING: dict[str, type[RankingMetric]] = {
    "recall": Recall,
    "hit": HitRate,
    "hitrate": HitRate,
    "ndcg": NDCG,
    "mrr": MRR,
    "auc": AUC,
    "auc_rated": RatedAUC,
}


def parse_metric(key: str) -> RankingMetric:
    """``"ndcg@10"`` -> ``NDCG(10)``; unknown names raise ValueError listing the known ones."""
    name, _, k = key.partition("@")
    cls = _RANKING.get(name.strip().lower())
    if cls is None:
        raise ValueError(f"unknown metric {key!r}; known: {sorted(_RANKING)}")
    if issubclass(cls, CutoffMetric) and not k:
        raise ValueError(f"metric {key!r} needs a cut-off, e.g. {name}@10")
    return cls(int(k)) if k else cls()


def mean_defined(values: Iterable[float]) -> float:
    """Mean over the finite values; NaN when none is (the bench's nanmean rule)."""
    arr = np.asarray(list(values), dtype=float)
    arr = arr[np.isfinite(arr)]
    return float(arr.mean()) if len(arr) else float("nan")


# --------------------------------------------------------------------------- binary


class PooledAUC:
    """ROC AUC over all (example, label) pairs, ties averaged (== sklearn ``roc_auc_score``).

        AUC = (sum of the average ranks of the positives - n_pos (n_pos + 1) / 2) / (n_pos n_neg)

    NaN when only one class is present.
    """

    key = "auc"

    def __call__(self, y: Sequence[int] | np.ndarray, s: Sequence[float] | np.ndarray) -> float:
        yy = np.asarray(y, dtype=np.int64)
        ss = np.asarray(s, dtype=np.float64)
        n_pos = int(yy.sum())
        n_neg = len(yy) - n_pos
        if n_pos == 0 or n_neg == 0:
            return float("nan")
        _, inv, counts = np.unique(ss, return_inverse=True, return_counts=True)
        avg_rank = np.cumsum(counts) - (counts - 1) / 2.0
        ranks = avg_rank[inv]
        return float((ranks[yy == 1].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


class GAUC:
    """Group (per-user) AUC: sum_u n_u AUC_u / sum_u n_u over users u with both labels, where
    n_u is u's number of examples and AUC_u is `PooledAUC` on u's examples. NaN if no such user.
    """

    key = "gauc"

    def __call__(
        self,
        y: Sequence[int] | np.ndarray,
        s: Sequence[float] | np.ndarray,
        users: Sequence[str] | np.ndarray,
    ) -> float:
        return self.with_count(y, s, users)[0]

    def with_count(
        self,
        y: Sequence[int] | np.ndarray,
        s: Sequence[float] | np.ndarray,
        users: Sequence[str] | np.ndarray,
    ) -> tuple[float, int]:
        yy = np.asarray(y, dtype=np.int64)
        ss = np.asarray(s, dtype=np.float64)
        _, g = np.unique(np.asarray(users), return_inverse=True)
        size = np.bincount(g)
        pos = np.bincount(g, weights=yy)
        both = np.flatnonzero((pos > 0) & (pos < size))
        if not len(both):
            return float("nan"), 0
        auc = PooledAUC()
        num = 0.0
        for u in both:
            ix = np.flatnonzero(g == u)
            num += auc(yy[ix], ss[ix]) * len(ix)
        return num / float(size[both].sum()), len(both)


# --------------------------------------------------------------------------- beyond accuracy


def top_k(ranked: JudgedList, k: int) -> list[str]:
    """The valid items among the first ``k`` slots. An invalid (``None``) slot still uses up
    one of the K places but recommends nothing, the same rule for every beyond-accuracy
    metric."""
    return [i for i in ranked[:k] if i is not None]


class ListMetric:
    """A beyond-accuracy metric defined on each list's top K (``per_list``, NaN where it is
    undefined) and reported as the mean over the lists where it is defined (`mean_defined`).
    Subclasses set ``name``; the key is ``name@K``."""

    name = "list"

    def __init__(self, k: int) -> None:
        self.k = k
        self.key = f"{self.name}@{k}"

    def per_list(self, ranked: JudgedList) -> float:  # pragma: no cover
        raise NotImplementedError

    def __call__(self, lists: Iterable[JudgedList]) -> float:
        return mean_defined(self.per_list(r) for r in lists)


class CatalogueCoverage:
    """Coverage@K = |union of every list's top K| / |catalogue| (key ``coverage@K``)."""

    def __init__(self, k: int, n_items: int) -> None:
        self.k = k
        self.n_items = n_items
        self.key = f"coverage@{k}"

    def __call__(self, lists: Iterable[JudgedList]) -> float:
        seen: set[str] = set()
        for ranked in lists:
            seen.update(top_k(ranked, self.k))
        return len(seen) / self.n_items if self.n_items else float("nan")


class Novelty(ListMetric):
    """Mean self-information of the recommended items (key ``novelty@K``), in bits.

        p(i)         = (users who interacted with i in the training data + 1) / (users + 1)
        novelty(L)   = mean over the top K of L of -log2 p(i)
        Novelty@K    = mean over lists with at least one item

    The +1 keeps never-seen (cold) items finite: they get the highest novelty, log2(users + 1).
    """

    name = "novelty"

    def __init__(self, k: int, item_user_counts: Mapping[str, int], n_users: int) -> None:
        super().__init__(k)
        self.counts = item_user_counts
        self.n_users = n_users

    def per_list(self, ranked: JudgedList) -> float:
        items = top_k(ranked, self.k)
        if not items:
            return float("nan")
        denom = self.n_users + 1.0
        return float(np.mean([-math.log2((self.counts.get(i, 0) + 1.0) / denom) for i in items]))


class IntraListDiversity(ListMetric):
    """Intra-list diversity (key ``ild@K``): mean pairwise cosine distance in each top K.

        ILD(L) = 2 / (m (m - 1)) * sum_{a < b} (1 - cos(v_a, v_b)),  m = |top K of L| >= 2
        ILD@K  = mean over lists with at least two vectorised items

    ``vector_of`` maps an item id to its vector (e.g. the encoder's item embedding) or None.
    """

    name = "ild"

    def __init__(self, k: int, vector_of: Callable[[str], np.ndarray | None]) -> None:
        super().__init__(k)
        self.vector_of = vector_of

    def per_list(self, ranked: JudgedList) -> float:
        vecs = [self.vector_of(i) for i in top_k(ranked, self.k)]
        mat = [v for v in vecs if v is not None]
        m = len(mat)
        if m < 2:
            return float("nan")
        x = np.asarray(mat, dtype=np.float64)
        norms = np.linalg.norm(x, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        x = x / norms
        sim = x @ x.T
        iu = np.triu_indices(m, 1)
        return float((1.0 - sim[iu]).mean())


class NewItemShare(ListMetric):
    """Share of recommendation slots given to new items (key ``new_share@K``).

        new_share(L) = |top K of L ∩ new items| / |top K of L|
        new_share@K  = mean over non-empty lists

    "New" is whatever the protocol says (e.g. the held-out cold items, or items with fewer
    than a handful of interactions in the training data).
    """

    name = "new_share"

    def __init__(self, k: int, new_items: frozenset[str] | set[str]) -> None:
        super().__init__(k)
        self.new_items = new_items

    def per_list(self, ranked: JudgedList) -> float:
        items = top_k(ranked, self.k)
        if not items:
            return float("nan")
        return sum(i in self.new_items for i in items) / len(items)


def group_gaps(
    values: Mapping[str, Sequence[float] | np.ndarray], groups: Sequence[str | None]
) -> dict[str, dict[str, object]]:
    """Per-group means of each metric and the gap between the best and worst group.

        gap(metric) = max_g mean_{requests in g}(metric) - min_g mean_{requests in g}(metric)

    ``values`` maps metric keys to per-request values aligned with ``groups``; requests whose
    group is None are left out, and so are NaN values. Groups are e.g. gender or age band.
    """
    out: dict[str, dict[str, object]] = {}
    labels = [g for g in dict.fromkeys(groups) if g is not None]
    for key, vals in values.items():
        arr = np.asarray(vals, dtype=float)
        means: dict[str, float] = {}
        counts: dict[str, int] = {}
        for g in sorted(labels):
            sel = np.array([x == g for x in groups]) & np.isfinite(arr)
            if sel.any():
                means[g] = float(arr[sel].mean())
                counts[g] = int(sel.sum())
        gap = (max(means.values()) - min(means.values())) if len(means) >= 2 else float("nan")
        out[key] = {"groups": means, "n": counts, "gap": gap}
    return out


def percentile_interval(samples: Sequence[float] | np.ndarray) -> tuple[float, float]:
    """The 95% percentile interval (2.5th to 97.5th percentile) of bootstrap samples: every
    interval the evaluator reports is read off its samples by this one rule."""
    return float(np.percentile(samples, 2.5)), float(np.percentile(samples, 97.5))


def bootstrap_ci(
    values: Sequence[float] | np.ndarray,
    n_boot: int = 1000,
    seed: int = 0,
    clusters: Sequence[str] | None = None,
) -> tuple[float, float]:
    """95% percentile interval of the mean over the finite values, by resampling requests
    (or whole clusters, e.g. users, when ``clusters`` is given). (NaN, NaN) when empty."""
    arr = np.asarray(values, dtype=float)
    ok = np.isfinite(arr)
    if not ok.any() or n_boot <= 0:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    if clusters is None:
        x = arr[ok]
        idx = rng.integers(0, len(x), (n_boot, len(x)))
        means = x[idx].mean(axis=1)
    else:
        cl = np.asarray(clusters)[ok]
        x = arr[ok]
        _, g = np.unique(cl, return_inverse=True)
        sums = np.bincount(g, weights=x)
        cnt = np.bincount(g).astype(float)
        idx = rng.integers(0, len(sums), (n_boot, len(sums)))
        means = sums[idx].sum(axis=1) / cnt[idx].sum(axis=1)
    return percentile_interval(means)
