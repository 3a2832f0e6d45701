"""What the population already says: popularity, quality, people-like-you, co-occurrence.

On real new-user data, text similarity alone sits far below plain popularity (bench
RESULTS.md), so these priors are first-class inputs to the scorer rather than a fallback.
Arrays are aligned to the item rows of the recommender's ExactIndex so a request reads them
without per-item dictionary lookups, and an event updates them in place.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from dayone.data.users import UserTable
from dayone.recommender.attributes import AGE_BANDS, attribute_value
from dayone.recommender.neighbours import Neighbours
from dayone.recommender.recency import recency_weights
from dayone.recommender.taste import TasteFactors

__all__ = ["AGE_BANDS", "Population", "attribute_value", "item_cooccurrence"]

class Population:
    """Counts and co-occurrences over rows; grows as items and events arrive."""

    def __init__(self, capacity: int = 16) -> None:
        self.pos = np.zeros(capacity, dtype=np.float64)  # positive interactions per item
        self.seen = np.zeros(capacity, dtype=np.float64)  # any interaction per item
        self.rating_sum = np.zeros(capacity, dtype=np.float64)
        self.rating_n = np.zeros(capacity, dtype=np.float64)
        self.groups: dict[tuple[str, str], np.ndarray] = {}
        self.group_users: dict[tuple[str, str], int] = {}
        self.cooc: sp.csr_matrix | None = None
        self.neighbours: Neighbours | None = None
        self.taste: TasteFactors | None = None
        self.global_rating_mean = 3.5
        # positive interactions weighted by recency (`half_life_s`, None: off): each counts
        # 0.5 ** (age / half-life) at the reference time `trend_ref` (the newest event)
        self.trend: np.ndarray | None = None
        self.trend_ref = 0.0
        self.half_life_s: float | None = None
        # bumped by every change, so request-time summaries (top items, scales) can be cached
        self.version = getattr(self, "version", 0) + 1
        self._cache: dict[tuple[Any, ...], Any] = {}

    def ensure(self, n_rows: int) -> None:
        cap = self.pos.shape[0]
        if n_rows <= cap:
            return
        new = max(n_rows, 2 * cap)
        for name in ("pos", "seen", "rating_sum", "rating_n", *(("trend",) if self.trend is not None else ())):
            old = getattr(self, name)
            arr = np.zeros(new, dtype=np.float64)
            arr[:cap] = old
            setattr(self, name, arr)
        for key, old in list(self.groups.items()):
            arr = np.zeros(new, dtype=np.float64)
            arr[:cap] = old
            self.groups[key] = arr

    def reset_row(self, row: int) -> None:
        """A freed row is reused by a new item: it must not inherit the old item's counts."""
        self.version += 1
        trend = () if self.trend is None else (self.trend,)
        for arr in (self.pos, self.seen, self.rating_sum, self.rating_n, *trend, *self.groups.values()):
            if row < arr.shape[0]:
                arr[row] = 0.0
        if self.taste is not None:
            self.taste.forget(row)

    def fit(
        self,
        rows: np.ndarray,
        users: np.ndarray,
        prefs: np.ndarray,
        ratings: np.ndarray,
        n_rows: int,
        profiles: UserTable | None,
        cooccurrence: bool = True,
        neighbours: bool = True,
        vectors: np.ndarray | None = None,
        ts: np.ndarray | None = None,
        half_life_days: float | None = None,
    ) -> None:
        """Recompute everything from scratch (build and periodic refit). With `vectors` (the
        description embedding of every row) the taste factors are learned too (`taste.py`).
        With `half_life_days` and event times `ts` (Unix seconds), popularity counts recent
        positive interactions more (`trend`); an event without a time counts as the newest."""
        self.__init__(max(n_rows, 16))  # type: ignore[misc]
        positive = prefs > 0
        np.add.at(self.pos, rows[positive], 1.0)
        weight: np.ndarray | None = None
        if half_life_days is not None:
            self.half_life_s = half_life_days * 86400.0
            self.trend = np.zeros(self.pos.shape[0], dtype=np.float64)
            if ts is not None and np.isfinite(ts).any():
                self.trend_ref = float(np.nanmax(ts))
                weight = recency_weights(ts, self.trend_ref, half_life_days)
            else:
                weight = np.ones(rows.shape[0])
            np.add.at(self.trend, rows[positive], weight[positive])
        np.add.at(self.seen, rows, 1.0)
        has_r = ~np.isnan(ratings)
        np.add.at(self.rating_sum, rows[has_r], ratings[has_r])
        np.add.at(self.rating_n, rows[has_r], 1.0)
        if has_r.any():
            self.global_rating_mean = float(ratings[has_r].mean())
        if profiles is not None and len(profiles):
            # "popular with people like you" forgets as popularity does
            frame = pd.DataFrame({"user": users[positive], "row": rows[positive],
                                  "w": 1.0 if weight is None else weight[positive]})
            for key, value, members in self._group_members(profiles):
                sel = frame["user"].isin(members).to_numpy()
                if not sel.any():
                    continue
                arr = np.zeros(self.pos.shape[0], dtype=np.float64)
                np.add.at(arr, frame["row"].to_numpy()[sel], frame["w"].to_numpy()[sel])
                self.groups[(key, value)] = arr
                self.group_users[(key, value)] = len(members)
        if cooccurrence and positive.any():
            self.cooc = item_cooccurrence(users[positive], rows[positive], self.pos.shape[0])
        if neighbours and positive.any():
            self.neighbours = Neighbours.fit(users, rows, prefs, self.pos.shape[0], profiles, like_weights=weight)
        if vectors is not None and positive.any():
            rated = np.flatnonzero(self.rating_n[:n_rows] > 0)
            quality = (rated, self.quality_at(rated), self.rating_n[rated]) if rated.size else None
            self.taste = TasteFactors.fit(rows, users, positive, vectors, quality=quality)

    @staticmethod
    def _group_members(profiles: UserTable) -> Iterable[tuple[str, str, set[str]]]:
        members: dict[tuple[str, str], set[str]] = {}
        for profile in profiles:
            for key, value in profile.attributes.items():
                v = attribute_value(key, value)
                if v is not None:
                    members.setdefault((key, v), set()).add(profile.id)
        for (key, value), ids in members.items():
            if len(ids) >= 3:
                yield key, value, ids

    def observe(self, row: int, pref: float, rating: float | None, attributes: dict[str, Any] | None,
                ts: float | None = None) -> None:
        """One new event: counts move immediately (co-occurrence waits for the next refit).
        With recency-weighted popularity, an event newer than the reference moves the
        reference to it (every count decays to that moment) and an event without a time is
        taken as happening at the reference."""
        self.ensure(row + 1)
        self.version += 1
        self.seen[row] += 1
        if pref > 0:
            self.pos[row] += 1
            weight = 1.0
            if self.trend is not None and self.half_life_s is not None:
                t = self.trend_ref if ts is None or not np.isfinite(ts) else float(ts)
                if t > self.trend_ref:
                    decay = np.exp2(-(t - self.trend_ref) / self.half_life_s)
                    self.trend *= decay
                    for arr in self.groups.values():
                        arr *= decay
                    self.trend_ref = t
                weight = float(np.exp2(-(self.trend_ref - t) / self.half_life_s))
                self.trend[row] += weight
            for key, value in (attributes or {}).items():
                v = attribute_value(key, value)
                if v is not None and (key, v) in self.groups:
                    self.groups[(key, v)][row] += weight
        if rating is not None:
            self.rating_sum[row] += rating
            self.rating_n[row] += 1

    def cached(self, key: tuple[Any, ...], make: Any) -> Any:
        """`make()` computed once per population version: a request reads the same summary
        (the scale of a prior, the most popular rows) that the previous one computed, until an
        event changes the counts."""
        full = (self.version, *key)
        hit = self._cache.get(full)
        if hit is None:
            if len(self._cache) > 64 or any(k[0] != self.version for k in self._cache):
                self._cache.clear()
            hit = self._cache[full] = make()
        return hit

    @property
    def liked_counts(self) -> np.ndarray:
        """What popularity ranks by: positive interactions, weighted by recency when on."""
        return self.pos if self.trend is None else self.trend

    def popularity_at(self, rows: np.ndarray, n_rows: int) -> np.ndarray:
        """Log-damped positive counts of `rows`, scaled to [0, 1] over the first `n_rows`
        (log is monotone, so the scale is the log of the largest count: no other row is read)."""
        counts = self.liked_counts
        top = float(np.log1p(counts[:n_rows].max())) if n_rows else 0.0
        p = np.log1p(counts[rows])
        return p / top if top > 0 else p

    def popularity_or_predicted(self, rows: np.ndarray, n_rows: int, share: float) -> np.ndarray:
        """`popularity_at`, with `share` × the taste map's predicted reach for the rows the
        log does not know (a brand-new item), on the same scale and never above the most
        liked item. Without it a new item that matches a visitor's sentence perfectly still
        loses to every liked item that matches it nearly as well. The ridge's prediction is
        shrunk towards the average item, and the other crowd parts (similar users, profile
        groups) cannot see a new item at all, hence a `share` above 1 by default
        (`RecommenderConfig.new_item_popularity`, scripts/new_item_text_eval.py)."""
        p = self.popularity_at(rows, n_rows)
        if share > 0 and self.taste is not None and self.taste.reach is not None:
            top = float(np.log1p(self.liked_counts[:n_rows].max())) if n_rows else 0.0
            if top > 0:
                p = p + np.minimum(share * self.taste.reach_at(rows), top) / top
        return p

    def quality(self, n_rows: int, shrinkage: float = 10.0) -> np.ndarray:
        """Mean rating shrunk to the global mean, centred: >0 better-liked than average."""
        return self.quality_at(np.arange(n_rows), shrinkage)

    def quality_at(self, rows: np.ndarray, shrinkage: float = 10.0) -> np.ndarray:
        n = self.rating_n[rows]
        mean = (self.rating_sum[rows] + shrinkage * self.global_rating_mean) / (n + shrinkage)
        return mean - self.global_rating_mean

    def quality_or_predicted(self, rows: np.ndarray) -> np.ndarray:
        """`quality_at`, with the taste map's prediction for rows nobody has rated yet."""
        out = self.quality_at(rows)
        if self.taste is not None and self.taste.quality is not None:
            unrated = self.rating_n[rows] == 0
            if unrated.any():
                out[unrated] = self.taste.quality_at(rows[unrated])
        return out

    def demographic_at(
        self, attributes: dict[str, Any], rows: np.ndarray, n_rows: int
    ) -> tuple[np.ndarray, list[str]]:
        """Popularity of `rows` among users who share each attribute, averaged; and which
        groups matched."""
        total = np.zeros(rows.shape[0], dtype=np.float64)
        matched: list[str] = []
        for key, value in attributes.items():
            v = attribute_value(key, value)
            arr = self.groups.get((key, v)) if v is not None else None
            if arr is None:
                continue
            top = float(np.log1p(arr[:n_rows].max())) if n_rows else 0.0
            if top > 0:
                total += np.log1p(arr[rows]) / top
                matched.append(f"{key}={value}")
        return (total / len(matched) if matched else total), matched

    def cooccurrence_sparse(self, rows: np.ndarray, prefs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Sum over history items of pref × cosine co-occurrence, as the non-zero (rows, values):
        a few hundred entries, so a request need not materialise a catalogue-sized vector."""
        empty = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))
        if self.cooc is None or rows.size == 0:
            return empty
        valid = rows < self.cooc.shape[0]
        if not valid.any():
            return empty
        weights = sp.csr_matrix(
            (prefs[valid], (np.zeros(int(valid.sum()), dtype=np.int64), rows[valid])),
            shape=(1, self.cooc.shape[0]),
        )
        s = (weights @ self.cooc).tocsr()
        s.sum_duplicates()
        return s.indices.astype(np.int64), s.data.astype(np.float64)


def item_cooccurrence(users: np.ndarray, rows: np.ndarray, n_rows: int, keep: int = 100) -> sp.csr_matrix:
    """Cosine item–item co-occurrence over users' positive sets, top `keep` per item.

    Truncating to the strongest neighbours keeps memory linear in the catalogue and removes
    the long tail of one-off co-occurrences that is mostly noise.
    """
    codes, _ = pd.factorize(pd.Series(users))
    x = sp.csr_matrix((np.ones(len(rows)), (codes, rows)), shape=(int(codes.max()) + 1, n_rows))
    x.data[:] = 1.0
    x.sum_duplicates()
    x.data[:] = 1.0
    c = (x.T @ x).tocsr().astype(np.float64)
    c.setdiag(0.0)
    c.eliminate_zeros()
    deg = np.sqrt(np.asarray(x.sum(axis=0)).ravel())
    deg[deg == 0] = 1.0
    c = sp.diags(1.0 / deg) @ c @ sp.diags(1.0 / deg)
    c = c.tocsr()
    rows_out, cols_out, vals_out = [], [], []
    for i in range(c.shape[0]):
        start, end = c.indptr[i], c.indptr[i + 1]
        if end == start:
            continue
        vals = c.data[start:end]
        cols = c.indices[start:end]
        if vals.size > keep:
            top = np.argpartition(-vals, keep - 1)[:keep]
            vals, cols = vals[top], cols[top]
        rows_out.append(np.full(vals.size, i))
        cols_out.append(cols)
        vals_out.append(vals)
    if not rows_out:
        return sp.csr_matrix((n_rows, n_rows))
    return sp.csr_matrix(
        (np.concatenate(vals_out), (np.concatenate(rows_out), np.concatenate(cols_out))), shape=(n_rows, n_rows)
    )
