"""Embedded SQLite store: the zero-set-up default.

WAL mode lets readers run while a write commits. `synchronous` decides what survives what:
NORMAL (the default here) survives a crash or kill -9 of the process, because a committed
transaction is in the WAL file before `commit()` returns; FULL also survives power loss at the
price of an fsync per commit. One connection guarded by a lock: SQLite serialises writers anyway,
and a single connection keeps the ordering of the change log trivially correct.

The statements, row mapping and change-log handling are shared with PostgreSQL in
`dayone.storage.sql`; this module keeps only what is SQLite's own: the schema (JSON as TEXT),
the pragmas, ``BEGIN IMMEDIATE`` transactions, ``lastrowid`` and chunked ``IN (?,...)`` lists.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from dayone.storage.sql import SqlStore, Statements

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

#: SQLite's default cap on host parameters was 999 before 3.32; 500 ids per query stays under it
IN_CHUNK = 500


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=str)


class SqliteStore(SqlStore):
    """`Store` on one SQLite file (":memory:" for throwaway tests)."""

    _q = Statements(
        "?", returning=False,
        put_embeddings="INSERT OR REPLACE INTO embeddings(model_id, key, vector) VALUES (?,?,?)",
    )
    _to_json = staticmethod(_dumps)
    _from_json = staticmethod(json.loads)

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

    def _write(self, fn: Callable[[Any], Any], logged: bool = True) -> Any:
        """Run `fn(cursor)` in one IMMEDIATE transaction; commit before returning.

        IMMEDIATE takes the write lock up front, so a second process on the same file waits
        (busy_timeout) instead of failing at commit. Every write goes through here, logged
        or not: the single connection and the lock already order all writers.
        """
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

    @staticmethod
    def _insert_id(cur: Any, sql: str, params: Sequence[Any]) -> int:
        cur.execute(sql, params)
        return int(cur.lastrowid or 0)

    def _read_in(self, head: str, params: Sequence[Any], values: Sequence[str]) -> list[Any]:
        """SQLite has no array parameter, so the list is spelled out ``IN (?,?,...)``, in
        chunks that stay under the host-parameter limit."""
        values = list(values)
        rows: list[Any] = []
        for start in range(0, len(values), IN_CHUNK):
            chunk = values[start : start + IN_CHUNK]
            marks = ",".join("?" * len(chunk))
            rows.extend(self._read(f"{head} IN ({marks})", [*params, *chunk]))
        return rows
