"""Strategies under evaluation: a strategy is a callable (request dict) -> ranked item ids
(ranking requests) or a score (binary requests, those with a ``target``).

Baselines and dayone's own recommenders go through this one shape, built from a split's
`TrainingView` only, so every strategy sees exactly the same data and nothing else. The dayone
adapters talk to the public `Recommender` API and to the bench runner through the bench file
format (a task folder without truth), so they keep working while those parts evolve.
"""

from __future__ import annotations

import json
import tempfile
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
import pandas as pd
import scipy.sparse as sp

from dayone.data.interactions import default_like_threshold
from dayone.evaluation.datasets import positive_mask
from dayone.evaluation.protocols import TrainingView, age_band


@runtime_checkable
class Strategy(Protocol):
    name: str

    def __call__(self, request: dict[str, Any]) -> list[str] | float: ...


class BatchStrategy(Protocol):
    """Optional: strategies that answer a whole group at once (e.g. through the bench runner)."""

    def prepare(self, requests: Sequence[dict[str, Any]]) -> None: ...


StrategyFactory = Callable[[TrainingView, "StrategyOptions"], Strategy]


class StrategyOptions:
    """Run-wide settings a strategy may need (seed, encoder name, cache folder)."""

    def __init__(
        self,
        seed: int = 0,
        encoder: str = "default",
        cache_dir: str | None = None,
        group_by: Sequence[str] = ("gender", "age_band"),
        recommender: dict[str, Any] | None = None,
    ) -> None:
        self.seed = seed
        self.encoder = encoder
        self.cache_dir = cache_dir
        self.group_by = list(group_by)
        self.recommender = dict(recommender or {})  # RecommenderConfig settings for `dayone`
        self._encoder_obj: Any = None

    def get_encoder(self) -> Any:
        if self._encoder_obj is None:
            from dayone.encoders import get_encoder

            self._encoder_obj = get_encoder(self.encoder, cache_dir=self.cache_dir)
        return self._encoder_obj


# --------------------------------------------------------------------------- score-vector base


class ScoreStrategy:
    """Scores every catalogue item for a request; the ranking and the binary answer both
    derive from that vector, with the allowed set applied here once for all baselines."""

    name = "score"

    def __init__(self, view: TrainingView, seed: int = 0) -> None:
        self.ids = view.catalog.ids
        self.index = {i: n for n, i in enumerate(self.ids)}
        self.seed = seed

    def tiebreak(self, request: dict[str, Any]) -> np.ndarray:
        """Equal scores are ordered at random, per request, never by catalogue position (ids
        often follow age or popularity, which would hand a baseline free signal)."""
        rng = np.random.default_rng([self.seed, 7, zlib.crc32(str(request.get("id")).encode())])
        return rng.random(len(self.ids))

    def item_scores(self, request: dict[str, Any]) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def __call__(self, request: dict[str, Any]) -> list[str] | float:
        scores = np.asarray(self.item_scores(request), dtype=np.float64)
        if request.get("target") is not None:
            j = self.index.get(request["target"])
            return float(scores[j]) if j is not None else 0.0
        return top_allowed(request, self.ids, self.index, scores, self.tiebreak(request))


def top_allowed(
    request: dict[str, Any],
    ids: list[str],
    index: dict[str, int],
    scores: np.ndarray,
    tiebreak: np.ndarray | None = None,
) -> list[str]:
    """The request's best `n` allowed items by score; equal scores in `tiebreak` order."""
    cands = request.get("candidates")
    n = int(request.get("n", 10))
    if cands is not None:
        rows = np.array([index[c] for c in dict.fromkeys(cands) if c in index], dtype=np.int64)
    else:
        mask = np.ones(len(ids), dtype=bool)
        if request.get("exclude_history", True):
            hist = [index[h["item"]] for h in request.get("history", []) if h["item"] in index]
            mask[hist] = False
        rows = np.flatnonzero(mask)
    if not len(rows):
        return []
    s = scores[rows]
    n = min(n, len(rows))
    part = np.argpartition(-s, n - 1)[:n] if n < len(rows) else np.arange(len(rows))
    tb = tiebreak[rows[part]] if tiebreak is not None else rows[part]
    order = part[np.lexsort((tb, -s[part]))]
    return [ids[r] for r in rows[order]]


def _counts(
    view: TrainingView, ids: list[str], index: dict[str, int]
) -> tuple[np.ndarray, np.ndarray]:
    ev = view.evidence()
    pos = positive_mask(ev, view.positive_threshold)
    items = ev["item"].map(index).to_numpy()
    ok = ~pd.isna(items)
    items = items[ok].astype(np.int64)
    total = np.bincount(items, minlength=len(ids)).astype(float)
    positive = np.bincount(items[pos[ok]], minlength=len(ids)).astype(float)
    return positive, total


class RandomStrategy(ScoreStrategy):
    """Uniform random order, seeded by (run seed, request id): a floor every method must beat."""

    name = "random"

    def __init__(self, view: TrainingView, opts: StrategyOptions) -> None:
        super().__init__(view, opts.seed)

    def item_scores(self, request: dict[str, Any]) -> np.ndarray:
        rng = np.random.default_rng([self.seed, zlib.crc32(str(request["id"]).encode())])
        return rng.random(len(self.ids))


class PopularityStrategy(ScoreStrategy):
    """Most positive interactions in the training data first (ties: most interactions)."""

    name = "popularity"

    def __init__(self, view: TrainingView, opts: StrategyOptions) -> None:
        super().__init__(view, opts.seed)
        positive, total = _counts(view, self.ids, self.index)
        self.scores = positive + 1e-3 * total

    def item_scores(self, request: dict[str, Any]) -> np.ndarray:
        return self.scores


class DemographicPopularityStrategy(ScoreStrategy):
    """Popularity among training users who share the request user's attributes (the run's
    ``group_by`` keys, e.g. gender and age band); with fewer than 20 such users it drops keys
    from the end, down to global popularity. No attributes -> global popularity."""

    name = "demographic-popularity"
    min_users = 20

    def __init__(self, view: TrainingView, opts: StrategyOptions) -> None:
        super().__init__(view, opts.seed)
        self.keys = list(opts.group_by)
        ev = view.evidence()
        pos = positive_mask(ev, view.positive_threshold)
        ok = ev["item"].isin(self.index).to_numpy()
        self.rows = ev.loc[ok, ["user", "item"]].assign(_pos=pos[ok])
        self.rows["_j"] = self.rows["item"].map(self.index).astype(np.int64)
        positive, total = _counts(view, self.ids, self.index)
        self.global_scores = positive + 1e-3 * total
        self.attrs: dict[str, dict[str, Any]] = {}
        for prof in view.users:
            a = dict(prof.attributes)
            if "age" in a:
                a.setdefault("age_band", age_band(a["age"]))
            self.attrs[prof.id] = a
        self._cache: dict[tuple[tuple[str, str], ...], np.ndarray] = {}

    def _group_scores(self, key: tuple[tuple[str, str], ...]) -> np.ndarray | None:
        if key in self._cache:
            return self._cache[key]
        members = {u for u, a in self.attrs.items() if all(str(a.get(k)) == v for k, v in key)}
        sel = self.rows[self.rows["user"].isin(members)]
        if sel["user"].nunique() < self.min_users:
            return None
        j = sel["_j"].to_numpy()
        p = np.bincount(j[sel["_pos"].to_numpy()], minlength=len(self.ids)).astype(float)
        t = np.bincount(j, minlength=len(self.ids)).astype(float)
        out = p + 1e-3 * t + 1e-6 * self.global_scores
        self._cache[key] = out
        return out

    def item_scores(self, request: dict[str, Any]) -> np.ndarray:
        attrs = dict((request.get("user") or {}).get("attributes") or {})
        if "age" in attrs:
            attrs.setdefault("age_band", age_band(attrs["age"]))
        key = [(k, str(attrs[k])) for k in self.keys if attrs.get(k) is not None]
        while key:
            s = self._group_scores(tuple(key))
            if s is not None:
                return s
            key = key[:-1]
        return self.global_scores


class ItemKNNStrategy(ScoreStrategy):
    """Item-based kNN over the training interactions (cosine between item columns of the
    binary user x item matrix). score(i) = sum over history items h of sign(h) * cos(h, i),
    sign = -1 for an explicitly disliked item; popularity breaks ties and answers an empty
    history. Targets never seen in training score by popularity alone."""

    name = "item-knn"

    def __init__(self, view: TrainingView, opts: StrategyOptions) -> None:
        super().__init__(view, opts.seed)
        ev = view.evidence()
        ok = ev["item"].isin(self.index).to_numpy()
        ev = ev[ok]
        users = pd.factorize(ev["user"])[0]
        cols = ev["item"].map(self.index).to_numpy(dtype=np.int64)
        n_u = int(users.max()) + 1 if len(users) else 0
        x = sp.csr_matrix(
            (np.ones(len(cols), dtype=np.float32), (users, cols)), shape=(n_u, len(self.ids))
        )
        x.data[:] = 1.0  # repeated interactions count once
        x.sum_duplicates()
        x.data = np.minimum(x.data, 1.0)
        co = (x.T @ x).toarray().astype(np.float32)
        norms = np.sqrt(np.maximum(np.diag(co), 1e-9))
        self.sim = co / norms[:, None] / norms[None, :]
        np.fill_diagonal(self.sim, 0.0)
        positive, total = _counts(view, self.ids, self.index)
        pop = positive + 1e-3 * total
        self.pop = pop / max(float(pop.max()), 1.0) * 1e-3
        r = ev["rating"].dropna()
        if view.positive_threshold is not None:
            self.threshold: float | None = view.positive_threshold
        elif len(r):
            self.threshold = default_like_threshold(r.to_numpy(dtype=float))
        else:
            self.threshold = None

    def _sign(self, h: dict[str, Any]) -> float:
        if h.get("liked") is not None:
            return 1.0 if h["liked"] else -1.0
        if h.get("rating") is not None and self.threshold is not None:
            return 1.0 if float(h["rating"]) >= self.threshold else -1.0
        return 1.0

    def item_scores(self, request: dict[str, Any]) -> np.ndarray:
        rows, signs = [], []
        for h in request.get("history", []):
            j = self.index.get(h["item"])
            if j is not None:
                rows.append(j)
                signs.append(self._sign(h))
        if not rows:
            return self.pop
        return self.pop + np.asarray(signs, dtype=np.float32) @ self.sim[rows]


# --------------------------------------------------------------------------- dayone adapters


class RecommenderStrategy:
    """The core `dayone.recommender.Recommender`, built on the split's training data and asked
    with the request's profile and history only (never the user id, so a held-out user cannot
    leak in through stored state)."""

    name = "dayone"

    def __init__(self, view: TrainingView, opts: StrategyOptions) -> None:
        from dayone.recommender import Recommender, RecommenderConfig

        cfg = RecommenderConfig.model_validate(
            {
                "encoder": opts.encoder,
                "domain": view.domain,
                "rating_threshold": view.positive_threshold,
                **opts.recommender,
            }
        )
        interactions = view.interactions
        if view.examples:
            interactions = view.evidence()
        self.rec = Recommender.build(
            view.catalog,
            interactions if len(interactions) else None,
            view.users,
            cfg,
            encoder=opts.get_encoder(),
        )

    def describe(self) -> list[str]:
        """What the recommender's hand-over learned on this training view (per evidence bucket)."""
        from dayone.recommender.handover import summarise_handover

        return summarise_handover(self.rec.handover_report)

    def _binary(self, ctx: dict[str, Any], target: str) -> float:
        """The recommender's like probability (`Recommender.predict_likes`): the user's like
        rate with the target's standing in their ranking of the whole catalogue, so scores
        are comparable across requests, as pooled AUC needs."""
        return float(self.rec.predict_likes(ctx, [target])[0].probability)

    def _context(self, request: dict[str, Any]) -> dict[str, Any]:
        user = request.get("user") or {}
        hist = []
        for h in request.get("history", []):
            e = {k: h[k] for k in ("item", "rating", "liked", "weight") if h.get(k) is not None}
            hist.append(e)
        ctx: dict[str, Any] = {"history": hist}
        if user.get("attributes"):
            ctx["attributes"] = {
                k: v
                for k, v in user["attributes"].items()
                if isinstance(v, str | int | float | bool)
            }
        if user.get("text"):
            ctx["text"] = user["text"]
        return ctx

    def __call__(self, request: dict[str, Any]) -> list[str] | float:
        ctx = self._context(request)
        if request.get("target") is not None:
            return self._binary(ctx, str(request["target"]))
        recs = self.rec.recommend(
            ctx,
            n=int(request.get("n", 10)),
            candidates=request.get("candidates"),
            exclude_history=bool(request.get("exclude_history", True)),
        )
        return [r.item for r in recs]


class BenchRunnerStrategy:
    """The bench engineer's `dayone run-bench` strategies (`dayone.bench.runner.run_bench`),
    reached through the bench file format: the split is written as a task folder without truth,
    the runner answers every request, and the callable returns those answers. The evaluator
    prepares a whole split at once (all k of the new-user curve together), so the runner fits
    once per training view; its cold-user ranker then simulates the mix of history lengths."""

    name = "dayone-bench"

    def __init__(self, view: TrainingView, opts: StrategyOptions) -> None:
        from dayone.bench.runner import run_bench

        self._run = run_bench
        self.view = view
        self.opts = opts
        self.answers: dict[str, Any] = {}

    def prepare(self, requests: Sequence[dict[str, Any]]) -> None:
        if all(r["id"] in self.answers for r in requests):
            return
        binary = any(r.get("target") is not None for r in requests)
        with tempfile.TemporaryDirectory(prefix="dayone-eval-") as tmp:
            folder = Path(tmp) / "task"
            folder.mkdir()
            write_task_folder(folder, self.view, requests, binary)
            out = Path(tmp) / "responses.jsonl"
            self._run(folder, out, seed=self.opts.seed, progress=False)
            for line in out.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    obj = json.loads(line)
                    self.answers[obj["id"]] = obj.get("score") if binary else obj.get("items")

    def __call__(self, request: dict[str, Any]) -> list[str] | float:
        if request["id"] not in self.answers:
            self.prepare([request])
        ans = self.answers.get(request["id"])
        if request.get("target") is not None:
            return float(ans) if ans is not None else 0.0
        return list(ans or [])


def write_task_folder(
    folder: Path, view: TrainingView, requests: Sequence[dict[str, Any]], binary: bool
) -> None:
    """A bench task folder (FORMAT.md) of one split, without truth.jsonl."""
    settings = ["few-shot"] if binary else ["trained"]
    meta = {
        "name": folder.name,
        "kind": "binary" if binary else "ranking",
        "metrics": ["auc", "gauc"] if binary else ["ndcg@10"],
        "primary": "auc" if binary else "ndcg@10",
        "settings": settings,
    }
    (folder / "task.json").write_text(json.dumps(meta), encoding="utf-8")
    with open(folder / "items.jsonl", "w", encoding="utf-8") as f:
        for item in view.catalog.records():
            f.write(json.dumps(item, default=str) + "\n")
    if len(view.users):
        with open(folder / "users.jsonl", "w", encoding="utf-8") as f:
            for prof in view.users:
                f.write(
                    json.dumps({"id": prof.id, "attributes": prof.attributes}, default=str) + "\n"
                )
    with open(folder / "train.jsonl", "w", encoding="utf-8") as f:
        if binary:
            for ex in view.examples:
                f.write(json.dumps(ex) + "\n")
        else:
            cols = view.interactions
            for row in cols.itertuples(index=False):
                rec: dict[str, Any] = {"user": row.user, "item": row.item}
                for k in ("rating", "weight", "ts"):
                    v = getattr(row, k)
                    if not pd.isna(v):
                        rec[k] = float(v)
                liked: Any = row.liked
                if not pd.isna(liked):
                    rec["liked"] = bool(liked)
                f.write(json.dumps(rec) + "\n")
    with open(folder / "requests.jsonl", "w", encoding="utf-8") as f:
        for r in requests:
            f.write(json.dumps(r) + "\n")


BASELINES: dict[str, StrategyFactory] = {
    "random": RandomStrategy,
    "popularity": PopularityStrategy,
    "demographic-popularity": DemographicPopularityStrategy,
    "item-knn": ItemKNNStrategy,
}


def available_strategies() -> dict[str, StrategyFactory]:
    """Baselines plus whichever dayone strategies import in this installation."""
    out = dict(BASELINES)
    try:
        import dayone.recommender as _rec

        if hasattr(_rec, "Recommender"):
            out["dayone"] = RecommenderStrategy
    except ImportError:
        pass
    try:
        import dayone.bench.runner as _runner

        if hasattr(_runner, "run_bench"):
            out["dayone-bench"] = BenchRunnerStrategy
    except ImportError:
        pass
    return out


def resolve_strategies(names: Sequence[str]) -> dict[str, StrategyFactory]:
    """Factories for the requested names; ``all`` = every available one. Unknown or
    unavailable names raise ValueError listing what exists."""
    avail = available_strategies()
    if list(names) == ["all"]:
        return avail
    missing = [n for n in names if n not in avail]
    if missing:
        raise ValueError(f"unknown or unavailable strategies {missing}; available: {sorted(avail)}")
    return {n: avail[n] for n in names}
