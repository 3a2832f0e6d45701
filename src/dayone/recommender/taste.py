"""Collaborative taste factors that reach brand-new items (source `taste-match`), and the
crowd's verdict on a new item read from its description.

Every other population strategy (popularity, quality, similar users, co-occurrence, similar
beginnings) counts interactions, so an item added a moment ago scores nothing in any of
them, and only its text similarity to the visitor's picks can lift it. Issue 4's answer, as
the bench's cold-item ranker does it (`dayone.rankers.cold_item`): learn latent taste
factors from the log (implicit ALS on the positive interactions, Hu, Koren & Volinsky 2008)
and a ridge map from an item's description embedding to its factors on the warm items
(`dayone.rankers.content_map`). A brand-new item then gets factors from its description the
moment it is added, and a visitor's factor is folded in from their picks, so the two meet
in the same space with no retraining. The same ridge, from the description to the shrunk
mean rating of rated items, gives a new item a predicted `quality` (the well-rated prior),
which the log cannot give an item nobody has rated.

Items with interactions keep their own ALS factors (zero when nobody liked them: the log has
spoken), which serve to fold visitors in and to learn the map; the map stands in only for
items nobody has touched yet, and only those are scored by taste (`Recommender._score`'s
`taste` part). Its predictions are shrunk towards the average item and scaled by the best
known item, so a new item competes with known ones at a discount. For such an item the
mapped factors speak for the collaborative parts that cannot see it, so they are weighed
with the stronger of the similar-users and co-occurrence weights of the visitor's evidence
bucket. Scoring the known items by their factors too, with a weight the hand-over learned,
was tried: on ML-100K known users' lists gained, but new users' lists lost on one of two
seeds (docs/evaluation/README.md, "New items, fifteenth session"), so it is not done.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from dayone.rankers.content_map import ContentRegressor
from dayone.rankers.foldin import ALSFoldIn

# the bench's cold-item ranker's ALS settings (chosen there on simulated cold splits of
# ml-100k train); the fold-in below uses the same regulariser and confidence
FACTORS = 24
REG = 20.0
ALPHA = 5.0
ITERATIONS = 6
# the library's logs are solved in stacks from this many rows on (the bench keeps
# foldin.BATCH_ROWS so its floats stay as measured): loading a model with 8,000 users
# refits these factors, and row-by-row solves were most of that time
BATCH_ROWS = 1_000
# fewer warm items than this and a ridge from a 384-d embedding learns nothing worth serving
MIN_WARM_ITEMS = 20


class TasteFactors:
    """Item factors per index row (ALS for warm rows, mapped from the embedding otherwise),
    the Gram matrix of the warm ones for folding in a visitor, and the map for new rows."""

    def __init__(self, factors: np.ndarray, warm: np.ndarray, gram: np.ndarray, mapper: ContentRegressor,
                 quality: np.ndarray | None = None, quality_mapper: ContentRegressor | None = None,
                 reach: np.ndarray | None = None, reach_mapper: ContentRegressor | None = None) -> None:
        self.factors = factors
        self.warm = warm
        self.gram = gram
        self.mapper = mapper
        # the crowd's verdict (centred shrunk mean rating) predicted from the description,
        # for items nobody has rated yet; None on a log without ratings
        self.quality = quality
        self.quality_mapper = quality_mapper
        # how many people would like it (log1p of the positive count) predicted from the
        # description, for items the log does not know; None where no map was learned
        self.reach = reach
        self.reach_mapper = reach_mapper
        # the log's users, for `Recommender.users_for_item`: who a (new) item's factors suit
        self.user_ids: list[str] = []
        self.user_factors = np.zeros((0, factors.shape[1]))

    @classmethod
    def fit(
        cls, rows: np.ndarray, users: np.ndarray, positive: np.ndarray, vectors: np.ndarray, seed: int = 0,
        quality: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    ) -> TasteFactors | None:
        """`rows`, `users`, `positive`: the log, one entry per interaction; `vectors`: the
        description embedding of every index row; `quality`: (rated rows, their quality,
        their number of ratings), to learn the quality map too. None when the log has too
        few liked items to learn a map from."""
        n_rows = vectors.shape[0]
        warm = np.zeros(n_rows, dtype=bool)
        warm[rows] = True  # the log knows it, liked or not
        rows, users = rows[positive], users[positive]
        liked = np.zeros(n_rows, dtype=bool)
        liked[rows] = True
        if int(liked.sum()) < MIN_WARM_ITEMS:
            return None
        user_ids, user_idx = np.unique(users.astype(str), return_inverse=True)
        X = sp.csr_matrix(
            (np.ones(rows.shape[0], dtype=np.float32), (user_idx, rows)),
            shape=(int(user_idx.max()) + 1, n_rows),
        )
        X.data[:] = 1.0  # a repeated interaction is one preference
        als = ALSFoldIn.fit(X, factors=FACTORS, reg=REG, alpha=ALPHA, iterations=ITERATIONS, seed=seed,
                            batch_rows=BATCH_ROWS)
        liked_rows = np.flatnonzero(liked)
        mapper = ContentRegressor.fit(vectors[liked_rows], als.item_factors[liked_rows])
        # float32: a request reads every row's factors, and half the bytes is half the time
        factors = np.asarray(mapper.predict(vectors), dtype=np.float32)
        factors[warm] = als.item_factors[warm]
        gram = als.item_factors[liked_rows].T @ als.item_factors[liked_rows]
        out = cls(factors, warm, gram, mapper)
        # every item the log knows, liked or not, teaches the reach map (an item many saw and
        # few liked is as much a lesson as a favourite)
        known = np.flatnonzero(warm)
        likes = np.bincount(rows, minlength=n_rows).astype(np.float64)
        out.reach_mapper = ContentRegressor.fit(vectors[known], np.log1p(likes[known]))
        out.reach = np.maximum(np.asarray(out.reach_mapper.predict(vectors), dtype=np.float64), 0.0)
        out.user_ids = [str(u) for u in user_ids]
        out.user_factors = als.user_factors(X, batch_rows=BATCH_ROWS)
        if quality is not None and quality[0].size >= MIN_WARM_ITEMS:
            rated, value, count = quality
            # weighted by sqrt(#ratings), as the bench's quality map: two ratings must not steer it
            out.quality_mapper = ContentRegressor.fit(vectors[rated], value, weights=np.sqrt(count))
            out.quality = np.asarray(out.quality_mapper.predict(vectors), dtype=np.float64)
        return out

    def place(self, rows: np.ndarray, vectors: np.ndarray) -> None:
        """Give rows added (or re-described) since the fit their factors from the map; a row
        that was warm at the fit keeps what its interactions said."""
        need = int(rows.max()) + 1 if rows.size else 0
        if need > self.factors.shape[0]:
            grown = max(need, 2 * self.factors.shape[0])
            factors = np.zeros((grown, self.factors.shape[1]), dtype=np.float32)
            factors[: self.factors.shape[0]] = self.factors
            warm = np.zeros(grown, dtype=bool)
            warm[: self.warm.shape[0]] = self.warm
            self.factors, self.warm = factors, warm
            self.quality = _grown(self.quality, grown)
            self.reach = _grown(self.reach, grown)
        cold = ~self.warm[rows]
        if cold.any():
            self.factors[rows[cold]] = self.mapper.predict(np.asarray(vectors)[cold])
        if self.quality is not None and self.quality_mapper is not None and rows.size:
            self.quality[rows] = self.quality_mapper.predict(np.asarray(vectors))
        if self.reach is not None and self.reach_mapper is not None and rows.size:
            self.reach[rows] = np.maximum(self.reach_mapper.predict(np.asarray(vectors)), 0.0)

    def forget(self, row: int) -> None:
        """A removed item's row may be reused by a new item, which must not inherit its factors."""
        if row < self.warm.shape[0]:
            self.warm[row] = False
            self.factors[row] = 0.0
            if self.quality is not None:
                self.quality[row] = 0.0
            if self.reach is not None:
                self.reach[row] = 0.0

    def user_factor(self, rows: np.ndarray, prefs: np.ndarray) -> np.ndarray | None:
        """A visitor's factor folded in from their picks: liked ones are preference 1 and
        the others preference 0, both held with confidence 1 + ALPHA (as in the fit, where
        every item the user did not like is preference 0 with confidence 1). None without a
        liked pick: dislikes alone only say where not to look."""
        rows = np.asarray(rows, dtype=np.int64)
        prefs = np.asarray(prefs, dtype=np.float64)
        inside = rows < self.factors.shape[0]
        rows, prefs = rows[inside], prefs[inside]
        if not (prefs > 0).any():
            return None
        Y = self.factors[rows]
        liked = (prefs > 0).astype(np.float64)
        A = self.gram + ALPHA * (Y.T @ Y) + REG * np.eye(Y.shape[1])
        b = Y.T @ ((1.0 + ALPHA) * liked)
        return np.asarray(np.linalg.solve(A, b))

    def item_factor(self, row: int | None, vector: np.ndarray) -> np.ndarray:
        """The factors of an index row, or of an item not (yet) in the index, from its
        description embedding."""
        if row is not None and row < self.factors.shape[0] and (self.warm[row] or self.factors[row].any()):
            return np.asarray(self.factors[row])
        return np.asarray(self.mapper.predict(np.asarray(vector)[None])[0])

    def quality_at(self, rows: np.ndarray) -> np.ndarray:
        """The predicted quality of `rows` (0 where there is no map or no factors yet)."""
        out = np.zeros(rows.shape[0])
        if self.quality is not None:
            inside = rows < self.quality.shape[0]
            out[inside] = self.quality[rows[inside]]
        return out

    def reach_at(self, rows: np.ndarray) -> np.ndarray:
        """log1p of how many people are predicted to like `rows`, for the rows the log does
        not know (0 for the rows it knows: their own count speaks, and 0 without a map)."""
        out = np.zeros(rows.shape[0])
        if self.reach is not None:
            inside = rows < self.reach.shape[0]
            cold = np.zeros(rows.shape[0], dtype=bool)
            cold[inside] = ~self.warm[rows[inside]]
            out[cold] = self.reach[rows[cold]]
        return out

    def scores(self, user: np.ndarray, n_rows: int) -> tuple[np.ndarray, np.ndarray]:
        """The visitor's predicted preference for every row up to `n_rows` (0 for rows that
        have no factors yet), and which rows the log knows (the others' factors are mapped)."""
        known = min(n_rows, self.factors.shape[0])
        if known == n_rows:
            return self.factors[:n_rows] @ user.astype(np.float32), self.warm[:n_rows]
        out = np.zeros(n_rows, dtype=np.float32)
        warm = np.zeros(n_rows, dtype=bool)
        out[:known] = self.factors[:known] @ user.astype(np.float32)
        warm[:known] = self.warm[:known]
        return out, warm


def _grown(values: np.ndarray | None, size: int) -> np.ndarray | None:
    """`values` zero-padded to `size` rows (None stays None)."""
    if values is None:
        return None
    out = np.zeros(size)
    out[: values.shape[0]] = values
    return out
