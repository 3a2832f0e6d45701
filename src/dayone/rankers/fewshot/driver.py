"""Private driver: score one binary bench task folder with :func:`build_binary_scorer`.

One idea: reproduce the docs' numbers before (and independently of) ``dayone run-bench``.
Reads ``items.jsonl``, ``train.jsonl`` (labels are fit data) and ``requests.jsonl`` -- never
``truth.jsonl`` -- and writes ``{"id", "score"}`` lines for ``score.py``.

    python -m dayone.rankers.fewshot.driver ../shared/bench/tasks/tallrec-movie-16 out.jsonl
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
from pathlib import Path
from typing import Any

from .scorer import BinaryFewShotScorer, FewShotConfig


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Rows of ``path`` or ``path.gz``; a missing file is an empty list (e.g. no train rows)."""
    gz = path.with_name(path.name + ".gz")
    if path.exists():
        with path.open(encoding="utf-8") as fh:
            return [json.loads(line) for line in fh if line.strip()]
    if gz.exists():
        with gzip.open(gz, "rt", encoding="utf-8") as fh:
            return [json.loads(line) for line in fh if line.strip()]
    return []


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("task_dir", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--setting", default=None, help="zero-shot | few-shot (default: task.json)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-transductive", action="store_true")
    ap.add_argument("--no-wide", action="store_true")
    ap.add_argument("--finetune", choices=["off", "auto", "on"], default="off")
    ap.add_argument("--cache-dir", default=".dayone-cache")
    args = ap.parse_args(argv)

    meta = json.loads((args.task_dir / "task.json").read_text())
    setting = args.setting or (meta.get("settings") or ["few-shot"])[0]
    items = read_jsonl(args.task_dir / "items.jsonl")
    train = read_jsonl(args.task_dir / "train.jsonl")
    requests = read_jsonl(args.task_dir / "requests.jsonl")
    config = FewShotConfig(
        transductive=not args.no_transductive, wide=not args.no_wide,
        finetune=args.finetune, cache_dir=args.cache_dir,
    )
    t0 = time.perf_counter()
    scorer = BinaryFewShotScorer(items, train, setting, args.seed, None, config)
    scores = scorer(requests)
    elapsed = time.perf_counter() - t0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as fh:
        for r, s in zip(requests, scores, strict=True):
            fh.write(json.dumps({"id": r["id"], "score": float(s)}) + "\n")
    info = {"task": meta.get("name"), "setting": setting, "seconds": round(elapsed, 1),
            **scorer.describe_choice()}
    print(json.dumps(info))


if __name__ == "__main__":
    main()
