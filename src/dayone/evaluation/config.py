"""One pydantic model per protocol, one for the whole run; unknown options fail.

Defaults are chosen so a whole run (four protocols, five baselines plus the dayone strategies)
on a 100k-interaction dataset finishes in a few minutes on two CPU cores: user samples are
capped, the catalogue is encoded once per run, and bootstrap intervals use 1000 resamples.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from dayone.data.errors import DataError

ProtocolName = Literal["new-user", "new-item", "few-shot", "warm"]
ALL_PROTOCOLS: list[ProtocolName] = ["new-user", "new-item", "few-shot", "warm"]


class NewUserConfig(BaseModel):
    """Hold out `fraction` of the users entirely; for each, reveal their first k interactions."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    fraction: float = Field(default=0.2, gt=0, lt=1)
    shots: list[int] = Field(default_factory=lambda: [0, 1, 3, 5, 10])
    max_users: int = Field(
        default=200, ge=1, description="evaluate at most this many held-out users"
    )
    same_users: bool = Field(
        default=False,
        description="only users with more than max(shots) interactions, so every point of the "
        "curve averages the same people",
    )
    n: int = Field(default=100, ge=1, description="list length asked of the system")
    by_time: bool = Field(
        default=False,
        description="hold out the users who arrived last (the latest `fraction` by their first "
        "interaction) and fit only on what happened before the first of them arrived, as a "
        "deployment would; needs timestamps",
    )


class NewItemConfig(BaseModel):
    """Hold out `fraction` of the items with all their interactions; rank them for warm users."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    fraction: float = Field(default=0.2, gt=0, lt=1)
    max_users: int = Field(default=200, ge=1)
    history_max: int | None = Field(
        default=None, ge=1, description="keep only each user's latest interactions in the request"
    )


class FewShotConfig(BaseModel):
    """TALLRec-style binary task: (recent history with like flags, target) -> like or not."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    train_sizes: list[int] = Field(default_factory=lambda: [0, 16, 64, 256])
    history_len: int = Field(
        default=10, ge=1, description="at most this many previous interactions"
    )
    min_history: int = Field(default=3, ge=0)
    per_user: int = Field(default=5, ge=1, description="examples drawn per user")
    max_test: int = Field(default=500, ge=10, description="test examples (held-out users only)")
    negatives: Literal["auto", "labels", "sampled"] = Field(
        default="auto",
        description="labels: negative = non-positive interaction; sampled: negative = a random "
        "item the user never touched; auto: labels when the data has both kinds",
    )
    use_interactions: bool = Field(
        default=False,
        description="let systems fit on the training users' interactions too (TALLRec: no, "
        "only the N labelled examples and the catalogue)",
    )


class WarmConfig(BaseModel):
    """Known users: hold out part of each sampled user's interactions, train on the rest."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    mode: Literal["leave-last-out", "random"] = "leave-last-out"
    test_fraction: float = Field(
        default=0.2, gt=0, lt=1, description="share held out per user (>= 1)"
    )
    max_users: int = Field(default=200, ge=1)
    history_max: int | None = Field(
        default=50, ge=1, description="latest interactions sent in the request"
    )
    n: int = Field(default=100, ge=1)


class EvalConfig(BaseModel):
    """A whole `dayone evaluate` run. JSON-serialisable; saved into report.json."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    seed: int = 0
    protocols: list[ProtocolName] = Field(default_factory=lambda: list(ALL_PROTOCOLS))
    recommender: dict[str, Any] = Field(
        default_factory=dict,
        description="RecommenderConfig settings for the `dayone` strategy, e.g. "
        "{\"handover_replay\": \"latest\"}: evaluate the configuration you would deploy",
    )

    @field_validator("recommender")
    @classmethod
    def _known_recommender_settings(cls, value: dict[str, Any]) -> dict[str, Any]:
        from dayone.recommender.config import RecommenderConfig

        RecommenderConfig.model_validate(value)  # a misspelt setting fails here, named
        return value
    positive_threshold: float | None = Field(
        default=None,
        description="rating >= this is positive (default: top quarter of the scale, 4 on 1-5); "
        "for implicit weights, weight >= this (default: every interaction is positive)",
    )
    metrics: list[str] = Field(
        default_factory=lambda: [
            "recall@10",
            "recall@20",
            "ndcg@10",
            "ndcg@20",
            "mrr",
            "hit@10",
            "auc",
        ]
    )
    new_item_metrics: list[str] = Field(
        default_factory=lambda: ["recall@20", "ndcg@20", "auc", "auc_rated"]
    )
    beyond_k: int = Field(
        default=10, ge=1, description="cut-off for coverage, novelty, diversity, new share"
    )
    new_item_max_interactions: int = Field(
        default=5,
        ge=1,
        description="an item with fewer training interactions counts as new (new_share)",
    )
    group_by: list[str] = Field(
        default_factory=lambda: ["gender", "age_band"],
        description="user attributes for group gaps; age_band is derived from age",
    )
    strategies: list[str] = Field(
        default_factory=lambda: ["all"],
        description="strategy names, or ['all'] = the four baselines plus every dayone strategy "
        "this installation provides (dayone = Recommender, dayone-bench = the bench runner)",
    )
    skip: dict[ProtocolName, list[str]] = Field(
        default_factory=dict,
        description="strategies not to run on a protocol, e.g. {'new-item': ['dayone-bench']} "
        "when one strategy's fit is too slow for the time budget; the report says so",
    )
    encoder: str = Field(
        default="default", description="dayone encoder name for dayone strategies and ILD"
    )
    cache_dir: str | None = Field(
        default=None, description="embedding cache folder (default: the core's)"
    )
    bootstrap: int = Field(default=1000, ge=0)
    new_user: NewUserConfig = Field(default_factory=lambda: NewUserConfig())
    new_item: NewItemConfig = Field(default_factory=lambda: NewItemConfig())
    few_shot: FewShotConfig = Field(default_factory=lambda: FewShotConfig())
    warm: WarmConfig = Field(default_factory=lambda: WarmConfig())

    @classmethod
    def from_file(cls, path: str | Path) -> EvalConfig:
        """The config in a JSON file; every problem names the file (and the setting)."""
        try:
            raw = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise DataError("config file not found", file=str(path)) from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise DataError(f"not valid JSON: {exc}", file=str(path)) from None
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            e = exc.errors()[0]
            where = ".".join(str(p) for p in e["loc"]) or None
            raise DataError(str(e["msg"]), file=str(path), field=where) from None
