"""Protocols, baselines, report and CLI of `dayone evaluate` on a small synthetic dataset."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from dayone.data import Catalog, DataError, UserTable, normalise_interactions
from dayone.evaluation.config import EvalConfig
from dayone.evaluation.datasets import EvalData, load_movielens_100k, load_unisrec, positive_mask
from dayone.evaluation.protocols import make_splits
from dayone.evaluation.report import write_report
from dayone.evaluation.runner import evaluate_data
from dayone.evaluation.strategies import BASELINES, StrategyOptions, resolve_strategies

GENRES = ["Action", "Comedy", "Drama", "Horror"]


def synthetic(n_users: int = 40, n_items: int = 30, seed: int = 0) -> EvalData:
    """Users like the genre their gender/age group prefers, so demographic signal exists."""
    rng = np.random.default_rng(seed)
    items = [
        {"id": f"m{i}", "title": f"Film {i} ({1990 + i % 10})", "genres": [GENRES[i % 4]]}
        for i in range(n_items)
    ]
    users = UserTable()
    rows = []
    for u in range(n_users):
        gender = "F" if u % 2 else "M"
        age = 20 + (u * 7) % 40
        users.add(str(u), {"gender": gender, "age": age})
        fav = (u % 2) * 2
        chosen = rng.choice(n_items, size=12, replace=False)
        for t, i in enumerate(chosen):
            liked = (i % 4) == fav or rng.random() < 0.2
            rows.append(
                {
                    "user": str(u),
                    "item": f"m{i}",
                    "rating": 5.0 if liked else 2.0,
                    "ts": float(1000 + t),
                }
            )
    df = normalise_interactions(pd.DataFrame(rows))
    return EvalData("synthetic", Catalog.from_records(items), df, users, domain="movie")


def small_config(**kw) -> EvalConfig:
    base = {
        "strategies": ["random", "popularity", "demographic-popularity", "item-knn"],
        "bootstrap": 20,
        "encoder": "hashing",
        "new_user": {"shots": [0, 1, 3], "max_users": 20},
        "few_shot": {"train_sizes": [0, 16], "max_test": 60, "history_len": 5},
        "warm": {"max_users": 15},
        "new_item": {"max_users": 15},
    }
    base.update(kw)
    return EvalConfig.model_validate(base)


def test_config_rejects_unknown_options():
    with pytest.raises(ValueError):
        EvalConfig.model_validate({"protocol": ["new-user"]})
    with pytest.raises(ValueError):
        EvalConfig.model_validate({"new_user": {"fraction": 1.5}})


def test_config_files_and_data_paths_are_named_in_errors(tmp_path):
    from dayone.evaluation.datasets import detect_and_load

    bad = tmp_path / "eval.json"
    bad.write_text('{"seed": "x"}')
    with pytest.raises(DataError, match="valid integer") as err:
        EvalConfig.from_file(bad)
    assert (err.value.file, err.value.field) == (str(bad), "seed")
    bad.write_text("{oops")
    with pytest.raises(DataError, match="not valid JSON"):
        EvalConfig.from_file(bad)
    with pytest.raises(DataError, match="config file not found"):
        EvalConfig.from_file(tmp_path / "nosuch.json")
    with pytest.raises(ValueError):
        EvalConfig(positive_threshold=float("nan"))  # a NaN would reach report.json as bare NaN
    with pytest.raises(DataError, match="not found") as err:
        detect_and_load(tmp_path / "nosuch.csv")
    assert err.value.file == str(tmp_path / "nosuch.csv")


def test_evaluate_refuses_a_misspelt_encoder_before_loading(tmp_path):
    from dayone.cli.main import app

    out = CliRunner().invoke(app, ["evaluate", "demo", "--encoder", "nope", "-s", "popularity",
                                   "--out", str(tmp_path / "r")])
    assert out.exit_code == 2 and "unknown encoder 'nope'" in out.output
    assert not (tmp_path / "r").exists()


def test_splits_are_seeded_and_do_not_leak():
    data = synthetic()
    cfg = small_config()
    a, b = make_splits(data, cfg), make_splits(data, cfg)
    assert [s.protocol for s in a] == ["new-user", "new-item", "few-shot", "few-shot", "warm"]
    for sa, sb in zip(a, b, strict=True):
        for key in sa.groups:
            assert [c.request for c in sa.groups[key]] == [c.request for c in sb.groups[key]]
    other = make_splits(data, small_config(seed=1))
    assert [c.user for c in other[0].groups["k=0"]] != [c.user for c in a[0].groups["k=0"]]

    new_user = a[0]
    held = {c.user for cases in new_user.groups.values() for c in cases}
    assert held and not held & set(new_user.view.interactions["user"])
    for k, cases in new_user.groups.items():
        for c in cases:
            assert len(c.request["history"]) == int(k.split("=")[1])
            assert "relevant" not in c.request and c.truth is not None
            assert not c.truth.relevant & {h["item"] for h in c.request["history"]}
            # history = the user's earliest interactions
            seq = data.interactions[data.interactions["user"] == c.user].sort_values("ts")
            assert [h["item"] for h in c.request["history"]] == seq["item"].tolist()[
                : len(c.request["history"])
            ]

    new_item = a[1]
    cold = new_item.new_items
    assert cold and not cold & set(new_item.view.interactions["item"])
    for c in new_item.groups["cold items"]:
        assert set(c.request["candidates"]) == cold
        assert c.truth is not None and c.truth.relevant <= cold

    fs0, fs16 = a[2], a[3]
    assert len(fs0.view.examples) == 0 and len(fs16.view.examples) == 16
    assert len(fs0.view.interactions) == 0  # TALLRec: only the labelled examples
    test_users = {c.user for c in fs0.groups["N=0"]}
    assert not test_users & {e["user"]["id"] for e in fs16.view.examples}
    for c in fs0.groups["N=0"]:
        assert c.request["candidates"] == [c.request["target"]] and "label" not in c.request

    warm = a[4]
    for c in warm.groups["warm"]:
        held_rows = warm.view.interactions[
            (warm.view.interactions["user"] == c.user)
            & warm.view.interactions["item"].isin(c.truth.relevant)
        ]
        assert held_rows.empty


def test_baselines_answer_within_the_rules():
    data = synthetic()
    sp = make_splits(data, small_config(protocols=["new-user", "few-shot"]))
    opts = StrategyOptions(group_by=["gender", "age_band"])
    for name, factory in BASELINES.items():
        strat = factory(sp[0].view, opts)
        for c in sp[0].groups["k=3"]:
            ranked = strat(c.request)
            assert isinstance(ranked, list) and len(ranked) == len(set(ranked)) <= c.request["n"]
            assert not set(ranked) & {h["item"] for h in c.request["history"]}, name
        binary = factory(sp[2].view, opts)
        score = binary(sp[2].groups["N=16"][0].request)
        assert isinstance(score, float) and np.isfinite(score)


def test_item_knn_follows_co_occurrence():
    items = [{"id": i, "title": i} for i in "abcd"]
    rows = [
        ("u1", "a"),
        ("u1", "b"),
        ("u2", "a"),
        ("u2", "b"),
        ("u3", "c"),
        ("u3", "d"),
        ("u4", "c"),
    ]
    df = normalise_interactions(pd.DataFrame(rows, columns=["user", "item"]))
    from dayone.evaluation.protocols import TrainingView

    view = TrainingView(Catalog.from_records(items), df, UserTable())
    knn = BASELINES["item-knn"](view, StrategyOptions())
    assert knn({"id": "r", "history": [{"item": "a"}], "candidates": None, "n": 3})[0] == "b"
    assert knn({"id": "r", "history": [{"item": "d"}], "candidates": None, "n": 3})[0] == "c"


def test_resolve_strategies_names_what_exists():
    with pytest.raises(ValueError, match="available"):
        resolve_strategies(["no-such-strategy"])
    assert set(BASELINES) <= set(resolve_strategies(["all"]))


def test_run_and_report(tmp_path):
    data = synthetic()
    result = evaluate_data(data, small_config(), progress=False)
    cells = {(c.protocol, c.setting, c.strategy): c for c in result.cells}
    assert all(c.error is None for c in result.cells), [c.error for c in result.cells if c.error]
    pop = cells[("new-user", "k=0", "popularity")]
    rnd = cells[("new-user", "k=0", "random")]
    assert pop.metrics["ndcg@10"] > rnd.metrics["ndcg@10"]
    lo, hi = pop.ci95["ndcg@10"]
    assert lo <= pop.metrics["ndcg@10"] <= hi
    assert (
        0 < pop.beyond["coverage@10"] <= 1
        and pop.beyond["novelty@10"] > 0
        and "ild@10" in pop.beyond
    )
    assert "gender" in pop.groups and pop.groups["gender"]["ndcg@10"]["gap"] >= 0
    # the per-user table holds the values behind each mean
    pu = result.per_user
    sel = pu[(pu.protocol == "new-user") & (pu.setting == "k=0") & (pu.strategy == "popularity")]
    assert sel["ndcg@10"].mean() == pytest.approx(pop.metrics["ndcg@10"])

    paths = write_report(result, tmp_path, command="dayone evaluate synthetic")
    rep = json.loads(paths["json"].read_text())
    assert rep["config"]["seed"] == 0 and rep["results"]
    md = paths["md"].read_text()
    for png in ("curve_ndcg10.png", "bars_new-user.png", "bars_few-shot.png"):
        assert (tmp_path / png).stat().st_size > 1000 and png in md
    assert pd.read_parquet(paths["per_user"]).shape[0] == len(pu)
    # the paired comparison with popularity: same requests, differences as in per_user
    paired = {(r["protocol"], r["setting"], r["strategy"]): r for r in rep["paired"]}
    vs_random = paired[("new-user", "k=0", "random")]
    both = sel.set_index("request")["ndcg@10"]
    rand = pu[(pu.protocol == "new-user") & (pu.setting == "k=0") & (pu.strategy == "random")]
    expected = (rand.set_index("request")["ndcg@10"] - both).mean()
    assert vs_random["difference"] == pytest.approx(expected) and vs_random["ci95"][1] < 0
    assert vs_random["wins"] + vs_random["ties"] + vs_random["losses"] == vs_random["n"]
    assert not any(r["strategy"] == "popularity" for r in rep["paired"])
    assert "## Against popularity, paired" in md and "(worse)" in md


def test_cli_on_files_and_bench_mode(tmp_path):
    from dayone.cli.main import app

    data = synthetic()
    pd.DataFrame(data.catalog.records()).assign(genres=lambda d: d.genres.str.join("|")).to_csv(
        tmp_path / "items.csv", index=False
    )
    data.interactions[["user", "item", "rating", "ts"]].to_csv(
        tmp_path / "ratings.csv", index=False
    )
    cfg = small_config(protocols=["new-user", "warm"], strategies=["popularity", "item-knn"])
    (tmp_path / "cfg.json").write_text(cfg.model_dump_json())
    runner = CliRunner()
    res = runner.invoke(
        app,
        [
            "evaluate",
            str(tmp_path / "ratings.csv"),
            "--items",
            str(tmp_path / "items.csv"),
            "--config",
            str(tmp_path / "cfg.json"),
            "--out",
            str(tmp_path / "rep"),
            "-q",
        ],
    )
    assert res.exit_code == 0, res.output
    rep = json.loads((tmp_path / "rep" / "report.json").read_text())
    assert {r["protocol"] for r in rep["results"]} == {"new-user", "warm"}

    bad = runner.invoke(
        app, ["evaluate", str(tmp_path / "ratings.csv"), "--out", str(tmp_path / "x")]
    )
    assert bad.exit_code == 1 and "--items" in bad.output

    # a bench task folder: the system files, then truth for the scorer only
    task = tmp_path / "task"
    task.mkdir()
    (task / "task.json").write_text(
        json.dumps(
            {
                "name": "t",
                "kind": "ranking",
                "metrics": ["ndcg@10", "recall@10", "auc"],
                "primary": "ndcg@10",
            }
        )
    )
    with open(task / "items.jsonl", "w") as f:
        for rec in data.catalog.records():
            f.write(json.dumps(rec) + "\n")
    sp = make_splits(data, small_config(protocols=["new-user"]))[0]
    with open(task / "train.jsonl", "w") as f:
        for r in sp.view.interactions.itertuples():
            f.write(
                json.dumps({"user": r.user, "item": r.item, "rating": r.rating, "ts": r.ts}) + "\n"
            )
    cases = sp.groups["k=1"]
    with open(task / "requests.jsonl", "w") as f, open(task / "truth.jsonl", "w") as g:
        for c in cases:
            f.write(json.dumps(c.request) + "\n")
            g.write(
                json.dumps({"id": c.request["id"], "relevant": sorted(c.truth.relevant)}) + "\n"
            )
    res = runner.invoke(
        app,
        [
            "evaluate",
            str(task),
            "--strategy",
            "popularity",
            "--out",
            str(tmp_path / "b"),
            "-q",
            "--bootstrap",
            "50",
        ],
    )
    assert res.exit_code == 0, res.output
    bench = json.loads((tmp_path / "b" / "report.json").read_text())
    in_process = evaluate_data(
        data, small_config(protocols=["new-user"], strategies=["popularity"]), progress=False
    )
    cell = next(c for c in in_process.cells if c.setting == "k=1")
    assert bench["runs"][0]["metrics"]["ndcg@10"] == pytest.approx(cell.metrics["ndcg@10"])
    res = runner.invoke(
        app,
        [
            "evaluate",
            str(task),
            "--responses",
            str(tmp_path / "b" / "responses_popularity.jsonl"),
            "--out",
            str(tmp_path / "c"),
            "-q",
        ],
    )
    assert res.exit_code == 0 and (tmp_path / "c" / "bars.png").exists()


def test_dataset_adapters_report_bad_files(tmp_path):
    ml = tmp_path / "ml"
    ml.mkdir()
    (ml / "u.item").write_bytes(
        "1|Mis\xe9rables, Les (1995)|01-Jan-1995||url|0|0|0|0|0|0|0|0|1|0|0|0|0|0|0|0|0|0|0\n".encode(
            "latin-1"
        )
    )
    (ml / "u.data").write_text("1\t1\t5\t881250949\n2\t1\t3\t881250950\n")
    (ml / "u.user").write_text("1|24|M|technician|85711\n2|53|F|other|94043\n")
    d = load_movielens_100k(ml)
    assert d.catalog.fields("1")["title"] == "Misérables, Les (1995)" and d.catalog.fields("1")[
        "genres"
    ] == ["Drama"]
    assert d.users.get("2").attributes["age"] == 53 and len(d.interactions) == 2
    assert positive_mask(d.interactions, None).tolist() == [True, False]
    (ml / "u.data").write_text("1\t1\t5\n")
    with pytest.raises(DataError, match="u.data.*row 1"):
        load_movielens_100k(ml)
    (ml / "u.data").write_text("1\t99\t5\t1\n")
    with pytest.raises(DataError, match="unknown item"):
        load_movielens_100k(ml)
    with pytest.raises(DataError, match="not a folder"):
        load_movielens_100k(tmp_path / "missing")

    us = tmp_path / "us"
    us.mkdir()
    (us / "X.text").write_text(
        "item_id:token\ttext:token_seq\nA1\tGlue. Industrial & Scientific Tapes. Brand.\nA2\tTape. . Brand.\nA3\tSaw\n"
    )
    (us / "X.item2index").write_text("A1\t0\nA2\t1\nA3\t2\n")
    (us / "X.user2index").write_text("U1\t0\n")
    head = "user_id:token\titem_id_list:token_seq\titem_id:token\n"
    (us / "X.train.inter").write_text(head + "0\t0\t1\n")
    (us / "X.valid.inter").write_text(head + "0\t0 1\t2\n")
    (us / "X.test.inter").write_text(head + "0\t0 1 2\t0\n")
    d = load_unisrec(us, "X")
    assert d.interactions["item"].tolist() == ["A1", "A2", "A3", "A1"]
    assert d.interactions["ts"].tolist() == [0.0, 1.0, 2.0, 3.0]
    assert d.catalog.fields("A1")["title"] == "Glue" and d.catalog.fields("A2")["title"] == "Tape"
    (us / "X.test.inter").write_text("user\titems\n")
    with pytest.raises(DataError, match="RecBole header"):
        load_unisrec(us, "X")


SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.mark.skipif(not SHARED.exists(), reason="../shared not present")
def test_ml100k_new_user_split_reproduces_the_bench_task():
    folder = SHARED / "bench" / "tasks" / "ml100k-newuser-k3"
    if not folder.exists():
        pytest.skip("bench task absent")
    data = load_movielens_100k(SHARED / "data" / "ml-100k")
    sp = make_splits(data, EvalConfig(protocols=["new-user"], new_user={"shots": [3]}))[0]
    reqs = [
        json.loads(line)
        for line in (folder / "requests.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    truth = [
        json.loads(line)
        for line in (folder / "truth.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    mine = sp.groups["k=3"]
    assert [c.request["history"] for c in mine] == [r["history"] for r in reqs]
    assert [c.truth.relevant for c in mine] == [frozenset(t["relevant"]) for t in truth]


def test_recommender_adapter_answers_ranking_and_binary():
    from dayone.evaluation.strategies import RecommenderStrategy

    data = synthetic()
    sp = make_splits(data, small_config(protocols=["new-user", "few-shot"]))
    strat = RecommenderStrategy(sp[0].view, StrategyOptions(encoder="hashing"))
    for c in sp[0].groups["k=3"][:5]:
        ranked = strat(c.request)
        assert isinstance(ranked, list) and 0 < len(ranked) <= c.request["n"]
        assert not set(ranked) & {h["item"] for h in c.request["history"]}
    binary = RecommenderStrategy(sp[2].view, StrategyOptions(encoder="hashing"))
    scores = [binary(c.request) for c in sp[2].groups["N=16"][:20]]
    assert all(isinstance(s, float) and np.isfinite(s) for s in scores)
    assert len(set(scores)) > 1  # a lone target must not always get the same score


def test_split_written_as_a_bench_task_folder_round_trips(tmp_path):
    from dayone.evaluation.bench import BenchTask
    from dayone.evaluation.strategies import write_task_folder

    data = synthetic()
    sp = make_splits(data, small_config(protocols=["new-user"]))[0]
    reqs = [c.request for c in sp.groups["k=1"]]
    folder = tmp_path / "t"
    folder.mkdir()
    write_task_folder(folder, sp.view, reqs, binary=False)
    task = BenchTask.load(folder)
    assert task.requests == reqs and len(task.items) == len(data.catalog)
    assert len(task.train) == len(sp.view.interactions) and not (folder / "truth.jsonl").exists()


def test_positive_rules_for_each_signal():
    df = normalise_interactions(
        pd.DataFrame(
            {
                "user": ["a"] * 6,
                "item": list("pqrstu"),
                "rating": [5, 3, None, None, None, None],
                "weight": [None, None, 10, 1, None, None],
                "liked": [None, None, None, None, True, False],
            }
        )
    )
    assert positive_mask(df, None).tolist() == [True, False, True, True, True, False]
    assert positive_mask(df, 5).tolist() == [True, False, True, False, True, False]


def test_interactions_without_timestamps_use_file_order(tmp_path):
    from dayone.evaluation.datasets import detect_and_load

    (tmp_path / "items.csv").write_text("id,title\na,A\nb,B\nc,C\n")
    (tmp_path / "likes.csv").write_text("user,item,liked\nu,c,true\nu,a,false\nv,b,true\n")
    d = detect_and_load(tmp_path / "likes.csv", items=tmp_path / "items.csv")
    assert not d.has_timestamps and d.interactions["ts"].tolist() == [0.0, 1.0, 0.0]
    with pytest.raises(DataError):
        detect_and_load(tmp_path / "nothing-here")


def test_evaluate_reads_a_companys_column_names_and_says_which_it_used(tmp_path):
    """`evaluate` had no column options: a shop's export lost its times and ratings."""
    from dayone.cli.main import app

    data = synthetic()
    pd.DataFrame(data.catalog.records()).assign(genres=lambda d: d.genres.str.join("|")).rename(
        columns={"id": "product_code"}).to_csv(tmp_path / "items.csv", index=False)
    data.interactions[["user", "item", "rating", "ts"]].rename(
        columns={"user": "buyer", "item": "product_code", "rating": "score_1_5", "ts": "timestamp"}
    ).to_csv(tmp_path / "ratings.csv", index=False)
    cfg = small_config(protocols=["new-user"], strategies=["popularity"])
    (tmp_path / "cfg.json").write_text(cfg.model_dump_json())
    args = ["evaluate", str(tmp_path / "ratings.csv"), "--items", str(tmp_path / "items.csv"),
            "--config", str(tmp_path / "cfg.json"), "--out", str(tmp_path / "rep"), "--id-field", "product_code",
            "--user-field", "buyer", "--item-field", "product_code", "--rating", "score_1_5"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "ts column: 'timestamp'" in res.output
    summary = json.loads((tmp_path / "rep" / "report.json").read_text())["data"]
    assert summary["timestamps"] is True and "rating" in summary["signals"]
    assert "a rating counts as liked from" in (tmp_path / "rep" / "report.md").read_text()
    timed = CliRunner().invoke(app, args[:6] + ["--out", str(tmp_path / "t"), "--by-time", "--max-users", "5",
                                                 "--id-field", "product_code", "--user-field", "buyer",
                                                 "--item-field", "product_code", "--rating", "score_1_5"])
    assert timed.exit_code == 0, timed.output
    assert "latest arrivals" in (tmp_path / "t" / "report.md").read_text()
    folder = CliRunner().invoke(app, ["evaluate", "demo", "--rating", "x", "--out", str(tmp_path / "o")])
    assert folder.exit_code != 0 and "--items" in folder.output


def test_skip_leaves_a_strategy_out_of_one_protocol_and_says_so():
    result = evaluate_data(
        synthetic(),
        small_config(protocols=["new-user", "warm"], skip={"warm": ["item-knn"]}),
        progress=False,
    )
    ran = {(c.protocol, c.strategy) for c in result.cells}
    assert ("new-user", "item-knn") in ran and ("warm", "item-knn") not in ran
    assert any("item-knn not run on warm" in n for n in result.notes)


def test_movielens_latest_folders_and_the_packaged_demo_load(tmp_path):
    """ml-latest-small / ml-25m's own files load as they are, tags left out (written by the
    same users), and `demo` names the packaged copy; a bad row names its file and row."""
    from dayone.evaluation.datasets import detect_and_load

    (tmp_path / "movies.csv").write_text(
        'movieId,title,genres\n1,Toy Story (1995),Animation|Comedy\n2,"Heat, The (1995)",Crime\n'
    )
    (tmp_path / "ratings.csv").write_text(
        "userId,movieId,rating,timestamp\n1,1,4.5,100\n1,2,2.0,50\n2,2,5.0,70\n"
    )
    ds = detect_and_load(tmp_path)
    assert ds.domain == "movie" and ds.name == tmp_path.name
    assert sorted(ds.catalog.ids) == ["1", "2"] and len(ds.interactions) == 3
    assert ds.has_timestamps and ds.catalog.fields("2")["title"] == "Heat, The (1995)"
    first = ds.interactions.sort_values("ts").iloc[0]
    assert (first["user"], first["item"], first["rating"]) == ("1", "2", 2.0)

    (tmp_path / "ratings.csv").write_text("userId,movieId,rating,timestamp\n1,1,4.5,100\n1,3,2.0,50\n")
    with pytest.raises(DataError) as e:
        detect_and_load(tmp_path)
    assert "ratings.csv" in str(e.value) and "row 2" in str(e.value) and "movieId" in str(e.value)

    demo = detect_and_load("demo")
    assert demo.name == "demo (ml-latest-small)" and len(demo.catalog) == 9742 and len(demo.interactions) == 100836


def test_the_report_says_what_the_recommender_learned(tmp_path):
    """Each split's training view teaches the core recommender its own hand-over; the report
    shows it (or why it was not learned), next to the numbers it explains."""
    result = evaluate_data(
        synthetic(), small_config(strategies=["popularity", "dayone"], protocols=["new-user"]), progress=False
    )
    learned = result.splits[0]["learned"]
    assert list(learned) == ["dayone"] and learned["dayone"][0].startswith("hand-over")
    md = write_report(result, tmp_path, command="dayone evaluate synthetic")["md"].read_text()
    assert "## What the strategies learned" in md and learned["dayone"][0] in md


def test_few_shot_rows_are_labelled_with_the_examples_really_used():
    """A pool smaller than an asked size was reported as N=256 with 160 examples behind it."""
    from dayone.evaluation.protocols import make_splits

    data = synthetic()
    cfg = small_config(protocols=["few-shot"])
    cfg = cfg.model_copy(update={"few_shot": cfg.few_shot.model_copy(update={"train_sizes": [0, 16, 100000, 200000]})})
    splits = make_splits(data, cfg)
    labels = [next(iter(sp.groups)) for sp in splits]
    assert labels[:2] == ["N=0", "N=16"] and len(labels) == 3
    n = int(labels[2].split()[0][2:])
    assert labels[2] == f"N={n} (of 100000 asked)" and n < 100000
    assert any(f"only {n} available" in note for note in splits[2].notes)


def test_new_users_by_time_are_the_latest_arrivals_fitted_on_the_past(tmp_path):
    """A deployment serves tomorrow's visitors from yesterday's log: with `by_time` the held-out
    users are the latest arrivals and the fit sees nothing from the moment the first of them
    came (the default split lets popularity count what happened after a test user's picks)."""
    from dayone.evaluation.protocols import make_splits

    base = synthetic()
    arrival = {u: 100.0 * k for k, u in enumerate(sorted(base.interactions["user"].unique(), reverse=True))}
    shifted = base.interactions.assign(ts=base.interactions["ts"] + base.interactions["user"].map(arrival))
    data = EvalData("arrivals", base.catalog, shifted, base.users, domain="movie")
    cfg = small_config(protocols=["new-user"])
    cfg = cfg.model_copy(update={"new_user": cfg.new_user.model_copy(update={"by_time": True})})
    split = make_splits(data, cfg)[0]
    held = {c.user for cases in split.groups.values() for c in cases}
    first = data.interactions.groupby("user")["ts"].min()
    cut = first.loc[sorted(held)].min()
    assert held and (first.drop(index=sorted(held)) <= cut).all()
    train = split.view.interactions
    assert len(train) > 100 and not set(train["user"]) & held and (train["ts"] < cut).all()
    assert held <= set(sorted(arrival, key=arrival.get)[-round(0.2 * len(arrival)):])
    assert any("latest arrivals" in n for n in split.notes)
    no_clock = EvalData(name="x", catalog=data.catalog, interactions=data.interactions, has_timestamps=False)
    with pytest.raises(ValueError, match="needs timestamps"):
        make_splits(no_clock, cfg)


def test_the_recommender_settings_of_a_run_reach_the_dayone_strategy():
    """Evaluate the configuration you would deploy; a misspelt setting fails before any work."""
    from dayone.evaluation.protocols import make_splits
    from dayone.evaluation.strategies import RecommenderStrategy, StrategyOptions

    with pytest.raises(ValueError, match="handover_replai"):
        EvalConfig(recommender={"handover_replai": "latest"})
    data = synthetic()
    cfg = small_config(protocols=["new-user"]).model_copy(update={"recommender": {"learn_handover": False}})
    view = make_splits(data, cfg)[0].view
    opts = StrategyOptions(encoder="hashing", recommender=cfg.recommender)
    assert RecommenderStrategy(view, opts).rec.config.learn_handover is False
    assert RecommenderStrategy(view, StrategyOptions(encoder="hashing")).rec.config.learn_handover is True
