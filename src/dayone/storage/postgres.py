"""PostgreSQL store: one store of record shared by several API processes.

Why this shape: pgvector is not available everywhere (it is not in Debian 12), so vectors are
stored as `bytea` and each process keeps its own in-memory vector index, refreshed from the
change log. Writers take a transaction-scoped advisory lock so change-log sequence numbers
commit in order; a reader polling `changes_since(last)` therefore never skips a change that
commits late. Each write also sends `NOTIFY dayone_changes`, which `wait_for_change` listens
for so followers refresh within milliseconds instead of a polling period.

The statements, row mapping and change-log handling are shared with SQLite in
`dayone.storage.sql`; this module keeps only what is PostgreSQL's own: the schema (JSONB,
BYTEA), the advisory lock and NOTIFY around writes, ``RETURNING`` keys, ``= ANY(array)``
lists and LISTEN for followers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any, cast

from dayone.storage.sql import SqlStore, Statements

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


class PostgresStore(SqlStore):
    """`Store` on a PostgreSQL database given by a libpq connection string."""

    _q = Statements(
        "%s", returning=True,
        put_embeddings="INSERT INTO embeddings(model_id, key, vector) VALUES (%s,%s,%s) "
                       "ON CONFLICT (model_id, key) DO UPDATE SET vector=excluded.vector",
    )
    _to_json = staticmethod(Jsonb)
    #: psycopg already decodes JSONB; `dict` keeps the copy the mapping always made
    _from_json = staticmethod(cast("Callable[[Any], dict[str, Any]]", dict))

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

    def _write(self, fn: Callable[[Any], Any], logged: bool = True) -> Any:
        """Run `fn(cursor)` in one transaction; commit before returning.

        A logged write holds the advisory lock until commit, so change-log seqs commit in the
        order they were drawn, and NOTIFYs followers on commit. Embeddings and model versions
        add nothing to the change log: they skip both, and so never queue behind writers.
        """
        with self._lock, self._conn.transaction():
            cur = self._conn.cursor()
            if logged:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK_KEY,))
            result = fn(cur)
            if logged:
                cur.execute(f"NOTIFY {CHANNEL}")
            return result

    @staticmethod
    def _insert_id(cur: Any, sql: str, params: Sequence[Any]) -> int:
        cur.execute(sql, params)  # the statement ends in RETURNING <key>
        return int(cur.fetchone()[0])

    def _read_in(self, head: str, params: Sequence[Any], values: Sequence[str]) -> list[Any]:
        """One round trip whatever the length: the values travel as one array parameter."""
        return self._read(f"{head} = ANY(%s)", (*params, list(values)))

    def wait_for_change(self, timeout: float) -> bool:
        """Block up to `timeout` seconds for a NOTIFY from any writer; True if one came."""
        if self._listen is None:
            self._listen = psycopg.connect(self.dsn, autocommit=True)
            self._listen.execute(f"LISTEN {CHANNEL}")
        got = False
        for _ in self._listen.notifies(timeout=timeout, stop_after=1):
            got = True
        return got

    def close(self) -> None:
        with self._lock:
            super().close()
            if self._listen is not None:
                self._listen.close()
