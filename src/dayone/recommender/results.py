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
    """A user an item suits (`Recommender.users_for_item`): `score` is the profile similarity,
    or, when the log has taste factors, the sum of the profile's and the taste's z-scores."""

    model_config = ConfigDict(extra="forbid")
    user: str
    score: float
    source: str
    explanation: str


class LikePrediction(BaseModel):
    """A yes/no answer for one item: how likely this user is to like it, and from what."""

    model_config = ConfigDict(extra="forbid")
    item: str
    probability: float = Field(ge=0.0, le=1.0)
    like_rate: float = Field(description="the user's like rate, shrunk towards the population's")
    standing: float = Field(description="share of the catalogue scored below this item for this user")
    crowd: float = Field(0.0, description="log-odds by which the item's liked share among those who have it "
                         "exceeds the log's (0: average, or nobody has it yet)")
    source: str = Field(description="the strategy that placed the item where it stands")
    explanation: str
