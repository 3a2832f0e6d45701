"""What we know about a user at request time: any mix of words, attributes and picks."""

from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class HistoryEntry(BaseModel):
    """One known interaction. Give at most one explicit signal; none means "engaged with it"."""

    model_config = ConfigDict(extra="forbid")
    item: str = Field(min_length=1)
    rating: float | None = None
    liked: bool | None = None
    weight: float | None = Field(default=None, ge=0)
    ts: float | None = None

    @field_validator("rating", "weight", "ts")
    @classmethod
    def _finite(cls, v: float | None) -> float | None:
        if v is not None and not math.isfinite(v):
            raise ValueError("must be a finite number")
        return v


class UserContext(BaseModel):
    """The request-side description of a user; every part is optional.

    `user_id` links to a known user whose stored profile and history are merged in; the other
    fields describe a brand-new visitor directly.
    """

    model_config = ConfigDict(extra="forbid")
    user_id: str | None = None
    text: str | None = Field(default=None, max_length=5000)
    attributes: dict[str, Any] = Field(default_factory=dict)
    history: list[HistoryEntry] = Field(default_factory=list, max_length=10000)

    @field_validator("attributes")
    @classmethod
    def _scalar_attributes(cls, v: dict[str, Any]) -> dict[str, Any]:
        for key, value in v.items():
            if not isinstance(value, str | int | float | bool) and value is not None:
                raise ValueError(f"attribute {key!r} must be a string, number or boolean")
        return v

    @model_validator(mode="after")
    def _strip(self) -> UserContext:
        if self.text is not None and not self.text.strip():
            self.text = None
        return self

    @property
    def is_empty(self) -> bool:
        return not (self.text or self.attributes or self.history or self.user_id)
