"""The PostgreSQL backend under the real API: two app instances (standing in for two API
processes) share one database; each keeps its own in-memory index and sees the other's writes
through LISTEN/NOTIFY + the change log. Skipped where no PostgreSQL server can start."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from dayone.service.testing import tiny_app

pytestmark = pytest.mark.postgres
API = "/api/v1"


@pytest.fixture(scope="module")
def pg_dsn() -> Iterator[str]:
    pytest.importorskip("psycopg", reason="psycopg 3 not installed (pip install 'psycopg[binary]')")
    from dayone.storage.pgtemp import PostgresUnavailable, temporary_postgres

    try:
        with temporary_postgres() as dsn:
            yield dsn
    except PostgresUnavailable as e:
        pytest.skip(f"no PostgreSQL server can start here: {e}")


def fresh_db(server_dsn: str, name: str) -> str:
    import psycopg

    with psycopg.connect(server_dsn, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    return server_dsn.rsplit("/", 1)[0] + "/" + name


def eventually(check: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.02)
    return check()


def test_two_api_processes_share_one_postgres(pg_dsn: str, tmp_path: Path) -> None:
    dsn = fresh_db(pg_dsn, "svc_shared")
    app_a = tiny_app(tmp_path / "a", store_url=dsn)
    app_b = tiny_app(tmp_path / "b", store_url=dsn)
    with TestClient(app_a) as a, TestClient(app_b) as b:
        # b seeded nothing: a seeded the empty store first, b found items and loaded them
        assert b.get(f"{API}/models/current").json()["n_items"] == 12
        r = a.post(f"{API}/items", json={"id": "pg1", "fields": {
            "title": "Polar Night", "description": "arctic polar bears on ice"}})
        assert r.status_code == 201

        def b_sees_item() -> bool:
            got = b.post(f"{API}/items/search", json={"text": "arctic polar bears", "n": 1}).json()
            return [x["item"] for x in got["data"]] == ["pg1"]

        assert eventually(b_sees_item)
        # an event written through b updates the profile a serves
        b.put(f"{API}/users/pu", json={"attributes": {}, "text": None})
        assert b.post(f"{API}/events", json={"user_id": "pu", "item_id": "m9", "kind": "like"}).status_code == 201
        assert eventually(lambda: a.get(f"{API}/users/pu").json().get("n_events") == 1)
        top = a.get(f"{API}/users/pu/recommendations", params={"n": 1}).json()
        assert top["data"][0]["item"] == "m10"
        # deletes propagate too
        assert a.delete(f"{API}/items/pg1").status_code == 204
        assert eventually(lambda: b.get(f"{API}/models/current").json()["n_items"] == 12)
        # a refit in one process does not double-count in the other
        assert a.post(f"{API}/models/refit", json={"wait": True}).json()["n_events"] == 1
        assert b.get(f"{API}/models/current").json()["n_events"] == 1
        assert a.get("/health/ready").json()["detail"]["store"] is True


def test_restart_on_postgres_keeps_everything(pg_dsn: str, tmp_path: Path) -> None:
    dsn = fresh_db(pg_dsn, "svc_restart")
    with TestClient(tiny_app(tmp_path, store_url=dsn)) as c:
        c.post(f"{API}/events/batch", json={"events": [
            {"user_id": "r", "item_id": "m1", "kind": "rating", "value": 5},
            {"user_id": "r", "item_id": "m4", "kind": "rating", "value": 1}]})
        c.post(f"{API}/models/refit", json={"wait": True})
        c.post(f"{API}/events", json={"user_id": "r", "item_id": "m2", "kind": "like"})
        before = c.get(f"{API}/users/r/recommendations").json()
    with TestClient(tiny_app(tmp_path, store_url=dsn)) as c:
        info = c.get(f"{API}/models/current").json()
        assert info["version"] == 1 and info["n_events"] == 3
        assert c.get(f"{API}/users/r/recommendations").json()["data"] == before["data"]
