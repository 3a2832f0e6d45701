"""``build_binary_scorer``: the entry point ``dayone run-bench`` calls for binary tasks.

One idea: assemble the learners of this package into "requests in, one finite score out",
choosing how much to trust the few labels by cross-validation inside the train rows.

- no labels (``setting="zero-shot"``, an empty or one-class train set): the fixed zero-shot
  log-odds (:mod:`zeroshot`);
- labels: the linear head anchored to the zero-shot scorer (:mod:`linear_head`), optionally
  blended with the fine-tuned cross-encoder (:mod:`finetune`) when internal CV says it helps.

Fitting happens on the first call, because the population features (:mod:`population`)
pool the rated histories of the batch being scored with the train rows; later calls reuse
the fitted head and recompute the population with their own batch. Call it once with the
whole batch for the documented behaviour.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict
from threadpoolctl import threadpool_limits

from .cloze import cloze_rows, with_sampled_negatives
from .content_quality import ContentQuality
from .describe import item_text
from .encoder import TextEncoder, VectorCache, as_dict, default_encoder
from .features import FeatureSet, PairFeaturizer
from .linear_head import (
    INF,
    CVReport,
    HeadParams,
    Standardiser,
    choose_regularisation,
    fit_head,
    predict_head,
)
from .population import (
    Population,
    rating_like_threshold,
    user_prior_strength,
    weight_like_threshold,
    with_like_flags,
)
from .zeroshot import REACH_TERMS, TERMS, ZeroShotWeights, calibrate

Scorer = Callable[[list[dict[str, Any]]], np.ndarray]


class FewShotConfig(BaseModel):
    """Options of the binary few-shot scorer (defaults are what the bench numbers use)."""

    model_config = ConfigDict(extra="forbid")

    transductive: bool = True
    """Pool the rated histories of the scored batch into the population features."""
    wide: bool = True
    """Offer the wide embedding-product block to the head (CV may still switch it off)."""
    content_quality: bool = True
    """Learn an item-quality prior from descriptions on the population's flags."""
    finetune: Literal["off", "auto", "on"] = "off"
    """Fine-tuned cross-encoder: never, when internal CV says it helps, or always."""
    finetune_seeds: int = 3
    cloze_rows: int = 4000
    """Cap on history-cloze pseudo-rows used to calibrate the zero-shot weights."""
    cv_repeats: int = 3
    cache_dir: str | None = None
    """Directory for the item-vector cache (npz), e.g. ``.dayone-cache``."""


def _request_items(rows: Sequence[Mapping[str, Any]]) -> set[str]:
    out: set[str] = set()
    for r in rows:
        if r.get("target") is not None:
            out.add(str(r["target"]))
        out.update(str(e["item"]) for e in (r.get("history") or []) if e.get("item") is not None)
    return out


class _Context:
    """Everything fixed by the batch a scorer was prepared on: population, EB strength,
    zero-shot weights. Transforms any rows (train, chunks of requests) consistently."""

    def __init__(self, owner: BinaryFewShotScorer, feat: PairFeaturizer,
                 weights: ZeroShotWeights) -> None:
        self.owner = owner
        self.feat = feat
        self.weights = weights

    def transform(self, rows: Sequence[Mapping[str, Any]]) -> FeatureSet:
        missing = _request_items(rows) - set(self.feat.vectors)
        if missing:  # rows outside the prepared batch: encode their items too
            extra, _ = self.owner._vectors(missing)
            self.feat.vectors = {**self.feat.vectors, **extra}
            if self.owner.content_quality is not None:
                self.owner.content_quality.extend(extra, self.owner.items)
        fs = self.feat.transform(rows)
        fs.zero_shot = self.weights.score(fs.dense)
        return fs


class BinaryFewShotScorer:
    """Stateful callable behind :func:`build_binary_scorer` (exposes what it chose)."""

    def __init__(
        self, items: Sequence[Mapping[str, Any]], train: Sequence[Mapping[str, Any]],
        setting: str, seed: int, encoder: TextEncoder | None, config: FewShotConfig,
    ) -> None:
        self.items = {str(it["id"]): as_dict(it) for it in items}
        self.train = [as_dict(r) for r in train]
        self.setting = setting
        self.seed = seed
        self.config = config
        self._encoder = encoder
        self._cache: VectorCache | None = None
        labels = np.array([int(r["label"]) for r in self.train if r.get("label") is not None])
        self.train = [r for r in self.train if r.get("label") is not None]
        self.y = labels.astype(np.float64)
        self.use_labels = (
            setting != "zero-shot" and len(self.y) >= 4 and 0 < self.y.sum() < len(self.y)
        )
        self.head: HeadParams | None = None
        self.cv: CVReport | None = None
        self.finetuned: Any = None
        self.blend_weight: float = 0.0
        self.zero_shot_weights: ZeroShotWeights | None = None
        self.content_quality: ContentQuality | None = None
        self.blend_cv: dict[float, float] = {}
        self._context: _Context | None = None
        self._sd: Standardiser | None = None
        self._sw: Standardiser | None = None
        self._f_tr: FeatureSet | None = None
        self._ft_term: dict[str, float] = {}
        self.timings: dict[str, float] = {}
        self.like_threshold: float | None = None  # for rated histories; set by `prepare`
        self.weight_threshold: float | None = None  # for strength-only histories; likewise

    # -- vectors -------------------------------------------------------------------------
    def _vectors(self, ids: set[str]) -> tuple[dict[str, np.ndarray], int]:
        if self._cache is None:
            enc = self._encoder if self._encoder is not None else default_encoder()
            cache_dir = Path(self.config.cache_dir) if self.config.cache_dir else None
            self._cache = VectorCache(enc, cache_dir)
        known = sorted(i for i in ids if i in self.items)
        texts = [item_text(self.items[i]) for i in known]
        mat = self._cache.encode(texts) if texts else np.zeros((0, 1), np.float32)
        dim = int(mat.shape[1]) if len(known) else int(getattr(self._cache.encoder, "dim", 1) or 1)
        return {i: mat[j] for j, i in enumerate(known)}, dim

    # -- scoring -------------------------------------------------------------------------
    def prepare(self, requests: Sequence[Mapping[str, Any]]) -> None:
        """Fit against the whole batch ``requests`` before scoring it in chunks.

        The population features, the cloze calibration and the standardisation pool the
        batch's histories, so a caller that scores in chunks should call this once with all
        requests first; otherwise the first chunk is taken as the batch.
        """
        reqs = [as_dict(r) for r in requests]
        self.like_threshold = rating_like_threshold([*self.train, *reqs])
        self.weight_threshold = weight_like_threshold([*self.train, *reqs])
        self.train = with_like_flags(self.train, self.like_threshold, self.weight_threshold)
        reqs = with_like_flags(reqs, self.like_threshold, self.weight_threshold)
        self._context = self._build_context(reqs)
        f_tr = self._context.transform(self.train)
        f_rq = self._context.transform(reqs)
        self._sd = Standardiser.fit(np.vstack([f_tr.dense, f_rq.dense]))
        self._sw = Standardiser.fit(np.vstack([f_tr.wide, f_rq.wide]))
        self._f_tr = f_tr
        if not self.use_labels:
            return
        d_tr, w_tr = self._sd(f_tr.dense), self._sw(f_tr.wide)
        t0 = time.perf_counter()
        # many small solves: one BLAS thread avoids oversubscribing 2 shared cores
        with threadpool_limits(1):
            self.cv = choose_regularisation(
                f_tr.zero_shot, d_tr, w_tr, self.y, self.seed, repeats=self.config.cv_repeats
            )
            lam_d, lam_w = self.cv.chosen
            self.head = fit_head(f_tr.zero_shot, d_tr, w_tr, self.y, lam_d, lam_w)
        self.timings["cv_and_fit"] = time.perf_counter() - t0
        if self.config.finetune != "off":
            t0 = time.perf_counter()
            from .finetune import blend_with_finetuned

            term, self.blend_weight, self.finetuned = blend_with_finetuned(
                self, reqs, f_tr, d_tr, w_tr
            )
            self._ft_term = {str(r.get("id")): float(v) for r, v in zip(reqs, term, strict=True)}
            self.timings["finetune"] = time.perf_counter() - t0

    def _build_context(self, requests: Sequence[Mapping[str, Any]]) -> _Context:
        pool: list[Mapping[str, Any]] = list(self.train)
        if self.config.transductive:
            pool += list(requests)
        pop = Population.from_rows(pool, labelled=self.train)
        pseudo = cloze_rows(pool, requests, self.config.cloze_rows, self.seed)
        sampled = with_sampled_negatives(pseudo, sorted(self.items), self.seed)
        terms = REACH_TERMS if len(sampled) > len(pseudo) else TERMS
        pseudo = sampled
        t0 = time.perf_counter()
        vectors, dim = self._vectors(_request_items([*requests, *self.train, *pseudo]))
        t1 = time.perf_counter()
        strength = user_prior_strength(pool)
        quality = (
            ContentQuality.fit(pop, vectors, self.items, self.seed)
            if self.config.content_quality else None
        )
        self.content_quality = quality
        feat = PairFeaturizer(self.items, vectors, dim, pop, with_wide=self.config.wide,
                              user_strength=strength, quality=quality)
        f_cz = PairFeaturizer(self.items, vectors, dim, pop, with_wide=False,
                              user_strength=strength, quality=quality).transform(pseudo)
        y_cz = np.array([p["label"] for p in pseudo], dtype=np.float64)
        weights = calibrate(f_cz.dense, y_cz, terms)
        self.zero_shot_weights = weights
        self.timings.update(encode=t1 - t0, calibrate=time.perf_counter() - t1)
        return _Context(self, feat, weights)

    def featurize(self, requests: Sequence[Mapping[str, Any]]) -> tuple[FeatureSet, FeatureSet]:
        """Features of (train rows, requests) under a context built from this batch."""
        requests = with_like_flags([as_dict(r) for r in requests], self.like_threshold,
                                   self.weight_threshold)
        ctx = self._build_context(requests)
        return ctx.transform(self.train), ctx.transform(requests)

    def __call__(self, requests: list[dict[str, Any]]) -> np.ndarray:
        reqs = [as_dict(r) for r in requests]
        if not reqs:
            return np.zeros(0)
        if self._context is None:
            self.prepare(reqs)
        reqs = with_like_flags(reqs, self.like_threshold, self.weight_threshold)
        assert self._context is not None and self._sd is not None and self._sw is not None
        t0 = time.perf_counter()
        f_rq = self._context.transform(reqs)
        self.timings["features"] = self.timings.get("features", 0.0) + time.perf_counter() - t0
        if not self.use_labels or self.head is None:
            return np.nan_to_num(f_rq.zero_shot, nan=0.0, posinf=0.0, neginf=0.0)
        d_rq, w_rq = self._sd(f_rq.dense), self._sw(f_rq.wide)
        out = predict_head(self.head, f_rq.zero_shot, d_rq, w_rq)
        if self._ft_term:
            out = out + np.array([self._ft_term.get(str(r.get("id")), 0.0) for r in reqs])
        return np.nan_to_num(out, nan=0.0, posinf=0.0, neginf=0.0)

    def describe_choice(self) -> dict[str, Any]:
        """What was used: for logs and the docs table."""
        lam = self.cv.chosen if self.cv else (INF, INF)
        return {
            "mode": "head" if self.use_labels else "zero-shot",
            "lam_dense": lam[0], "lam_wide": lam[1],
            "cv_auc": self.cv.scores.get(lam) if self.cv else None,
            "cv_auc_zero_shot": self.cv.scores.get((INF, INF)) if self.cv else None,
            "alpha": self.head.alpha if self.head else 1.0,
            "blend_weight": self.blend_weight,
            "zero_shot_weights": list(self.zero_shot_weights.weights)
            if self.zero_shot_weights else None,
            "zero_shot_source": self.zero_shot_weights.source if self.zero_shot_weights else None,
            "content_quality": {
                "alpha": self.content_quality.alpha,
                "cross_fit_corr": self.content_quality.cross_fit_corr,
                "items": len(self.content_quality.gain),
            } if self.content_quality else None,
            "blend_cv": self.blend_cv,
            "finetune_spread": self.finetuned.spread() if self.finetuned else None,
            "timings": {k: round(v, 2) for k, v in self.timings.items()},
        }


def build_binary_scorer(
    items: list[dict[str, Any]], train: list[dict[str, Any]], setting: str, seed: int,
    encoder: TextEncoder | None = None, config: FewShotConfig | None = None,
) -> Scorer:
    """Scorer for binary like/dislike requests (``history`` of ``{item, liked}``, ``target``).

    ``items``: catalogue records (``id``, ``title``, optional year/genres/author...);
    ``train``: labelled request-shaped rows (may be empty); ``setting``: ``"zero-shot"``
    ignores labels, anything else (``"few-shot"``/``"trained"``) uses them; ``encoder``: any
    object with ``encode(texts, batch_size=, show_progress=)`` returning unit rows, or None
    for the packaged MiniLM. Returns a callable mapping a list of requests to one finite
    score per request, higher = more likely liked.
    """
    return BinaryFewShotScorer(items, train, setting, seed, encoder, config or FewShotConfig())
