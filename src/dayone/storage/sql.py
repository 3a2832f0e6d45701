"""What the SQLite and PostgreSQL stores share: the SQL, the row mapping and the change log.

Why one base class: both backends keep the same five tables and the same rule that every write
and its change-log entry commit in one transaction. Written twice, the two copies drifted only
in spelling (``?`` vs ``%s``, ``lastrowid`` vs ``RETURNING``), and a fix to one could silently
miss the other. Here every statement is written once against a `Statements` spelled for the
backend's placeholder; a backend supplies only what really differs:

* ``_write``: how a transaction is opened, serialised and committed (SQLite ``BEGIN
  IMMEDIATE`` on its one connection; PostgreSQL an advisory lock plus ``NOTIFY``),
* ``_insert_id``: how the driver hands back the key of the row just inserted,
* ``_read_in``: how "column is one of these values" is asked (SQLite has no arrays),
* ``_to_json`` / ``_from_json``: JSON as TEXT vs native JSONB,
* its schema, connection set-up and `Statements` (placeholder, embedding upsert syntax).

Hot paths (``add_events``, ``events_for_user``, ``changes_since``, ``last_seq``) run the same
statements with no more Python calls per row than the per-backend code they replace.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, ClassVar

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

#: columns in `ItemRow` / `UserRow` / `EventRow` field order, so a row maps with ``Row(*r)``
#: (plus a JSON decode for items and users). Both drivers already return int/float for the
#: INTEGER/BIGINT and REAL/DOUBLE PRECISION columns (SQLite's REAL affinity stores integers as
#: floats), so no per-value casts are needed on read.
ITEM_COLUMNS = "id, fields, updated_at"
USER_COLUMNS = "id, attributes, text, updated_at"
EVENT_COLUMNS = "user_id, item_id, kind, ts, value, seq"


class Statements:
    """Every statement the shared code runs, spelled for one backend.

    `mark` is the driver's placeholder; `returning` adds ``RETURNING <key>`` to the inserts
    whose new key the caller needs (PostgreSQL has no ``lastrowid``); `put_embeddings` is the
    backend's own "insert or overwrite" for the embeddings table. Built once per class, so a
    call pays for no string formatting.
    """

    def __init__(self, mark: str, *, returning: bool, put_embeddings: str) -> None:
        def marks(n: int) -> str:
            return ",".join([mark] * n)

        def ret(key: str) -> str:
            return f" RETURNING {key}" if returning else ""

        self.log_change = (
            f"INSERT INTO changes(kind, entity_id, payload) VALUES ({marks(3)})" + ret("seq")
        )
        self.changes_since = (
            f"SELECT seq, kind, entity_id, payload FROM changes WHERE seq > {mark} "
            f"ORDER BY seq LIMIT {mark}"
        )
        self.last_seq = "SELECT COALESCE(MAX(seq), 0) FROM changes"

        self.upsert_item = (
            f"INSERT INTO items(id, fields, updated_at) VALUES ({marks(3)}) "
            "ON CONFLICT(id) DO UPDATE SET fields=excluded.fields, updated_at=excluded.updated_at"
        )
        self.insert_item = (
            f"INSERT INTO items(id, fields, updated_at) VALUES ({marks(3)}) "
            "ON CONFLICT(id) DO NOTHING"
        )
        self.delete_item = f"DELETE FROM items WHERE id={mark}"
        self.get_item = f"SELECT {ITEM_COLUMNS} FROM items WHERE id={mark}"
        self.items_where_id = f"SELECT {ITEM_COLUMNS} FROM items WHERE id"  # + `_read_in`
        self.page_items = f"SELECT {ITEM_COLUMNS} FROM items ORDER BY id LIMIT {mark} OFFSET {mark}"
        self.all_items = f"SELECT {ITEM_COLUMNS} FROM items ORDER BY id"
        self.count_items = "SELECT COUNT(*) FROM items"

        self.upsert_user = (
            f"INSERT INTO users(id, attributes, text, updated_at) VALUES ({marks(4)}) "
            "ON CONFLICT(id) DO UPDATE SET attributes=excluded.attributes, "
            "text=excluded.text, updated_at=excluded.updated_at"
        )
        self.insert_user = (
            f"INSERT INTO users(id, attributes, text, updated_at) VALUES ({marks(4)}) "
            "ON CONFLICT(id) DO NOTHING"
        )
        self.delete_user = f"DELETE FROM users WHERE id={mark}"
        self.get_user = f"SELECT {USER_COLUMNS} FROM users WHERE id={mark}"
        self.page_users = f"SELECT {USER_COLUMNS} FROM users ORDER BY id LIMIT {mark} OFFSET {mark}"
        self.all_users = f"SELECT {USER_COLUMNS} FROM users ORDER BY id"
        self.count_users = "SELECT COUNT(*) FROM users"

        self.add_event = (
            f"INSERT INTO events(seq, user_id, item_id, kind, value, ts) VALUES ({marks(6)})"
        )
        self.user_events = f"SELECT {EVENT_COLUMNS} FROM events WHERE user_id={mark} ORDER BY seq"
        self.recent_user_events = (
            f"SELECT {EVENT_COLUMNS} FROM events WHERE user_id={mark} "
            f"ORDER BY seq DESC LIMIT {mark} OFFSET {mark}"
        )
        self.count_user_events = f"SELECT COUNT(*) FROM events WHERE user_id={mark}"
        self.all_events = f"SELECT {EVENT_COLUMNS} FROM events ORDER BY seq"
        self.count_events = "SELECT COUNT(*) FROM events"

        self.put_embeddings = put_embeddings
        self.embeddings_where_key = (
            f"SELECT key, vector FROM embeddings WHERE model_id={mark} AND key"  # + `_read_in`
        )

        self.add_model_version = (
            f"INSERT INTO model_versions(created_at, change_seq, path, meta) VALUES ({marks(4)})"
            + ret("version")
        )
        self.latest_model_version = (
            "SELECT version, created_at, change_seq, path, meta FROM model_versions "
            "ORDER BY version DESC LIMIT 1"
        )


class SqlStore:
    """The `Store` methods both SQL backends share; subclasses supply the hooks listed in the
    module docstring and set ``_conn`` (a DB-API connection whose ``execute`` returns a cursor)
    and ``_lock`` (guards ``_conn``: neither driver's connection may be used by two threads at
    once)."""

    _q: ClassVar[Statements]
    _conn: Any
    _lock: threading.RLock

    # -- backend hooks ----------------------------------------------------------------------
    def _write(self, fn: Callable[[Any], Any], logged: bool = True) -> Any:
        """Run `fn(cursor)` in one transaction and return its result once committed; roll back
        and re-raise if it fails. `logged=False` marks writes that add nothing to the change
        log (embeddings, model versions), which need no ordering against other writers."""
        raise NotImplementedError

    @staticmethod
    def _insert_id(cur: Any, sql: str, params: Sequence[Any]) -> int:
        """Execute an INSERT (`Statements` adds ``RETURNING`` where needed) and return the
        key the database assigned to the new row."""
        raise NotImplementedError

    def _read_in(self, head: str, params: Sequence[Any], values: Sequence[str]) -> list[Any]:
        """Rows of `head` (a SELECT ending in a column name) where that column is one of
        `values`; `params` fill the placeholders already in `head`."""
        raise NotImplementedError

    @staticmethod
    def _to_json(obj: Any, /) -> Any:
        """A JSON-able dict as the driver binds it to a JSON column."""
        raise NotImplementedError

    @staticmethod
    def _from_json(value: Any, /) -> Any:
        """A JSON column as the driver returns it, as a fresh dict."""
        raise NotImplementedError

    # -- shared helpers ---------------------------------------------------------------------
    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        with self._lock:
            rows: list[Any] = self._conn.execute(sql, params).fetchall()
            return rows

    def _log(self, cur: Any, kind: str, entity_id: str, payload: dict[str, Any]) -> int:
        """Append one change-log entry inside the caller's transaction; returns its seq."""
        return self._insert_id(cur, self._q.log_change, (kind, entity_id, self._to_json(payload)))

    def _upsert(self, sql: str, kind: str,
                rows: Sequence[tuple[str, Sequence[Any], dict[str, Any]]]) -> list[int]:
        """Write `(entity id, statement params, change payload)` rows and log each, all in one
        transaction: either every row and its change-log entry commit, or none does."""

        def run(cur: Any) -> list[int]:
            seqs = []
            for entity_id, params, payload in rows:
                cur.execute(sql, params)
                seqs.append(self._log(cur, kind, entity_id, payload))
            return seqs

        return list(self._write(run))

    def _insert_new(self, sql: str, kind: str, entity_id: str, params: Sequence[Any],
                    payload: dict[str, Any]) -> int | None:
        """Insert one row only if its id is new, in one transaction with its change-log entry;
        None (nothing written, nothing logged) when the id exists. The database decides, so
        two processes racing to create the same id cannot both succeed."""

        def run(cur: Any) -> int | None:
            cur.execute(sql, params)
            if cur.rowcount != 1:
                return None
            return self._log(cur, kind, entity_id, payload)

        result: int | None = self._write(run)
        return result

    def _delete(self, sql: str, kind: str, ids: Sequence[str]) -> list[str]:
        """Delete by id in one transaction, logging only the ids that existed."""

        def run(cur: Any) -> list[str]:
            gone = []
            for i in ids:
                cur.execute(sql, (i,))
                if cur.rowcount:
                    gone.append(i)
                    self._log(cur, kind, i, {})
            return gone

        return list(self._write(run))

    def _item(self, row: Any) -> ItemRow:
        return ItemRow(row[0], self._from_json(row[1]), row[2])

    def _user(self, row: Any) -> UserRow:
        return UserRow(row[0], self._from_json(row[1]), row[2], row[3])

    # -- items ------------------------------------------------------------------------------
    def upsert_items(self, items: Sequence[ItemRow]) -> list[int]:
        t, to_json = now(), self._to_json
        return self._upsert(self._q.upsert_item, "item_upsert", [
            (it.id, (it.id, to_json(it.fields), t), {"fields": it.fields}) for it in items
        ])

    def insert_item(self, item: ItemRow) -> int | None:
        return self._insert_new(self._q.insert_item, "item_upsert", item.id,
                                (item.id, self._to_json(item.fields), now()), {"fields": item.fields})

    def delete_items(self, ids: Sequence[str]) -> list[str]:
        return self._delete(self._q.delete_item, "item_delete", ids)

    def get_item(self, item_id: str) -> ItemRow | None:
        rows = self._read(self._q.get_item, (item_id,))
        return self._item(rows[0]) if rows else None

    def get_items(self, ids: Sequence[str]) -> dict[str, ItemRow]:
        return {r[0]: self._item(r) for r in self._read_in(self._q.items_where_id, (), ids)}

    def list_items(self, offset: int = 0, limit: int = 100) -> tuple[list[ItemRow], int]:
        rows = self._read(self._q.page_items, (limit, offset))
        return [self._item(r) for r in rows], self.count_items()

    def iter_items(self) -> Iterator[ItemRow]:
        for r in self._read(self._q.all_items):
            yield self._item(r)

    def count_items(self) -> int:
        return int(self._read(self._q.count_items)[0][0])

    # -- users ------------------------------------------------------------------------------
    def upsert_users(self, users: Sequence[UserRow]) -> list[int]:
        t, to_json = now(), self._to_json
        return self._upsert(self._q.upsert_user, "user_upsert", [
            (u.id, (u.id, to_json(u.attributes), u.text, t),
             {"attributes": u.attributes, "text": u.text})
            for u in users
        ])

    def insert_user(self, user: UserRow) -> int | None:
        return self._insert_new(self._q.insert_user, "user_upsert", user.id,
                                (user.id, self._to_json(user.attributes), user.text, now()),
                                {"attributes": user.attributes, "text": user.text})

    def delete_users(self, ids: Sequence[str]) -> list[str]:
        return self._delete(self._q.delete_user, "user_delete", ids)

    def get_user(self, user_id: str) -> UserRow | None:
        rows = self._read(self._q.get_user, (user_id,))
        return self._user(rows[0]) if rows else None

    def list_users(self, offset: int = 0, limit: int = 100) -> tuple[list[UserRow], int]:
        rows = self._read(self._q.page_users, (limit, offset))
        total = int(self._read(self._q.count_users)[0][0])
        return [self._user(r) for r in rows], total

    def iter_users(self) -> Iterator[UserRow]:
        for r in self._read(self._q.all_users):
            yield self._user(r)

    # -- events -----------------------------------------------------------------------------
    def add_events(self, events: Sequence[EventRow]) -> list[int]:
        # hot path: the change-log insert is inlined (bound locals, no `_log` frame) so each
        # event costs the same Python calls as before the backends shared this code
        q, insert_id, to_json = self._q, self._insert_id, self._to_json

        def run(cur: Any) -> list[int]:
            seqs = []
            for e in events:
                payload = {"user": e.user, "item": e.item, "kind": e.kind, "value": e.value,
                           "ts": e.ts}
                seq = insert_id(cur, q.log_change, ("event", e.user, to_json(payload)))
                cur.execute(q.add_event, (seq, e.user, e.item, e.kind, e.value, e.ts))
                seqs.append(seq)
            return seqs

        return list(self._write(run))

    def events_for_user(self, user_id: str, limit: int | None = None, skip_recent: int = 0) -> list[EventRow]:
        if limit is None and not skip_recent:
            rows = self._read(self._q.user_events, (user_id,))
        else:
            big = 2**62  # "no limit" spelled as a number both backends take
            rows = self._read(self._q.recent_user_events,
                              (user_id, big if limit is None else limit, skip_recent))[::-1]
        return [EventRow(*r) for r in rows]  # EVENT_COLUMNS are in field order

    def count_user_events(self, user_id: str) -> int:
        return int(self._read(self._q.count_user_events, (user_id,))[0][0])

    def iter_events(self) -> Iterator[EventRow]:
        for r in self._read(self._q.all_events):
            yield EventRow(*r)

    def count_events(self) -> int:
        return int(self._read(self._q.count_events)[0][0])

    # -- embeddings -------------------------------------------------------------------------
    def put_embeddings(self, model_id: str, keys: Sequence[str], vectors: np.ndarray) -> None:
        rows = [(model_id, k, vector_to_bytes(v)) for k, v in zip(keys, vectors, strict=True)]
        sql = self._q.put_embeddings
        self._write(lambda cur: cur.executemany(sql, rows), logged=False)

    def get_embeddings(self, model_id: str, keys: Sequence[str]) -> dict[str, np.ndarray]:
        rows = self._read_in(self._q.embeddings_where_key, (model_id,), keys)
        return {k: bytes_to_vector(v) for k, v in rows}

    # -- model versions ---------------------------------------------------------------------
    def add_model_version(self, change_seq: int, path: str, meta: dict[str, Any]) -> ModelVersion:
        t = now()
        params = (t, change_seq, path, self._to_json(meta))
        sql, insert_id = self._q.add_model_version, self._insert_id
        version = int(self._write(lambda cur: insert_id(cur, sql, params), logged=False))
        return ModelVersion(version, t, change_seq, path, meta)

    def latest_model_version(self) -> ModelVersion | None:
        rows = self._read(self._q.latest_model_version)
        if not rows:
            return None
        v, t, seq, path, meta = rows[0]
        return ModelVersion(int(v), float(t), int(seq), str(path), self._from_json(meta))

    # -- change log -------------------------------------------------------------------------
    def changes_since(self, seq: int, limit: int = 10_000) -> list[Change]:
        rows = self._read(self._q.changes_since, (seq, limit))
        from_json = self._from_json
        return [Change(int(s), k, e, from_json(p)) for s, k, e, p in rows]

    def last_seq(self) -> int:
        return int(self._read(self._q.last_seq)[0][0])

    def ping(self) -> bool:
        return bool(self._read("SELECT 1")[0][0] == 1)

    def close(self) -> None:
        with self._lock:
            self._conn.close()
