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

from dayone.data.field_roles import NOT_WORD_KEYS, PROSE_KEYS, key_words

# the most frequent attribute values kept as columns: a catalogue of 100k products has
# thousands of brands shared by five or more items, and the content maps' ridge grows with
# the square of the columns
MAX_VALUE_COLUMNS = 512


def attribute_features(items: list[dict[str, Any]]) -> tuple[np.ndarray, list[str]]:
    """Generic numeric view of catalogue fields: list-valued fields (genres, tags) and
    categorical text fields (a news `category`, a `brand`, an `artist`; `categorical_keys`)
    become one-hot columns, numeric fields (year) are standardised. Rare values (< 5 items)
    are dropped, and only the `MAX_VALUE_COLUMNS` most frequent are kept."""
    from collections import Counter

    categorical = categorical_keys(items)
    value_counts: Counter[str] = Counter()
    numeric_keys: set[str] = set()
    for it in items:
        for k, v in it.items():
            if k == "id":
                continue
            if isinstance(v, list) or k in categorical:
                value_counts.update(_values(k, v))
            elif isinstance(v, int | float) and not isinstance(v, bool):
                numeric_keys.add(k)
    frequent = [c for c, n in value_counts.most_common() if n >= 5][:MAX_VALUE_COLUMNS]
    cols = sorted(frequent)
    index = {c: j for j, c in enumerate(cols)}
    num = sorted(numeric_keys)
    X = np.zeros((len(items), len(cols) + 2 * len(num)))
    for r, it in enumerate(items):
        for k, v in it.items():
            if isinstance(v, list) or k in categorical:
                for name in _values(k, v):
                    j = index.get(name)
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


def _values(key: str, value: Any) -> set[str]:
    """`key=value` column names of one field: a list's members, or a text's "|"-separated
    parts (MovieLens writes "Action|Comedy"), text lower-cased."""
    if isinstance(value, list):
        return {f"{key}={x}" for x in value}
    if isinstance(value, str):
        return {f"{key}={p.strip().lower()}" for p in value.split("|") if p.strip()}
    return set()


def categorical_keys(items: list[dict[str, Any]]) -> set[str]:
    """Text fields whose values items share: a category, a brand, an author, a genre written
    as text. Why: a news catalogue's `category` and a shop's `brand` are the first thing a
    reader's or buyer's history agrees on, and they were read only as words inside the
    description (a reviewer's news task ranked with no attribute affinity at all).
    A field counts when at least half of the items that have it share its value with four
    others and its values are short; titles, prose, links, dates and numbers written as
    text never count (`field_roles`)."""
    from collections import Counter

    seen: dict[str, Counter[str]] = {}
    for it in items:
        for k, v in it.items():
            if isinstance(v, str) and v.strip():
                seen.setdefault(k, Counter()).update(
                    p.strip().lower() for p in v.split("|") if p.strip()
                )
    keep = set()
    for k, counts in seen.items():
        if k in PROSE_KEYS or k.lower() in PROSE_KEYS or key_words(k) & NOT_WORD_KEYS:
            continue
        total = sum(counts.values())
        shared = sum(n for n in counts.values() if n >= 5)
        long = sum(n for v, n in counts.items() if len(v) > SHORT_VALUE)
        numbers = sum(n for v, n in counts.items() if _is_number(v))
        if shared >= 0.5 * total and long < 0.5 * total and numbers < 0.5 * total:
            keep.add(k)
    return keep


# a categorical value is a label, not a sentence
SHORT_VALUE = 80


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


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
