"""`dayone run-bench`: answer every request of a bench task with the project's rankers.

The runner decides which kind of cold start a task poses from the data itself, not from its
name, so hidden tasks in the same format are handled the same way:
- binary requests (score one target) -> the few-shot binary scorer;
- every request's candidates are items with no train interactions -> cold-item ranking;
- implicit sequences (no ratings; repeats allowed, or ordered train data and no user
  attributes) -> sequential;
- otherwise -> cold-user ranking (profile + a few interactions).
Output validity (only allowed items, no repeats, at most n, finite scores) is enforced here,
whatever a ranker returns.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from dayone.bench.encoding import default_encoder, encode_cached, item_text
from dayone.bench.task import BenchTask, Request, load_task
from dayone.data.errors import DataError, check_writable_under
from dayone.encoders.base import Encoder
from dayone.rankers.base import InteractionMatrix, UserEvidence

SCENARIOS = ("cold-user", "sequential", "cold-item")


class ScenarioError(ValueError):
    """A requested scenario that does not exist or does not fit the task."""


@dataclass
class RunSummary:
    task: str
    setting: str
    seed: int
    strategy: str
    requests: int
    seconds: float
    info: dict[str, Any]


def _check_out(out: Path) -> None:
    """The responses file must be a file in a folder that exists or can be made."""
    if out.is_dir():
        raise DataError("is a folder; --out names the responses file to write", file=str(out))
    check_writable_under(out)


def run_bench(
    task_dir: str | Path,
    out: str | Path,
    setting: str | None = None,
    seed: int = 0,
    encoder: Encoder | None = None,
    progress: bool = True,
    scenario: str | None = None,
    user_text_weight: float = 0.0,
) -> RunSummary:
    """Answer every request of the task at `task_dir` into `out`.

    `scenario` overrides the kind of cold start detected from the data (`SCENARIOS`), for
    comparing rankers on a task; binary tasks have one scorer and refuse it.
    `user_text_weight` > 0 mixes a request's free text into ranking (`with_user_text`); off
    by default, because it has not been shown to help (docs/benchmarks.md).
    """
    if user_text_weight < 0:
        raise ValueError("user_text_weight must be >= 0")
    if scenario is not None and scenario not in SCENARIOS:
        raise ScenarioError(f"scenario must be one of {', '.join(SCENARIOS)}, got {scenario!r}")
    out_path = Path(out)
    _check_out(out_path)  # before a fit that may take minutes, not after it
    start = time.perf_counter()
    task, setting = load_task(task_dir, setting)
    np.random.seed(seed)
    lazy = _LazyEncoder(encoder, task)
    if task.kind == "binary":
        if scenario is not None:
            raise ScenarioError("a binary task has one scorer: --scenario applies to ranking tasks")
        strategy, info, lines = _run_binary(task, setting, seed, lazy, progress)
    else:
        strategy, info, lines = _run_ranking(task, setting, seed, lazy, progress, scenario,
                                             user_text_weight)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(out_path.name + ".tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as handle:
            for line in lines:
                handle.write(json.dumps(line, ensure_ascii=False) + "\n")
        tmp.replace(out_path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if lazy.model_id is not None:
        info = {**info, "encoder": lazy.model_id}
    return RunSummary(
        task.name, setting, seed, strategy, len(lines), time.perf_counter() - start, info
    )


class _LazyEncoder:
    """Loads the encoder only if a strategy asks for text vectors; which one depends on the
    catalogue's script (`default_encoder`), judged from a sample of its item texts."""

    def __init__(self, encoder: Encoder | None, task: BenchTask) -> None:
        self._encoder = encoder
        self._task = task

    def get(self) -> Encoder:
        if self._encoder is None:
            sample = [item_text(self._task.items[i]) for i in self._task.catalogue[:2000]]
            self._encoder = default_encoder(sample)
        return self._encoder

    @property
    def model_id(self) -> str | None:
        return self._encoder.model_id if self._encoder is not None else None

    def item_vectors(self, task: BenchTask, progress: bool) -> np.ndarray:
        texts = [item_text(task.items[i]) for i in task.catalogue]
        return encode_cached(self.get(), texts, show_progress=progress)


# ---------------------------------------------------------------------------------- binary


def _run_binary(
    task: BenchTask, setting: str, seed: int, lazy: _LazyEncoder, progress: bool
) -> tuple[str, dict[str, Any], list[dict[str, Any]]]:
    items = [task.items[i] for i in task.catalogue]
    # binary train rows are labels: a zero-shot run never sees them
    use_train = setting != "zero-shot" and task.has_train() and task._train_allowed
    train = task.train_examples() if use_train else []
    requests = task.raw_requests()
    build: Callable[..., Callable[[list[dict[str, Any]]], np.ndarray]]
    try:
        from dayone.rankers.fewshot import build_binary_scorer

        build, strategy = build_binary_scorer, "fewshot"
        encoder: Any = lazy.get()
    except ImportError:
        from dayone.bench.fallback_binary import build_fallback_scorer

        build, strategy, encoder = build_fallback_scorer, "fallback-likerate+content", None
    scorer = build(items, train, setting, seed, encoder)
    # scorers that pool the batch's histories must see every request before chunked scoring,
    # or the first chunk alone would set their statistics
    prepare = getattr(scorer, "prepare", None)
    if callable(prepare):
        prepare(requests)
    scores: list[float] = []
    batch = 256
    for lo in tqdm(
        range(0, len(requests), batch), disable=not progress, desc="scoring", unit="batch"
    ):
        chunk = requests[lo : lo + batch]
        s = np.asarray(scorer(chunk), dtype=np.float64).reshape(-1)
        if len(s) != len(chunk):
            raise RuntimeError(f"binary scorer returned {len(s)} scores for {len(chunk)} requests")
        scores.extend(s.tolist())
    lines = [
        {"id": r["id"], "score": float(v) if math.isfinite(v) else 0.0}
        for r, v in zip(requests, scores, strict=True)
    ]
    return strategy, {"train_examples": len(train)}, lines


# --------------------------------------------------------------------------------- ranking


def _run_ranking(
    task: BenchTask, setting: str, seed: int, lazy: _LazyEncoder, progress: bool,
    scenario: str | None = None, user_text_weight: float = 0.0,
) -> tuple[str, dict[str, Any], list[dict[str, Any]]]:
    index = {i: k for k, i in enumerate(task.catalogue)}
    rows = task.train_interactions() if (task.has_train() and task._train_allowed) else []
    m = (
        InteractionMatrix.build(task.catalogue, [(r.user, r.item, r.rating, r.ts) for r in rows])
        if rows
        else None
    )
    E = lazy.item_vectors(task, progress)
    scenario = scenario or detect_scenario(task, m)
    ranker = build_ranker(scenario, task, m, E, setting, seed)
    # the sequence model weighs history items itself; the profile rankers score a history item
    # as the best match of its own profile, so where history items stay eligible they came
    # back on top even on data where nobody takes an item twice
    reconsumed = scenario == "sequential" or (m is not None and has_repeats(m.users, m.items))
    lines = []
    batch = 256 if hasattr(ranker, "score_batch") else 1
    bar = tqdm(
        total=len(task.requests), disable=not progress, desc=f"ranking ({scenario})", unit="req"
    )
    texts = 0
    for lo in range(0, len(task.requests), batch):
        chunk = task.requests[lo : lo + batch]
        users = [evidence(req, index) for req in chunk]
        scores = ranker.score_batch(users) if batch > 1 else [ranker.score(users[0])]
        said = [k for k, req in enumerate(chunk) if req.text and req.text.strip()]
        said = said if user_text_weight > 0 else []
        if said:
            encoder = lazy.get()
            encode_query = getattr(encoder, "encode_query", encoder.encode)
            Q = np.asarray(encode_query([str(chunk[k].text).strip() for k in said]), dtype=np.float32)
            scores = list(scores)
            for k, q in zip(said, Q, strict=True):
                scores[k] = with_user_text(np.asarray(scores[k], dtype=np.float64), E @ q,
                                           user_text_weight)
            texts += len(said)
        for req, s, user in zip(chunk, scores, users, strict=True):
            if not req.exclude_history and not reconsumed and not has_repeats(None, user.items):
                s = history_last(np.asarray(s, dtype=np.float64), user.items)
            lines.append({"id": req.id, "items": top_allowed(req, task.catalogue, index, s)})
        bar.update(len(chunk))
    bar.close()
    info = dict(getattr(ranker, "info", {}))
    if texts:
        info["requests_with_text"] = texts
    return scenario, info, lines


def has_repeats(users: np.ndarray | None, items: np.ndarray) -> bool:
    """Whether some user took some item twice (the request's own history when `users` is
    None): the sign that consumed items may come again (music, groceries)."""
    if users is None:
        return len(np.unique(items)) < len(items)
    pairs = users.astype(np.int64) * (int(items.max(initial=0)) + 1) + items.astype(np.int64)
    return len(np.unique(pairs)) < len(pairs)


def history_last(scores: np.ndarray, items: np.ndarray) -> np.ndarray:
    """History items after every other item with a finite score, in their own order (they
    stay eligible; items the ranker scored NaN or -inf still come after them)."""
    out = scores.copy()
    if not len(items):
        return out
    others = np.ones(len(out), dtype=bool)
    others[items] = False
    rest = out[others & np.isfinite(out)]
    floor = float(rest.min()) if rest.size else 0.0
    order = np.argsort(-np.nan_to_num(out[items], nan=-np.inf), kind="stable")
    out[items[order]] = floor - 1.0 - np.arange(len(order), dtype=np.float64)
    return out


def with_user_text(scores: np.ndarray, text_sims: np.ndarray, weight: float) -> np.ndarray:
    """Add what a visitor wrote about themselves to a ranker's scores.

    The rankers learn from interactions, and simulated train users have no free text, so the
    text's weight cannot be fitted on train data: per-user z-scores of the ranker's output and
    of the text similarity are mixed at a given `weight`. On the one task with free text here
    (scripts/variant_tasks.py's mls-text-k1, users' own tags as their text) it did not help at
    weight 1 and was within noise at small weights, so `run-bench` leaves it off by default.
    """
    out = scores.copy()
    finite = np.isfinite(scores)

    def z(x: np.ndarray) -> np.ndarray:
        sd = float(x.std())
        return (x - x.mean()) / sd if sd > 0 else np.zeros_like(x)

    if finite.any():
        out[finite] = z(scores[finite]) + weight * z(text_sims[finite].astype(np.float64))
    return out


def evidence(req: Request, index: dict[str, int]) -> UserEvidence:
    return UserEvidence(
        items=np.array([index[h.item] for h in req.history], dtype=np.int64),
        ratings=np.array(
            [np.nan if h.rating is None else h.rating for h in req.history], dtype=float
        ),
        liked=[h.liked for h in req.history],
        attributes=dict(req.attributes),
    )


def top_allowed(
    req: Request, catalogue: list[str], index: dict[str, int], scores: np.ndarray
) -> list[str]:
    """The n best allowed items, best first; NaN scores rank last, ties by catalogue order."""
    allowed = np.array([index[i] for i in req.allowed(catalogue)], dtype=np.int64)
    if not len(allowed):
        return []
    s = np.nan_to_num(
        np.asarray(scores, dtype=np.float64)[allowed], nan=-np.inf, posinf=1e300, neginf=-1e300
    )
    order = np.lexsort((allowed, -s))[: req.n]
    return [catalogue[allowed[k]] for k in order]


def detect_scenario(task: BenchTask, m: InteractionMatrix | None) -> str:
    """cold-item | sequential | cold-user, from the requests and train data."""
    reqs = task.requests
    if reqs and all(r.candidates is not None for r in reqs):
        warm: set[int] = set(m.items.tolist()) if m is not None else set()
        index = {i: k for k, i in enumerate(task.catalogue)}
        cands = {index[c] for r in reqs for c in (r.candidates or [])}
        if m is not None and not (cands & warm):
            return "cold-item"
        if m is None and reqs and all(r.history for r in reqs):
            return "cold-item"
    explicit = any(h.rating is not None or h.liked is not None for r in reqs for h in r.history)
    if explicit:
        return "cold-user"
    if reqs and not any(r.history for r in reqs):
        # nothing to continue from: brand-new visitors known only by a profile, words or
        # nothing at all. The sequence model would rank them by popularity at best; the
        # cold-user ranker also weighs their profile and is tuned on simulated empty starts
        return "cold-user"
    if any(not r.exclude_history for r in reqs):
        return "sequential"  # repeat consumption: the next item, not a profile
    # Implicit data without user attributes is sequential only if the train data has an order
    # to learn. Unordered counts (play counts, purchases without times) make the sequence
    # model's "predict the last item" simulation meaningless (scripts/variant_tasks.py's
    # mls-implicit-k5 and docs/benchmarks.md: the cold-user ranker does clearly better there).
    ordered = m is None or (m.ts is not None and bool(np.isfinite(m.ts).all()))
    if not task.users and ordered:
        return "sequential"
    return "cold-user"


def build_ranker(
    scenario: str,
    task: BenchTask,
    m: InteractionMatrix | None,
    E: np.ndarray,
    setting: str,
    seed: int,
) -> Any:
    lengths = [len(r.history) for r in task.requests]
    if scenario in ("cold-user", "sequential"):
        from dayone.rankers.candidate_lists import CandidateLists

        index = {i: k for k, i in enumerate(task.catalogue)}
        lists = CandidateLists.of(
            [np.array([index[c] for c in r.candidates or []], dtype=np.int64)
             for r in task.requests],
            len(task.catalogue),
        )
    if scenario == "cold-user":
        from dayone.rankers.cold_user import ColdUserRanker

        if m is None:
            m = InteractionMatrix.build(task.catalogue, [])
        return ColdUserRanker.fit(
            task.catalogue, m, task.users, E, setting, lengths, seed=seed, candidate_lists=lists
        )
    if scenario == "sequential":
        from dayone.rankers.sequential import SequentialRanker

        texts = [item_text(task.items[i]) for i in task.catalogue]
        return SequentialRanker.fit(
            task.catalogue, m, E, setting, lengths, seed=seed, item_texts=texts,
            candidate_lists=lists,
        )
    from dayone.rankers.cold_item import ColdItemRanker

    return ColdItemRanker.fit(
        task.catalogue,
        [task.items[i] for i in task.catalogue],
        m,
        task.users,
        E,
        setting,
        seed=seed,
        item_texts=[item_text(task.items[i]) for i in task.catalogue],
    )
