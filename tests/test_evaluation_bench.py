"""The evaluator's bench mode must score exactly like ../shared/bench/score.py."""

from __future__ import annotations

import importlib.util
import json
import random
from collections import Counter
from pathlib import Path

import pytest

from dayone.evaluation.bench import BenchTask, score_responses

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
TASKS = SHARED / "bench" / "tasks"
pytestmark = pytest.mark.skipif(not SHARED.exists(), reason="../shared not present")


def load_score_py():
    spec = importlib.util.spec_from_file_location("bench_score", SHARED / "bench" / "score.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def write_popularity_responses(task: BenchTask, out: Path) -> None:
    """A simple baseline with deliberate faults so the validation rules are exercised too:
    some requests unanswered, history items, unknown ids and repeats in some lists."""
    pop = Counter(r["item"] for r in task.train if "item" in r)
    for r in task.train:  # binary tasks: count the labelled examples' history items
        for h in r.get("history", []):
            pop[h["item"]] += 1
    rng = random.Random(0)
    all_ids = [i["id"] for i in task.items]
    with open(out, "w", encoding="utf-8") as f:
        for k, r in enumerate(task.requests):
            if k % 13 == 5:
                continue
            if task.kind == "binary":
                f.write(
                    json.dumps(
                        {"id": r["id"], "score": pop.get(r["target"], 0) + rng.random() * (k % 2)}
                    )
                    + "\n"
                )
                continue
            cands = r["candidates"] or all_ids
            ranked = sorted(cands, key=lambda i: (-pop.get(i, 0), i))[: r["n"] + 1]
            if k % 7 == 0 and r.get("history"):
                ranked = [r["history"][0]["item"], "no-such-item", ranked[1], *ranked]
            f.write(json.dumps({"id": r["id"], "items": ranked}) + "\n")
        f.write("not json\n")


@pytest.mark.parametrize("name", ["ml100k-newuser-k1", "tallrec-movie-16"])
def test_agrees_with_score_py(tmp_path, name):
    folder = TASKS / name
    if not folder.exists():
        pytest.skip(f"{folder} not present")
    task = BenchTask.load(folder)
    responses = tmp_path / "responses.jsonl"
    write_popularity_responses(task, responses)

    score_py = load_score_py()
    ref_task = score_py.Task(str(folder))
    ref_metrics, ref_per, ref_problems, _ = score_py.evaluate(ref_task, str(responses))

    mine = score_responses(task, responses)
    assert set(mine.metrics) == set(ref_metrics)
    for key, ref in ref_metrics.items():
        assert mine.metrics[key] == pytest.approx(ref, abs=1e-6), key
    assert mine.problems == dict(ref_problems)
    assert not mine.valid
    if task.kind == "ranking":
        for key in ref_per:
            got = mine.per_request[key]
            assert got == pytest.approx(ref_per[key], abs=1e-6, nan_ok=True), key
