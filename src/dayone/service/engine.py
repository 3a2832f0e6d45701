"""The online engine: the store of record plus the in-memory model that serves requests.

Why it exists: the HTTP layer should only translate requests. The engine owns the rules that
make the service correct under writes:

* **Write-then-apply.** Every write goes to the store first (durable once the call returns)
  and is then applied to the in-memory recommender before the call returns, so a new item is
  recommendable and an event shows in the user's next recommendations immediately.
* **One change log.** Changes written by *other* processes sharing the store are applied by a
  follower thread that reads `changes_since(applied)`; the engine remembers which sequence
  numbers it applied itself so nothing is applied twice.
* **Background refit, atomic swap.** A refit rebuilds the model from a store snapshot in a
  background thread (the old model keeps serving), replays the changes that arrived meanwhile,
  and swaps the reference under the write lock. Saved versions make restarts fast.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from dayone.data.catalog import Catalog
from dayone.data.errors import DataError
from dayone.data.users import UserTable
from dayone.encoders import Encoder
from dayone.index.field_values import values_of
from dayone.profiles import HistoryEntry, UserContext
from dayone.recommender.config import RecommenderConfig
from dayone.recommender.recommender import Recommender, UnknownItemError
from dayone.recommender.results import LikePrediction, Recommendation, UserMatch
from dayone.service.schemas import id_problem
from dayone.storage import Change, EventRow, ItemRow, Store, UserRow

log = logging.getLogger("dayone.engine")


class NotFound(LookupError):
    """A referenced id does not exist (the API turns this into 404)."""

    def __init__(self, what: str, ids: Sequence[str]) -> None:
        self.what = what
        self.ids = list(ids)
        shown = ", ".join(repr(i) for i in self.ids[:5])
        super().__init__(f"unknown {what} id(s): {shown}")


class UnknownCategory(ValueError):
    """A category filter no item carries (the API turns this into 422, with near misses)."""

    def __init__(self, term: str, close: Sequence[str]) -> None:
        self.term = term
        self.close = list(close)
        hint = f"; did you mean {', '.join(repr(c) for c in self.close)}?" if self.close else ""
        super().__init__(f"no item carries category {term!r} (GET /api/v1/categories lists them; "
                         f"'field:value' names the field){hint}")


class RWLock:
    """Many readers or one writer; a waiting writer blocks new readers (no starvation)."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._readers = 0
        self._writer = False
        self._waiting_writers = 0

    @contextmanager
    def read(self) -> Iterator[None]:
        with self._cond:
            while self._writer or self._waiting_writers:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                if not self._readers:
                    self._cond.notify_all()

    @contextmanager
    def write(self) -> Iterator[None]:
        with self._cond:
            self._waiting_writers += 1
            while self._writer or self._readers:
                self._cond.wait()
            self._waiting_writers -= 1
            self._writer = True
        try:
            yield
        finally:
            with self._cond:
                self._writer = False
                self._cond.notify_all()


def event_to_interaction(e: EventRow) -> dict[str, Any]:
    """Map an event kind to the one explicit signal the recommender reads.

    like/purchase are positive, dislike negative, rating carries its value, a click is an
    implicit "engaged" signal (weight = value when positive, else 1).
    """
    row: dict[str, Any] = {"user": e.user, "item": e.item, "ts": e.ts}
    if e.kind in ("like", "purchase"):
        row["liked"] = True
    elif e.kind == "dislike":
        row["liked"] = False
    elif e.kind == "rating":
        row["rating"] = float(e.value if e.value is not None else 0.0)
    else:
        row["weight"] = float(e.value) if e.value is not None and e.value > 0 else 1.0
    return row


def event_to_history(item: str, kind: str, value: float | None) -> HistoryEntry:
    r = event_to_interaction(EventRow(user="", item=item, kind=kind, ts=0.0, value=value))
    return HistoryEntry(item=item, rating=r.get("rating"), liked=r.get("liked"),
                        weight=r.get("weight"))


class PrewarmEncoder:
    """Wraps the encoder so texts can be encoded *before* the write lock is taken.

    Encoding a new item's description is the slowest part of adding it; done inside the
    write lock it would stall every reader. The engine encodes the text first (readers keep
    going), parks the vector here, and the recommender's own encode call under the lock
    picks it up instead of running the model again.
    """

    def __init__(self, inner: Encoder, capacity: int = 10_000) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.dim = inner.dim
        self.capacity = capacity
        self._docs: dict[str, np.ndarray] = {}
        self._queries: dict[str, np.ndarray] = {}

    def _park(self, store: dict[str, np.ndarray], texts: list[str], vecs: np.ndarray) -> None:
        for t, v in zip(texts, vecs, strict=True):
            if len(store) >= self.capacity:
                store.pop(next(iter(store)), None)
            store[t] = v

    def prewarm(self, texts: list[str]) -> None:
        todo = [t for t in dict.fromkeys(texts) if t not in self._docs]
        if todo:
            self._park(self._docs, todo, np.asarray(self.inner.encode(todo), dtype=np.float32))

    def prewarm_query(self, texts: list[str]) -> None:
        todo = [t for t in dict.fromkeys(texts) if t not in self._queries]
        if todo:
            self._park(self._queries, todo, self._inner_query(todo))

    def _inner_query(self, texts: list[str]) -> np.ndarray:
        q = getattr(self.inner, "encode_query", None)
        out = q(texts) if q is not None else self.inner.encode(texts)
        return np.asarray(out, dtype=np.float32)

    def _take(self, store: dict[str, np.ndarray], texts: list[str],
              compute: Callable[[list[str]], np.ndarray]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        missing = []
        for i, t in enumerate(texts):
            v = store.pop(t, None)
            if v is None:
                missing.append(i)
            else:
                out[i] = v
        if missing:
            out[missing] = compute([texts[i] for i in missing])
        return out

    def encode(self, texts: list[str], batch_size: int = 64,
               show_progress: bool = False) -> np.ndarray:
        if not self._docs:
            return np.asarray(self.inner.encode(texts, batch_size=batch_size,
                                                show_progress=show_progress), dtype=np.float32)
        return self._take(self._docs, texts, lambda ts: np.asarray(
            self.inner.encode(ts, batch_size=batch_size), dtype=np.float32))

    def encode_query(self, texts: list[str]) -> np.ndarray:
        if not self._queries:
            return self._inner_query(texts)
        return self._take(self._queries, texts, self._inner_query)


@dataclass
class ModelState:
    version: int
    built_at: float
    change_seq: int
    path: str | None


#: what seeds an empty store: item records, or (item records, events)
Seed = Callable[[], "list[dict[str, Any]] | tuple[list[dict[str, Any]], list[EventRow]]"]


class Engine:
    """Serves recommendations from an in-memory model kept in step with a `Store`."""

    def __init__(
        self,
        store: Store,
        config: RecommenderConfig,
        encoder: Encoder | None = None,
        data_dir: str | Path | None = None,
        seed_records: Seed | None = None,
        category_fields: Sequence[str] = ("category", "categories", "genre", "genres"),
        history_limit: int = 200,
        on_change: Callable[[Engine], None] | None = None,
        on_refit: Callable[[], None] | None = None,
        on_events: Callable[[Sequence[EventRow]], None] | None = None,
        fresh_reads: bool = True,
    ) -> None:
        self.store = store
        self.fresh_reads = fresh_reads
        self.config = config
        self.encoder: PrewarmEncoder | None = PrewarmEncoder(encoder) if encoder else None
        self.data_dir = Path(data_dir) if data_dir is not None else None
        self.seed_records = seed_records
        self.category_fields = tuple(category_fields)
        self.history_limit = history_limit
        self.on_change = on_change
        self.on_refit = on_refit
        self.on_events = on_events
        self.lock = RWLock()
        self.rec: Recommender | None = None
        self.applied_seq = 0
        self._local_seqs: set[int] = set()
        self._categories: dict[str, set[str]] = {}  # "value" and "field:value" -> item ids
        self._category_fields: dict[str, set[str]] = {}  # value -> the fields it was seen in
        self.state = ModelState(0, 0.0, 0, None)
        self._refit_thread: threading.Thread | None = None
        # why the last refit failed (None after a success), for GET /models/current; a caller
        # who waited reads its own run's outcome
        self.refit_error: str | None = None
        self._refit_outcomes: dict[threading.Thread, str | None] = {}
        self._refit_lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.events_since_refit = 0
        self.ready = False
        self.start_error: str | None = None  # why a background start failed, for the probes

    # ------------------------------------------------------------------ start-up
    def start(self) -> None:
        """Seed an empty store, load the latest saved model (or build one), replay the rest."""
        if self.store.count_items() == 0 and self.seed_records is not None:
            seeded = self.seed_records()
            records, events = seeded if isinstance(seeded, tuple) else (seeded, [])
            if records:
                self.store.upsert_items([ItemRow(str(r["id"]), _fields(r)) for r in records])
            if events:
                users = sorted({e.user for e in events})
                self.store.upsert_users([UserRow(u) for u in users])
                for k in range(0, len(events), 50_000):
                    self.store.add_events(events[k : k + 50_000])
            log.info("seeded store", extra={"items": len(records), "events": len(events)})
        loaded = False
        mv = self.store.latest_model_version()
        if mv is not None and Path(mv.path).exists():
            try:
                rec = Recommender.load(mv.path, self.encoder)
                self._install(rec, ModelState(mv.version, mv.created_at, mv.change_seq, mv.path))
                loaded = True
                log.info("loaded saved model", extra={"version": mv.version, "path": mv.path})
            except Exception:  # an unreadable snapshot must not stop the service: rebuild
                log.exception("could not load saved model; rebuilding from the store")
        if not loaded:
            rec, seq = self._build_from_store()
            self._install(rec, ModelState(self.state.version, time.time(), seq, None))
        with self.lock.write():
            self._catch_up_locked()
        self._warm_up()
        self.ready = True

    def _warm_up(self) -> None:
        """Answer one text request before reporting ready.

        The first one-text encode of a process builds its one-thread ONNX session and the first
        ranking draws the catalogue sample; left to the first visitor, that cost ~1.5 s while
        requests queued behind it (the load test's p99 at 200 req/s, measured). A failure here
        is logged, never fatal: the real first request will meet the same error, clearly."""
        if self.encoder is None or not len(self._rec.catalog):
            return
        try:
            with self.lock.read():
                self._rec.recommend(UserContext(text="warming up the text path"), n=1)
        except Exception:
            log.exception("warm-up request failed")

    def _install(self, rec: Recommender, state: ModelState) -> None:
        with self.lock.write():
            self.rec = rec
            self.state = state
            self.applied_seq = state.change_seq
            self._local_seqs = {s for s in self._local_seqs if s > state.change_seq}
            self._rebuild_categories()

    def _build_from_store(self) -> tuple[Recommender, int]:
        """A fresh model from the store as of change `seq` (returned with it)."""
        seq = self.store.last_seq()  # read first: tables then hold state >= seq
        items = [it for it in self.store.iter_items() if self._servable(it.id, it.fields)]
        catalog = Catalog.from_records([{"id": it.id, **it.fields} for it in items])
        users = UserTable()
        for u in self.store.iter_users():
            users.add(u.id, u.attributes, u.text)
        known = set(catalog.ids)
        rows = [event_to_interaction(e) for e in self.store.iter_events()
                if e.seq <= seq and e.item in known]
        import pandas as pd

        df = pd.DataFrame(rows) if rows else None
        rec = Recommender.build(catalog, df, users, self.config, encoder=self.encoder)
        return rec, seq

    @staticmethod
    def _servable(item_id: str, fields: dict[str, Any]) -> bool:
        """Whether the model can take a stored item. The API refuses such writes; a store
        written before it did (or by hand) may still hold one, and one bad row must not stop
        every refit and start, so it is left out of the model, logged, and left in the store
        for its owner to delete."""
        # only what the model refuses: a padded id written by an earlier version still serves
        problem = ("a blank id" if not item_id.strip() else
                   "an 'id' inside its fields" if "id" in fields else None)
        if problem is not None:
            log.error("stored item left out of the model", extra={"item": item_id, "problem": problem})
        return problem is None

    def start_background(self, sync_interval_s: float, refit_interval_s: float) -> None:
        """Follower thread (other processes' writes) and optional periodic refit."""
        t = threading.Thread(target=self._follow, args=(sync_interval_s,), daemon=True,
                             name="dayone-follow")
        t.start()
        self._threads.append(t)
        if refit_interval_s > 0:
            r = threading.Thread(target=self._periodic_refit, args=(refit_interval_s,),
                                 daemon=True, name="dayone-refit-timer")
            r.start()
            self._threads.append(r)

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=5)
        if self._refit_thread is not None:
            self._refit_thread.join(timeout=60)

    def _follow(self, interval: float) -> None:
        waiter = getattr(self.store, "wait_for_change", None)
        while not self._stop.is_set():
            try:
                if waiter is not None:
                    waiter(interval)
                else:
                    self._stop.wait(interval)
                if self._stop.is_set():
                    break
                if self.store.last_seq() > self.applied_seq:
                    with self.lock.write():
                        self._catch_up_locked()
            except Exception:  # keep following; the next round retries
                log.exception("applying changes from the store failed")
                self._stop.wait(interval)

    def _periodic_refit(self, interval: float) -> None:
        while not self._stop.wait(interval):
            if self.events_since_refit > 0:
                try:
                    self.refit(wait=True)
                except Exception:
                    log.exception("periodic refit failed")

    # ------------------------------------------------------------------ change log
    def _catch_up_locked(self) -> int:
        """Apply every store change after `applied_seq` not applied by this process."""
        applied = 0
        while True:
            changes = self.store.changes_since(self.applied_seq, limit=5000)
            if not changes:
                break
            self._apply_changes(changes)
            applied += len(changes)
        return applied

    def _apply_changes(self, changes: Sequence[Change]) -> None:
        rec = self._rec
        upserts: dict[str, dict[str, Any]] = {}
        events: list[dict[str, Any]] = []

        def flush() -> None:
            for i in [i for i, f in upserts.items() if not self._servable(i, f)]:
                del upserts[i]
            if upserts:
                rec.add_items([{"id": i, **f} for i, f in upserts.items()])
                for i, f in upserts.items():
                    self._index_categories(i, f)
                upserts.clear()
            if events:
                known = [e for e in events if e["item"] in rec.catalog]
                if known:
                    rec.add_interactions(known)
                events.clear()

        for c in changes:
            if c.seq in self._local_seqs:
                self._local_seqs.discard(c.seq)
            elif c.kind == "item_upsert":
                if events:
                    flush()
                upserts[c.entity_id] = c.payload["fields"]
            elif c.kind == "event":
                if upserts:
                    flush()
                p = c.payload
                events.append(event_to_interaction(
                    EventRow(p["user"], p["item"], p["kind"], p["ts"], p.get("value"))))
            else:
                flush()
                if c.kind == "item_delete":
                    rec.remove_items([c.entity_id])
                    self._unindex_categories(c.entity_id)
                elif c.kind == "user_upsert":
                    rec.add_user(c.entity_id, c.payload.get("attributes") or {},
                                 c.payload.get("text"))
                elif c.kind == "user_delete":
                    _forget_user(rec, c.entity_id)
            self.applied_seq = max(self.applied_seq, c.seq)
        flush()

    # ------------------------------------------------------------------ helpers
    @property
    def _rec(self) -> Recommender:
        if self.rec is None:
            raise RuntimeError("the model is not loaded yet")
        return self.rec

    def _category_values(self, fields: dict[str, Any]) -> set[tuple[str, str]]:
        """(field, value) pairs of the item's category fields, values lower-cased."""
        out: set[tuple[str, str]] = set()
        for key in self.category_fields:
            v = fields.get(key)
            parts = [v] if isinstance(v, str) else [str(p) for p in v] if isinstance(v, list) else []
            for p in parts:
                out.update((key.lower(), x.strip().lower()) for x in p.split("|") if x.strip())
        return out

    def _index_categories(self, item_id: str, fields: dict[str, Any]) -> None:
        """Each value is filed twice: bare ("es": in any category field) and qualified by its
        field ("language:es"), so a filter can say which field it means."""
        self._unindex_categories(item_id)
        for key, value in self._category_values(fields):
            self._categories.setdefault(value, set()).add(item_id)
            self._categories.setdefault(f"{key}:{value}", set()).add(item_id)
            self._category_fields.setdefault(value, set()).add(key)

    def _unindex_categories(self, item_id: str) -> None:
        for members in self._categories.values():
            members.discard(item_id)

    def _rebuild_categories(self) -> None:
        self._categories = {}
        self._category_fields = {}
        rec = self._rec
        for item_id in rec.catalog.ids:
            self._index_categories(item_id, rec.catalog.fields(item_id))

    def categories(self) -> list[tuple[str, int, list[str]]]:
        """(value, items carrying it, the fields it appears in), for the bare values."""
        with self.lock.read():
            out = []
            for value, fields in sorted(self._category_fields.items()):
                members = self._categories.get(value, set())
                if members:
                    live = sorted(f for f in fields if self._categories.get(f"{f}:{value}"))
                    out.append((value, len(members), live))
            return out

    # ------------------------------------------------------------------ writes
    def _prewarm_items(self, rows: Sequence[ItemRow]) -> None:
        if self.encoder is not None and len(rows) <= 256:
            # the descriptions, and the field values no item had yet (`index/field_values.py`)
            known = self._rec.field_values
            fresh = [v for r in rows for v in values_of(r.fields, known.skipped) if v not in known]
            self.encoder.prewarm([self._rec.describe_item(r.fields) for r in rows] + fresh)

    def _prewarm_users(self, users: Sequence[UserRow]) -> None:
        texts = [q for u in users if u.text for q in self._rec.texts_to_encode(u.attributes, u.text)]
        if self.encoder is not None and texts and len(texts) <= 256:
            self.encoder.prewarm_query(texts)

    @staticmethod
    def _item_rows(records: Sequence[dict[str, Any]]) -> list[ItemRow]:
        rows = [ItemRow(str(r["id"]), _fields(r)) for r in records]
        # the store is written before the model takes the items, so what the model would
        # refuse must be refused here: a stored item the model refuses breaks every later
        # refit and restart
        for n, r in enumerate(rows, start=1):
            problem = id_problem(r.id)
            if problem is not None:
                raise DataError(f"item id {r.id!r}: {problem}", row=n, field="id")
            if "id" in r.fields:
                raise DataError("'id' is the item's id, not one of its fields", row=n, field="fields.id")
        return rows

    def create_item(self, record: dict[str, Any]) -> int | None:
        """Add an item whose id is new; None (nothing written) when the id exists, in this
        process or any other sharing the store."""
        (row,) = self._item_rows([record])
        self._prewarm_items([row])
        with self.lock.write():
            seq = self.store.insert_item(row)
            if seq is None:
                return None
            self._mark_local([seq])
            self._rec.add_items([{"id": row.id, **row.fields}])
            self._index_categories(row.id, row.fields)
        self._changed()
        return seq

    def upsert_items(self, records: Sequence[dict[str, Any]]) -> tuple[list[str], int]:
        rows = self._item_rows(records)
        self._prewarm_items(rows)  # the slow part, outside the write lock
        with self.lock.write():
            seqs = self.store.upsert_items(rows)
            self._mark_local(seqs)
            self._rec.add_items([{"id": r.id, **r.fields} for r in rows])
            for r in rows:
                self._index_categories(r.id, r.fields)
        self._changed()
        return [r.id for r in rows], max(seqs)

    def delete_items(self, ids: Sequence[str]) -> tuple[list[str], int]:
        with self.lock.write():
            gone = self.store.delete_items(ids)
            self._rec.remove_items(gone)
            for i in gone:
                self._unindex_categories(i)
            # the delete's change-log entries replay idempotently; catching up moves
            # applied_seq past them (and past anything another process wrote meanwhile)
            self._catch_up_locked()
            seq = self.applied_seq
        self._changed()
        return gone, seq

    def upsert_users(self, users: Sequence[UserRow]) -> tuple[list[str], int]:
        self._prewarm_users(users)
        with self.lock.write():
            seqs = self.store.upsert_users(users)
            self._mark_local(seqs)
            for u in users:
                self._rec.add_user(u.id, u.attributes, u.text)
        self._changed()
        return [u.id for u in users], max(seqs)

    def create_user(self, user: UserRow) -> int | None:
        """Add a user whose id is new; None (nothing written) when the id exists."""
        self._prewarm_users([user])
        with self.lock.write():
            seq = self.store.insert_user(user)
            if seq is None:
                return None
            self._mark_local([seq])
            self._rec.add_user(user.id, user.attributes, user.text)
        self._changed()
        return seq

    def delete_users(self, ids: Sequence[str]) -> list[str]:
        with self.lock.write():
            gone = self.store.delete_users(ids)
            for u in gone:
                _forget_user(self._rec, u)
            self._catch_up_locked()
        self._changed()
        return gone

    def add_events(self, events: Sequence[EventRow]) -> list[int]:
        """Store events, then fold them into the users' profiles before returning.

        Unknown items are refused (NotFound) before anything is written; unknown users are
        created with an empty profile, as an anonymous visitor becomes a known user.
        """
        with self.lock.write():
            rec = self._rec
            missing = sorted({e.item for e in events if e.item not in rec.catalog})
            if missing:
                self._catch_up_locked()  # another process may have just added them
                missing = [i for i in missing if i not in rec.catalog]
                if missing:
                    raise NotFound("item", missing)
            new_users = sorted({e.user for e in events if e.user not in rec.users})
            new_users = [u for u in new_users if self.store.get_user(u) is None]
            if new_users:
                useqs = self.store.upsert_users([UserRow(u) for u in new_users])
                self._mark_local(useqs)
                for u in new_users:
                    rec.add_user(u)
            seqs = self.store.add_events(events)
            self._mark_local(seqs)
            rec.add_interactions([event_to_interaction(e) for e in events])
            self.events_since_refit += len(events)
        if self.on_events is not None:
            self.on_events(events)
        self._changed()
        return seqs

    def _mark_local(self, seqs: Iterable[int]) -> None:
        """Remember changes this process applied itself; when they directly follow
        `applied_seq` (always, for a single process) advance it so the follower has nothing
        to skip."""
        self._local_seqs.update(seqs)
        while self.applied_seq + 1 in self._local_seqs:
            self.applied_seq += 1
            self._local_seqs.discard(self.applied_seq)

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change(self)

    # ------------------------------------------------------------------ reads
    def sync_if_behind(self) -> None:
        """Apply other processes' writes before a read, so a client that wrote through one API
        process and reads through another sees its write (read-your-writes).

        One indexed `MAX(seq)` query per read; the follower thread alone would leave a gap of
        up to `sync_interval_s`, longer than "recommendable as soon as the call returns".
        """
        if self.fresh_reads and self.store.last_seq() > self.applied_seq:
            with self.lock.write():
                self._catch_up_locked()

    def user_context(self, user_id: str) -> UserContext:
        """A known user's profile and recent history as the recommender's request context.

        Built here rather than by passing `user_id` so deleted items drop out of the history
        and the history length stays bounded.
        """
        rec = self._rec
        profile = rec.users.get(user_id)
        history = rec.histories.get(user_id, [])
        if profile is None and not history:
            raise NotFound("user", [user_id])
        kept = [h for h in history if h.item in rec.index][-self.history_limit :]
        return UserContext(
            text=profile.text if profile else None,
            attributes=dict(profile.attributes) if profile else {},
            history=kept,
        )

    def session_context(self, text: str | None, attributes: dict[str, Any],
                        items: Iterable[tuple[str, str, float | None]]) -> UserContext:
        rec = self._rec
        picked = list(items)
        missing = [i for i, _, _ in picked if i not in rec.catalog]
        if missing:
            raise NotFound("item", missing)
        return UserContext(text=text, attributes=attributes,
                           history=[event_to_history(i, k, v) for i, k, v in picked])

    def _candidates(self, category: str | Sequence[str] | None,
                    candidates: Sequence[str] | None) -> list[str] | None:
        """The items a filter leaves: `candidates` if given, carrying *every* category term
        (a bare value in any category field, or "field:value" in that field)."""
        rec = self._rec
        pool: list[str] | None = None
        if candidates is not None:
            missing = [c for c in candidates if c not in rec.catalog]
            if missing:
                raise NotFound("item", missing)
            pool = list(dict.fromkeys(candidates))
        terms = [category] if isinstance(category, str) else list(category or ())
        for term in terms:
            key = term.strip().lower()
            members = self._categories.get(key)
            if not members:
                raise UnknownCategory(term, self._category_hint(key))
            pool = sorted(members) if pool is None else [c for c in pool if c in members]
        return pool

    def _category_hint(self, key: str) -> list[str]:
        """Known category terms closest to a term no item carries (a typo, usually)."""
        import difflib

        live = [k for k, m in self._categories.items() if m]
        return difflib.get_close_matches(key, live, n=3, cutoff=0.6)

    def recommend(
        self,
        context: UserContext | Callable[[], UserContext],
        n: int = 10,
        exclude: Sequence[str] = (),
        exclude_seen: bool = True,
        category: str | Sequence[str] | None = None,
        candidates: Sequence[str] | None = None,
    ) -> tuple[list[Recommendation], int]:
        self.sync_if_behind()
        with self.lock.read():
            ctx = context() if callable(context) else context
            pool = self._candidates(category, candidates)
            if pool is not None and not pool:
                return [], self.state.version
            try:
                recs = self._rec.recommend(ctx, n=n, candidates=pool, exclude=list(exclude),
                                           exclude_history=exclude_seen)
            except UnknownItemError as e:
                raise NotFound("item", e.ids) from e
            return recs, self.state.version

    def explain(self, context: UserContext | Callable[[], UserContext],
                item_id: str) -> tuple[Recommendation, int | None, int]:
        """The item's score and reason, plus its 1-based rank among all items (None when it is
        already in the history, or, with HNSW retrieval, not among the retrieved candidates)."""
        self.sync_if_behind()
        with self.lock.read():
            rec = self._rec
            if item_id not in rec.catalog:
                raise NotFound("item", [item_id])
            ctx = context() if callable(context) else context
            seen = {h.item for h in ctx.history}
            rank: int | None = None
            one: Recommendation | None = None
            if item_id not in seen:
                # score and reason as the list would show them, and the rank among all items:
                # scores are relative to the candidate set, so both come from the full ranking
                full = rec.recommend(ctx, n=len(rec.catalog), exclude_history=True)
                for k, r in enumerate(full):
                    if r.item == item_id:
                        rank, one = k + 1, r
                        break
            if one is None:  # already seen: explain it on its own
                one = rec.explain(ctx, item_id)
            return one, rank, self.state.version

    def predict_likes(self, context: Callable[[], UserContext],
                      item_ids: Sequence[str]) -> tuple[list[LikePrediction], int]:
        """Yes/no answers for a context (`Recommender.predict_likes`) and the model version."""
        self.sync_if_behind()
        with self.lock.read():
            rec = self._rec
            missing = [i for i in dict.fromkeys(item_ids) if i not in rec.catalog]
            if missing:
                raise NotFound("item", missing)
            return rec.predict_likes(context(), item_ids), self.state.version

    def similar_items(self, item_id: str, n: int, exclude: Sequence[str] = (),
                      category: Sequence[str] | None = None) -> tuple[list[Recommendation], int]:
        self.sync_if_behind()
        with self.lock.read():
            rec = self._rec
            if item_id not in rec.catalog:
                raise NotFound("item", [item_id])
            pool = self._candidates(category, None)
            if pool is None:
                return rec.similar_items(item_id, n=n, exclude=list(exclude)), self.state.version
            # the whole ranking, then the filter: "similar" scores every item anyway
            keep = set(pool)
            ranked = rec.similar_items(item_id, n=len(rec.catalog), exclude=list(exclude))
            return [r for r in ranked if r.item in keep][:n], self.state.version

    def similar_to_text(self, text: str, n: int, category: Sequence[str] | None = None
                        ) -> tuple[list[Recommendation], int]:
        """Items matching a free-text query: a visitor who typed only this text."""
        self.sync_if_behind()
        with self.lock.read():
            pool = self._candidates(category, None)
            return self._rec.recommend(UserContext(text=text), n=n, candidates=pool), self.state.version

    def users_for_item(self, item_id: str, n: int) -> tuple[list[UserMatch], int]:
        self.sync_if_behind()
        with self.lock.read():
            rec = self._rec
            if item_id not in rec.catalog:
                raise NotFound("item", [item_id])
            return rec.users_for_item(item_id, n=n), self.state.version

    def title(self, item_id: str) -> str | None:
        rec = self._rec
        return rec.catalog.title(item_id) if item_id in rec.catalog else None

    def has_item(self, item_id: str) -> bool:
        return item_id in self._rec.catalog

    def counts(self) -> dict[str, int]:
        with self.lock.read():
            rec = self._rec
            return {"items": len(rec.catalog), "users": len(set(rec.users.ids) | set(rec.histories)),
                    "events": len(rec.interactions)}

    # ------------------------------------------------------------------ refit
    @property
    def refitting(self) -> bool:
        return self._refit_thread is not None and self._refit_thread.is_alive()

    def refit(self, wait: bool = False) -> bool:
        """Rebuild the learned parts in the background and swap the model atomically.

        Returns False when a refit is already running (this call then joins it if `wait`).
        With `wait`, a failed refit raises `RefitFailed` (the previous model keeps serving).
        """
        with self._refit_lock:
            if self.refitting:
                started = False
            else:
                self._refit_thread = threading.Thread(target=self._refit_run, daemon=True,
                                                      name="dayone-refit")
                # outcomes are kept for the runs a waiter may still be reading
                for old_thread in [t for t in self._refit_outcomes if not t.is_alive()][:-4]:
                    del self._refit_outcomes[old_thread]
                self._refit_thread.start()
                started = True
            thread = self._refit_thread
        if wait and thread is not None:
            thread.join()
            # this run's own outcome: `refit_error` may already speak of a later run
            error = self._refit_outcomes.get(thread)
            if error is not None:
                raise RefitFailed(error)
        return started

    def snapshot(self) -> int | None:
        """Save the serving model as a model version (what sibling processes start from)."""
        with self.lock.read():
            saved = self._save_snapshot(self._rec, self.applied_seq)
        return None if saved is None else saved[0]

    def _save_snapshot(self, rec: Recommender, seq: int) -> tuple[int, str] | None:
        if self.data_dir is None:
            return None
        # one folder per process: sibling API processes refit on their own and must never
        # overwrite a snapshot another one is loading
        target = self.data_dir / "models" / f"v{seq:012d}-p{os.getpid()}"
        try:
            if target.exists():
                shutil.rmtree(target)
            rec.save(str(target))
            mv = self.store.add_model_version(
                seq, str(target), {"n_items": len(rec.catalog), "n_events": len(rec.interactions)})
            return mv.version, str(target)
        except (ImportError, NotImplementedError, OSError, DataError) as e:
            log.warning("model snapshot not saved", extra={"error": str(e)})
            return None

    def _refit_run(self) -> None:
        t0 = time.perf_counter()
        swapped = False
        try:
            self.events_since_refit = 0
            rec, seq = self._build_from_store()  # the old model keeps serving meanwhile
            version = self.state.version + 1
            path: str | None = None
            saved = self._save_snapshot(rec, seq)
            if saved is not None:
                version, path = saved
            with self.lock.write():
                old_rec, self.rec = self.rec, rec
                self.applied_seq = seq
                # changes this process applied itself after `seq` are *not* in the new model
                self._local_seqs = set()
                try:
                    self._catch_up_locked()
                except Exception:
                    self.rec = old_rec  # never serve a half-replayed model
                    raise
                self.state = ModelState(version, time.time(), seq, path)
                self._rebuild_categories()
            swapped = True
            log.info("refit done", extra={"version": version, "change_seq": seq,
                                          "seconds": round(time.perf_counter() - t0, 3)})
            self._refit_outcomes[threading.current_thread()] = self.refit_error = None
            if self.on_refit is not None:
                self.on_refit()
            self._changed()
        except Exception as exc:
            if swapped:  # the new model serves; only what follows the swap failed
                log.exception("after a refit", extra={"version": self.state.version})
                return
            # the type and the first line: enough to act on, without a driver's whole story
            error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:300] if str(exc) else ''}"
            self._refit_outcomes[threading.current_thread()] = self.refit_error = error
            log.exception("refit failed; the previous model keeps serving")


class RefitFailed(RuntimeError):
    """A refit the caller waited for failed; the previous model keeps serving."""


def _forget_user(rec: Recommender, user_id: str) -> None:
    """Drop a deleted user's profile from the model (their events stay for population stats)."""
    rec.users._users.pop(user_id, None)
    rec.histories.pop(user_id, None)
    if user_id in rec.user_index:
        rec.user_index.remove([user_id])


def _fields(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != "id"}
