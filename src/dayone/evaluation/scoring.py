"""Judge ranked lists and binary scores exactly as the bench scorer does.

A system's answer is checked before it is scored: ids it invents, items outside what it was
allowed to rank and repeats keep their slot but count as misses, lists are cut to ``n``, and
every such problem is counted. Both the in-process protocols and the bench-task mode go through
this one module, so an answer scores the same whichever way it reached the evaluator.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dayone.evaluation.metrics import (
    AUC,
    GAUC,
    JudgedList,
    PooledAUC,
    RankingMetric,
    RatedAUC,
    Truth,
    parse_metric,
)


@dataclass(frozen=True)
class RequestSpec:
    """The parts of a request that decide which answers are allowed."""

    id: str
    n: int
    candidates: frozenset[str] | None = None
    history: frozenset[str] = field(default_factory=frozenset)
    exclude_history: bool = True
    user: str | None = None

    @classmethod
    def from_request(cls, req: Mapping[str, Any]) -> RequestSpec:
        cands = req.get("candidates")
        user = req.get("user") or {}
        return cls(
            id=str(req["id"]),
            n=int(req["n"]),
            candidates=frozenset(cands) if cands is not None else None,
            history=frozenset(h["item"] for h in req.get("history") or []),
            exclude_history=bool(req.get("exclude_history", True)),
            user=user.get("id") if isinstance(user, Mapping) else None,
        )

    def allowed(self, item: str, catalogue: Mapping[str, int] | frozenset[str]) -> bool:
        if self.candidates is not None:
            return item in self.candidates
        if item not in catalogue:
            return False
        return not (self.exclude_history and item in self.history)

    def n_allowed(self, catalogue: Mapping[str, int] | frozenset[str]) -> int:
        if self.candidates is not None:
            return len(self.candidates)
        if not self.exclude_history:
            return len(catalogue)
        return len(catalogue) - sum(1 for h in self.history if h in catalogue)


def make_truth(
    spec: RequestSpec,
    relevant: Iterable[str],
    negative: Iterable[str],
    catalogue: Mapping[str, int] | frozenset[str],
) -> Truth:
    rel = frozenset(relevant)
    neg = frozenset(negative)
    return Truth(
        relevant=rel,
        negative=neg,
        n_allowed=spec.n_allowed(catalogue),
        n_relevant_allowed=sum(1 for i in rel if spec.allowed(i, catalogue)),
        n_negative_allowed=sum(1 for i in neg if spec.allowed(i, catalogue)),
    )


def judge(
    items: Sequence[Any],
    spec: RequestSpec,
    catalogue: Mapping[str, int] | frozenset[str],
    problems: Counter[str],
) -> list[str | None]:
    """Validate one ranked answer; invalid slots become ``None`` (a miss that keeps its rank)."""
    if len(items) > spec.n:
        problems["responses_longer_than_n"] += 1
        items = items[: spec.n]
    out: list[str | None] = []
    seen: set[str] = set()
    for x in items:
        if not isinstance(x, str):
            problems["items_not_strings"] += 1
            out.append(None)
        elif x not in catalogue:
            problems["unknown_item_ids"] += 1
            out.append(None)
        elif not spec.allowed(x, catalogue):
            key = (
                "history_items_returned" if spec.candidates is None else "items_outside_candidates"
            )
            problems[key] += 1
            out.append(None)
        elif x in seen:
            problems["duplicate_items"] += 1
            out.append(None)
        else:
            seen.add(x)
            out.append(x)
    return out


def score_lists(
    metrics: Sequence[RankingMetric],
    judged: Sequence[JudgedList | None],
    truths: Sequence[Truth],
) -> dict[str, np.ndarray]:
    """Per-request values of each metric; a missing answer (None) scores 0 wherever the
    metric is defined for that request, as in the bench."""
    out = {m.key: np.zeros(len(truths)) for m in metrics}
    for q, (lst, tr) in enumerate(zip(judged, truths, strict=True)):
        for m in metrics:
            if lst is None:
                undefined = (
                    isinstance(m, AUC)
                    and (tr.n_relevant_allowed == 0 or tr.n_allowed == tr.n_relevant_allowed)
                ) or (
                    isinstance(m, RatedAUC)
                    and (tr.n_relevant_allowed == 0 or tr.n_negative_allowed == 0)
                )
                out[m.key][q] = float("nan") if undefined else 0.0
            else:
                out[m.key][q] = m(lst, tr)
    return out


def mean_per_metric(per: Mapping[str, np.ndarray]) -> dict[str, float]:
    """Each metric's mean over the requests where it is defined (NaN when none is), computed
    with ``np.nanmean`` as the bench does. The in-process runner and the bench-task mode
    both report through here, so their means cannot drift apart."""
    return {
        k: float(np.nanmean(v)) if np.isfinite(v).any() else float("nan") for k, v in per.items()
    }


def score_binary(
    metric_keys: Sequence[str], y: np.ndarray, s: np.ndarray, users: np.ndarray
) -> dict[str, float]:
    out: dict[str, float] = {}
    for key in metric_keys:
        if key == "auc":
            out[key] = PooledAUC()(y, s)
        elif key == "gauc":
            out[key] = GAUC()(y, s, users)
        else:
            raise ValueError(f"unknown binary metric {key!r}; known: auc, gauc")
    return out


def ranking_metrics(keys: Sequence[str]) -> list[RankingMetric]:
    return [parse_metric(k) for k in keys]


def valid_score(val: Any) -> bool:
    return not isinstance(val, bool) and isinstance(val, int | float) and math.isfinite(val)
