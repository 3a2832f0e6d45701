"""Embedded SQLite store: the zero-set-up default.

WAL mode lets readers run while a write commits. `synchronous` decides what survives what:
NORMAL (the default here) survives a crash or kill -9 of the process, because a committed
transaction is in the WAL file before `commit()` returns; FULL also survives power loss at the
price of an fsync per commit. One connection guarded by a lock: SQLite serialises writers anyway,
and a single connection keeps the ordering of the change log trivially correct.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
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

SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    id TEXT PRIMARY KEY, fields TEXT NOT NULL, updated_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY, attributes TEXT NOT NULL, text TEXT, updated_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY, user_id TEXT NOT NULL, item_id TEXT NOT NULL,
    kind TEXT NOT NULL, value REAL, ts REAL NOT NULL);
CREATE INDEX IF NOT EXISTS events_user ON events(user_id, seq);
CREATE TABLE IF NOT EXISTS embeddings (
    model_id TEXT NOT NULL, key TEXT NOT NULL, vector BLOB NOT NULL,
    PRIMARY KEY (model_id, key));
CREATE TABLE IF NOT EXISTS model_versions (
    version INTEGER PRIMARY KEY AUTOINCREMENT, created_at REAL NOT NULL,
    change_seq INTEGER NOT NULL, path TEXT NOT NULL, meta TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, entity_id TEXT NOT NULL,
    payload TEXT NOT NULL);
"""


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=str)


class SqliteStore:
    """`Store` on one SQLite file (":memory:" for throwaway tests)."""

    def __init__(self, path: str | Path, synchronous: str = "NORMAL") -> None:
        if synchronous.upper() not in {"OFF", "NORMAL", "FULL", "EXTRA"}:
            raise ValueError(f"synchronous must be OFF/NORMAL/FULL/EXTRA, got {synchronous!r}")
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute(f"PRAGMA synchronous={synchronous.upper()}")
        self._conn.execute("PRAGMA busy_timeout=5000")
        self._conn.executescript(SCHEMA)

    # -- helpers ----------------------------------------------------------------------------
    def _write(self, fn: Any) -> Any:
        """Run `fn(cursor)` in one IMMEDIATE transaction; commit before returning."""
        with self._lock:
            cur = self._conn.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                result = fn(cur)
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            cur.execute("COMMIT")
            return result

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    @staticmethod
    def _log(cur: sqlite3.Cursor, kind: str, entity_id: str, payload: dict[str, Any]) -> int:
        cur.execute(
            "INSERT INTO changes(kind, entity_id, payload) VALUES (?,?,?)",
            (kind, entity_id, _dumps(payload)),
        )
        return int(cur.lastrowid or 0)

    # -- items ------------------------------------------------------------------------------
    def upsert_items(self, items: Sequence[ItemRow]) -> list[int]:
        t = now()

        def run(cur: sqlite3.Cursor) -> list[int]:
            seqs = []
            for it in items:
                cur.execute(
                    "INSERT INTO items(id, fields, updated_at) VALUES (?,?,?) "
                    "ON CONFLICT(id) DO UPDATE SET fields=excluded.fields, "
                    "updated_at=excluded.updated_at",
                    (it.id, _dumps(it.fields), t),
                )
                seqs.append(self._log(cur, "item_upsert", it.id, {"fields": it.fields}))
            return seqs

        return list(self._write(run))

    def delete_items(self, ids: Sequence[str]) -> list[str]:
        def run(cur: sqlite3.Cursor) -> list[str]:
            gone = []
            for i in ids:
                cur.execute("DELETE FROM items WHERE id=?", (i,))
                if cur.rowcount:
                    gone.append(i)
                    self._log(cur, "item_delete", i, {})
            return gone

        return list(self._write(run))

    @staticmethod
    def _item(row: Any) -> ItemRow:
        return ItemRow(id=row[0], fields=json.loads(row[1]), updated_at=row[2])

    def get_item(self, item_id: str) -> ItemRow | None:
        rows = self._read("SELECT id, fields, updated_at FROM items WHERE id=?", (item_id,))
        return self._item(rows[0]) if rows else None

    def get_items(self, ids: Sequence[str]) -> dict[str, ItemRow]:
        out: dict[str, ItemRow] = {}
        ids = list(ids)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self._read(
                f"SELECT id, fields, updated_at FROM items WHERE id IN ({marks})", chunk
            ):
                out[row[0]] = self._item(row)
        return out

    def list_items(self, offset: int = 0, limit: int = 100) -> tuple[list[ItemRow], int]:
        rows = self._read(
            "SELECT id, fields, updated_at FROM items ORDER BY id LIMIT ? OFFSET ?",
            (limit, offset),
        )
        return [self._item(r) for r in rows], self.count_items()

    def iter_items(self) -> Iterator[ItemRow]:
        rows = self._read("SELECT id, fields, updated_at FROM items ORDER BY id")
        for r in rows:
            yield self._item(r)

    def count_items(self) -> int:
        return int(self._read("SELECT COUNT(*) FROM items")[0][0])

    # -- users ------------------------------------------------------------------------------
    def upsert_users(self, users: Sequence[UserRow]) -> list[int]:
        t = now()

        def run(cur: sqlite3.Cursor) -> list[int]:
            seqs = []
            for u in users:
                cur.execute(
                    "INSERT INTO users(id, attributes, text, updated_at) VALUES (?,?,?,?) "
                    "ON CONFLICT(id) DO UPDATE SET attributes=excluded.attributes, "
                    "text=excluded.text, updated_at=excluded.updated_at",
                    (u.id, _dumps(u.attributes), u.text, t),
                )
                seqs.append(self._log(
                    cur, "user_upsert", u.id, {"attributes": u.attributes, "text": u.text}
                ))
            return seqs

        return list(self._write(run))

    def delete_users(self, ids: Sequence[str]) -> list[str]:
        def run(cur: sqlite3.Cursor) -> list[str]:
            gone = []
            for i in ids:
                cur.execute("DELETE FROM users WHERE id=?", (i,))
                if cur.rowcount:
                    gone.append(i)
                    self._log(cur, "user_delete", i, {})
            return gone

        return list(self._write(run))

    @staticmethod
    def _user(row: Any) -> UserRow:
        return UserRow(id=row[0], attributes=json.loads(row[1]), text=row[2], updated_at=row[3])

    def get_user(self, user_id: str) -> UserRow | None:
        rows = self._read(
            "SELECT id, attributes, text, updated_at FROM users WHERE id=?", (user_id,)
        )
        return self._user(rows[0]) if rows else None

    def list_users(self, offset: int = 0, limit: int = 100) -> tuple[list[UserRow], int]:
        rows = self._read(
            "SELECT id, attributes, text, updated_at FROM users ORDER BY id LIMIT ? OFFSET ?",
            (limit, offset),
        )
        total = int(self._read("SELECT COUNT(*) FROM users")[0][0])
        return [self._user(r) for r in rows], total

    def iter_users(self) -> Iterator[UserRow]:
        for r in self._read("SELECT id, attributes, text, updated_at FROM users ORDER BY id"):
            yield self._user(r)

    # -- events -----------------------------------------------------------------------------
    def add_events(self, events: Sequence[EventRow]) -> list[int]:
        def run(cur: sqlite3.Cursor) -> list[int]:
            seqs = []
            for e in events:
                payload = {"user": e.user, "item": e.item, "kind": e.kind, "value": e.value,
                           "ts": e.ts}
                seq = self._log(cur, "event", e.user, payload)
                cur.execute(
                    "INSERT INTO events(seq, user_id, item_id, kind, value, ts) "
                    "VALUES (?,?,?,?,?,?)",
                    (seq, e.user, e.item, e.kind, e.value, e.ts),
                )
                seqs.append(seq)
            return seqs

        return list(self._write(run))

    @staticmethod
    def _event(row: Any) -> EventRow:
        return EventRow(seq=row[0], user=row[1], item=row[2], kind=row[3], value=row[4], ts=row[5])

    def events_for_user(self, user_id: str, limit: int | None = None) -> list[EventRow]:
        if limit is None:
            rows = self._read(
                "SELECT seq, user_id, item_id, kind, value, ts FROM events "
                "WHERE user_id=? ORDER BY seq",
                (user_id,),
            )
        else:
            rows = self._read(
                "SELECT seq, user_id, item_id, kind, value, ts FROM events "
                "WHERE user_id=? ORDER BY seq DESC LIMIT ?",
                (user_id, limit),
            )[::-1]
        return [self._event(r) for r in rows]

    def iter_events(self) -> Iterator[EventRow]:
        for r in self._read("SELECT seq, user_id, item_id, kind, value, ts FROM events ORDER BY seq"):
            yield self._event(r)

    def count_events(self) -> int:
        return int(self._read("SELECT COUNT(*) FROM events")[0][0])

    # -- embeddings -------------------------------------------------------------------------
    def put_embeddings(self, model_id: str, keys: Sequence[str], vectors: np.ndarray) -> None:
        rows = [(model_id, k, vector_to_bytes(v)) for k, v in zip(keys, vectors, strict=True)]

        def run(cur: sqlite3.Cursor) -> None:
            cur.executemany(
                "INSERT OR REPLACE INTO embeddings(model_id, key, vector) VALUES (?,?,?)", rows
            )

        self._write(run)

    def get_embeddings(self, model_id: str, keys: Sequence[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        keys = list(keys)
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for k, blob in self._read(
                f"SELECT key, vector FROM embeddings WHERE model_id=? AND key IN ({marks})",
                [model_id, *chunk],
            ):
                out[k] = bytes_to_vector(blob)
        return out

    # -- model versions ---------------------------------------------------------------------
    def add_model_version(self, change_seq: int, path: str, meta: dict[str, Any]) -> ModelVersion:
        t = now()

        def run(cur: sqlite3.Cursor) -> int:
            cur.execute(
                "INSERT INTO model_versions(created_at, change_seq, path, meta) VALUES (?,?,?,?)",
                (t, change_seq, path, _dumps(meta)),
            )
            return int(cur.lastrowid or 0)

        version = int(self._write(run))
        return ModelVersion(version, t, change_seq, path, meta)

    def latest_model_version(self) -> ModelVersion | None:
        rows = self._read(
            "SELECT version, created_at, change_seq, path, meta FROM model_versions "
            "ORDER BY version DESC LIMIT 1"
        )
        if not rows:
            return None
        v, t, seq, path, meta = rows[0]
        return ModelVersion(int(v), float(t), int(seq), str(path), json.loads(meta))

    # -- change log -------------------------------------------------------------------------
    def changes_since(self, seq: int, limit: int = 10_000) -> list[Change]:
        rows = self._read(
            "SELECT seq, kind, entity_id, payload FROM changes WHERE seq > ? ORDER BY seq LIMIT ?",
            (seq, limit),
        )
        return [Change(int(s), k, e, json.loads(p)) for s, k, e, p in rows]

    def last_seq(self) -> int:
        return int(self._read("SELECT COALESCE(MAX(seq), 0) FROM changes")[0][0])

    def ping(self) -> bool:
        return self._read("SELECT 1")[0][0] == 1

    def close(self) -> None:
        with self._lock:
            self._conn.close()
