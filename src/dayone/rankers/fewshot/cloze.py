"""History cloze: turn every rated history into labelled pseudo-examples, without labels.

One idea: a history of n rated items holds n small prediction problems -- hide item j and
ask whether the user liked it, given the other n-1. The answers are the history's own like
flags (request *inputs*), so these pseudo-rows can calibrate the zero-shot scorer
(:mod:`zeroshot`) and need no request or train label.

Leakage guard: a pseudo-row whose (user, item) equals some request's (user, target) is
dropped, so a sliding-window test set (where a user's later request lists an earlier target
with its flag) cannot teach the scorer a request's own answer. Histories shorter than 3 are
skipped (a 1-item "history" says nothing about a user's rate).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .population import liked_flag, user_key

MIN_HISTORY = 3


def cloze_rows(
    rows: Sequence[Mapping[str, Any]], requests: Sequence[Mapping[str, Any]],
    max_rows: int, seed: int,
) -> list[dict[str, Any]]:
    """Pseudo-rows ``{user, history, target, label}`` from the histories of ``rows``."""
    forbidden = {(user_key(r), str(r.get("target"))) for r in requests}
    out: list[dict[str, Any]] = []
    for r in rows:
        hist = [e for e in (r.get("history") or []) if liked_flag(e) is not None]
        if len(hist) < MIN_HISTORY:
            continue
        uid = user_key(r)
        for j, entry in enumerate(hist):
            if (uid, str(entry["item"])) in forbidden:
                continue
            out.append({
                "user": {"id": uid}, "history": hist[:j] + hist[j + 1 :],
                "target": str(entry["item"]), "label": int(bool(liked_flag(entry))),
            })
    if len(out) > max_rows:
        keep = np.random.default_rng(seed).choice(len(out), max_rows, replace=False)
        out = [out[i] for i in sorted(keep)]
    return out


def with_sampled_negatives(
    pseudo: list[dict[str, Any]], item_ids: Sequence[str], seed: int
) -> list[dict[str, Any]]:
    """When every pseudo-row is a like (implicit feedback: nothing in any history is
    disliked), add for each one the same history with a sampled item the user never touched
    as a label-0 target: the only contrast implicit data offers, and the one a task built
    from such data uses for its negatives. Otherwise the rows are returned unchanged."""
    if not pseudo or any(p["label"] == 0 for p in pseudo) or len(item_ids) < 2:
        return pseudo
    rng = np.random.default_rng(seed)
    pool = list(item_ids)
    touched: dict[str, set[str]] = {}  # everything each user is seen with, across their rows
    for p in pseudo:
        items = touched.setdefault(user_key(p), set())
        items.update(str(e["item"]) for e in p["history"])
        items.add(str(p["target"]))
    out = list(pseudo)
    for p in pseudo:
        seen = touched[user_key(p)]
        for _ in range(10):  # a few draws find an untouched item in any real catalogue
            cand = pool[int(rng.integers(len(pool)))]
            if cand not in seen:
                out.append({**p, "target": cand, "label": 0})
                break
    return out
