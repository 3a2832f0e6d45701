"""How fast popularity should forget: a half-life chosen by walking forward through the log.

Popularity is what a brand-new visitor gets before anything else is known. On a catalogue
whose taste moves (news, new releases, seasonal goods) last month's favourites are a poor
guess for tomorrow, but how fast it moves differs from one log to the next: on ML-100K's seven
months a 7-day half-life picked the next week's likes best, on the demo's 22 years of
MovieLens 180 days did, and 1 day was worse than plain counts on both
(scripts/popularity_recency_eval.py). So `popularity_half_life_days="auto"` replays the
log's own past: at cut points over its later part, popularity from everything before the cut
ranks the catalogue for each user active in the next window, and the half-life whose lists
hold more of those users' next likes wins, if it beats plain counts for more than chance
(a paired, user-resampled bootstrap interval above 0). The future of a cut is never seen by
what is scored at it, so nothing is tuned on what it is judged by.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

DAY = 86400.0
CANDIDATES = (1.0, 3.0, 7.0, 30.0, 90.0, 365.0)
MIN_WINDOWS = 4  # fewer cut points than this: too little to choose on, counts stay plain
MAX_USERS_PER_WINDOW = 300
K = 10


def recency_weights(ts: np.ndarray, ref: float, half_life_days: float) -> np.ndarray:
    """0.5 ** (age at `ref` / half-life) per event; an event without a time, or one after
    `ref`, counts fully. The one decay rule: the walk-forward replay and `Population`'s
    counts both use it, so what "auto" chose is what is served."""
    age = np.where(np.isfinite(ts), ref - ts, 0.0)
    return np.asarray(np.exp2(-np.maximum(age, 0.0) / (half_life_days * DAY)), dtype=np.float64)


def decayed_counts(rows: np.ndarray, ts: np.ndarray, weights_ok: np.ndarray, n_items: int,
                   half_life_days: float | None, ref: float) -> np.ndarray:
    """Positive interactions per item, each weighted 0.5 ** (age at `ref` / half-life)."""
    if half_life_days is None:
        return np.bincount(rows[weights_ok], minlength=n_items).astype(np.float64)
    return np.bincount(rows[weights_ok], weights=recency_weights(ts[weights_ok], ref, half_life_days),
                       minlength=n_items)


@dataclass
class WalkForward:
    """ndcg@K of popularity for each (user, window) pair, per half-life (None: plain)."""

    scores: dict[float | None, np.ndarray]
    users: list[str]
    windows: int
    window_days: float


def walk_forward(
    rows: np.ndarray, users: np.ndarray, ts: np.ndarray, positive: np.ndarray, n_items: int,
    half_lives: tuple[float, ...] = CANDIDATES, window_days: float | None = None,
    span: float = 0.5, k: int = K, max_users: int = MAX_USERS_PER_WINDOW, seed: int = 0,
) -> WalkForward:
    """Replay the later `span` of a timed log in windows (default: a twentieth of its time
    span, 1 to 30 days); events without a time are left out."""
    timed = np.isfinite(ts)
    rows, users, ts, positive = rows[timed], users[timed], ts[timed], positive[timed]
    order = np.argsort(ts, kind="stable")
    rows, users, ts, positive = rows[order], users[order], ts[order], positive[order]
    settings: list[float | None] = [None, *half_lives]
    out: dict[float | None, list[float]] = {h: [] for h in settings}
    who: list[str] = []
    if ts.size < 2:
        return WalkForward({h: np.zeros(0) for h in settings}, who, 0, 0.0)
    days = (ts[-1] - ts[0]) / DAY
    width = window_days if window_days is not None else float(np.clip(days / 20.0, 1.0, 30.0))
    start = ts[0] + (1.0 - span) * (ts[-1] - ts[0])
    cuts = np.arange(start, ts[-1] - width * DAY, width * DAY)
    discount = 1.0 / np.log2(np.arange(2, k + 2))
    rng = np.random.default_rng(seed)
    used = 0
    for cut in cuts:
        n_before = int(np.searchsorted(ts, cut, side="left"))
        n_after = int(np.searchsorted(ts, cut + width * DAY, side="left"))
        nxt = np.arange(n_before, n_after)[positive[n_before:n_after]]
        if n_before == 0 or nxt.size == 0:
            continue
        wanted: dict[object, set[int]] = {}
        for j in nxt:
            wanted.setdefault(users[j], set()).add(int(rows[j]))
        if len(wanted) > max_users:
            keep = rng.choice(len(wanted), max_users, replace=False)
            names = list(wanted)
            wanted = {names[i]: wanted[names[i]] for i in np.sort(keep)}
        seen: dict[object, set[int]] = {u: set() for u in wanted}
        # only the sampled users' past rows, found in one pass (a Python loop over the whole
        # past at every cut grew with log size times windows)
        mine = np.flatnonzero(np.isin(users[:n_before], np.array(list(wanted), dtype=object)))
        for u, r in zip(users[mine], rows[mine], strict=True):
            seen[u].add(int(r))
        wanted = {u: t - seen[u] for u, t in wanted.items() if t - seen[u]}
        if not wanted:
            continue
        used += 1
        who.extend(str(u) for u in wanted)
        longest = max(len(s) for s in seen.values())
        for h in settings:
            counts = decayed_counts(rows[:n_before], ts[:n_before], positive[:n_before], n_items, h, cut)
            head = np.argsort(-counts, kind="stable")[: k + longest]
            for u, truth in wanted.items():
                had = seen[u]
                top = [int(r) for r in head if int(r) not in had][:k]
                hits = np.array([r in truth for r in top], dtype=float)
                ideal = float(discount[: min(len(truth), k)].sum())
                out[h].append(float(hits @ discount[: hits.size]) / ideal)
    return WalkForward({h: np.asarray(v) for h, v in out.items()}, who, used, width)


def choose_half_life(
    rows: np.ndarray, users: np.ndarray, ts: np.ndarray, positive: np.ndarray, n_items: int,
    candidates: tuple[float, ...] = CANDIDATES, seed: int = 0,
) -> tuple[float | None, dict[str, Any]]:
    """The half-life in days that best predicts the log's own next likes, or None (plain
    counts) when none beats plain counts beyond chance or the log is too short to say."""
    from dayone.evaluation.metrics import bootstrap_ci

    run = walk_forward(rows, users, ts, positive, n_items, candidates, seed=seed)
    report: dict[str, Any] = {"windows": run.windows, "window_days": round(run.window_days, 2),
                              "pairs": len(run.users)}
    if run.windows < MIN_WINDOWS or not len(run.users):
        report["reason"] = f"fewer than {MIN_WINDOWS} timed windows with new likes"
        return None, report
    plain = run.scores[None]
    report["ndcg@10"] = {("plain" if h is None else f"{h:g}"): round(float(s.mean()), 4) for h, s in run.scores.items()}
    best = max(candidates, key=lambda h: float(run.scores[h].mean()))
    diff = run.scores[best] - plain
    lo, hi = bootstrap_ci(diff, seed=seed, clusters=run.users)
    report["best_vs_plain"] = [round(float(diff.mean()), 4), round(lo, 4), round(hi, 4)]
    if lo <= 0:
        report["reason"] = "no half-life beats plain counts beyond chance"
        return None, report
    return best, report


def summarise_recency(report: dict[str, Any]) -> str:
    """One line for `dayone build`: what "auto" chose and on what evidence."""
    days = report.get("half_life_days")
    chosen = "plain counts" if days is None else f"a half-life of {days:g} day{'' if days == 1 else 's'}"
    if report.get("set"):
        return f"popularity: {chosen}, as set"
    seen = (f"{report.get('windows', 0)} windows of {report.get('window_days', 0):g} days, "
            f"{report.get('pairs', 0)} (user, window) pairs")
    if "best_vs_plain" in report:
        d, lo, hi = report["best_vs_plain"]
        seen += f"; best half-life vs plain ndcg@10 {d:+.4f} [{lo:+.4f}, {hi:+.4f}]"
    why = f" ({report['reason']})" if "reason" in report else ""
    return f"popularity: {chosen}, replaying the log ({seen}){why}"
