"""The store of record the service writes to before it acknowledges anything.

Why a protocol: the embedded SQLite store serves one process with zero set-up; PostgreSQL lets
several API processes share one store. The service only talks to `Store`, so the backend is a
setting, not a code path.

Every write is one transaction and also appends to a *change log* (`changes_since`). The change
log is how a process rebuilds its in-memory state after a restart (replay what came after the
last saved model version) and how several processes see each other's writes.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np

EventKind = Literal["click", "like", "dislike", "rating", "purchase"]
EVENT_KINDS: tuple[str, ...] = ("click", "like", "dislike", "rating", "purchase")
ChangeKind = Literal["item_upsert", "item_delete", "user_upsert", "user_delete", "event"]


@dataclass(frozen=True)
class ItemRow:
    """One catalogue item as stored: external id plus free-form fields (title, text, category...)."""

    id: str
    fields: dict[str, Any]
    updated_at: float = 0.0


@dataclass(frozen=True)
class UserRow:
    """A user's declared profile: attributes (age band, country...) and optional free text."""

    id: str
    attributes: dict[str, Any] = field(default_factory=dict)
    text: str | None = None
    updated_at: float = 0.0


@dataclass(frozen=True)
class EventRow:
    """One interaction. `value` is the rating for kind == "rating", else None.

    `seq` is the change-log position the store assigned (0 before it is stored).
    """

    user: str
    item: str
    kind: str
    ts: float
    value: float | None = None
    seq: int = 0


@dataclass(frozen=True)
class Change:
    """One change-log entry; `payload` carries what a replaying process needs to apply it."""

    seq: int
    kind: str
    entity_id: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class ModelVersion:
    """A saved model snapshot: where it lives and the change-log position it reflects."""

    version: int
    created_at: float
    change_seq: int
    path: str
    meta: dict[str, Any]


def now() -> float:
    return time.time()


def text_key(text: str) -> str:
    """Key for an embedding of `text`: hashing keeps keys short and the table index small."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def vector_to_bytes(v: np.ndarray) -> bytes:
    return np.asarray(v, dtype="<f4").tobytes()


def bytes_to_vector(b: bytes) -> np.ndarray:
    return np.frombuffer(b, dtype="<f4").copy()


@runtime_checkable
class Store(Protocol):
    """Durable storage for items, users, events, embeddings and model versions.

    A method that writes returns only after its transaction committed: what the service
    acknowledges has been made durable by then. Methods are safe to call from several threads.
    """

    # -- items ------------------------------------------------------------------------------
    def upsert_items(self, items: Sequence[ItemRow]) -> list[int]:
        """Insert or replace items; returns their change-log seqs in input order."""
        ...

    def insert_item(self, item: ItemRow) -> int | None:
        """Insert an item whose id is new; its change-log seq, or None (nothing written) when
        the id exists. Atomic in the database: of racing creators, exactly one wins."""
        ...

    def delete_items(self, ids: Sequence[str]) -> list[str]:
        """Delete the given ids; returns those that existed."""
        ...

    def get_item(self, item_id: str) -> ItemRow | None: ...

    def get_items(self, ids: Sequence[str]) -> dict[str, ItemRow]: ...

    def list_items(self, offset: int = 0, limit: int = 100) -> tuple[list[ItemRow], int]:
        """A page of items ordered by id, plus the total count."""
        ...

    def iter_items(self) -> Iterator[ItemRow]: ...

    def count_items(self) -> int: ...

    # -- users ------------------------------------------------------------------------------
    def upsert_users(self, users: Sequence[UserRow]) -> list[int]: ...

    def insert_user(self, user: UserRow) -> int | None:
        """As `insert_item`, for a user."""
        ...

    def delete_users(self, ids: Sequence[str]) -> list[str]: ...

    def get_user(self, user_id: str) -> UserRow | None: ...

    def list_users(self, offset: int = 0, limit: int = 100) -> tuple[list[UserRow], int]: ...

    def iter_users(self) -> Iterator[UserRow]: ...

    # -- events -----------------------------------------------------------------------------
    def add_events(self, events: Sequence[EventRow]) -> list[int]:
        """Append events; returns their change-log seqs in input order."""
        ...

    def events_for_user(self, user_id: str, limit: int | None = None, skip_recent: int = 0) -> list[EventRow]:
        """The user's events, oldest first: the most recent `limit` (when given) after leaving
        out the `skip_recent` most recent (paging backwards through a long history)."""
        ...

    def count_user_events(self, user_id: str) -> int: ...

    def iter_events(self) -> Iterator[EventRow]: ...

    def count_events(self) -> int: ...

    # -- embeddings -------------------------------------------------------------------------
    def put_embeddings(self, model_id: str, keys: Sequence[str], vectors: np.ndarray) -> None: ...

    def get_embeddings(self, model_id: str, keys: Sequence[str]) -> dict[str, np.ndarray]: ...

    # -- model versions ---------------------------------------------------------------------
    def add_model_version(self, change_seq: int, path: str, meta: dict[str, Any]) -> ModelVersion: ...

    def latest_model_version(self) -> ModelVersion | None: ...

    # -- change log -------------------------------------------------------------------------
    def changes_since(self, seq: int, limit: int = 10_000) -> list[Change]: ...

    def last_seq(self) -> int: ...

    def ping(self) -> bool:
        """Cheap round trip used by /health/ready."""
        ...

    def close(self) -> None: ...
