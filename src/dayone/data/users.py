"""User profiles known before any interaction: attributes given at sign-up and free text."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass
class UserProfile:
    """What a user told us about themselves; interactions live elsewhere."""

    id: str
    attributes: dict[str, Any] = field(default_factory=dict)
    text: str | None = None


class UserTable:
    """Profiles by external user id, in insertion order."""

    def __init__(self) -> None:
        self._users: dict[str, UserProfile] = {}

    def add(self, user_id: str, attributes: dict[str, Any] | None = None, text: str | None = None) -> None:
        self._users[user_id] = UserProfile(user_id, dict(attributes or {}), text)

    def get(self, user_id: str) -> UserProfile | None:
        return self._users.get(user_id)

    @property
    def ids(self) -> list[str]:
        return list(self._users)

    def records(self) -> list[dict[str, Any]]:
        return [{"id": u.id, "attributes": u.attributes, "text": u.text} for u in self._users.values()]

    @classmethod
    def from_records(cls, records: list[dict[str, Any]]) -> UserTable:
        table = cls()
        for rec in records:
            table.add(str(rec["id"]), rec.get("attributes") or {}, rec.get("text"))
        return table

    def __contains__(self, user_id: object) -> bool:
        return user_id in self._users

    def __len__(self) -> int:
        return len(self._users)

    def __iter__(self) -> Iterator[UserProfile]:
        return iter(self._users.values())
