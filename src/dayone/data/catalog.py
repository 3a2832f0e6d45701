"""The item catalogue: external string ids mapped to their raw fields.

Items stay as plain field dictionaries because every domain (films, products, songs, news)
carries different fields; the description templates decide which fields matter.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from dayone.data.errors import DataError
from dayone.data.field_roles import title_of


class Catalog:
    """An ordered, id-unique collection of items.

    The insertion order is the row order of every item-aligned array elsewhere (embeddings,
    popularity), so ids map to contiguous integers through `position`.
    """

    def __init__(self) -> None:
        self._ids: list[str] = []
        self._fields: dict[str, dict[str, Any]] = {}
        self._pos: dict[str, int] = {}

    @classmethod
    def from_records(
        cls, records: Iterable[Mapping[str, Any]], id_field: str = "id", source: str = "<records>"
    ) -> Catalog:
        """Build from dicts; a missing or repeated id raises DataError naming the row."""
        cat = cls()
        for row, rec in enumerate(records, start=1):
            if id_field not in rec or rec[id_field] is None or str(rec[id_field]).strip() == "":
                raise DataError("missing item id", file=source, row=row, field=id_field)
            item_id = str(rec[id_field])
            if item_id in cat._pos:
                raise DataError(f"duplicate item id {item_id!r}", file=source, row=row, field=id_field)
            fields = {k: v for k, v in rec.items() if k != id_field}
            cat._append(item_id, fields)
        return cat

    def _append(self, item_id: str, fields: dict[str, Any]) -> None:
        self._pos[item_id] = len(self._ids)
        self._ids.append(item_id)
        self._fields[item_id] = fields

    def upsert(self, item_id: str, fields: Mapping[str, Any]) -> bool:
        """Insert or replace an item; returns True when the id is new."""
        if item_id in self._pos:
            self._fields[item_id] = dict(fields)
            return False
        self._append(item_id, dict(fields))
        return True

    def remove(self, ids: Iterable[str]) -> None:
        """Drop items and renumber positions (callers re-align their arrays)."""
        gone = set(ids)
        self._ids = [i for i in self._ids if i not in gone]
        for i in gone:
            self._fields.pop(i, None)
        self._pos = {item_id: n for n, item_id in enumerate(self._ids)}

    @property
    def ids(self) -> list[str]:
        return list(self._ids)

    def position(self, item_id: str) -> int:
        return self._pos[item_id]

    def get(self, item_id: str) -> dict[str, Any] | None:
        return self._fields.get(item_id)

    def fields(self, item_id: str) -> dict[str, Any]:
        return self._fields[item_id]

    def title(self, item_id: str) -> str:
        """A human label for explanations: the title/name field, else the id."""
        return title_of(self._fields.get(item_id)) or item_id

    def records(self) -> list[dict[str, Any]]:
        return [{"id": i, **self._fields[i]} for i in self._ids]

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._pos

    def __len__(self) -> int:
        return len(self._ids)

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)
