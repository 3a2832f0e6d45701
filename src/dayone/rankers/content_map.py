"""From content to collaborative quantities, learned on warm items, applied to cold ones.

A brand-new item has text and attributes but no interactions. Ridge regressions fitted on warm
items map its content features (sentence embedding + attribute features) to what CF would know
about it: its latent factors (so warm users' factors can score it), its (log) popularity and
its mean rating. Ridge because there are only hundreds to thousands of warm items and the
embedding has hundreds of dimensions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.linear_model import Ridge, RidgeCV


def attribute_features(items: list[dict[str, Any]]) -> tuple[np.ndarray, list[str]]:
    """Generic numeric view of catalogue fields: list-valued fields become one-hot columns
    (genres, tags), numeric fields (year) are standardised, and a date-like `release_date`
    contributes its year. Rare list values (< 5 items) are dropped."""
    from collections import Counter

    list_counts: Counter[str] = Counter()
    numeric_keys: set[str] = set()
    for it in items:
        for k, v in it.items():
            if k == "id":
                continue
            if isinstance(v, list):
                list_counts.update(f"{k}={x}" for x in v)
            elif isinstance(v, int | float) and not isinstance(v, bool):
                numeric_keys.add(k)
    cols = sorted(c for c, n in list_counts.items() if n >= 5)
    index = {c: j for j, c in enumerate(cols)}
    num = sorted(numeric_keys)
    X = np.zeros((len(items), len(cols) + 2 * len(num)))
    for r, it in enumerate(items):
        for k, v in it.items():
            if isinstance(v, list):
                for x in v:
                    j = index.get(f"{k}={x}")
                    if j is not None:
                        X[r, j] = 1.0
        for j, k in enumerate(num):
            v = it.get(k)
            if isinstance(v, int | float) and not isinstance(v, bool):
                X[r, len(cols) + 2 * j] = float(v)
                X[r, len(cols) + 2 * j + 1] = 1.0
    for j in range(len(num)):
        c = len(cols) + 2 * j
        present = X[:, c + 1] > 0
        if present.any():
            mu, sd = X[present, c].mean(), X[present, c].std() or 1.0
            X[present, c] = (X[present, c] - mu) / sd
    names = cols + [f"{k}{suffix}" for k in num for suffix in ("", "?")]
    return X, names


@dataclass
class ContentRegressor:
    """content features -> target(s), ridge with an intercept."""

    source = "content-map"
    model: Ridge | RidgeCV

    @classmethod
    def fit(
        cls,
        X: np.ndarray,
        y: np.ndarray,
        alpha: float | None = None,
        weights: np.ndarray | None = None,
    ) -> ContentRegressor:
        """`alpha=None`: chosen by efficient leave-one-out CV over a log grid (the right
        strength depends on how many warm items there are and how noisy the target is)."""
        if alpha is None:
            cv = RidgeCV(alphas=(0.3, 1.0, 3.0, 10.0, 30.0, 100.0))
            return cls(cv.fit(X, y, sample_weight=weights))
        return cls(Ridge(alpha=alpha).fit(X, y, sample_weight=weights))

    def predict(self, X: np.ndarray) -> np.ndarray:
        return np.asarray(self.model.predict(X))
