"""From content to collaborative quantities, learned on warm items, applied to cold ones.

A brand-new item has text and attributes but no interactions. Ridge regressions fitted on warm
items map its content features (sentence embedding + attribute features) to what CF would know
about it: its latent factors (so warm users' factors can score it), its (log) popularity and
its mean rating. Ridge because there are only hundreds to thousands of warm items and the
embedding has hundreds of dimensions.
"""

from __future__ import annotations

import re
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
    are dropped, and only the `MAX_VALUE_COLUMNS` most frequent are kept (ties by name, so
    the choice does not depend on the order of a set)."""
    from collections import Counter

    categorical = categorical_keys(items)
    value_counts: Counter[str] = Counter()
    numeric_keys: set[str] = set()
    for it in items:
        for k, v in it.items():
            if k == "id":
                continue
            if isinstance(v, list) or k in categorical:
                value_counts.update(_values(k, v, k in categorical))
            if isinstance(v, int | float) and not isinstance(v, bool):
                numeric_keys.add(k)
    ranked = sorted(value_counts.items(), key=lambda c: (-c[1], c[0]))
    cols = sorted(c for c, n in ranked[:MAX_VALUE_COLUMNS] if n >= 5)
    index = {c: j for j, c in enumerate(cols)}
    num = sorted(numeric_keys)
    X = np.zeros((len(items), len(cols) + 2 * len(num)))
    for r, it in enumerate(items):
        for k, v in it.items():
            if isinstance(v, list) or k in categorical:
                for name in _values(k, v, k in categorical):
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


def _values(key: str, value: Any, categorical: bool) -> set[str]:
    """`key=value` column names of one field: a list's members, or a categorical text's
    "|"-separated labels (MovieLens writes "Action|Comedy"). A categorical field's values
    are lower-cased, list members included, so "Action" and ["Action"] are one column; a
    list field that never holds text keeps its members as they are."""
    if isinstance(value, list):
        if categorical:
            return {f"{key}={x.strip().lower()}" for x in value if isinstance(x, str) and x.strip()}
        return {f"{key}={x}" for x in value}
    if isinstance(value, str) and categorical:
        return {f"{key}={label}" for label in _labels(value)}
    return set()


def _labels(text: str) -> list[str]:
    """The category labels in one text value: its "|"-separated parts, lower-cased, without
    placeholders ("unknown", "n/a") and without numbers, prices or dates written as text."""
    parts = (p.strip().lower() for p in text.split("|"))
    return [p for p in parts if p and p not in PLACEHOLDERS and not _not_a_label(p)]


def categorical_keys(items: list[dict[str, Any]]) -> set[str]:
    """Text fields whose values items share: a category, a brand, an author, a genre written
    as text. Why: a news catalogue's `category` and a shop's `brand` are the first thing a
    reader's or buyer's history agrees on, and they were read only as words inside the
    description (a reviewer's news task ranked with no attribute affinity at all).
    A field counts when at least half of the items that carry it (with a value of any
    kind) hold a short label that four other items hold too. Titles, prose, links and dates
    by name never count (`field_roles`), nor do placeholders, numbers, prices and dates
    written as text: a runtime of 90-140 minutes with "unknown" on a tenth of the items
    stays a number."""
    from collections import Counter

    carriers: Counter[str] = Counter()
    labels: dict[str, list[list[str]]] = {}
    for it in items:
        for k, v in it.items():
            if v is None or v == "" or v == []:
                continue
            carriers[k] += 1
            if isinstance(v, str):
                labels.setdefault(k, []).append(_labels(v))
    keep = set()
    for k, per_item in labels.items():
        if k in PROSE_KEYS or k.lower() in PROSE_KEYS or key_words(k) & NOT_WORD_KEYS:
            continue
        counts = Counter(label for found in per_item for label in found)
        shared = sum(
            1
            for found in per_item
            if any(counts[x] >= 5 and len(x) <= SHORT_VALUE for x in found)
        )
        if shared >= 0.5 * carriers[k]:
            keep.add(k)
    return keep


# a categorical value is a label, not a sentence
SHORT_VALUE = 80
PLACEHOLDERS = frozenset({"unknown", "n/a", "na", "none", "null", "nan", "-", "--", "?",
                          "not available", "not specified", "未知", "无"})
_DATE = re.compile(r"^\d{1,4}[-/.]\d{1,2}([-/.]\d{1,4})?([ t].*)?$|^\d{1,2}[-/. ][a-z]{3,9}[-/. ]\d{2,4}$")


def _not_a_label(text: str) -> bool:
    """A number, a price or a percentage ("$9.99", "1,299", "15%"), or a date ("2019-03-01",
    "01-Jan-1995") written as text."""
    if _DATE.match(text):
        return True
    bare = text.strip().lstrip("$€£¥").rstrip("%").replace(",", "").strip()
    try:
        float(bare)
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
