"""Interactions: who touched what, and how strongly they felt about it.

Sources disagree on the signal (stars, play counts, thumbs), so one table carries all of them
as optional columns and `preference` turns whichever is present into a single number.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

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


def preference(df: pd.DataFrame, rating_threshold: float | None = None) -> np.ndarray:
    """A signed preference per row in [-1, 1]: >0 liked, <0 disliked, small >0 merely seen.

    Explicit signals win: `liked`, then `rating` (centred on the threshold, default the midpoint
    of the observed scale), then implicit `weight` (always positive, log-damped, because a
    play count says "engaged", never "disliked").
    """
    n = len(df)
    pref = np.full(n, 0.5, dtype=np.float64)
    if n == 0:
        return pref
    ratings = df["rating"].to_numpy(dtype=float)
    has_r = ~np.isnan(ratings)
    if has_r.any():
        lo, hi = np.nanmin(ratings), np.nanmax(ratings)
        thr = rating_threshold if rating_threshold is not None else (lo + hi) / 2.0
        span = max(hi - thr, thr - lo, 1e-9)
        pref[has_r] = np.clip((ratings[has_r] - thr + 0.5) / span, -1.0, 1.0)
    weights = df["weight"].to_numpy(dtype=float)
    has_w = ~np.isnan(weights) & ~has_r
    if has_w.any():
        w = np.log1p(np.maximum(weights[has_w], 0.0))
        pref[has_w] = 0.3 + 0.7 * w / max(float(w.max()), 1e-9)
    liked = df["liked"].to_numpy(dtype=float)
    has_l = ~np.isnan(liked)
    pref[has_l] = np.where(liked[has_l] > 0.5, 1.0, -1.0)
    return pref
