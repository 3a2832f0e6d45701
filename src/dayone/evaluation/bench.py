"""Bench-task mode: score a responses file for a `../shared/bench` task folder (FORMAT.md).

This is the one place in dayone that reads ``truth.jsonl``: the evaluator needs the answers to
score, a system never does. A strategy run on a task sees only what FORMAT.md lets a system
fit on (items, users, train) and the requests; its answers are written to a responses file first
and then scored from that file, so a run and an external responses file take the same path.
"""

from __future__ import annotations

import gzip
import json
import math
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np

from dayone.data.errors import DataError
from dayone.evaluation.metrics import GAUC, Truth
from dayone.evaluation.scoring import (
    RequestSpec,
    judge,
    make_truth,
    mean_per_metric,
    ranking_metrics,
    score_binary,
    score_lists,
    valid_score,
)


def find_file(folder: Path, name: str) -> Path | None:
    for cand in (f"{name}.jsonl", f"{name}.jsonl.gz"):
        if (folder / cand).exists():
            return folder / cand
    return None


def _open(path: Path) -> IO[str]:
    if str(path).endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8")
    return open(path, encoding="utf-8")


def iter_jsonl(path: Path) -> Iterator[tuple[int, Any]]:
    """(line number, object or None when the line is not JSON) for every non-blank line."""
    with _open(path) as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                yield n, json.loads(line)
            except json.JSONDecodeError:
                yield n, None


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    out = []
    for n, obj in iter_jsonl(path):
        if not isinstance(obj, dict):
            raise DataError("not a JSON object", file=str(path), row=n)
        out.append(obj)
    return out


def is_task_dir(path: Path) -> bool:
    return path.is_dir() and (path / "task.json").exists()


@dataclass
class BenchTask:
    """A task folder's public part: what a system sees (no truth)."""

    folder: Path
    name: str
    kind: str
    metrics: list[str]
    primary: str | None
    items: list[dict[str, Any]]
    requests: list[dict[str, Any]]
    users: list[dict[str, Any]] = field(default_factory=list)
    train: list[dict[str, Any]] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, folder: str | Path, with_train: bool = True) -> BenchTask:
        folder = Path(folder)
        if not is_task_dir(folder):
            raise DataError("no task.json here (is this a bench task folder?)", file=str(folder))
        meta = json.loads((folder / "task.json").read_text(encoding="utf-8"))
        paths = {k: find_file(folder, k) for k in ("items", "requests", "users", "train")}
        for k in ("items", "requests"):
            if paths[k] is None:
                raise DataError(f"missing {k}.jsonl", file=str(folder))
        items = read_jsonl(paths["items"])  # type: ignore[arg-type]
        ids = [str(r["id"]) for r in items]
        if len(set(ids)) != len(ids):
            raise DataError("duplicate item ids", file=str(paths["items"]))
        requests = read_jsonl(paths["requests"])  # type: ignore[arg-type]
        if len({r["id"] for r in requests}) != len(requests):
            raise DataError("duplicate request ids", file=str(paths["requests"]))
        users = read_jsonl(paths["users"]) if paths["users"] and with_train else []
        train = read_jsonl(paths["train"]) if paths["train"] and with_train else []
        return cls(
            folder=folder,
            name=str(meta.get("name", folder.name)),
            kind=str(meta["kind"]),
            metrics=list(meta["metrics"]),
            primary=meta.get("primary"),
            items=items,
            requests=requests,
            users=users,
            train=train,
            meta=meta,
        )


@dataclass
class BenchScore:
    """Metrics of one responses file on one task, with the per-request values behind them."""

    task: str
    kind: str
    metrics: dict[str, float]
    per_request: dict[str, np.ndarray]
    request_ids: list[str]
    users: list[str | None]
    problems: dict[str, int]
    gauc_users: int | None = None

    @property
    def valid(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "task": self.task,
            "kind": self.kind,
            "n_requests": len(self.request_ids),
            "metrics": {k: _finite_or_none(v) for k, v in self.metrics.items()},
            "problems": dict(sorted(self.problems.items())),
            "valid": self.valid,
        }
        if self.gauc_users is not None:
            out["gauc_users"] = self.gauc_users
        return out


def _finite_or_none(v: float) -> float | None:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


def load_responses(
    path: Path, request_ids: set[str], binary: bool, problems: Counter[str]
) -> dict[str, Any]:
    """Read a responses file with the bench's rules (first of repeated ids wins, ...)."""
    key = "score" if binary else "items"
    out: dict[str, Any] = {}
    for _, obj in iter_jsonl(path):
        if not isinstance(obj, dict) or not isinstance(obj.get("id"), str):
            problems["malformed_lines"] += 1
            continue
        rid = obj["id"]
        if rid not in request_ids:
            problems["unknown_request_ids"] += 1
            continue
        if rid in out:
            problems["duplicate_response_ids"] += 1
            continue
        val = obj.get(key)
        if binary:
            if not valid_score(val):
                problems["bad_scores"] += 1
                continue
            out[rid] = float(val)  # type: ignore[arg-type]
        else:
            if not isinstance(val, list):
                problems["malformed_lines"] += 1
                continue
            out[rid] = val
    missing = len(request_ids) - len(out)
    if missing:
        problems["missing_responses"] += missing
    return out


def read_truth(task: BenchTask) -> dict[str, dict[str, Any]]:
    """The answers. Only the scorer calls this."""
    path = find_file(task.folder, "truth")
    if path is None:
        raise DataError("missing truth.jsonl (needed to score)", file=str(task.folder))
    truth = {str(t["id"]): t for t in read_jsonl(path)}
    ids = {str(r["id"]) for r in task.requests}
    unknown = set(truth) - ids
    if unknown:
        raise DataError(f"truth for unknown request {sorted(unknown)[0]!r}", file=str(path))
    if len(truth) != len(ids):
        raise DataError(f"{len(ids) - len(truth)} request(s) have no truth", file=str(path))
    return truth


def score_responses(task: BenchTask, responses_path: str | Path) -> BenchScore:
    """Score a responses file; agrees with ``score.py --json`` on every metric."""
    responses_path = Path(responses_path)
    if not responses_path.exists():
        raise DataError("no such responses file", file=str(responses_path))
    truth = read_truth(task)
    order = [str(r["id"]) for r in task.requests]
    problems: Counter[str] = Counter()
    binary = task.kind == "binary"
    responses = load_responses(responses_path, set(order), binary, problems)
    if binary:
        y = np.array([int(truth[r]["label"]) for r in order], dtype=np.int64)
        users = np.array([str(truth[r].get("user", r)) for r in order])
        s = np.array([responses.get(r, -np.inf) for r in order], dtype=np.float64)
        metrics = score_binary(task.metrics, y, s, users)
        _, n_users = GAUC().with_count(y, s, users)
        return BenchScore(
            task=task.name,
            kind=task.kind,
            metrics=metrics,
            per_request={"score": s, "label": y.astype(float)},
            request_ids=order,
            users=[str(u) for u in users],
            problems=dict(problems),
            gauc_users=n_users,
        )
    catalogue = {str(r["id"]): n for n, r in enumerate(task.items)}
    specs = [RequestSpec.from_request(r) for r in task.requests]
    for spec in specs:
        for i in spec.history | (spec.candidates or frozenset()):
            if i not in catalogue:
                raise DataError(f"request {spec.id}: unknown item id {i!r}", file=str(task.folder))
    truths: list[Truth] = []
    judged: list[list[str | None] | None] = []
    for spec in specs:
        t = truth[spec.id]
        truths.append(make_truth(spec, t.get("relevant", []), t.get("negative", []), catalogue))
        resp = responses.get(spec.id)
        judged.append(None if resp is None else judge(resp, spec, catalogue, problems))
    per = score_lists(ranking_metrics(task.metrics), judged, truths)
    metrics = mean_per_metric(per)
    return BenchScore(
        task=task.name,
        kind=task.kind,
        metrics=metrics,
        per_request=per,
        request_ids=order,
        users=[s.user for s in specs],
        problems=dict(problems),
    )


def write_responses(path: Path, answers: dict[str, Any], binary: bool) -> None:
    key = "score" if binary else "items"
    with open(path, "w", encoding="utf-8") as f:
        for rid, val in answers.items():
            f.write(json.dumps({"id": rid, key: val}) + "\n")


# --------------------------------------------------------------------------- strategies on a task


def task_view(task: BenchTask, domain: str = "generic") -> Any:
    """The `TrainingView` a system may fit on for this task: items, users and train.jsonl
    (interactions for ranking tasks, labelled examples for binary ones). Never truth."""
    import pandas as pd

    from dayone.data import Catalog, UserTable, normalise_interactions
    from dayone.evaluation.protocols import TrainingView

    catalog = Catalog.from_records(task.items, source=str(task.folder / "items.jsonl"))
    users = UserTable.from_records(
        [
            {"id": str(u["id"]), "attributes": u.get("attributes") or {}, "text": u.get("text")}
            for u in task.users
        ]
    )
    if task.kind == "binary":
        inter = normalise_interactions(pd.DataFrame({"user": [], "item": []}))
        examples = list(task.train)
    else:
        rows = [r for r in task.train if "item" in r]
        inter = (
            normalise_interactions(pd.DataFrame(rows))
            if rows
            else normalise_interactions(pd.DataFrame({"user": [], "item": []}))
        )
        examples = []
    return TrainingView(catalog, inter, users, domain, examples=examples)


def answer_task(task: BenchTask, strategy: Any, progress: bool = False) -> dict[str, Any]:
    """Run one strategy over every request; a failing request is left unanswered."""
    from tqdm import tqdm

    prepare = getattr(strategy, "prepare", None)
    if prepare is not None:
        prepare(task.requests)
    out: dict[str, Any] = {}
    for req in tqdm(
        task.requests,
        disable=not progress,
        desc=getattr(strategy, "name", "strategy"),
        unit="req",
        mininterval=2.0,
    ):
        try:
            out[str(req["id"])] = strategy(req)
        except Exception:  # noqa: BLE001 - a missing answer scores 0, as in the bench
            continue
    return out


def score_ci(score: BenchScore, n_boot: int, seed: int = 0) -> dict[str, tuple[float, float]]:
    """95% bootstrap intervals: requests resampled (ranking) or users resampled (binary)."""
    from dayone.evaluation.metrics import bootstrap_ci
    from dayone.evaluation.runner import _binary_ci

    if score.kind == "binary":
        return _binary_ci(
            score.per_request["label"].astype(np.int64),
            score.per_request["score"],
            np.asarray(score.users),
            n_boot,
            seed,
        )
    return {k: bootstrap_ci(v, n_boot, seed) for k, v in score.per_request.items()}
