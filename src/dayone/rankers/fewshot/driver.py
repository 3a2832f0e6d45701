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

import numpy as np

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
    ap.add_argument("--no-content-quality", action="store_true",
                    help="leave out the description-based item-quality prior")
    ap.add_argument("--finetune", choices=["off", "auto", "on"], default="off")
    ap.add_argument("--cache-dir", default=".dayone-cache")
    ap.add_argument("--subsample", type=int, default=0,
                    help="score only N requests (numpy default_rng(0) choice): for slow scorers")
    ap.add_argument("--cross-encoder-only", action="store_true",
                    help="write the fine-tuned cross-encoder's own scores (mean of --ft-seeds)")
    ap.add_argument("--ft-seeds", type=int, default=3)
    ap.add_argument("--ft-epochs", type=int, default=1)
    args = ap.parse_args(argv)

    meta = json.loads((args.task_dir / "task.json").read_text())
    setting = args.setting or (meta.get("settings") or ["few-shot"])[0]
    items = read_jsonl(args.task_dir / "items.jsonl")
    train = read_jsonl(args.task_dir / "train.jsonl")
    requests = read_jsonl(args.task_dir / "requests.jsonl")
    if args.subsample and args.subsample < len(requests):
        keep = np.random.default_rng(0).choice(len(requests), args.subsample, replace=False)
        requests = [requests[i] for i in sorted(keep.tolist())]
    if args.cross_encoder_only:
        _cross_encoder_only(args, items, train, requests)
        return
    config = FewShotConfig(
        transductive=not args.no_transductive, wide=not args.no_wide,
        finetune=args.finetune, cache_dir=args.cache_dir,
        content_quality=not args.no_content_quality,
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


def _cross_encoder_only(args: argparse.Namespace, items: list[dict[str, Any]],
                        train: list[dict[str, Any]], requests: list[dict[str, Any]]) -> None:
    """Seed §5 alone: mean over seeds of the standardised cross-encoder score."""
    from .finetune import FineTuneConfig, finetune_and_score

    catalogue = {str(it["id"]): it for it in items}
    per_seed = []
    t0 = time.perf_counter()
    for s in range(args.ft_seeds):
        both = finetune_and_score(train, [*train, *requests], catalogue, args.seed + s,
                                  FineTuneConfig(epochs=args.ft_epochs))
        ref = both[: len(train)]
        per_seed.append((both[len(train):] - ref.mean()) / (ref.std() or 1.0))
    scores = np.mean(per_seed, axis=0)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as fh:
        for r, v in zip(requests, scores, strict=True):
            fh.write(json.dumps({"id": r["id"], "score": float(v)}) + "\n")
        for k, seed_scores in enumerate(per_seed):  # per-seed files for the spread
            with args.out.with_suffix(f".seed{k}.jsonl").open("w", encoding="utf-8") as fs:
                for r, v in zip(requests, seed_scores, strict=True):
                    fs.write(json.dumps({"id": r["id"], "score": float(v)}) + "\n")
    print(json.dumps({"scorer": "cross-encoder", "seeds": args.ft_seeds,
                      "seconds": round(time.perf_counter() - t0, 1)}))


if __name__ == "__main__":
    main()
