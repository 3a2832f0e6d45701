"""What people like this user went on to like: a user-kNN over profile and first ratings.

A new user's few ratings and profile are matched against every train user. Each train user's
weight is

    prod_attr similarity_attr ** p_attr  *  (agreement + a) ** g  *  n_ratings ** b

(agreement = the summed rating agreement on the shared history items, with shared items that
were also among the neighbour's own first interactions counting 1 + `early` times: people who
started with the same items joined at the same time and saw the same catalogue), and an
item's score is the weighted share of those users who liked it (plus `rated` times the share
who rated it).
This answers the cold-user question directly ("which items will this person like in the
end"), so it keeps the population's popularity (every neighbour liked the blockbusters) and
the user's taste (neighbours who agree on the first ratings dominate), which item-item models
such as EASE or ALS fold-in lose when they see one to ten items. With no history it is
profile-kernel popularity. The kernel's shape is not fixed by hand: `tune_shape` searches it
by coordinate ascent on NDCG@10 over the simulated cold users.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp

from dayone.rankers.base import InteractionMatrix, UserEvidence
from dayone.rankers.blend import ndcg_at
from dayone.rankers.demographic import AttributePopularity


@dataclass(frozen=True)
class KNNShape:
    """Kernel of the neighbour weights (see the module docstring)."""

    attribute_power: tuple[float, ...] = ()  # p per attribute key (UserKNN.keys order)
    smooth: float = 0.3  # a: weight of a neighbour sharing no history item
    sharpness: float = 1.0  # g: exponent on agreement + a (higher = trust overlap more)
    rated: float = 0.0  # how much "rated it" counts next to "liked it" in the outcome
    activity: float = 0.0  # b: exponent on the neighbour's number of ratings
    early: float = 0.0  # extra agreement for shared items that were among the neighbour's
    # first len(history) interactions too (same point in their life as a user)
    lift: float = 0.0  # divide an item's share by (its likes + 1) ** lift: what these
    # neighbours like *more than everyone does*
    era: float = 0.0  # weight exp(-era * |their join time - the user's estimated one| / sd)


# Search space of `tune_shape` (coarse on purpose: a few hundred simulated users cannot
# resolve finer differences).
ATTRIBUTE_POWERS = (0.0, 0.5, 1.0, 2.0, 4.0)
SMOOTH = (0.1, 0.3, 1.0, 3.0)
SHARPNESS = (1.0, 2.0, 3.0)
RATED = (0.0, 0.25, 0.5)
ACTIVITY = (-0.25, 0.0, 0.25, 0.5)
EARLY: tuple[float, ...] = (0.0, 1.0, 3.0)
LIFT: tuple[float, ...] = (0.0,)  # searched only where validated (scripts/newuser_validation.py --lift)
ERA: tuple[float, ...] = (0.0,)  # searched only where validated (scripts/newuser_validation.py --era)


@dataclass
class NeighbourEvidence:
    """One user's match against the train users, independent of the kernel shape."""

    log_profile: np.ndarray  # train users x attribute keys: log similarity per attribute
    agreement: np.ndarray  # train users
    early_agreement: np.ndarray  # the part of `agreement` from the neighbours' first items
    era_distance: np.ndarray | None = None  # |join time - the user's estimated one| / sd


@dataclass
class UserKNN:
    source = "user-knn"
    rated: sp.csc_matrix  # train users x items, rating shifted to start at 1 (0 = not rated)
    seen: sp.csc_matrix  # 0/1
    position: sp.csc_matrix  # 1 + rank of the interaction in its user's history (by time)
    liked_t: sp.csr_matrix  # items x users, 0/1 liked
    seen_t: sp.csr_matrix  # items x users, 0/1 rated
    log_activity: np.ndarray  # log number of items each train user rated
    demo: AttributePopularity
    keys: list[str]  # attribute keys the kernel has a power for
    scale: float  # rating range, to turn |difference| into agreement in [0, 1]
    low: float  # lowest rating
    join: np.ndarray | None = None  # each train user's first interaction time, in sd units
    item_era: np.ndarray | None = None  # per item: when its early raters joined (sd units)

    @classmethod
    def fit(cls, m: InteractionMatrix, demo: AttributePopularity) -> UserKNN:
        X = m.binary()
        if m.ratings is not None:
            r = np.nan_to_num(m.ratings, nan=float(np.nanmean(m.ratings)))
            lo, hi = float(r.min()), float(r.max())
            scale = max(hi - lo, 1e-9)
            key = m.users * m.n_items + m.items  # a repeated (user, item): keep the last rating
            _, last = np.unique(key[::-1], return_index=True)
            keep = len(key) - 1 - last
            R = sp.csr_matrix(
                (r[keep] - lo + 1.0, (m.users[keep], m.items[keep])), shape=X.shape
            )
        else:
            lo, scale, R = 0.0, 1.0, X.copy()
        P = m.binary(positive_only=True)
        activity = np.log(np.maximum(np.asarray(X.sum(axis=1)).ravel(), 1.0))
        positions = _positions(m)
        join, item_era = _eras(m, positions)
        return cls(
            R.tocsc(),
            X.tocsc(),
            positions.tocsc(),
            P.T.tocsr(),
            X.T.tocsr(),
            activity,
            demo,
            demo.attribute_keys(),
            scale,
            lo,
            join,
            item_era,
        )

    def default_shape(self) -> KNNShape:
        return KNNShape(attribute_power=tuple(1.0 for _ in self.keys))

    def _agreement(self, user: UserEvidence) -> tuple[np.ndarray, np.ndarray]:
        """Per train user: the sum over the shared history items of 1 - |rating difference| /
        range (1 per shared item when either rating is unknown), and the same sum over the
        shared items that were also among the train user's first len(history) items."""
        n = self.seen.shape[0]
        if not len(user.items):
            return np.zeros(n), np.zeros(n)
        S = self.seen[:, user.items].toarray()
        r = np.asarray(user.ratings, dtype=float)
        if len(r) != len(user.items) or not np.isfinite(r).any():
            agree = S
        else:
            theirs = self.rated[:, user.items].toarray() - 1.0 + self.low
            diff = np.abs(theirs - r[None, :])
            agree = S * np.where(
                np.isfinite(diff), 1.0 - np.minimum(diff, self.scale) / self.scale, 1.0
            )
        pos = self.position[:, user.items].toarray()
        early = (pos > 0) & (pos <= len(user.items))
        return np.asarray(agree.sum(axis=1)), np.asarray((agree * early).sum(axis=1))

    def evidence(self, user: UserEvidence) -> NeighbourEvidence:
        factors = self.demo.factors(user.attributes)
        n = self.seen.shape[0]
        L = np.zeros((n, len(self.keys)))
        for j, key in enumerate(self.keys):
            if key in factors:
                L[:, j] = np.log(factors[key])
        distance = None
        if self.join is not None and self.item_era is not None and len(user.items):
            eras = self.item_era[user.items]
            eras = eras[np.isfinite(eras)]
            if len(eras):
                distance = np.nan_to_num(np.abs(self.join - float(np.median(eras))), nan=0.0)
        return NeighbourEvidence(L, *self._agreement(user), distance)

    def score_evidence(self, ev: NeighbourEvidence, shape: KNNShape) -> np.ndarray:
        power = np.asarray(shape.attribute_power or np.zeros(len(self.keys)), dtype=float)
        logw = ev.log_profile @ power + shape.activity * self.log_activity
        if shape.era and ev.era_distance is not None:
            logw = logw - shape.era * ev.era_distance
        overlap = ev.agreement + shape.early * ev.early_agreement
        w = np.exp(logw - logw.max()) * (overlap + shape.smooth) ** shape.sharpness
        col = self.liked_t @ w
        if shape.rated:
            col = col + shape.rated * (self.seen_t @ w)
        out = np.asarray(col, dtype=np.float64).ravel() / max(float(w.sum()), 1e-300)
        if shape.lift:
            likes = np.diff(self.liked_t.indptr).astype(np.float64)
            out = out / (likes + 1.0) ** shape.lift
        return out

    def score(self, user: UserEvidence, shape: KNNShape) -> np.ndarray:
        return self.score_evidence(self.evidence(user), shape)


def tune_shape(
    cases: list[tuple[UserKNN, NeighbourEvidence, np.ndarray, np.ndarray]],
    start: KNNShape,
    k: int = 10,
    passes: int = 2,
) -> tuple[KNNShape, float]:
    """Coordinate ascent over the kernel shape on simulated cold users.

    cases: (the kNN fitted without the user, the user's evidence, liked item indices, history
    item indices to exclude). Returns the best shape and its mean NDCG@k.
    """

    def metric(shape: KNNShape) -> float:
        return mean_ndcg(cases, (shape,), k)

    def moves(shape: KNNShape) -> list[list[KNNShape]]:
        out = []
        for j in range(len(shape.attribute_power)):
            out.append(
                [
                    replace(shape, attribute_power=_with(shape.attribute_power, j, v))
                    for v in ATTRIBUTE_POWERS
                ]
            )
        has_history = any(len(hist) for _, _, _, hist in cases)
        if has_history:
            out.append([replace(shape, smooth=v) for v in SMOOTH])
            out.append([replace(shape, sharpness=v) for v in SHARPNESS])
            out.append([replace(shape, early=v) for v in EARLY])
        out.append([replace(shape, rated=v) for v in RATED])
        if len(LIFT) > 1:
            out.append([replace(shape, lift=v) for v in LIFT])
        if has_history and len(ERA) > 1:
            out.append([replace(shape, era=v) for v in ERA])
        out.append([replace(shape, activity=v) for v in ACTIVITY])
        return out

    best, best_val = start, metric(start)
    for _ in range(passes):
        improved = False
        for j in range(len(moves(best))):
            for trial in moves(best)[j]:
                if trial == best:
                    continue
                val = metric(trial)
                if val > best_val + 1e-6:
                    best, best_val, improved = trial, val, True
        if not improved:
            break
    return best, best_val


def mean_ndcg(
    cases: list[tuple[UserKNN, NeighbourEvidence, np.ndarray, np.ndarray]],
    shapes: Sequence[KNNShape],
    k: int = 10,
) -> float:
    """Mean NDCG@k over simulated cold users of the kernels' averaged scores."""
    total = 0.0
    for knn, ev, pos, hist in cases:
        s = bagged_score(knn, ev, shapes)
        s[hist] = -np.inf
        total += ndcg_at(s, pos, k)
    return total / max(len(cases), 1)


def tune_bagged(
    cases: list[tuple[UserKNN, NeighbourEvidence, np.ndarray, np.ndarray]],
    start: KNNShape,
    bags: int,
    seed: int = 0,
    k: int = 10,
) -> list[KNNShape]:
    """Kernels tuned on `bags` bootstrap resamples of the simulated users, to be averaged.

    One search over a few hundred simulated users picks among near-ties by noise (kernels
    chosen on two halves differ by 0.005-0.01 NDCG on the other half), and the test score
    then swings between seeds. Averaging the scores of kernels tuned on resamples (bagging,
    Breiman 1996) keeps what the resamples agree on.
    """
    rng = np.random.default_rng(seed)
    shapes = []
    for _ in range(bags):
        pick = rng.integers(0, len(cases), len(cases))
        shapes.append(tune_shape([cases[i] for i in pick], start, k=k)[0])
    return shapes


# Work the bagged kernel searches may spend, in stored (neighbour, item) pairs read: one read
# per pair per simulated user per kernel tried. On ml-100k a search reads ~6e9 (753 simulated
# users, ~95k likes and ratings per fold), so 8 bags fit (about a minute on one core); a task
# with twice the users and twice the ratings gets 2 bags, a larger one a single search.
BAGGING_BUDGET = 6e10


def affordable_bags(
    cases: list[tuple[UserKNN, NeighbourEvidence, np.ndarray, np.ndarray]], bags: int
) -> int:
    """How many bags fit `BAGGING_BUDGET` (0 = one search on all users: a single bootstrap
    is worse than that, so fewer than 2 bags are not worth it)."""
    if not cases or bags < 2:
        return 0
    knn = cases[0][0]
    per_search = 80 * len(cases) * (knn.liked_t.nnz + knn.seen_t.nnz)  # ~80 kernels tried
    fit = int(BAGGING_BUDGET // max(per_search, 1))
    return min(bags, fit) if fit >= 2 else 0


def bagged_score(knn: UserKNN, ev: NeighbourEvidence, shapes: Sequence[KNNShape]) -> np.ndarray:
    """Mean of the kernels' scores (each a weighted share of neighbours, so on one scale)."""
    if len(shapes) == 1:
        return knn.score_evidence(ev, shapes[0])
    return np.asarray(np.mean([knn.score_evidence(ev, s) for s in shapes], axis=0))


def _positions(m: InteractionMatrix) -> sp.csr_matrix:
    """users x items: 1 + the interaction's rank in its user's history (by time, ties in a
    fixed random order, as bench protocols break them; the first interaction with an item
    counts)."""
    if m.ts is None:  # no times: the file order is the best guess at the order
        tie, ts = np.arange(len(m.users), dtype=float), np.zeros(len(m.users))
    else:
        tie, ts = np.random.default_rng(0).random(len(m.users)), m.ts
    order = np.lexsort((tie, np.nan_to_num(ts, nan=-np.inf), m.users))
    users = m.users[order]
    starts = np.r_[0, np.flatnonzero(np.diff(users)) + 1]
    rank = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    key = users * m.n_items + m.items[order]
    _, first = np.unique(key, return_index=True)  # earliest interaction per (user, item)
    return sp.csr_matrix(
        (rank[first] + 1.0, (users[first], m.items[order][first])), shape=(m.n_users, m.n_items)
    )


EARLY_RANK = 20  # an item's era: when the users who had it among their first this many joined


def _eras(
    m: InteractionMatrix, positions: sp.csr_matrix
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Each train user's join time (first interaction) and each item's era (mean join time
    of the users who had it among their first `EARLY_RANK` interactions), both in units of
    the join times' spread. A new user's first items date them: people who start with a
    film that had just come out joined then, and their neighbours in time saw the same
    catalogue. None without timestamps."""
    if m.ts is None or not np.isfinite(m.ts).any():
        return None, None
    first = np.full(m.n_users, np.inf)
    np.minimum.at(first, m.users, np.nan_to_num(m.ts, nan=np.inf))
    known = np.isfinite(first)
    if known.sum() < 2:
        return None, None
    sd = float(first[known].std()) or 1.0
    join = np.where(known, (first - float(first[known].mean())) / sd, np.nan)
    early = positions.copy()
    early.data = (early.data <= EARLY_RANK).astype(np.float64)
    early.eliminate_zeros()
    early = (sp.diags(known.astype(np.float64)) @ early).tocsr()  # users without times: out
    counts = np.asarray(early.sum(axis=0)).ravel()
    sums = np.asarray(early.T @ np.nan_to_num(join, nan=0.0)).ravel()
    with np.errstate(invalid="ignore", divide="ignore"):
        item_era = np.where(counts > 0, sums / counts, np.nan)
    return join, item_era


def _with(values: tuple[float, ...], j: int, v: float) -> tuple[float, ...]:
    out = list(values)
    out[j] = v
    return tuple(out)
