"""Pair features for (user history, target item): the vector ``v`` of the linear head θᵀv.

One idea: summarise "how does this target relate to what this user liked and disliked, and
to what everyone else thought of it" as a few dozen named numbers, plus an optional wide
block of embedding products. Every feature is defined for empty histories, unknown items
(zero vector) and missing metadata, so a cold request still gets a finite score.

Dense features (names in :data:`DENSE_NAMES`):
- ``user_rate_logit``: logit of the user's like rate, shrunk toward the population base rate
  with an empirical-Bayes strength (:func:`population.user_prior_strength`; a user with
  1/1 likes is not a 100 % liker).
- ``log_hist_len``: log(1 + history length): short histories make every other signal noisier.
- ``cos_liked_mean`` / ``cos_disliked_mean`` / ``sim_contrast``: cosine of the target to the
  mean liked / disliked embedding and their difference (0 where a group is empty).
- ``max_sim_liked`` / ``max_sim_disliked`` / ``mean_sim_liked`` / ``mean_sim_disliked``:
  nearest and average similarity to each group (the overall mean where a group is empty).
- ``kernel_gain``: logit of the similarity-weighted like rate minus ``user_rate_logit``
  (see :func:`kernel_like_rate`): how much the items *most like the target* move the odds.
- ``year_gap`` / ``target_year``: distance of the target's year to the history's median year
  and the year itself (decades; 0 when unknown).
- ``genre_liked`` / ``genre_disliked``: mean Jaccard overlap of the target's genres/tags with
  liked / disliked items.
- ``author_liked`` / ``author_disliked``: share of liked / disliked items by the target's author.
- ``pop_log_n`` / ``pop_gain``: how many other users rated the target (log) and the log-odds
  by which their smoothed like rate exceeds the base rate (:mod:`population`).
- ``content_quality``: the like-rate log-odds gain the target's *description* predicts,
  learned from the population's flags on other items (:mod:`content_quality`; 0 without one).

Wide block (optional): the target embedding ``e_t`` (what kinds of items are liked at all,
seed §4 literally) and ``(ū_liked − ū_disliked) ⊙ e_t`` (user description ⊙ item
description, a per-dimension taste match).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .describe import _as_list
from .population import Population, liked_flag, user_key

DENSE_NAMES: tuple[str, ...] = (
    "user_rate_logit",
    "log_hist_len",
    "cos_liked_mean",
    "cos_disliked_mean",
    "sim_contrast",
    "max_sim_liked",
    "max_sim_disliked",
    "mean_sim_liked",
    "mean_sim_disliked",
    "kernel_gain",
    "year_gap",
    "target_year",
    "genre_liked",
    "genre_disliked",
    "author_liked",
    "author_disliked",
    "pop_log_n",
    "pop_gain",
    "content_quality",
)

#: strength (pseudo-ratings) of the shrinkage toward the base rate
PRIOR_STRENGTH = 2.0
#: temperature of the similarity kernel; MiniLM cosines of related items differ by ~0.1-0.3
KERNEL_TEMPERATURE = 0.1


def logit(p: np.ndarray | float) -> np.ndarray:
    q = np.clip(np.asarray(p, dtype=np.float64), 1e-6, 1 - 1e-6)
    return np.asarray(np.log(q) - np.log1p(-q))


def kernel_like_rate(
    sims: np.ndarray, liked: np.ndarray, base: float, temperature: float = KERNEL_TEMPERATURE,
    strength: float = PRIOR_STRENGTH,
) -> float:
    """Similarity-weighted like rate, shrunk toward ``base``.

    Weights ``w_j = n · softmax(sim_j / T)`` sum to the history length n, so with a flat
    kernel this is exactly the smoothed like rate; a sharp kernel lets the items nearest to
    the target dominate. ``(Σ w_j l_j + a·base) / (n + a)``.
    """
    n = len(sims)
    if n == 0:
        return base
    z = sims / temperature
    w = np.exp(z - z.max())
    w = n * w / w.sum()
    return float((np.dot(w, liked) + strength * base) / (n + strength))


def _year(fields: Mapping[str, Any] | None) -> float | None:
    if not fields:
        return None
    y = fields.get("year")
    try:
        return float(y) if y not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _tags(fields: Mapping[str, Any] | None) -> frozenset[str]:
    if not fields:
        return frozenset()
    out: set[str] = set()
    for key in ("genres", "tags", "category"):
        out.update(v.lower() for v in _as_list(fields.get(key)))
    return frozenset(out)


def _author(fields: Mapping[str, Any] | None) -> str:
    if not fields:
        return ""
    return str(fields.get("author") or "").strip().lower()


@dataclass
class FeatureSet:
    """Features of a batch of requests, row-aligned with the requests."""

    dense: np.ndarray  # (n, len(DENSE_NAMES))
    wide: np.ndarray  # (n, 2*dim) or (n, 0)
    zero_shot: np.ndarray  # (n,) zero-shot log-odds, filled in by the scorer (zeroshot.py)


class PairFeaturizer:
    """Computes :class:`FeatureSet` rows from request dicts, items and item vectors."""

    def __init__(
        self,
        items: Mapping[str, Mapping[str, Any]],
        vectors: Mapping[str, np.ndarray],
        dim: int,
        population: Population,
        with_wide: bool = True,
        user_strength: float = PRIOR_STRENGTH,
        quality: Callable[[str], float] | None = None,
    ) -> None:
        self.items = items
        self.vectors = vectors
        self.dim = dim
        self.population = population
        self.base = population.base_rate()
        self.with_wide = with_wide
        self.user_strength = user_strength
        self.quality = quality
        self._zero = np.zeros(dim, dtype=np.float32)

    def _vec(self, item: str) -> np.ndarray:
        return self.vectors.get(item, self._zero)

    def transform(self, rows: Sequence[Mapping[str, Any]]) -> FeatureSet:
        dense = np.zeros((len(rows), len(DENSE_NAMES)), dtype=np.float64)
        wide = np.zeros((len(rows), 2 * self.dim if self.with_wide else 0), dtype=np.float32)
        for r, row in enumerate(rows):
            f, w = self._one(row)
            dense[r] = f
            if self.with_wide:
                wide[r] = w
        return FeatureSet(dense=dense, wide=wide, zero_shot=np.zeros(len(rows)))

    def _one(self, row: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        target = str(row.get("target"))
        hist = [
            (str(e["item"]), flag)
            for e in (row.get("history") or [])
            if e.get("item") is not None and (flag := liked_flag(e)) is not None
        ]
        n = len(hist)
        liked = np.array([1.0 if f else 0.0 for _, f in hist])
        k = float(liked.sum()) if n else 0.0
        base = self.base
        a = self.user_strength
        p_user = (k + a * base) / (n + a)

        e_t = self._vec(target)
        H = np.stack([self._vec(i) for i, _ in hist]) if n else np.zeros((0, self.dim))
        sims = H @ e_t if n else np.zeros(0)
        lmask = liked > 0.5
        dmask = ~lmask

        def group_mean_cos(mask: np.ndarray) -> float:
            if not mask.any():
                return 0.0
            m = H[mask].mean(axis=0)
            norm = float(np.linalg.norm(m))
            return float(m @ e_t / norm) if norm > 0 else 0.0

        cos_l = group_mean_cos(lmask)
        cos_d = group_mean_cos(dmask)
        contrast = cos_l - cos_d if (lmask.any() and dmask.any()) else 0.0
        overall = float(sims.mean()) if n else 0.0
        max_l = float(sims[lmask].max()) if lmask.any() else overall
        max_d = float(sims[dmask].max()) if dmask.any() else overall
        mean_l = float(sims[lmask].mean()) if lmask.any() else overall
        mean_d = float(sims[dmask].mean()) if dmask.any() else overall
        p_ker = kernel_like_rate(sims, liked, base, strength=a)
        kernel_gain = float(logit(p_ker) - logit(p_user))

        t_fields = self.items.get(target)
        ty = _year(t_fields)
        hy = [y for i, _ in hist if (y := _year(self.items.get(i))) is not None]
        year_gap = abs(ty - float(np.median(hy))) / 10.0 if (ty is not None and hy) else 0.0
        target_year = (ty - 1990.0) / 10.0 if ty is not None else 0.0

        t_tags = _tags(t_fields)

        def tag_overlap(flag: bool) -> float:
            vals = []
            for i, f in hist:
                if f != flag:
                    continue
                tags = _tags(self.items.get(i))
                union = t_tags | tags
                vals.append(len(t_tags & tags) / len(union) if union else 0.0)
            return float(np.mean(vals)) if vals else 0.0

        t_author = _author(t_fields)

        def author_share(flag: bool) -> float:
            group = [i for i, f in hist if f == flag]
            if not group or not t_author:
                return 0.0
            return sum(_author(self.items.get(i)) == t_author for i in group) / len(group)

        pn, pk = self.population.counts(target, user_key(row))
        p_item = (pk + PRIOR_STRENGTH * base) / (pn + PRIOR_STRENGTH)
        pop_gain = float(logit(p_item) - logit(base))

        dense = np.array(
            [
                float(logit(p_user)), np.log1p(n), cos_l, cos_d, contrast,
                max_l, max_d, mean_l, mean_d, kernel_gain,
                year_gap, target_year, tag_overlap(True), tag_overlap(False),
                author_share(True), author_share(False), np.log1p(pn), pop_gain,
                self.quality(target) if self.quality is not None else 0.0,
            ]
        )
        wide = np.zeros(0, dtype=np.float32)
        if self.with_wide:
            u = (H[lmask].mean(axis=0) if lmask.any() else self._zero) - (
                H[dmask].mean(axis=0) if dmask.any() else self._zero
            )
            wide = np.concatenate([e_t, u * e_t]).astype(np.float32)
        return dense, wide
