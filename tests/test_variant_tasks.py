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
                                                ("mls-text-k1", "cold-user"),
                                                ("mls-text-k0", "cold-user")])
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


def _scorable(folder: Path) -> None:
    """What score.py insists on, checked here so the repo's tests need no ../shared: unique
    ids, one truth row per request, every truth id in the catalogue, known metrics."""
    meta = json.loads((folder / "task.json").read_text())
    assert meta["primary"] in meta["metrics"] and meta["kind"] == "ranking"
    assert all(m.split("@")[0] in {"recall", "ndcg", "mrr", "hit", "auc", "auc_rated"}
               for m in meta["metrics"])
    catalogue = {r["id"] for r in _rows(folder / "items.jsonl")}
    requests = _rows(folder / "requests.jsonl")
    truth = {t["id"]: t for t in _rows(folder / "truth.jsonl")}
    assert len({r["id"] for r in requests}) == len(requests) == len(truth)
    assert set(truth) == {r["id"] for r in requests}
    for t in truth.values():
        assert t["relevant"] and set(t["relevant"]) | set(t.get("negative", [])) <= catalogue
    for r in requests:
        assert {h["item"] for h in r["history"]} <= catalogue
        assert r["candidates"] is None or set(r["candidates"]) <= catalogue


def test_newitem_variant_keeps_cold_items_out_of_train(built: Path) -> None:
    folder = built / "mls-newitem"
    _scorable(folder)
    assert not (folder / "users.jsonl").exists()  # the path ml100k-newitem does not exercise
    meta = json.loads((folder / "task.json").read_text())
    assert meta["primary"] == "auc_rated" and meta["settings"] == ["cold-item"]
    requests = _rows(folder / "requests.jsonl")
    cold = set(requests[0]["candidates"])
    assert len(cold) == meta["n_cold_items"] and all(set(r["candidates"]) == cold for r in requests)
    assert all(r["n"] == len(cold) for r in requests)
    train = _rows(folder / "train.jsonl")
    assert not cold & {r["item"] for r in train}
    assert not cold & {h["item"] for r in requests for h in r["history"]}
    for t in _rows(folder / "truth.jsonl"):
        assert set(t["relevant"]) <= cold and set(t["negative"]) <= cold
        assert not set(t["relevant"]) & set(t["negative"])
    assert sum(bool(t["negative"]) for t in _rows(folder / "truth.jsonl")) > len(requests) // 2
    task, _ = load_task(folder, "trained")
    rows = task.train_interactions()
    m = InteractionMatrix.build(task.catalogue, [(r.user, r.item, r.rating, r.ts) for r in rows])
    assert detect_scenario(task, m) == "cold-item"


def test_sequence_variant_holds_out_each_users_last_item(built: Path) -> None:
    folder = built / "mls-seq"
    _scorable(folder)
    requests = _rows(folder / "requests.jsonl")
    truth = {t["id"]: t["relevant"] for t in _rows(folder / "truth.jsonl")}
    seqs: dict[str, list[dict]] = {}
    for row in _rows(folder / "train.jsonl"):
        seqs.setdefault(row["user"], []).append(row)
    assert set(seqs) == {r["user"]["id"] for r in requests}
    for r in requests:
        assert r["candidates"] is None and r["exclude_history"] is False and r["n"] == 50
        (target,) = truth[r["id"]]
        seq = seqs[r["user"]["id"]]
        history = [h["item"] for h in r["history"]]
        assert 4 <= len(history) <= 50 and target not in history
        assert history == [x["item"] for x in seq][-50:]  # the request sees train's own prefix
        assert target not in {x["item"] for x in seq}
        assert [x["ts"] for x in seq] == sorted(x["ts"] for x in seq)
    for setting in ("zero-shot", "trained"):
        task, resolved = load_task(folder, setting)
        assert resolved == setting
        assert detect_scenario(task, None) == "sequential"
