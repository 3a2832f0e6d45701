"""Settings: env vars over a TOML file over defaults; `dayone serve --write-config` writes a
file whose every line is a commented default; the serve command refuses bad config files."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from dayone.cli import serve as serve_cmd
from dayone.service.settings import Settings, commented_config, load_settings


def cli() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """dayone (test harness: keeps `serve` a subcommand)."""

    serve_cmd.register(app)
    return app


def test_commented_config_round_trips_to_the_defaults(tmp_path: Path) -> None:
    text = commented_config()
    assert all(line == "" or line.startswith("#") for line in text.splitlines())
    uncommented = "\n".join(line[2:] for line in text.splitlines()
                            if re.match(r"^# [a-z_]+ = ", line))
    values = tomllib.loads(uncommented)
    assert set(values) == set(Settings.model_fields)
    assert Settings(**values) == Settings()


def test_file_then_env_then_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "dayone.toml"
    cfg.write_text('port = 9001\nencoder = "hashing"\napi_keys = { "k" = "read" }\n', encoding="utf-8")
    s = load_settings(cfg)
    assert (s.port, s.encoder, s.api_keys) == (9001, "hashing", {"k": "read"})
    monkeypatch.setenv("DAYONE_PORT", "9002")
    monkeypatch.setenv("DAYONE_API_KEYS", '{"w": "write"}')
    s = load_settings(cfg)
    assert s.port == 9002 and s.api_keys == {"w": "write"} and s.encoder == "hashing"
    assert load_settings(cfg, port=9003).port == 9003


def test_bad_config_is_refused(tmp_path: Path) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text("prot = 1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown setting"):
        load_settings(cfg)
    with pytest.raises(FileNotFoundError):
        load_settings(tmp_path / "missing.toml")
    with pytest.raises(ValueError):
        Settings(api_keys={"k": "admin"})  # type: ignore[dict-item]
    with pytest.raises(ValueError):
        Settings(log_level="LOUD")


def test_serve_command_writes_config_and_rejects_bad_files(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "serve.toml"
    r = runner.invoke(cli(), ["serve", "--write-config", str(out)])
    assert r.exit_code == 0, r.output
    assert "# store_url = " in out.read_text(encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text("no_such_setting = true\n", encoding="utf-8")
    r = runner.invoke(cli(), ["serve", "--config", str(bad)])
    assert r.exit_code == 2 and "unknown setting" in r.output
    r = runner.invoke(cli(), ["serve", "--help"])
    assert r.exit_code == 0 and "--config" in r.output


@pytest.mark.parametrize(("args", "said"), [
    (["--store", "mysql://x"], "unknown store URL 'mysql://x'"),
    (["--encoder", "nope"], "unknown encoder 'nope'"),
    (["--catalog", "MISSING"], "file not found"),
    (["--catalog", "DUPLICATE"], "row 3, field 'id': duplicate item id '2'"),
])
def test_serve_refuses_what_would_fail_its_start_before_starting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], said: str
) -> None:
    import dayone.service.app as app_module

    def never(*a: object, **k: object) -> None:
        raise AssertionError("the server was started")

    monkeypatch.setattr(app_module, "serve", never)
    dup = tmp_path / "dup.csv"
    dup.write_text("id,title\n1,a\n2,b\n2,c\n", encoding="utf-8")
    args = [{"MISSING": str(tmp_path / "nosuch.csv"), "DUPLICATE": str(dup)}.get(a, a) for a in args]
    r = CliRunner().invoke(cli(), ["serve", "--store", f"sqlite:///{tmp_path}/x.db", *args])
    assert r.exit_code == 2 and said in r.output, r.output
    assert "Traceback" not in r.output


def test_a_bad_config_file_is_named_with_the_setting(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("port = \n", encoding="utf-8")
    with pytest.raises(ValueError, match="broken.toml: not valid TOML"):
        load_settings(broken)
    wrong = tmp_path / "wrong.toml"
    wrong.write_text('port = "eighty"\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"wrong.toml: port: Input should be a valid integer"):
        load_settings(wrong)
    with pytest.raises(ValueError, match=r"^port: ") as err:  # an override is not the file's fault
        load_settings(None, port="eighty")
    assert "\n" not in str(err.value)


def test_a_seeded_store_restarts_without_its_seed_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import dayone.service.app as app_module
    from dayone.storage import ItemRow, open_store

    started: list[object] = []
    monkeypatch.setattr(app_module, "serve", lambda settings: started.append(settings))
    db = f"sqlite:///{tmp_path}/x.db"
    store = open_store(db)
    store.upsert_items([ItemRow("1", {"title": "a"})])
    store.close()
    r = CliRunner().invoke(cli(), ["serve", "--store", db, "--catalog", str(tmp_path / "gone.csv"),
                                   "--encoder", "hashing"])
    assert r.exit_code == 0 and len(started) == 1, r.output
