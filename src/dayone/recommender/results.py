"""Result types: every recommended item says which strategy produced it and why."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Recommendation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    item: str
    score: float
    source: str = Field(description="the strategy that contributed most to this item's score")
    explanation: str
    contributions: dict[str, float] = Field(default_factory=dict)


class UserMatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    user: str
    score: float
    source: str
    explanation: str
