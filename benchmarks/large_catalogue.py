"""How `run-bench`'s trained rankers scale: a synthetic task at full size against the same
task at 1/`--shrink` of its users and items, each in its own process, printing the ratios of
wall time and peak memory (RSS).

Why: every public task is small (1.7k-4.4k items, under 10k users), but the system is judged
on tasks nobody here sees. A 40k-item sequence task once crashed `run-bench` with a
MemoryError (a dense item x item matrix), and the cold-user simulation once kept every train
user's items x features matrix. This script makes such a task on demand so that a change can
be checked for how it grows, not only for how it scores.

The data is synthetic (users with a taste over item clusters, Zipf popularity, item titles
made from their cluster's words, ratings 1-5 that are higher inside the taste): it tests
resources, not quality, so the answers are not scored. Item vectors come from the hashing
encoder so that the ranker, not the language model, is what is measured (encoding speed is
`benchmarks/encode.py`'s job); pass `--encoder default` to include MiniLM.

    python benchmarks/large_catalogue.py --shape cold-user --users 6000 --items 4000
    python benchmarks/large_catalogue.py --shape sequential --users 20000 --items 40000
    python benchmarks/large_catalogue.py --shape cold-item --users 6000 --items 10000
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

WORDS = [
    "red",
    "steel",
    "quiet",
    "rapid",
    "ocean",
    "paper",
    "winter",
    "garden",
    "laser",
    "velvet",
    "copper",
    "night",
    "solar",
    "forest",
    "glass",
    "thunder",
    "cotton",
    "pixel",
    "amber",
    "stone",
    "river",
    "cloud",
    "ember",
    "frost",
    "maple",
    "orbit",
    "prism",
    "saddle",
    "tiger",
    "violet",
]
ATTRS: dict[str, list[Any]] = {"age": [18, 25, 35, 45, 56], "occupation": ["student", "engineer", "artist", "doctor"]}


def _write(path: Path, rows: list[dict[str, Any]]) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(r) + "\n" for r in rows)


def make_task(
    out: Path, shape: str, n_users: int, n_items: int, per_user: int, seed: int = 0
) -> Path:
    """Write a synthetic bench task of `shape` under `out` and return its folder."""
    rng = np.random.default_rng(seed)
    n_clusters = 30
    cluster = rng.integers(n_clusters, size=n_items)
    pop = 1.0 / np.arange(1, n_items + 1) ** 0.8
    pop = pop[rng.permutation(n_items)]
    items = [
        {"id": f"i{k}", "title": f"{WORDS[cluster[k]]} {WORDS[(cluster[k] * 7 + k) % 30]} {k}"}
        for k in range(n_items)
    ]
    users, events = [], []
    for u in range(n_users):
        taste = rng.dirichlet(np.full(n_clusters, 0.2))
        p = pop * (0.2 + taste[cluster] * n_clusters)
        k = min(n_items - 1, max(5, int(rng.poisson(per_user))))
        chosen = rng.choice(n_items, size=k, replace=False, p=p / p.sum())
        ratings = np.clip(np.round(2.5 + 4 * taste[cluster[chosen]] + rng.normal(0, 1, k)), 1, 5)
        attrs = {a: vals[(int(taste.argmax()) + u) % len(vals)] for a, vals in ATTRS.items()}
        users.append({"id": f"u{u}", "attributes": attrs})
        events.append(
            [(f"i{i}", int(r), t) for t, (i, r) in enumerate(zip(chosen, ratings, strict=True))]
        )
    folder = out / f"synthetic-{shape}"
    folder.mkdir(parents=True, exist_ok=True)
    train, requests = _split(shape, users, events, n_items, rng)
    _write(folder / "items.jsonl", items)
    _write(folder / "train.jsonl", train)
    _write(folder / "requests.jsonl", requests)
    if shape != "sequential":
        _write(folder / "users.jsonl", users)
    settings = {
        "cold-user": ["cold-user"],
        "sequential": ["zero-shot", "trained"],
        "cold-item": ["cold-item"],
    }[shape]
    meta = {
        "kind": "ranking",
        "metrics": ["ndcg@10"],
        "primary": "ndcg@10",
        "settings": settings,
        "name": folder.name,
    }
    (folder / "task.json").write_text(json.dumps(meta))
    return folder


def _split(
    shape: str,
    users: list[dict[str, Any]],
    events: list[list[tuple[str, int, int]]],
    n_items: int,
    rng: np.random.Generator,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    train: list[dict[str, Any]] = []
    requests: list[dict[str, Any]] = []
    if shape == "cold-user":
        cold = set(rng.choice(len(users), size=max(1, len(users) // 10), replace=False).tolist())
        for u, (user, ev) in enumerate(zip(users, events, strict=True)):
            if u in cold:
                requests.append(
                    {
                        "id": f"r{u}",
                        "user": user,
                        "n": 100,
                        "candidates": None,
                        "history": [{"item": i, "rating": r} for i, r, _ in ev[:3]],
                    }
                )
            else:
                train += [{"user": user["id"], "item": i, "rating": r, "ts": t} for i, r, t in ev]
    elif shape == "sequential":
        for u, (user, ev) in enumerate(zip(users, events, strict=True)):
            train += [{"user": user["id"], "item": i, "ts": t} for i, _, t in ev[:-1]]
            if u % 5 == 0:
                requests.append(
                    {
                        "id": f"r{u}",
                        "user": {"id": user["id"]},
                        "n": 50,
                        "candidates": None,
                        "exclude_history": False,
                        "history": [{"item": i} for i, _, _ in ev[-51:-1]],
                    }
                )
    else:
        cold_items = {f"i{k}" for k in rng.choice(n_items, size=n_items // 5, replace=False)}
        candidates = sorted(cold_items)
        for u, (user, ev) in enumerate(zip(users, events, strict=True)):
            warm = [(i, r, t) for i, r, t in ev if i not in cold_items]
            train += [{"user": user["id"], "item": i, "rating": r, "ts": t} for i, r, t in warm]
            if u % 10 == 0 and warm:
                requests.append(
                    {
                        "id": f"r{u}",
                        "user": user,
                        "n": 100,
                        "candidates": candidates,
                        "history": [{"item": i, "rating": r} for i, r, _ in warm],
                    }
                )
    return train, requests


def run_one(task: Path, encoder_name: str) -> dict[str, Any]:
    """Answer `task` in this process; report seconds and peak RSS."""
    from dayone.bench.runner import run_bench
    from dayone.encoders import get_encoder

    encoder = get_encoder(encoder_name, cached=False)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        summary = run_bench(
            task, Path(tmp) / "out.jsonl", setting=None, seed=0, encoder=encoder, progress=False
        )
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "seconds": round(time.perf_counter() - t0, 1),
        "peak_mb": round(peak_kb / 1024),
        "requests": summary.requests,
        "strategy": summary.strategy,
    }


def _in_subprocess(task: Path, encoder: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--run", str(task), "--encoder", encoder],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        return {"failed": done.returncode, "stderr": done.stderr[-2000:]}
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--shape", choices=["cold-user", "sequential", "cold-item"], default="cold-user"
    )
    ap.add_argument("--users", type=int, default=6000)
    ap.add_argument("--items", type=int, default=4000)
    ap.add_argument("--per-user", type=int, default=60, help="mean interactions per user")
    ap.add_argument("--shrink", type=int, default=8, help="baseline = users/items / this")
    ap.add_argument("--encoder", default="hashing")
    ap.add_argument("--run", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.run is not None:
        print(json.dumps(run_one(args.run, args.encoder)))
        return 0
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for label, scale in (("baseline", args.shrink), ("full", 1)):
            folder = make_task(
                Path(tmp) / label,
                args.shape,
                max(50, args.users // scale),
                max(50, args.items // scale),
                args.per_user,
            )
            results[label] = _in_subprocess(folder, args.encoder)
            print(
                f"{label:8s} users={max(50, args.users // scale)} "
                f"items={max(50, args.items // scale)}: {results[label]}",
                flush=True,
            )
    base, full = results["baseline"], results["full"]
    if "failed" in base or "failed" in full:
        print("a run failed")
        return 1
    print(
        f"ratio (full / baseline): time {full['seconds'] / max(base['seconds'], 0.1):.1f}x, "
        f"peak memory {full['peak_mb'] / max(base['peak_mb'], 1):.1f}x "
        f"for {args.shrink}x the users and items"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
