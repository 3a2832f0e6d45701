"""PostgreSQL store: one store of record shared by several API processes.

Why this shape: pgvector is not available everywhere (it is not in Debian 12), so vectors are
stored as `bytea` and each process keeps its own in-memory vector index, refreshed from the
change log. Writers take a transaction-scoped advisory lock so change-log sequence numbers
commit in order; a reader polling `changes_since(last)` therefore never skips a change that
commits late. Each write also sends `NOTIFY dayone_changes`, which `wait_for_change` listens
for so followers refresh within milliseconds instead of a polling period.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from dayone.storage.base import (
    Change,
    EventRow,
    ItemRow,
    ModelVersion,
    UserRow,
    bytes_to_vector,
    now,
    vector_to_bytes,
)

try:  # optional dependency: the `postgres` extra
    import psycopg
    from psycopg.types.json import Jsonb
except ImportError:  # pragma: no cover - exercised only where psycopg is absent
    psycopg = None  # type: ignore[assignment]
    Jsonb = None  # type: ignore[assignment,misc]

SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    id TEXT PRIMARY KEY, fields JSONB NOT NULL, updated_at DOUBLE PRECISION NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY, attributes JSONB NOT NULL, text TEXT,
    updated_at DOUBLE PRECISION NOT NULL);
CREATE TABLE IF NOT EXISTS changes (
    seq BIGSERIAL PRIMARY KEY, kind TEXT NOT NULL, entity_id TEXT NOT NULL,
    payload JSONB NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    seq BIGINT PRIMARY KEY, user_id TEXT NOT NULL, item_id TEXT NOT NULL,
    kind TEXT NOT NULL, value DOUBLE PRECISION, ts DOUBLE PRECISION NOT NULL);
CREATE INDEX IF NOT EXISTS events_user ON events(user_id, seq);
CREATE TABLE IF NOT EXISTS embeddings (
    model_id TEXT NOT NULL, key TEXT NOT NULL, vector BYTEA NOT NULL,
    PRIMARY KEY (model_id, key));
CREATE TABLE IF NOT EXISTS model_versions (
    version BIGSERIAL PRIMARY KEY, created_at DOUBLE PRECISION NOT NULL,
    change_seq BIGINT NOT NULL, path TEXT NOT NULL, meta JSONB NOT NULL);
"""

#: advisory-lock key serialising writers (any constant works; this spells "dayone")
WRITE_LOCK_KEY = 0x646179_6F6E65
CHANNEL = "dayone_changes"


class PostgresStore:
    """`Store` on a PostgreSQL database given by a libpq connection string."""

    def __init__(self, dsn: str) -> None:
        if psycopg is None:
            raise RuntimeError(
                "the PostgreSQL store needs psycopg 3: pip install 'psycopg[binary]'"
            )
        self.dsn = dsn
        self._lock = threading.RLock()
        self._conn = psycopg.connect(dsn, autocommit=True)
        self._listen: Any = None
        with self._lock, self._conn.transaction():
            # two processes starting at once must not race on CREATE TABLE
            self._conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK_KEY,))
            self._conn.execute(SCHEMA)

    # -- helpers ----------------------------------------------------------------------------
    def _write(self, fn: Any) -> Any:
        with self._lock, self._conn.transaction():
            cur = self._conn.cursor()
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK_KEY,))
            result = fn(cur)
            cur.execute(f"NOTIFY {CHANNEL}")
            return result

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        with self._lock:
            return list(self._conn.execute(sql, params).fetchall())

    @staticmethod
    def _log(cur: Any, kind: str, entity_id: str, payload: dict[str, Any]) -> int:
        cur.execute(
            "INSERT INTO changes(kind, entity_id, payload) VALUES (%s,%s,%s) RETURNING seq",
            (kind, entity_id, Jsonb(payload)),
        )
        return int(cur.fetchone()[0])

    # -- items ------------------------------------------------------------------------------
    def upsert_items(self, items: Sequence[ItemRow]) -> list[int]:
        t = now()

        def run(cur: Any) -> list[int]:
            seqs = []
            for it in items:
                cur.execute(
                    "INSERT INTO items(id, fields, updated_at) VALUES (%s,%s,%s) "
                    "ON CONFLICT(id) DO UPDATE SET fields=excluded.fields, "
                    "updated_at=excluded.updated_at",
                    (it.id, Jsonb(it.fields), t),
                )
                seqs.append(self._log(cur, "item_upsert", it.id, {"fields": it.fields}))
            return seqs

        return list(self._write(run))

    def delete_items(self, ids: Sequence[str]) -> list[str]:
        def run(cur: Any) -> list[str]:
            gone = []
            for i in ids:
                cur.execute("DELETE FROM items WHERE id=%s", (i,))
                if cur.rowcount:
                    gone.append(i)
                    self._log(cur, "item_delete", i, {})
            return gone

        return list(self._write(run))

    @staticmethod
    def _item(row: Any) -> ItemRow:
        return ItemRow(id=row[0], fields=dict(row[1]), updated_at=float(row[2]))

    def get_item(self, item_id: str) -> ItemRow | None:
        rows = self._read("SELECT id, fields, updated_at FROM items WHERE id=%s", (item_id,))
        return self._item(rows[0]) if rows else None

    def get_items(self, ids: Sequence[str]) -> dict[str, ItemRow]:
        rows = self._read(
            "SELECT id, fields, updated_at FROM items WHERE id = ANY(%s)", (list(ids),)
        )
        return {r[0]: self._item(r) for r in rows}

    def list_items(self, offset: int = 0, limit: int = 100) -> tuple[list[ItemRow], int]:
        rows = self._read(
            "SELECT id, fields, updated_at FROM items ORDER BY id LIMIT %s OFFSET %s",
            (limit, offset),
        )
        return [self._item(r) for r in rows], self.count_items()

    def iter_items(self) -> Iterator[ItemRow]:
        for r in self._read("SELECT id, fields, updated_at FROM items ORDER BY id"):
            yield self._item(r)

    def count_items(self) -> int:
        return int(self._read("SELECT COUNT(*) FROM items")[0][0])

    # -- users ------------------------------------------------------------------------------
    def upsert_users(self, users: Sequence[UserRow]) -> list[int]:
        t = now()

        def run(cur: Any) -> list[int]:
            seqs = []
            for u in users:
                cur.execute(
                    "INSERT INTO users(id, attributes, text, updated_at) VALUES (%s,%s,%s,%s) "
                    "ON CONFLICT(id) DO UPDATE SET attributes=excluded.attributes, "
                    "text=excluded.text, updated_at=excluded.updated_at",
                    (u.id, Jsonb(u.attributes), u.text, t),
                )
                seqs.append(self._log(
                    cur, "user_upsert", u.id, {"attributes": u.attributes, "text": u.text}
                ))
            return seqs

        return list(self._write(run))

    def delete_users(self, ids: Sequence[str]) -> list[str]:
        def run(cur: Any) -> list[str]:
            gone = []
            for i in ids:
                cur.execute("DELETE FROM users WHERE id=%s", (i,))
                if cur.rowcount:
                    gone.append(i)
                    self._log(cur, "user_delete", i, {})
            return gone

        return list(self._write(run))

    @staticmethod
    def _user(row: Any) -> UserRow:
        return UserRow(id=row[0], attributes=dict(row[1]), text=row[2], updated_at=float(row[3]))

    def get_user(self, user_id: str) -> UserRow | None:
        rows = self._read(
            "SELECT id, attributes, text, updated_at FROM users WHERE id=%s", (user_id,)
        )
        return self._user(rows[0]) if rows else None

    def list_users(self, offset: int = 0, limit: int = 100) -> tuple[list[UserRow], int]:
        rows = self._read(
            "SELECT id, attributes, text, updated_at FROM users ORDER BY id LIMIT %s OFFSET %s",
            (limit, offset),
        )
        total = int(self._read("SELECT COUNT(*) FROM users")[0][0])
        return [self._user(r) for r in rows], total

    def iter_users(self) -> Iterator[UserRow]:
        for r in self._read("SELECT id, attributes, text, updated_at FROM users ORDER BY id"):
            yield self._user(r)

    # -- events -----------------------------------------------------------------------------
    def add_events(self, events: Sequence[EventRow]) -> list[int]:
        def run(cur: Any) -> list[int]:
            seqs = []
            for e in events:
                payload = {"user": e.user, "item": e.item, "kind": e.kind, "value": e.value,
                           "ts": e.ts}
                seq = self._log(cur, "event", e.user, payload)
                cur.execute(
                    "INSERT INTO events(seq, user_id, item_id, kind, value, ts) "
                    "VALUES (%s,%s,%s,%s,%s,%s)",
                    (seq, e.user, e.item, e.kind, e.value, e.ts),
                )
                seqs.append(seq)
            return seqs

        return list(self._write(run))

    @staticmethod
    def _event(row: Any) -> EventRow:
        return EventRow(
            seq=int(row[0]), user=row[1], item=row[2], kind=row[3],
            value=None if row[4] is None else float(row[4]), ts=float(row[5]),
        )

    def events_for_user(self, user_id: str, limit: int | None = None) -> list[EventRow]:
        sql = "SELECT seq, user_id, item_id, kind, value, ts FROM events WHERE user_id=%s "
        if limit is None:
            rows = self._read(sql + "ORDER BY seq", (user_id,))
        else:
            rows = self._read(sql + "ORDER BY seq DESC LIMIT %s", (user_id, limit))[::-1]
        return [self._event(r) for r in rows]

    def iter_events(self) -> Iterator[EventRow]:
        for r in self._read("SELECT seq, user_id, item_id, kind, value, ts FROM events ORDER BY seq"):
            yield self._event(r)

    def count_events(self) -> int:
        return int(self._read("SELECT COUNT(*) FROM events")[0][0])

    # -- embeddings -------------------------------------------------------------------------
    def put_embeddings(self, model_id: str, keys: Sequence[str], vectors: np.ndarray) -> None:
        rows = [(model_id, k, vector_to_bytes(v)) for k, v in zip(keys, vectors, strict=True)]
        with self._lock, self._conn.transaction():
            self._conn.cursor().executemany(
                "INSERT INTO embeddings(model_id, key, vector) VALUES (%s,%s,%s) "
                "ON CONFLICT (model_id, key) DO UPDATE SET vector=excluded.vector",
                rows,
            )

    def get_embeddings(self, model_id: str, keys: Sequence[str]) -> dict[str, np.ndarray]:
        rows = self._read(
            "SELECT key, vector FROM embeddings WHERE model_id=%s AND key = ANY(%s)",
            (model_id, list(keys)),
        )
        return {k: bytes_to_vector(bytes(v)) for k, v in rows}

    # -- model versions ---------------------------------------------------------------------
    def add_model_version(self, change_seq: int, path: str, meta: dict[str, Any]) -> ModelVersion:
        t = now()
        with self._lock, self._conn.transaction():
            row = self._conn.execute(
                "INSERT INTO model_versions(created_at, change_seq, path, meta) "
                "VALUES (%s,%s,%s,%s) RETURNING version",
                (t, change_seq, path, Jsonb(meta)),
            ).fetchone()
        assert row is not None
        return ModelVersion(int(row[0]), t, change_seq, path, meta)

    def latest_model_version(self) -> ModelVersion | None:
        rows = self._read(
            "SELECT version, created_at, change_seq, path, meta FROM model_versions "
            "ORDER BY version DESC LIMIT 1"
        )
        if not rows:
            return None
        v, t, seq, path, meta = rows[0]
        return ModelVersion(int(v), float(t), int(seq), str(path), dict(meta))

    # -- change log -------------------------------------------------------------------------
    def changes_since(self, seq: int, limit: int = 10_000) -> list[Change]:
        rows = self._read(
            "SELECT seq, kind, entity_id, payload FROM changes WHERE seq > %s "
            "ORDER BY seq LIMIT %s",
            (seq, limit),
        )
        return [Change(int(s), k, e, dict(p)) for s, k, e, p in rows]

    def last_seq(self) -> int:
        return int(self._read("SELECT COALESCE(MAX(seq), 0) FROM changes")[0][0])

    def wait_for_change(self, timeout: float) -> bool:
        """Block up to `timeout` seconds for a NOTIFY from any writer; True if one came."""
        if self._listen is None:
            self._listen = psycopg.connect(self.dsn, autocommit=True)
            self._listen.execute(f"LISTEN {CHANNEL}")
        got = False
        for _ in self._listen.notifies(timeout=timeout, stop_after=1):
            got = True
        return got

    def ping(self) -> bool:
        return self._read("SELECT 1")[0][0] == 1

    def close(self) -> None:
        with self._lock:
            self._conn.close()
            if self._listen is not None:
                self._listen.close()
