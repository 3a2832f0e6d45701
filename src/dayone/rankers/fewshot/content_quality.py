"""How good an item looks from its description alone, learned from the population's flags.

One idea: most targets have been rated by only a handful of other users (on tallrec-movie
the median is 2), so their population like rate (:mod:`population`) is mostly prior. But
items whose text resembles well-liked items tend to be liked too (older films that are still
rated survived for a reason; some genres are rated kinder than others), and that regularity
can be learned from the population itself: a ridge regression from the item's embedding (plus
year and genre/tag indicators when the catalogue has them) to the item's smoothed like-rate
log-odds, weighted by how many ratings the item has.

The prediction for an item the population has rated is **cross-fitted**: it comes from a
ridge fitted on the other item folds, so an item's own flags (which, on sliding-window test
sets, include the requesting user's answer about that very item) never shape its own prior.
Items nobody rated get the full fit. The ridge strength is chosen by the weighted correlation
of the cross-fitted predictions with the observed rates -- population flags, not labels of
the rows being scored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .features import _tags, _year, logit
from .population import Population

#: ridge strengths searched (the embedding is unit-norm, 384-768 wide)
ALPHAS: tuple[float, ...] = (1.0, 3.0, 10.0, 30.0, 100.0)
FOLDS = 5
#: below this many rated items the regression is not worth fitting
MIN_ITEMS = 50
#: more distinct tags than this (free-form tags, e.g. book categories) are not one-hot encoded
MAX_TAGS = 200


@dataclass
class ContentQuality:
    """Per-item log-odds gain over the base rate predicted from content (0 = no opinion)."""

    gain: dict[str, float] = field(default_factory=dict)
    default: float = 0.0
    alpha: float | None = None
    cross_fit_corr: float | None = None
    model: tuple[_Ridge, _Metadata] | None = None  # the full fit, for items seen later

    def __call__(self, item: str) -> float:
        return self.gain.get(item, self.default)

    def extend(
        self, vectors: Mapping[str, np.ndarray], items: Mapping[str, Mapping[str, Any]]
    ) -> None:
        """Predict items encoded after the fit (never overwrites a cross-fitted value)."""
        new = sorted(i for i in vectors if i not in self.gain)
        if self.model is None or not new:
            return
        ridge, meta = self.model
        X = np.c_[np.stack([vectors[i] for i in new]).astype(np.float64),
                  meta.rows([items.get(i) for i in new])]
        self.gain.update(zip(new, ridge.predict(X).tolist(), strict=True))

    @classmethod
    def fit(
        cls,
        population: Population,
        vectors: Mapping[str, np.ndarray],
        items: Mapping[str, Mapping[str, Any]],
        seed: int = 0,
    ) -> ContentQuality:
        rated = sorted(i for i in population.n if i in vectors)
        if len(rated) < MIN_ITEMS:
            return cls()
        base = population.base_rate()
        n = np.array([population.n[i] for i in rated], dtype=np.float64)
        k = np.array([population.k[i] for i in rated], dtype=np.float64)
        target = logit((k + 2.0 * base) / (n + 2.0)) - logit(base)
        meta = _Metadata.of([items.get(i) for i in rated])
        X = np.c_[np.stack([vectors[i] for i in rated]).astype(np.float64), meta.rows(
            [items.get(i) for i in rated])]
        folds = np.random.default_rng(seed).integers(0, FOLDS, len(rated))
        best: tuple[float, float, np.ndarray] | None = None
        for alpha in ALPHAS:
            pred = np.zeros(len(rated))
            for f in range(FOLDS):
                out = folds == f
                pred[out] = _ridge(X[~out], target[~out], n[~out], alpha).predict(X[out])
            corr = _weighted_corr(pred, target, n)
            if best is None or corr > best[0]:
                best = (corr, alpha, pred)
        assert best is not None
        corr, alpha, cross = best
        if not np.isfinite(corr) or corr <= 0:
            return cls(alpha=alpha, cross_fit_corr=float(corr) if np.isfinite(corr) else None)
        fitted = cls(
            gain=dict(zip(rated, cross.tolist(), strict=True)), alpha=alpha,
            cross_fit_corr=float(corr), model=(_ridge(X, target, n, alpha), meta),
        )
        fitted.extend(vectors, items)
        return fitted


@dataclass
class _Ridge:
    coef: np.ndarray
    intercept: float

    def predict(self, X: np.ndarray) -> np.ndarray:
        return np.asarray(X @ self.coef + self.intercept)


def _ridge(X: np.ndarray, y: np.ndarray, w: np.ndarray, alpha: float) -> _Ridge:
    """Weighted ridge with an unpenalised intercept (closed form; a few hundred columns)."""
    mu_x = (w[:, None] * X).sum(0) / w.sum()
    mu_y = float((w * y).sum() / w.sum())
    Xc, yc = X - mu_x, y - mu_y
    G = Xc.T @ (w[:, None] * Xc) + alpha * np.eye(X.shape[1])
    coef = np.linalg.solve(G, Xc.T @ (w * yc))
    return _Ridge(coef, mu_y - float(mu_x @ coef))


def _weighted_corr(a: np.ndarray, b: np.ndarray, w: np.ndarray) -> float:
    ma, mb = (w * a).sum() / w.sum(), (w * b).sum() / w.sum()
    cov = (w * (a - ma) * (b - mb)).sum()
    var = np.sqrt((w * (a - ma) ** 2).sum() * (w * (b - mb) ** 2).sum())
    return float(cov / var) if var > 0 else float("nan")


@dataclass
class _Metadata:
    """Year and genre/tag indicator columns, when the catalogue has them."""

    tags: list[str]
    has_year: bool

    @classmethod
    def of(cls, records: list[Mapping[str, Any] | None]) -> _Metadata:
        tags = sorted({t for r in records for t in _tags(r)})
        years = [_year(r) for r in records]
        return cls(tags if len(tags) <= MAX_TAGS else [], any(y is not None for y in years))

    def rows(self, records: list[Mapping[str, Any] | None]) -> np.ndarray:
        out = np.zeros((len(records), len(self.tags) + (2 if self.has_year else 0)))
        col = {t: j for j, t in enumerate(self.tags)}
        for r, rec in enumerate(records):
            for t in _tags(rec):
                if t in col:
                    out[r, col[t]] = 1.0
            if self.has_year:
                y = _year(rec)
                out[r, -2:] = ((y - 1990.0) / 10.0, 0.0) if y is not None else (0.0, 1.0)
        return out
