"""Run every strategy on every split of a dataset and gather the numbers a report needs.

One process, one pass: splits are made once, each strategy is built once per training view
(the catalogue embedding is cached on disk, so the dayone strategies encode it once per run),
answers are judged by the same rules as the bench scorer, and every per-request value is kept
so intervals, group gaps and the per-user table come from the same numbers as the means.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from dayone.evaluation.config import EvalConfig
from dayone.evaluation.datasets import EvalData, describe_positive
from dayone.evaluation.metrics import (
    GAUC,
    CatalogueCoverage,
    IntraListDiversity,
    NewItemShare,
    Novelty,
    PooledAUC,
    bootstrap_ci,
    group_gaps,
    percentile_interval,
)
from dayone.evaluation.protocols import Split, make_splits
from dayone.evaluation.scoring import judge, mean_per_metric, ranking_metrics, score_lists
from dayone.evaluation.strategies import StrategyFactory, StrategyOptions, resolve_strategies


@dataclass
class CellResult:
    """One (protocol, setting, strategy) cell."""

    protocol: str
    setting: str
    strategy: str
    kind: str
    known: float
    n: int
    metrics: dict[str, float]
    ci95: dict[str, tuple[float, float]]
    beyond: dict[str, float] = field(default_factory=dict)
    groups: dict[str, Any] = field(default_factory=dict)
    problems: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "protocol": self.protocol,
            "setting": self.setting,
            "strategy": self.strategy,
            "kind": self.kind,
            "known_interactions": self.known,
            "n_requests": self.n,
            "metrics": {k: _num(v) for k, v in self.metrics.items()},
            "ci95": {k: [_num(lo), _num(hi)] for k, (lo, hi) in self.ci95.items()},
            "beyond_accuracy": {k: _num(v) for k, v in self.beyond.items()},
            "group_gaps": _clean(self.groups),
            "problems": self.problems,
            "seconds": round(self.seconds, 3),
            "error": self.error,
        }


def _num(v: Any) -> float | None:
    if v is None:
        return None
    f = float(v)
    return None if math.isnan(f) or math.isinf(f) else f


def _clean(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, float):
        return _num(obj)
    return obj


@dataclass
class RunResult:
    data: dict[str, Any]
    config: EvalConfig
    cells: list[CellResult]
    per_user: pd.DataFrame
    splits: list[dict[str, Any]]
    timings: dict[str, float]
    notes: list[str] = field(default_factory=list)


def _binary_ci(
    y: np.ndarray, s: np.ndarray, users: np.ndarray, n_boot: int, seed: int
) -> dict[str, tuple[float, float]]:
    """95% intervals by resampling users (clusters), as score.py does for binary tasks.

    A user's own AUC does not change when the user is drawn again, so GAUC of a resample is
    computed from per-user AUCs and sizes (a user drawn twice counts twice)."""
    if n_boot <= 0 or not len(y):
        return {}
    rng = np.random.default_rng(seed)
    uniq, inv = np.unique(users, return_inverse=True)
    members = [np.flatnonzero(inv == g) for g in range(len(uniq))]
    auc = PooledAUC()
    sizes = np.array([len(m) for m in members], dtype=float)
    user_auc = np.array([auc(y[m], s[m]) for m in members])
    defined = np.isfinite(user_auc)
    a_vals, g_vals = [], []
    for _ in range(n_boot):
        pick = rng.integers(0, len(uniq), len(uniq))
        ix = np.concatenate([members[p] for p in pick])
        a_vals.append(auc(y[ix], s[ix]))
        ok = pick[defined[pick]]
        g_vals.append(
            float((user_auc[ok] * sizes[ok]).sum() / sizes[ok].sum()) if len(ok) else math.nan
        )
    out = {}
    for key, vals in (("auc", a_vals), ("gauc", g_vals)):
        v = np.asarray(vals, dtype=float)
        v = v[np.isfinite(v)]
        out[key] = percentile_interval(v) if len(v) else (math.nan, math.nan)
    return out


class ItemVectors:
    """Catalogue embeddings for intra-list diversity, encoded once per run (and cached on disk
    by the core encoder). Missing model -> no ILD, with a note, rather than a failed run."""

    def __init__(self, data: EvalData, opts: StrategyOptions) -> None:
        self.vectors: dict[str, np.ndarray] = {}
        self.note: str | None = None
        try:
            from dayone.descriptions import Describer

            describer = Describer(
                data.domain
                if data.domain in ("movie", "product", "book", "music", "news", "generic")
                else "generic"
            )
            texts = [describer.item(data.catalog.fields(i)) for i in data.catalog.ids]
            mat = opts.get_encoder().encode(texts, batch_size=64, show_progress=False)
            self.vectors = {i: mat[n] for n, i in enumerate(data.catalog.ids)}
        except Exception as e:  # noqa: BLE001 - diversity is optional; say why it is missing
            self.note = f"intra-list diversity skipped: no item vectors ({type(e).__name__}: {e})"

    def get(self, item: str) -> np.ndarray | None:
        return self.vectors.get(item)


def evaluate_data(
    data: EvalData,
    cfg: EvalConfig,
    progress: bool = True,
    extra_strategies: dict[str, StrategyFactory] | None = None,
    log: Callable[[str], None] | None = None,
) -> RunResult:
    say = log or (lambda _m: None)
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    timings: dict[str, float] = {}
    factories = resolve_strategies(cfg.strategies)
    if extra_strategies:
        factories.update(extra_strategies)
    opts = StrategyOptions(cfg.seed, cfg.encoder, cfg.cache_dir, cfg.group_by, cfg.recommender)
    splits = make_splits(data, cfg)
    timings["split"] = time.perf_counter() - t0
    say(f"{len(splits)} split(s) made in {timings['split']:.1f}s")
    t1 = time.perf_counter()
    vectors = ItemVectors(data, opts)
    timings["item_vectors"] = time.perf_counter() - t1
    notes = [vectors.note] if vectors.note else []
    positive = describe_positive(data.interactions, cfg.positive_threshold)
    if positive:
        notes.append(positive)

    total = sum(len(cases) for sp in splits for cases in sp.groups.values()) * len(factories)
    bar = tqdm(
        total=total,
        disable=not progress,
        desc="evaluating",
        unit="req",
        dynamic_ncols=True,
        mininterval=2.0,
    )
    cells: list[CellResult] = []
    rows: list[dict[str, Any]] = []
    split_info: list[dict[str, Any]] = []
    for sp in splits:
        split_info.append(
            {
                "protocol": sp.protocol,
                "kind": sp.kind,
                "settings": {k: len(v) for k, v in sp.groups.items()},
                "known": sp.known,
                "train_interactions": len(sp.view.interactions),
                "train_examples": len(sp.view.examples),
                "notes": sp.notes,
            }
        )
        user_counts = {
            str(k): int(v)
            for k, v in sp.view.interactions.groupby("item")["user"].nunique().items()
        }
        n_train_users = int(sp.view.interactions["user"].nunique())
        for sname, factory in factories.items():
            if sname in cfg.skip.get(sp.protocol, []):  # type: ignore[call-overload]
                bar.update(sum(len(cases) for cases in sp.groups.values()))
                note = f"{sname} not run on {sp.protocol} (config skip)"
                if note not in notes:
                    notes.append(note)
                continue
            bar.set_postfix_str(f"{sp.protocol} / {sname}: building")
            tb = time.perf_counter()
            try:
                strategy = factory(sp.view, opts)
            except Exception as e:  # noqa: BLE001 - one broken strategy must not sink the report
                msg = f"{type(e).__name__}: {e}"
                say(f"strategy {sname} failed to build on {sp.protocol}: {msg}")
                for setting, cases in sp.groups.items():
                    bar.update(len(cases))
                    cells.append(_failed_cell(sp, setting, sname, len(cases), msg))
                continue
            prepare = getattr(strategy, "prepare", None)
            if prepare is not None:
                # batch strategies (the bench runner) fit once per training view and answer
                # every setting of the split together
                try:
                    prepare([c.request for cases in sp.groups.values() for c in cases])
                except Exception as e:  # noqa: BLE001 - _run_cell retries per group and reports
                    say(f"strategy {sname} failed to answer {sp.protocol}: {type(e).__name__}: {e}")
            build_s = time.perf_counter() - tb
            describe = getattr(strategy, "describe", None)
            if describe is not None:  # what a learning strategy chose on this split's training view
                split_info[-1].setdefault("learned", {})[sname] = list(describe())
            timings[f"build/{sp.protocol}/{sname}"] = (
                timings.get(f"build/{sp.protocol}/{sname}", 0.0) + build_s
            )
            for setting, cases in sp.groups.items():
                bar.set_postfix_str(f"{sp.protocol} {setting} / {sname}")
                tc = time.perf_counter()
                cell = _run_cell(
                    sp,
                    setting,
                    cases,
                    sname,
                    strategy,
                    cfg,
                    vectors,
                    user_counts,
                    n_train_users,
                    bar,
                    rows,
                )
                cell.seconds = (
                    time.perf_counter()
                    - tc
                    + (build_s if setting == next(iter(sp.groups)) else 0.0)
                )
                cells.append(cell)
    bar.close()
    timings["total"] = time.perf_counter() - t0
    # CPU seconds of this process (all threads): wall time on a shared machine depends on
    # what else runs, CPU time much less so
    timings["cpu_total"] = time.process_time() - cpu0
    return RunResult(
        data=data.summary(),
        config=cfg,
        cells=cells,
        per_user=pd.DataFrame(rows),
        splits=split_info,
        timings=timings,
        notes=notes,
    )


def _failed_cell(sp: Split, setting: str, sname: str, n_cases: int, error: str) -> CellResult:
    """A cell with no numbers, only the error: what a report shows when a strategy could not
    be built or answered nothing, rather than a row of zeros that reads like a result."""
    return CellResult(
        sp.protocol, setting, sname, sp.kind, sp.known[setting], n_cases, {}, {}, error=error
    )


def _request_row(sp: Split, setting: str, sname: str, case: Any) -> dict[str, Any]:
    """The columns that name a request in the per-user table; binary and ranking rows add
    their own values after these, so both kinds of row line up in one table."""
    return {
        "protocol": sp.protocol,
        "setting": setting,
        "strategy": sname,
        "request": case.request["id"],
        "user": case.user,
        "known": len(case.request.get("history", [])),
    }


def _run_cell(
    sp: Split,
    setting: str,
    cases: list[Any],
    sname: str,
    strategy: Any,
    cfg: EvalConfig,
    vectors: ItemVectors,
    user_counts: dict[str, int],
    n_train_users: int,
    bar: tqdm,
    rows: list[dict[str, Any]],
) -> CellResult:
    problems: Counter[str] = Counter()
    error = None
    prepare = getattr(strategy, "prepare", None)
    if prepare is not None and cases:
        try:
            prepare([c.request for c in cases])
        except Exception as e:  # noqa: BLE001
            error = f"{type(e).__name__}: {e}"
    answers: list[Any] = []
    for c in cases:
        try:
            answers.append(None if error else strategy(c.request))
        except Exception as e:  # noqa: BLE001 - count it as a missing answer, report the first
            error = error or f"{type(e).__name__}: {e}"
            answers.append(None)
        bar.update(1)
    catalogue = {i: n for n, i in enumerate(sp.view.catalog.ids)}
    known = sp.known[setting]
    if error and all(a is None for a in answers):
        return _failed_cell(sp, setting, sname, len(cases), error)
    if sp.kind == "binary":
        y = np.array([c.label for c in cases], dtype=np.int64)
        s = np.array(
            [a if isinstance(a, int | float) and math.isfinite(a) else -np.inf for a in answers],
            dtype=float,
        )
        missing = int(np.sum(~np.isfinite(s)))
        if missing:
            problems["missing_responses"] += missing
        users = np.array([c.user for c in cases])
        metrics = {"auc": PooledAUC()(y, s), "gauc": GAUC()(y, s, users)}
        ci = _binary_ci(y, s, users, cfg.bootstrap, cfg.seed)
        for c, score, label in zip(cases, s, y, strict=True):
            rows.append(
                _request_row(sp, setting, sname, c) | {"score": float(score), "label": int(label)}
            )
        return CellResult(
            sp.protocol,
            setting,
            sname,
            "binary",
            known,
            len(cases),
            metrics,
            ci,
            problems=dict(problems),
            error=error,
        )
    judged: list[list[str | None] | None] = []
    for c, a in zip(cases, answers, strict=True):
        if isinstance(a, list):
            judged.append(judge(a, c.spec, catalogue, problems))
        else:
            problems["missing_responses"] += 1
            judged.append(None)
    mets = ranking_metrics(sp.metrics)
    per = score_lists(mets, judged, [c.truth for c in cases])
    metrics = mean_per_metric(per)
    ci = {k: bootstrap_ci(v, cfg.bootstrap, cfg.seed) for k, v in per.items()}
    k = cfg.beyond_k
    lists = [j if j is not None else [] for j in judged]
    beyond: dict[str, float] = {
        CatalogueCoverage(k, len(catalogue)).key: CatalogueCoverage(k, len(catalogue))(lists)
    }
    nov = Novelty(k, user_counts, n_train_users)
    beyond[nov.key] = nov(lists)
    if vectors.vectors:
        ild = IntraListDiversity(k, vectors.get)
        beyond[ild.key] = ild(lists)
    if sp.new_items and sp.protocol != "new-item":
        share = NewItemShare(k, sp.new_items)
        beyond[share.key] = share(lists)
    gaps: dict[str, Any] = {}
    for attr in cfg.group_by:
        labels = [
            None if c.attributes.get(attr) is None else str(c.attributes.get(attr)) for c in cases
        ]
        if sum(x is not None for x in labels) and len({x for x in labels if x is not None}) >= 2:
            gaps[attr] = group_gaps(per, labels)
    for q, c in enumerate(cases):
        row = _request_row(sp, setting, sname, c)
        for key, vals in per.items():
            row[key] = float(vals[q])
        for attr in cfg.group_by:
            if c.attributes.get(attr) is not None:
                row[attr] = str(c.attributes[attr])
        rows.append(row)
    return CellResult(
        sp.protocol,
        setting,
        sname,
        "ranking",
        known,
        len(cases),
        metrics,
        ci,
        beyond,
        gaps,
        dict(problems),
        error=error,
    )
