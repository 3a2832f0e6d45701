"""Collect bench score files into the markdown table of docs/benchmarks.md.

Reads `OUT/<task>/<setting>-s<seed>.score.json` (score.py --json --bootstrap output, written by
scripts/bench_all.sh), averages the primary metric over seeds (reporting the spread), keeps
seed 0's bootstrap interval, and sets each figure next to the best floor from the bench's
RESULTS.md and the best peer from PEERS.md.

    python -m dayone.bench.report runs/bench --bench ../shared/bench > table.md
"""

from __future__ import annotations

import argparse
import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any


def _table_rows(markdown: str, header_start: str) -> list[list[str]]:
    """Rows of the first markdown table whose header line starts with `header_start`."""
    lines = markdown.splitlines()
    for k, line in enumerate(lines):
        if line.startswith(header_start):
            rows = []
            for row in lines[k + 2 :]:
                if not row.startswith("|"):
                    break
                rows.append([c.strip() for c in row.strip().strip("|").split("|")])
            return [[c.strip() for c in lines[k].strip().strip("|").split("|")]] + rows
    return []


def _number(cell: str) -> float | None:
    m = re.search(r"-?\d+\.\d+", cell)
    return float(m.group()) if m else None


def _best_per_row(markdown: str) -> dict[str, tuple[str, float]]:
    """task -> (column name, value) of the largest number in each row of the summary table."""
    rows = _table_rows(markdown, "| task | primary |")
    if not rows:
        return {}
    header, out = rows[0], {}
    for row in rows[1:]:
        best: tuple[str, float] | None = None
        for name, cell in zip(header[2:], row[2:], strict=False):
            v = _number(cell)
            if v is not None and (best is None or v > best[1]):
                best = (name, v)
        if best:
            out[row[0]] = best
    return out


def floors(results_md: str) -> dict[str, tuple[str, float]]:
    """task -> (best floor name, value) from RESULTS.md's summary table."""
    return _best_per_row(results_md)


def content_floor(results_md: str) -> dict[str, float]:
    rows = _table_rows(results_md, "| task | primary |")
    if not rows:
        return {}
    j = rows[0].index("content") if "content" in rows[0] else None
    return {r[0]: v for r in rows[1:] if j is not None and (v := _number(r[j])) is not None}


def peers(peers_md: str) -> dict[str, tuple[str, float]]:
    """task label -> (best peer, value) from PEERS.md."""
    return _best_per_row(peers_md)


def _peer_for(
    task: str, setting: str, table: dict[str, tuple[str, float]]
) -> tuple[str, float] | None:
    for label, value in table.items():
        names = re.sub(r"\s*\(.*\)", "", label)
        qualifier = re.search(r"\((.*)\)", label)
        if qualifier and qualifier.group(1) not in (setting,):
            continue
        if names == task:
            return value
        m = re.match(r"(.*-)(\d+(?:/\d+)+)$", names)  # tallrec-movie-0/16/64/256
        if m and task.startswith(m.group(1)) and task[len(m.group(1)) :] in m.group(2).split("/"):
            return value
    return None


def collect(out_dir: Path) -> dict[tuple[str, str], dict[str, Any]]:
    runs: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for path in sorted(out_dir.glob("*/*.score.json")):
        m = re.match(r"(.+)-s(\d+)\.score$", path.stem)
        if not m:
            continue
        data = json.loads(path.read_text())
        data["seed"] = int(m.group(2))
        runs[(path.parent.name, m.group(1))].append(data)
    summary = {}
    for key, items in runs.items():
        primary = _primary(out_dir, key[0], items[0])
        values = [d["metrics"][primary] for d in items]
        first = min(items, key=lambda d: d["seed"])
        ci = first.get("ci95", {}).get(primary, {})
        summary[key] = {
            "primary": primary,
            "mean": sum(values) / len(values),
            "min": min(values),
            "max": max(values),
            "seeds": len(values),
            "ci": (ci.get("lo"), ci.get("hi")),
            "valid": all(d.get("valid") for d in items),
            "metrics": {
                k: sum(d["metrics"][k] for d in items) / len(items) for k in first["metrics"]
            },
        }
    return summary


def _primary(out_dir: Path, task: str, score: dict[str, Any]) -> str:
    for cand in (out_dir / task / "primary.txt",):
        if cand.exists():
            return cand.read_text().strip()
    metrics = list(score["metrics"])
    for name in ("auc_rated", "ndcg@10", "auc"):
        if name in metrics:
            return name
    return metrics[0]


def render(summary: dict[tuple[str, str], dict[str, Any]], bench: Path | None) -> str:
    results = (
        (bench / "RESULTS.md").read_text() if bench and (bench / "RESULTS.md").exists() else ""
    )
    peers_md = (bench / "PEERS.md").read_text() if bench and (bench / "PEERS.md").exists() else ""
    fl, cf, pe = floors(results), content_floor(results), peers(peers_md)
    lines = [
        "| task | setting | primary | dayone (mean over seeds) | seeds: min–max | 95% CI (seed 0) | best floor | content floor | best peer | valid |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (task, setting), s in sorted(summary.items()):
        floor = fl.get(task)
        peer = _peer_for(task, setting, pe)
        lo, hi = s["ci"]
        lines.append(
            "| {t} | {st} | {p} | **{m:.4f}** | {spread} | {ci} | {f} | {c} | {pr} | {v} |".format(
                t=task,
                st=setting,
                p=s["primary"],
                m=s["mean"],
                spread=f"{s['min']:.4f}–{s['max']:.4f} (n={s['seeds']})" if s["seeds"] > 1 else "–",
                ci=f"[{lo:.4f}, {hi:.4f}]" if lo is not None else "–",
                f=f"{floor[1]:.4f} ({floor[0]})" if floor else "–",
                c=f"{cf[task]:.4f}" if task in cf else "–",
                pr=f"{peer[1]:.4f} ({peer[0]})" if peer else "–",
                v="yes" if s["valid"] else "NO",
            )
        )
    extra = [
        "",
        "Secondary metrics (mean over seeds):",
        "",
        "| task | setting | metrics |",
        "|---|---|---|",
    ]
    for (task, setting), s in sorted(summary.items()):
        extra.append(
            f"| {task} | {setting} | "
            + ", ".join(f"{k} {v:.4f}" for k, v in s["metrics"].items())
            + " |"
        )
    return "\n".join(lines + extra) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument(
        "--bench", type=Path, default=None, help="bench folder with RESULTS.md and PEERS.md"
    )
    args = parser.parse_args(argv)
    print(render(collect(args.out_dir), args.bench), end="")


if __name__ == "__main__":
    main()
