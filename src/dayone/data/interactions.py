"""Interactions: who touched what, and how strongly they felt about it.

Sources disagree on the signal (stars, play counts, thumbs), so one table carries all of them
as optional columns and `preference` turns whichever is present into a single number.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from dayone.data.errors import DataError

INTERACTION_COLUMNS = ["user", "item", "rating", "weight", "liked", "ts"]


def empty_interactions() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "user": pd.Series([], dtype=str),
            "item": pd.Series([], dtype=str),
            "rating": pd.Series([], dtype=float),
            "weight": pd.Series([], dtype=float),
            "liked": pd.Series([], dtype=float),
            "ts": pd.Series([], dtype=float),
        }
    )


def normalise_interactions(df: pd.DataFrame) -> pd.DataFrame:
    """Return a copy with all six columns, string ids and float signals (NaN = absent)."""
    out = pd.DataFrame({"user": df["user"].astype(str), "item": df["item"].astype(str)})
    for col in ("rating", "weight", "ts"):
        out[col] = pd.to_numeric(df[col], errors="raise") if col in df else np.nan
    if "liked" in df:
        out["liked"] = df["liked"].map(
            lambda v: np.nan if v is None or (isinstance(v, float) and np.isnan(v)) else float(bool(v))
        )
    else:
        out["liked"] = np.nan
    out[["rating", "weight", "liked", "ts"]] = out[["rating", "weight", "liked", "ts"]].astype(float)
    return out[INTERACTION_COLUMNS].reset_index(drop=True)


class Interaction(NamedTuple):
    """One normalised interaction row (the columns of INTERACTION_COLUMNS; NaN = absent)."""

    user: str
    item: str
    rating: float
    weight: float
    liked: float
    ts: float


def _number(record: Mapping[str, Any], name: str, row: int) -> float:
    v = record.get(name)
    if v is None:
        return math.nan
    try:
        if isinstance(v, bool):
            raise TypeError
        return float(v)
    except (TypeError, ValueError):
        raise DataError(f"{name} must be a number, got {v!r}", row=row, field=name) from None


def interaction_records(records: Sequence[Mapping[str, Any]]) -> list[Interaction]:
    """`normalise_interactions` for a handful of records, without building a DataFrame.

    Online events arrive one or a few at a time; pandas costs about a millisecond per call
    whatever the size, which was most of the time of recording an event. Same rules, and an
    error names the row (1-based) and the field.
    """
    out = []
    for n, r in enumerate(records, start=1):
        ids = []
        for name in ("user", "item"):
            v = r.get(name)
            if v is None or (isinstance(v, float) and math.isnan(v)) or str(v) == "":
                raise DataError(f"missing {name}", row=n, field=name)
            ids.append(str(v))
        liked = r.get("liked")
        lk = math.nan if liked is None or (isinstance(liked, float) and math.isnan(liked)) else float(bool(liked))
        out.append(Interaction(ids[0], ids[1], _number(r, "rating", n), _number(r, "weight", n), lk,
                               _number(r, "ts", n)))
    return out


def interactions_frame(rows: Sequence[Interaction]) -> pd.DataFrame:
    if not rows:
        return empty_interactions()
    return pd.DataFrame.from_records(rows, columns=INTERACTION_COLUMNS).astype(
        {"rating": float, "weight": float, "liked": float, "ts": float}
    )


def preference(df: pd.DataFrame, rating_threshold: float | None = None,
               rating_range: tuple[float, float] | None = None,
               weight_scale: float | None = None) -> np.ndarray:
    """A signed preference per row in [-1, 1]: >0 liked, <0 disliked, small >0 merely seen.

    Explicit signals win: `liked`, then `rating` (centred on the threshold, default the midpoint
    of the observed scale), then implicit `weight` (always positive, log-damped, because a
    play count says "engaged", never "disliked"). `rating_range` is the scale seen so far: a
    batch of one rating has no range of its own, and a lone 1-star must not read as a like.
    """
    return preference_arrays(df["rating"].to_numpy(dtype=float), df["weight"].to_numpy(dtype=float),
                             df["liked"].to_numpy(dtype=float), rating_threshold, rating_range,
                             weight_scale)


def weight_scale(weights: np.ndarray) -> float | None:
    """The strength at which an implicit interaction counts fully: the 90th percentile of the
    log's positive weights. A percentile, not the maximum, so that one listener's 11,000
    plays (or a stray 1e12) does not shrink everyone else's to "barely engaged"; and one
    number for the whole log, kept by the model, so an event that arrives alone later is
    read on the same scale as the build's."""
    w = weights[np.isfinite(weights) & (weights > 0)]
    return float(np.percentile(w, 90)) if w.size else None


def default_like_threshold(ratings: np.ndarray) -> float:
    """The rating from which an item counts as clearly liked when none is configured: the top
    quarter of the observed scale (1-5 -> 4, 0-10 -> 7.5, 0.5-5 -> 3.875), the usual
    "relevant" cut of rating data. The scale's ends are read past the rarest 0.1% at each
    end (`rating_scale`), so in a log of 1,000 ratings or more one stray -3 among 1-5
    ratings does not move every like (in a smaller one it still does)."""
    lo, hi = rating_scale(ratings)
    return lo + 0.75 * (hi - lo)


def rating_scale(ratings: np.ndarray) -> tuple[float, float]:
    """The observed rating scale (low, high): the smallest and largest values once the rarest
    0.1% of ratings at each end are set aside. Below 1,000 ratings that is the plain min and
    max; above it a handful of outliers (a typo, a sentinel) cannot stretch the scale."""
    r = np.asarray(ratings, dtype=float)
    return float(np.quantile(r, 0.001, method="lower")), float(np.quantile(r, 0.999, method="higher"))


def liked_mask(df: pd.DataFrame, rating_threshold: float | None = None) -> np.ndarray:
    """Which interactions are likes worth recommending more of: an explicit `liked` flag, else
    a rating at or above `rating_threshold` (default `default_like_threshold` of the log's
    scale), else any implicit interaction.

    Why not `preference(...) > 0`: that sign says which side of the scale's midpoint a rating
    falls on, so a 3 of 5 counts as a (weak) like, which is right for weighing a visitor's
    picks but wrong as a *target*. Learning what to recommend from targets that include
    lukewarm ratings rewards strategies that predict what people watch rather than what they
    like (the learned hand-over did exactly that; docs/evaluation/README.md)."""
    ratings = df["rating"].to_numpy(dtype=float)
    liked = df["liked"].to_numpy(dtype=float)
    mask = np.ones(len(df), dtype=bool)
    has_r = ~np.isnan(ratings)
    if has_r.any():
        thr = rating_threshold if rating_threshold is not None else default_like_threshold(ratings[has_r])
        mask[has_r] = ratings[has_r] >= thr
    weights = df["weight"].to_numpy(dtype=float)
    mask[~has_r & (weights == 0)] = False  # listed but never played: no like
    has_l = ~np.isnan(liked)
    mask[has_l] = liked[has_l] > 0.5
    return mask


def preference_arrays(ratings: np.ndarray, weights: np.ndarray, liked: np.ndarray,
                      rating_threshold: float | None = None,
                      rating_range: tuple[float, float] | None = None,
                      weight_scale: float | None = None) -> np.ndarray:
    """`preference` on arrays. `weight_scale` is the strength that counts fully (`weight_scale`
    of the log); without one the batch's own largest does, as before any log is known."""
    n = ratings.shape[0]
    pref = np.full(n, 0.5, dtype=np.float64)
    if n == 0:
        return pref
    has_r = ~np.isnan(ratings)
    if has_r.any():
        lo, hi = np.nanmin(ratings), np.nanmax(ratings)
        if rating_range is not None:
            lo, hi = min(lo, rating_range[0]), max(hi, rating_range[1])
        thr = rating_threshold if rating_threshold is not None else (lo + hi) / 2.0
        span = max(hi - thr, thr - lo, 1e-9)
        pref[has_r] = np.clip((ratings[has_r] - thr + 0.5) / span, -1.0, 1.0)
    has_w = ~np.isnan(weights) & ~has_r
    if has_w.any():
        w = np.log1p(np.maximum(weights[has_w], 0.0))
        full = np.log1p(weight_scale) if weight_scale else float(w.max())
        # a zero strength (listed, never played) is no sign of liking: neutral
        pref[has_w] = np.where(w > 0, 0.3 + 0.7 * np.minimum(w / max(full, 1e-9), 1.0), 0.0)
    has_l = ~np.isnan(liked)
    pref[has_l] = np.where(liked[has_l] > 0.5, 1.0, -1.0)
    return pref
