"""The documented CLI commands, run through typer's CliRunner."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dayone.cli.main import app

runner = CliRunner()


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, Path]:
    items = tmp_path / "items.csv"
    items.write_text(
        "sku,name,kind\n"
        "a,rocket launch to mars,space\nb,space station crew,space\nc,alien planet,space\n"
        "d,romance in paris,love\ne,wedding love story,love\nf,love letters,love\n"
    )
    events = tmp_path / "events.csv"
    events.write_text("uid,sku,stars\nu1,a,5\nu1,b,5\nu2,d,5\nu2,e,4\nu3,a,5\nu3,c,4\n")
    return {"items": items, "events": events, "dir": tmp_path}


def test_describe(files: dict[str, Path]) -> None:
    out = runner.invoke(app, ["describe", str(files["items"]), "--id-field", "sku", "--limit", "2",
                              "--user-text", "space please", "--attr", "age=30"])
    assert out.exit_code == 0, out.output
    lines = out.output.strip().splitlines()
    assert lines[0].startswith("a\trocket launch to mars") and len(lines) == 3
    assert lines[0].count("\t") == 2  # item, description, the values matched on their own
    assert "aged 30" in lines[2] and "space please" in lines[2]
    # the column options are build's: only the named columns are described, a list split
    out = runner.invoke(app, ["describe", str(files["items"]), "--id-field", "sku", "--limit", "1",
                              "--text", "name", "--categorical", "kind"])
    assert out.exit_code == 0, out.output
    assert out.output.strip() == "a\trocket launch to mars. kind: space.\tspace"


def test_build_recommend_similar(files: dict[str, Path]) -> None:
    model = files["dir"] / "model"
    out = runner.invoke(app, ["build", str(files["items"]), "--out", str(model), "--id-field", "sku",
                              "--interactions", str(files["events"]), "--user-field", "uid",
                              "--item-field", "sku", "--rating", "stars", "--encoder", "hashing"])
    assert out.exit_code == 0, out.output
    assert (model / "recommender.json").exists()
    assert "hand-over: not learned (only" in out.output, "the build says why its weights are hand-set"
    out = runner.invoke(app, ["recommend", str(model), "--pick", "a:5", "--n", "2", "--json"])
    assert out.exit_code == 0, out.output
    recs = [json.loads(line) for line in out.output.strip().splitlines()]
    assert len(recs) == 2 and all(r["source"] and r["explanation"] for r in recs)
    assert recs[0]["item"] in {"b", "c"}
    out = runner.invoke(app, ["recommend", str(model), "--pick", "a:5", "--n", "6", "--json", "--keep-seen"])
    assert out.exit_code == 0 and "a" in [json.loads(x)["item"] for x in out.output.strip().splitlines()]
    out = runner.invoke(app, ["similar", str(model), "wedding love", "--n", "1"])
    assert out.exit_code == 0 and "wedding love story [e]" in out.output  # the id, to pick it next
    out = runner.invoke(app, ["similar", str(model), "d ", "--n", "1"])  # a pasted id, stray space
    assert out.exit_code == 0 and "[d]" not in out.output and "note:" not in out.output
    out = runner.invoke(app, ["similar", str(model), "B00TYPO", "--n", "1"])  # a mistyped id is not silent
    assert out.exit_code == 0 and "no item has the id 'B00TYPO'; matching it as text" in out.output
    # yes/no answers instead of a list, one line per asked item
    out = runner.invoke(app, ["recommend", str(model), "--pick", "a:5", "--likes", "b", "--likes", "c", "--json"])
    assert out.exit_code == 0, out.output
    answers = [json.loads(line) for line in out.output.strip().splitlines()]
    assert [a["item"] for a in answers] == ["b", "c"]
    assert all(0 <= a["probability"] <= 1 and "likes 1 of 1 picks" in a["explanation"] for a in answers)
    out = runner.invoke(app, ["recommend", str(model), "--likes", "ghost"])
    assert out.exit_code == 2 and "ghost" in out.output


def test_bad_arguments_are_clear(files: dict[str, Path]) -> None:
    out = runner.invoke(app, ["describe", str(files["items"]), "--id-field", "nope"])
    assert out.exit_code == 2 and "row 1" in out.output and "'nope'" in out.output
    out = runner.invoke(app, ["describe", str(files["dir"] / "missing.csv")])
    assert out.exit_code == 2
    model = files["dir"] / "m"
    runner.invoke(app, ["build", str(files["items"]), "--out", str(model), "--id-field", "sku", "--encoder", "hashing"])
    out = runner.invoke(app, ["recommend", str(model), "--attr", "noequals"])
    assert out.exit_code == 2 and "KEY=VALUE" in out.output
    out = runner.invoke(app, ["recommend", str(model), "--pick", "ghost:5"])
    assert out.exit_code == 2 and "ghost" in out.output
    out = runner.invoke(app, ["recommend", str(model), "--pick", "a:great"])
    assert out.exit_code == 2 and "rating number" in out.output
    out = runner.invoke(app, ["recommend", str(model), "--pick", "a:nan"])
    assert out.exit_code == 2 and "finite number" in out.output
    out = runner.invoke(app, ["recommend", str(model), "--user", "nobody"])
    assert out.exit_code == 2 and "unknown user 'nobody'" in out.output
    # a setting the model does not take names it and what it accepts, without pydantic's codes
    out = runner.invoke(app, ["build", str(files["items"]), "--out", str(files["dir"] / "fr"), "--id-field", "sku",
                              "--encoder", "hashing", "--language", "fr"])
    assert out.exit_code == 2 and "language: Input should be 'en' or 'zh' (got 'fr')" in out.output
    assert "errors.pydantic.dev" not in out.output


def test_build_reads_a_users_file_keyed_by_the_interactions_user_column(files: dict[str, Path]) -> None:
    """A music review's users.csv said user_id, as its plays file did; build demanded "id"."""
    users = files["dir"] / "users.csv"
    users.write_text("uid,age,country\nu1,19,KR\nu2,40,DE\nu3,25,KR\n")
    model = files["dir"] / "model"
    out = runner.invoke(app, ["build", str(files["items"]), "--out", str(model), "--id-field", "sku",
                              "--interactions", str(files["events"]), "--user-field", "uid",
                              "--item-field", "sku", "--rating", "stars", "--users", str(users),
                              "--encoder", "hashing"])
    assert out.exit_code == 0, out.output
    users.write_text("person,age\nu1,19\n")
    out = runner.invoke(app, ["build", str(files["items"]), "--out", str(files["dir"] / "m2"), "--id-field", "sku",
                              "--users", str(users), "--users-id-field", "person", "--encoder", "hashing"])
    assert out.exit_code == 0, out.output
    items = files["dir"] / "dup.csv"
    items.write_text("sku,name\na,x\na,y\n")
    out = runner.invoke(app, ["build", str(items), "--out", str(files["dir"] / "m3"), "--id-field", "sku",
                              "--encoder", "hashing"])
    assert out.exit_code != 0 and "sku" in out.output and "duplicate item id" in out.output


def test_build_takes_settings_from_a_json_file(files: dict[str, Path]) -> None:
    settings = files["dir"] / "settings.json"
    settings.write_text('{"beginnings": false, "field_match": 0.25, "domain": "product"}')
    model = files["dir"] / "configured"
    out = runner.invoke(app, ["build", str(files["items"]), "--out", str(model), "--id-field", "sku",
                              "--encoder", "hashing", "--config", str(settings)])
    assert out.exit_code == 0, out.output
    saved = json.loads((model / "recommender.json").read_text())["config"]
    assert saved["beginnings"] is False and saved["field_match"] == 0.25
    assert saved["domain"] == "product" and saved["encoder"] == "hashing"  # the file's, and the option given
    settings.write_text('{"beginings": false}')
    out = runner.invoke(app, ["build", str(files["items"]), "--out", str(model), "--id-field", "sku",
                              "--encoder", "hashing", "--config", str(settings)])
    assert out.exit_code == 2 and "settings.json" in out.output and "beginings: Extra inputs are not permitted" in out.output
    settings.write_text("[1, 2]")
    out = runner.invoke(app, ["build", str(files["items"]), "--out", str(model), "--config", str(settings)])
    assert out.exit_code == 2 and "a JSON object" in out.output


def test_build_never_replaces_what_is_not_a_saved_model(files: dict[str, Path]) -> None:
    precious = files["dir"] / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("important")
    args = ["build", str(files["items"]), "--id-field", "sku", "--encoder", "hashing", "--out"]
    out = runner.invoke(app, [*args, str(precious)])
    assert out.exit_code == 2 and "not a saved dayone recommender" in out.output
    assert (precious / "notes.txt").read_text() == "important"
    out = runner.invoke(app, [*args, str(files["items"])])  # the catalogue itself
    assert out.exit_code == 2 and files["items"].read_text().startswith("sku,name,kind")
    out = runner.invoke(app, [*args, str(files["items"] / "model")])
    assert out.exit_code == 2 and "it is a file, not a folder" in out.output


def test_a_path_the_system_refuses_is_an_error_line_not_a_traceback(
    files: dict[str, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from dayone.cli import main as cli_main

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", "/srv/models/m")

    monkeypatch.setattr(cli_main, "app", refuse)
    with pytest.raises(SystemExit) as done:
        cli_main.main()
    assert done.value.code == 2
    assert capsys.readouterr().err.strip() == "error: /srv/models/m: Permission denied"


def test_build_reports_unknown_item_row(files: dict[str, Path]) -> None:
    bad = files["dir"] / "bad.csv"
    bad.write_text("uid,sku,stars\nu1,a,5\nu1,zz,5\n")
    out = runner.invoke(app, ["build", str(files["items"]), "--out", str(files["dir"] / "x"), "--id-field", "sku",
                              "--interactions", str(bad), "--user-field", "uid", "--item-field", "sku",
                              "--rating", "stars", "--encoder", "hashing"])
    assert out.exit_code == 2
    assert "row 2" in out.output and "'zz'" in out.output
    assert not (files["dir"] / "x").exists(), "nothing half-built is saved"


def test_demo_runs_end_to_end_and_reuses_saved_model() -> None:
    """The hashing encoder keeps this fast; the real model path is covered by test_pretrained_model."""
    out = runner.invoke(app, ["demo", "--encoder", "hashing", "--n", "3"])
    assert out.exit_code == 0, out.output
    for heading in ("1) A new visitor writes", "2) A new visitor gives only a profile",
                    "3) A new visitor picks three films", "4) A brand-new film is added"):
        assert heading in out.output
    picks_section = out.output.split("3) A new visitor picks three films")[1].split("4)")[0]
    assert "Toy Story (1995)  [" not in picks_section, "picked films are not recommended back"
    assert "ranks #" in out.output
    saved = Path(os.environ["DAYONE_CACHE_DIR"]) / "demo" / "hashing-256"
    assert (saved / "recommender.json").exists()
    stamp = (saved / "recommender.json").stat().st_mtime_ns
    again = runner.invoke(app, ["demo", "--encoder", "hashing", "--n", "3"])
    assert again.exit_code == 0
    assert (saved / "recommender.json").stat().st_mtime_ns == stamp, "second run loads, not rebuilds"


def test_build_says_what_auto_recency_chose(files: dict[str, Path]) -> None:
    events = files["dir"] / "timed.csv"
    events.write_text("uid,sku,stars,when\nu1,a,5,2025-01-01\nu2,b,5,2025-01-02\nu3,d,4,2025-01-03\n")
    settings = files["dir"] / "recency.json"
    settings.write_text('{"popularity_half_life_days": "auto", "beginnings": false}')
    out = runner.invoke(app, ["build", str(files["items"]), "--out", str(files["dir"] / "timed-model"),
                              "--id-field", "sku", "--encoder", "hashing", "--interactions", str(events),
                              "--user-field", "uid", "--item-field", "sku", "--rating", "stars", "--ts", "when",
                              "--config", str(settings)])
    assert out.exit_code == 0, out.output
    # three days of log are too little to choose on: said, and plain counts kept
    assert "popularity: plain counts, replaying the log" in out.output
    assert "fewer than 4 timed windows" in out.output
