"""Durable stores behind one `Store` protocol: embedded SQLite (default) and PostgreSQL."""

from __future__ import annotations

from dayone.storage.base import (
    EVENT_KINDS,
    Change,
    EventRow,
    ItemRow,
    ModelVersion,
    Store,
    UserRow,
    text_key,
)
from dayone.storage.sqlite import SqliteStore


def open_store(url: str, sqlite_synchronous: str = "NORMAL") -> Store:
    """Open a store from a URL: ``sqlite:///path/to.db``, ``sqlite://:memory:`` or a
    ``postgresql://`` DSN. One entry point keeps the backend a pure setting."""
    if url.startswith(("postgresql://", "postgres://")):
        from dayone.storage.postgres import PostgresStore

        return PostgresStore(url)
    if url.startswith("sqlite://"):
        rest = url[len("sqlite://") :]
        path = rest[1:] if rest.startswith("/") and not rest.startswith("//") else rest
        if rest.startswith("//"):
            path = rest[1:]  # sqlite:////abs/path -> /abs/path
        return SqliteStore(path or ":memory:", synchronous=sqlite_synchronous)
    raise ValueError(f"unknown store URL {url!r}: use sqlite:///file.db or postgresql://...")


__all__ = [
    "EVENT_KINDS", "Change", "EventRow", "ItemRow", "ModelVersion", "SqliteStore", "Store",
    "UserRow", "open_store", "text_key",
]
