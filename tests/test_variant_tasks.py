"""scripts/variant_tasks.py builds tasks the bench loader accepts, without leaking held-out users."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import pytest

from dayone.bench.runner import detect_scenario
from dayone.bench.task import load_task
from dayone.rankers.base import InteractionMatrix

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import variant_tasks  # noqa: E402


def _rows(path: Path) -> list[dict]:
    if not path.exists():
        with gzip.open(str(path) + ".gz", "rt", encoding="utf-8") as fh:
            return [json.loads(x) for x in fh]
    return [json.loads(x) for x in path.read_text().splitlines()]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("variants")
    assert variant_tasks.main([str(out)]) == 0
    return out


@pytest.mark.parametrize(("name", "scenario"), [("mls-newuser-k3", "cold-user"),
                                                ("mls-implicit-k5", "cold-user"),
                                                ("mls-text-k1", "cold-user")])
def test_ranking_variants_load_and_keep_held_out_users_out_of_train(
    built: Path, name: str, scenario: str
) -> None:
    task, _ = load_task(built / name, "trained")
    rows = task.train_interactions()
    requested = {r["user"]["id"] for r in _rows(built / name / "requests.jsonl")}
    assert requested and not requested & {r.user for r in rows}
    m = InteractionMatrix.build(task.catalogue, [(r.user, r.item, r.rating, r.ts) for r in rows])
    assert detect_scenario(task, m) == scenario


def test_binary_variant_has_labelled_train_and_unseen_test_users(built: Path) -> None:
    task, _ = load_task(built / "mls-binary-64", "trained")
    train = task.train_examples()
    assert len(train) == 64 and {int(r["label"]) for r in train} == {0, 1}
    truth = _rows(built / "mls-binary-64" / "truth.jsonl")
    assert not {t["user"] for t in truth} & {r["user"]["id"] for r in train}
    assert all(len(r["history"]) == 10 for r in _rows(built / "mls-binary-64" / "requests.jsonl"))


def test_missing_data_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        variant_tasks.main([str(tmp_path / "out"), "--data", str(tmp_path)])


def test_text_variants_differ_only_in_the_users_words(built: Path) -> None:
    spoken = _rows(built / "mls-text-k1" / "requests.jsonl")
    silent = _rows(built / "mls-notext-k1" / "requests.jsonl")
    assert [r["id"] for r in spoken] == [r["id"] for r in silent]
    assert all(r["user"]["text"].startswith("I like: ") for r in spoken)
    assert not any("text" in r["user"] for r in silent)
    assert [r["history"] for r in spoken] == [r["history"] for r in silent]
