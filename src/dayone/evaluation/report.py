"""Write what a run found: report.json (every number), a per-user parquet table, and
report.md with PNG plots (the cold -> warm curve and per-strategy bars with 95% intervals).

Plots use matplotlib's Agg backend so the report renders on a headless server.
"""

from __future__ import annotations

import json
import math
import platform
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from dayone.evaluation.metrics import bootstrap_ci
from dayone.evaluation.runner import CellResult, RunResult

CURVE_METRICS = ["ndcg@10", "recall@20"]


def _fname(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", s.replace("@", "")).strip("_")


def _fmt(v: Any, digits: int = 4) -> str:
    if v is None or (isinstance(v, float) and (math.isnan(v) or math.isinf(v))):
        return "n/a"
    return f"{v:.{digits}f}"


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _primary(cell: CellResult) -> str:
    if cell.kind == "binary":
        return "auc"
    if "auc_rated" in cell.metrics:
        return "auc_rated"
    return "ndcg@10" if "ndcg@10" in cell.metrics else next(iter(cell.metrics), "")


def _save(plt: Any, fig: Any, path: Path) -> Path:
    """Lay out, write and close a figure: every plot of the report is saved the same way
    (one resolution), and closing it keeps a long run from holding every figure open."""
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_curve(result: RunResult, metric: str, out: Path) -> Path | None:
    """Metric vs number of known interactions per strategy: new-user shots, then warm."""
    cells = [c for c in result.cells if c.protocol in ("new-user", "warm") and metric in c.metrics]
    if not cells:
        return None
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    by_strategy: dict[str, list[CellResult]] = defaultdict(list)
    for c in cells:
        by_strategy[c.strategy].append(c)
    xs_all: set[float] = set()

    def bars(cs: list[CellResult]) -> tuple[list[float], list[float], np.ndarray]:
        x = [c.known for c in cs]
        y = [c.metrics[metric] for c in cs]
        lo = [c.metrics[metric] - c.ci95.get(metric, (math.nan, math.nan))[0] for c in cs]
        hi = [c.ci95.get(metric, (math.nan, math.nan))[1] - c.metrics[metric] for c in cs]
        yerr = np.array([lo, hi], dtype=float)
        return x, y, np.where(np.isfinite(yerr), np.maximum(yerr, 0), 0)

    for name, cs in by_strategy.items():
        # the new-user curve is a line; the warm point is a separate star of the same colour
        # (its x, the median history of warm users, may fall anywhere on the k axis)
        cold = sorted((c for c in cs if c.protocol == "new-user"), key=lambda c: c.known)
        warm_cs = [c for c in cs if c.protocol == "warm"]
        color = None
        if cold:
            x, y, yerr = bars(cold)
            xs_all.update(x)
            line = ax.errorbar(x, y, yerr=yerr, marker="o", capsize=3, label=name, linewidth=1.5)
            color = line[0].get_color()
        if warm_cs:
            x, y, yerr = bars(warm_cs)
            xs_all.update(x)
            ax.errorbar(
                x,
                y,
                yerr=yerr,
                marker="*",
                markersize=12,
                capsize=3,
                linestyle="none",
                color=color,
                label=None if cold else f"{name} (warm)",
            )
    warm = [c for c in cells if c.protocol == "warm"]
    if warm:
        wx = warm[0].known
        ax.axvline(wx, color="grey", linestyle=":", linewidth=1)
        ax.annotate(
            f"\u2605 = warm users (median {wx:g} known)",
            (wx, ax.get_ylim()[1]),
            fontsize=8,
            ha="right",
            va="top",
            rotation=90,
        )
    ax.set_xscale("symlog", linthresh=1)
    ticks = sorted(xs_all)
    ax.set_xticks(ticks)
    ax.set_xticklabels([f"{t:g}" for t in ticks])
    ax.set_xlabel("interactions known for the user (new-user k, then warm)")
    ax.set_ylabel(metric)
    ax.set_title(f"{result.data['name']}: cold -> warm, {metric} (95% bootstrap CI)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return _save(plt, fig, out / f"curve_{_fname(metric)}.png")


def plot_bars(result: RunResult, protocol: str, out: Path) -> Path | None:
    """The protocol's primary metric per setting and strategy, with 95% bootstrap intervals."""
    cells = [c for c in result.cells if c.protocol == protocol and c.metrics]
    if not cells:
        return None
    metric = _primary(cells[0])
    settings = list(dict.fromkeys(c.setting for c in cells))
    strategies = list(dict.fromkeys(c.strategy for c in cells))
    plt = _plt()
    fig, ax = plt.subplots(
        figsize=(max(6.0, 1.1 * len(settings) * max(1, len(strategies)) * 0.45 + 2), 4.2)
    )
    width = 0.8 / max(1, len(strategies))
    for si, name in enumerate(strategies):
        xs: list[float] = []
        ys: list[float] = []
        errs: list[list[float]] = [[], []]
        for ti, setting in enumerate(settings):
            c = next((c for c in cells if c.setting == setting and c.strategy == name), None)
            if c is None or metric not in c.metrics:
                continue
            v = c.metrics[metric]
            lo, hi = c.ci95.get(metric, (math.nan, math.nan))
            xs.append(ti + (si - (len(strategies) - 1) / 2) * width)
            ys.append(v)
            errs[0].append(max(v - lo, 0) if math.isfinite(lo) else 0)
            errs[1].append(max(hi - v, 0) if math.isfinite(hi) else 0)
        ax.bar(xs, ys, width=width, yerr=errs, capsize=2, label=name)
    ax.set_xticks(range(len(settings)))
    ax.set_xticklabels(settings)
    ax.set_ylabel(metric)
    if metric in ("auc", "auc_rated", "gauc"):
        ax.axhline(0.5, color="grey", linestyle=":", linewidth=1)
    ax.set_title(f"{result.data['name']}: {protocol}, {metric} (95% bootstrap CI)")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8, ncol=2)
    return _save(plt, fig, out / f"bars_{_fname(protocol)}.png")


BASELINE = "popularity"


def paired_against_baseline(result: RunResult, baseline: str = BASELINE) -> list[dict[str, Any]]:
    """Each strategy minus `baseline` on the same requests, per protocol and setting, on the
    cell's primary metric: mean difference, its 95% bootstrap interval and wins/ties/losses.

    Why: two strategies' separate intervals overlap long before their difference is in doubt
    (both are scored on the same users), so "does it beat my fallback?" needs the paired
    figure; a reviewer had to compute it from per_user.parquet by hand."""
    df = result.per_user
    if not len(df) or "request" not in df:
        return []
    out: list[dict[str, Any]] = []
    for c in result.cells:
        if c.kind == "binary" or c.strategy == baseline or c.error:
            continue
        metric = _primary(c)
        if metric not in df:
            continue
        cell = df[(df["protocol"] == c.protocol) & (df["setting"] == c.setting)]
        if cell.duplicated(["strategy", "request"]).any():
            continue  # a request id answered twice in one cell: no one-to-one pairing
        wide = cell.pivot_table(index="request", columns="strategy", values=metric, aggfunc="first")
        if baseline not in wide or c.strategy not in wide:
            continue
        pair = wide[[c.strategy, baseline]].dropna()
        if not len(pair):
            continue
        diff = (pair[c.strategy] - pair[baseline]).to_numpy(dtype=float)
        lo, hi = bootstrap_ci(diff, result.config.bootstrap, result.config.seed)  # NaN when 0
        out.append({
            "protocol": c.protocol, "setting": c.setting, "strategy": c.strategy, "against": baseline,
            "metric": metric, "n": len(diff), "difference": float(diff.mean()), "ci95": [lo, hi],
            "wins": int((diff > 1e-9).sum()), "ties": int((np.abs(diff) <= 1e-9).sum()),
            "losses": int((diff < -1e-9).sum()),
        })
    return out


def _paired_lines(rows: list[dict[str, Any]]) -> list[str]:
    if not rows:
        return []
    L = [f"## Against {rows[0]['against']}, paired (same requests)", "",
         "Difference of each strategy's primary metric minus the baseline's on the same requests; "
         "an interval clear of 0 is a difference the data supports.", "",
         "| protocol | setting | strategy | metric | n | difference [95% CI] | wins / ties / losses |",
         "|---|---|---|---|---|---|---|"]
    for r in rows:
        lo, hi = r["ci95"]
        verdict = " (better)" if lo > 0 else " (worse)" if hi < 0 else ""
        ci = f" [{lo:+.3f}, {hi:+.3f}]" if math.isfinite(lo) else ""
        L.append(f"| {r['protocol']} | {r['setting']} | {r['strategy']} | {r['metric']} | {r['n']} | "
                 f"{r['difference']:+.4f}{ci}{verdict} | "
                 f"{r['wins']} / {r['ties']} / {r['losses']} |")
    return L + [""]


def report_json(result: RunResult, command: str | None = None) -> dict[str, Any]:
    import dayone

    return {
        "dayone_version": getattr(dayone, "__version__", "?"),
        "python": platform.python_version(),
        "command": command,
        "data": result.data,
        "config": result.config.model_dump(),
        "splits": result.splits,
        "results": [c.to_json() for c in result.cells],
        "paired": paired_against_baseline(result),
        "timings_s": {k: round(v, 2) for k, v in result.timings.items()},
        "notes": result.notes,
    }


def _table(cells: list[CellResult], keys: list[str], ci: bool = True) -> list[str]:
    head = "| setting | strategy | n | " + " | ".join(keys) + " |"
    lines = [head, "|" + "---|" * (3 + len(keys))]
    for c in cells:
        vals = []
        for k in keys:
            v = c.metrics.get(k, c.beyond.get(k))
            s = _fmt(v)
            if ci and k in c.ci95 and math.isfinite(c.ci95[k][0]):
                s += f" [{_fmt(c.ci95[k][0], 3)}, {_fmt(c.ci95[k][1], 3)}]"
            vals.append(s)
        name = c.strategy + (f" (error: {c.error[:60]})" if c.error else "")
        lines.append(f"| {c.setting} | {name} | {c.n} | " + " | ".join(vals) + " |")
    return lines


def write_report(
    result: RunResult, out: str | Path, command: str | None = None, per_user: bool = True
) -> dict[str, Path]:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    rep = report_json(result, command)
    paths["json"] = out / "report.json"
    paths["json"].write_text(json.dumps(rep, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    if per_user and len(result.per_user):
        paths["per_user"] = out / "per_user.parquet"
        result.per_user.to_parquet(paths["per_user"], index=False)
    figs: list[tuple[str, Path]] = []
    for m in CURVE_METRICS:
        p = plot_curve(result, m, out)
        if p:
            figs.append((f"Cold -> warm: {m}", p))
    for proto in dict.fromkeys(c.protocol for c in result.cells):
        p = plot_bars(result, proto, out)
        if p:
            figs.append((f"{proto}", p))
    md = _markdown(result, rep, figs, command)
    paths["md"] = out / "report.md"
    paths["md"].write_text(md, encoding="utf-8")
    return paths


def _markdown(
    result: RunResult, rep: dict[str, Any], figs: list[tuple[str, Path]], command: str | None
) -> str:
    d = result.data
    L = [f"# dayone evaluate: {d['name']}", ""]
    if command:
        L += ["Made by:", "", "```", command, "```", ""]
    L += [
        f"Data: {d['items']} items, {d['users']} users, {d['interactions']} interactions; "
        f"signals: {', '.join(d['signals'])}; timestamps: {'yes' if d['timestamps'] else 'no (sequence order)'}; "
        f"user profiles: {d['users_with_profile']}.",
        "",
    ]
    for n in d.get("notes", []):
        L.append(f"- {n}")
    L += [
        f"Seed {result.config.seed}; total time {result.timings.get('total', 0):.0f} s wall, "
        f"{result.timings.get('cpu_total', 0):.0f} s CPU "
        f"(splits {result.timings.get('split', 0):.0f} s, item vectors {result.timings.get('item_vectors', 0):.0f} s).",
        "Intervals are 95% percentile bootstrap intervals "
        f"({result.config.bootstrap} resamples of requests; binary: of users).",
        "Metric definitions are those of `../shared/bench/score.py` (see `dayone.evaluation.metrics`).",
        "",
    ]
    for n in result.notes:
        L.append(f"- note: {n}")
    for sp in result.splits:
        L.append(f"- split `{sp['protocol']}`: " + "; ".join(sp["notes"]))
    L.append("")
    learned = [(sp, name, lines) for sp in result.splits for name, lines in sp.get("learned", {}).items()]
    if learned:
        L += ["## What the strategies learned", ""]
        per_protocol = Counter(sp["protocol"] for sp in result.splits)
        for sp, name, lines in learned:
            # few-shot has one split per training size: name it
            which = f" ({', '.join(sp['settings'])})" if per_protocol[sp["protocol"]] > 1 else ""
            L += [f"`{name}` on the `{sp['protocol']}` split{which}:", "", "```", *lines, "```", ""]
    L += _paired_lines(rep.get("paired", []))
    for title, p in figs:
        L += [f"## {title}", "", f"![{title}]({p.name})", ""]
    by_proto: dict[str, list[CellResult]] = defaultdict(list)
    for c in result.cells:
        by_proto[c.protocol].append(c)
    for proto, cells in by_proto.items():
        L += [f"## {proto}: accuracy", ""]
        keys = list(dict.fromkeys(k for c in cells for k in c.metrics))
        L += _table(cells, keys)
        L.append("")
        bkeys = list(dict.fromkeys(k for c in cells for k in c.beyond))
        if bkeys:
            L += [f"### {proto}: beyond accuracy (top {result.config.beyond_k})", ""]
            L += _table(cells, bkeys, ci=False)
            L.append("")
        gap_lines = []
        for c in cells:
            for attr, per_metric in c.groups.items():
                key = _primary(c)
                g = per_metric.get(key)
                if not g:
                    continue
                groups = ", ".join(
                    f"{k}={_fmt(v, 3)} (n={g['n'][k]})" for k, v in g["groups"].items()
                )
                gap_lines.append(
                    f"| {c.setting} | {c.strategy} | {attr} | {key} | {_fmt(g['gap'], 3)} | {groups} |"
                )
        if gap_lines:
            L += [
                f"### {proto}: gap between user groups (max - min group mean)",
                "",
                "| setting | strategy | attribute | metric | gap | groups |",
                "|---|---|---|---|---|---|",
            ]
            L += gap_lines
            L.append("")
        probs = [c for c in cells if c.problems]
        if probs:
            L += [f"### {proto}: answers that broke the rules (counted as misses)", ""]
            for c in probs:
                L.append(
                    f"- {c.setting} / {c.strategy}: "
                    + ", ".join(f"{k}={v}" for k, v in sorted(c.problems.items()))
                )
            L.append("")
    L += ["## Timings (s)", "", "| step | seconds |", "|---|---|"]
    for k, v in rep["timings_s"].items():
        L.append(f"| {k} | {v} |")
    L.append("")
    return "\n".join(L)
