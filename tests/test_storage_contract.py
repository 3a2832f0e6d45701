"""One contract every `Store` backend honours: SQLite always, PostgreSQL where one can start."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from dayone.storage import EventRow, ItemRow, SqliteStore, Store, UserRow, open_store

_db_counter = itertools.count()


@pytest.fixture(scope="module")
def pg_server() -> Iterator[str]:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("psycopg 3 not installed (pip install 'psycopg[binary]')")
    from dayone.storage.pgtemp import PostgresUnavailable, temporary_postgres

    try:
        with temporary_postgres() as dsn:
            yield dsn
    except PostgresUnavailable as e:
        pytest.skip(f"no PostgreSQL server can start here: {e}")


def fresh_pg_database(server_dsn: str) -> str:
    """A new empty database on the test server, so each test starts from nothing."""
    import psycopg

    name = f"dayone_t{next(_db_counter)}"
    with psycopg.connect(server_dsn, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    return server_dsn.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        s: Store = SqliteStore(tmp_path / "store.db")
    else:
        from dayone.storage.postgres import PostgresStore

        s = PostgresStore(fresh_pg_database(request.getfixturevalue("pg_server")))
    yield s
    s.close()


def test_items_roundtrip_update_delete(store: Store) -> None:
    seqs = store.upsert_items([ItemRow("a", {"title": "Alpha", "tags": ["x"]}),
                               ItemRow("b", {"title": "Beta"})])
    assert len(seqs) == 2 and 0 < seqs[0] < seqs[1]
    assert store.get_item("a") is not None
    assert store.get_item("a").fields == {"title": "Alpha", "tags": ["x"]}  # type: ignore[union-attr]
    store.upsert_items([ItemRow("a", {"title": "Alpha 2"})])
    assert store.get_item("a").fields["title"] == "Alpha 2"  # type: ignore[union-attr]
    page, total = store.list_items(0, 1)
    assert total == 2 and [r.id for r in page] == ["a"]
    assert set(store.get_items(["a", "b", "zz"])) == {"a", "b"}
    assert store.delete_items(["a", "nope"]) == ["a"]
    assert store.get_item("a") is None
    assert [r.id for r in store.iter_items()] == ["b"]
    assert store.count_items() == 1


def test_insert_if_new_lets_exactly_one_creator_win(store: Store, tmp_path: Path) -> None:
    """Two processes creating the same id both used to get 201 (check, then write); the
    database now decides. A second connection plays the other process."""
    if isinstance(store, SqliteStore):
        other: Store = SqliteStore(tmp_path / "store.db")
    else:
        from dayone.storage.postgres import PostgresStore

        other = PostgresStore(store.dsn)  # type: ignore[attr-defined]
    try:
        first = store.insert_item(ItemRow("a", {"title": "Mine"}))
        second = other.insert_item(ItemRow("a", {"title": "Theirs"}))
        assert first is not None and second is None
        assert other.get_item("a").fields == {"title": "Mine"}  # type: ignore[union-attr]
        logged = [c for c in store.changes_since(0)]
        assert len(logged) == 1, "a refused insert logs no change"
        assert store.insert_user(UserRow("u", {"age": 3}, "hi")) is not None
        assert other.insert_user(UserRow("u", {}, None)) is None
        assert store.get_user("u").text == "hi"  # type: ignore[union-attr]
    finally:
        other.close()


def test_users_and_events_in_order(store: Store) -> None:
    store.upsert_users([UserRow("u1", {"age": "25-34"}, "likes jazz")])
    u = store.get_user("u1")
    assert u is not None and u.attributes == {"age": "25-34"} and u.text == "likes jazz"
    seqs = store.add_events([EventRow("u1", "a", "like", 1.0), EventRow("u1", "b", "rating", 2.0, 4.5),
                             EventRow("u2", "a", "click", 3.0)])
    assert seqs == sorted(seqs) and len(set(seqs)) == 3
    evs = store.events_for_user("u1")
    assert [(e.item, e.kind, e.value) for e in evs] == [("a", "like", None), ("b", "rating", 4.5)]
    assert [e.item for e in store.events_for_user("u1", limit=1)] == ["b"]
    assert [e.item for e in store.events_for_user("u1", limit=1, skip_recent=1)] == [evs[-2].item]
    assert store.count_user_events("u1") == len(evs) and store.count_user_events("nobody") == 0
    assert store.count_events() == 3
    assert [e.user for e in store.iter_events()] == ["u1", "u1", "u2"]
    assert store.delete_users(["u1"]) == ["u1"] and store.get_user("u1") is None


def test_change_log_replays_every_write_in_order(store: Store) -> None:
    start = store.last_seq()
    store.upsert_items([ItemRow("a", {"title": "A"})])
    store.upsert_users([UserRow("u", {}, None)])
    store.add_events([EventRow("u", "a", "purchase", 5.0)])
    store.delete_items(["a"])
    changes = store.changes_since(start)
    assert [c.kind for c in changes] == ["item_upsert", "user_upsert", "event", "item_delete"]
    assert changes[0].payload == {"fields": {"title": "A"}}
    assert changes[2].payload["kind"] == "purchase"
    assert store.changes_since(changes[1].seq)[0].kind == "event"
    assert store.last_seq() == changes[-1].seq


def test_embeddings_and_model_versions(store: Store) -> None:
    vecs = np.arange(6, dtype=np.float32).reshape(2, 3)
    store.put_embeddings("m", ["k1", "k2"], vecs)
    got = store.get_embeddings("m", ["k1", "k2", "k3"])
    assert set(got) == {"k1", "k2"}
    np.testing.assert_array_equal(got["k2"], vecs[1])
    assert store.get_embeddings("other", ["k1"]) == {}
    assert store.latest_model_version() is None
    store.add_model_version(3, "/tmp/m1", {"n_items": 1})
    v2 = store.add_model_version(7, "/tmp/m2", {"n_items": 2})
    latest = store.latest_model_version()
    assert latest is not None and latest.version == v2.version and latest.change_seq == 7
    assert latest.meta == {"n_items": 2}
    assert store.ping()


def test_sqlite_survives_reopen(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    s = SqliteStore(path)
    s.upsert_items([ItemRow("a", {"title": "A"})])
    s.add_events([EventRow("u", "a", "like", 1.0)])
    s.close()
    s2 = open_store(f"sqlite:///{path}")
    assert s2.get_item("a") is not None and s2.count_events() == 1
    mode = s2._conn.execute("PRAGMA journal_mode").fetchone()[0]  # type: ignore[attr-defined]
    assert mode == "wal"
    s2.close()


def test_open_store_rejects_unknown_scheme() -> None:
    with pytest.raises(ValueError, match="unknown store URL"):
        open_store("mysql://x")
    with pytest.raises(ValueError, match="synchronous"):
        SqliteStore(":memory:", synchronous="sometimes")


@pytest.mark.postgres
def test_postgres_two_connections_see_each_other(pg_server: str) -> None:
    """Two processes' stores on one database: writes of one are in the other's change log,
    and the NOTIFY wakes a waiting follower."""
    from dayone.storage.postgres import PostgresStore

    dsn = fresh_pg_database(pg_server)
    a, b = PostgresStore(dsn), PostgresStore(dsn)
    try:
        b.wait_for_change(0.01)  # start listening
        a.upsert_items([ItemRow("x", {"title": "X"})])
        assert b.wait_for_change(5.0)
        assert [c.entity_id for c in b.changes_since(0)] == ["x"]
        assert b.get_item("x") is not None
    finally:
        a.close()
        b.close()


def test_store_embedding_cache_encodes_each_text_once(tmp_path: Path) -> None:
    from dayone.encoders import HashingEncoder
    from dayone.storage.embeddings import StoreEmbeddingCache

    store = SqliteStore(tmp_path / "e.db")
    inner = HashingEncoder(32)
    enc = StoreEmbeddingCache(inner, store)
    a = enc.encode(["red apple", "green pear", "red apple"])
    assert (enc.hits, enc.misses) == (0, 2)
    np.testing.assert_allclose(a, inner.encode(["red apple", "green pear", "red apple"]))
    other = StoreEmbeddingCache(inner, store)  # another process on the same store
    np.testing.assert_allclose(other.encode(["green pear"]), a[1:2])
    assert (other.hits, other.misses) == (1, 0)
    np.testing.assert_allclose(enc.encode_query(["red apple"]), a[:1])
    assert enc.encode([]).shape == (0, 32)
    store.close()
