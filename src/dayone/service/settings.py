"""Service settings: environment variables (prefix ``DAYONE_``) over a TOML config file.

Precedence, highest first: explicit arguments, environment, the config file, defaults. An
unknown key in the config file is an error, so a typo never silently falls back to a default.
`dayone serve --write-config FILE` writes a config file with every default commented.
"""

from __future__ import annotations

import math
import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Scope = Literal["read", "write"]


class Settings(BaseSettings):
    """Everything the service reads at start-up."""

    model_config = SettingsConfigDict(env_prefix="DAYONE_", extra="forbid", validate_default=True)

    # where state lives ---------------------------------------------------------------------
    store_url: str = Field(
        default="sqlite:///dayone-data/dayone.db",
        description="sqlite:///relative.db, sqlite:////absolute.db, sqlite://:memory: or a "
        "postgresql:// DSN shared by several API processes",
    )
    data_dir: Path = Field(default=Path("dayone-data"), description="saved model versions go here")
    sqlite_synchronous: Literal["NORMAL", "FULL"] = Field(
        default="NORMAL",
        description="NORMAL survives a crash/kill -9 of the process; FULL also survives power "
        "loss (an fsync per write)",
    )
    # what is served ------------------------------------------------------------------------
    catalog: str = Field(
        default="demo",
        description="seed catalogue used when the store has no items: 'demo' (the embedded "
        "demo catalogue), 'none', or a CSV/JSONL/Parquet file with an 'id' column",
    )
    encoder: str = Field(default="default", description="encoder name (see dayone.encoders.get_encoder)")
    domain: str = Field(default="", description="description templates: generic, movie, product, music, "
                        "news; default movie for the demo catalogue (films), generic otherwise")
    language: str = Field(default="en", description="description template language: en or zh")
    index: Literal["exact", "hnsw", "auto"] = Field(
        default="auto", description="vector index: exact scan, HNSW, or HNSW from hnsw_threshold items on"
    )
    hnsw_threshold: int = Field(default=200_000, ge=1, description="catalogue size where 'auto' "
                                "switches to HNSW candidate retrieval")
    popularity_half_life_days: float | Literal["auto"] = Field(
        default=0.0, description="rank popularity by recent positive interactions: one counts half as "
        "much after this many days, or 'auto' to choose it from the log's own past; 0 counts all alike")

    @field_validator("popularity_half_life_days")
    @classmethod
    def _half_life(cls, v: float | str) -> float | str:
        if isinstance(v, float | int) and v < 0:
            raise ValueError("must be >= 0 days (0: off) or 'auto'")
        return v
    @field_validator("rating_range")
    @classmethod
    def _rating_range_ordered(cls, v: tuple[float, float]) -> tuple[float, float]:
        lo, hi = v
        if not (math.isfinite(lo) and math.isfinite(hi)) or lo >= hi:
            raise ValueError(f"must be [lowest, highest] with lowest < highest, got {list(v)}")
        return v

    category_fields: list[str] = Field(
        default=["category", "categories", "genre", "genres"],
        description="item fields whose values a `category` filter matches ('|'-separated "
        "strings and lists both work)",
    )
    # online learning -----------------------------------------------------------------------
    refit_interval_s: float = Field(
        default=0.0, ge=0, description="refit the learned parts in the background every N seconds "
        "when new events arrived (0 = only on POST /api/v1/models/refit)",
    )
    sync_interval_s: float = Field(
        default=0.5, gt=0, description="how often to apply other processes' writes from the shared "
        "store's change log (PostgreSQL waits on NOTIFY up to this long)",
    )
    rating_range: tuple[float, float] = Field(
        default=(0.0, 10.0), description="the lowest and highest rating an event may carry "
        "(inclusive); a rating outside is refused with 422, since one stray 99 on a 1-5 scale "
        "skews that user's profile and the item's average for good. Set it to your scale, e.g. "
        "[1, 5]",
    )
    start_in_background: bool = Field(
        default=True, description="open the port before the model is loaded: /health/live "
        "answers at once, /health/ready and the API answer 503 until it is (a first build on a "
        "large catalogue takes minutes); false = serve nothing until then",
    )
    history_limit: int = Field(default=200, ge=1, description="most recent events used per user profile")
    workers: int = Field(
        default=1, ge=1, le=64, description="API processes sharing the store and the port; each "
        "holds its own model and applies the others' writes before every read (read-your-writes)",
    )
    fresh_reads: bool = Field(
        default=True, description="before each read, apply writes other processes made (one "
        "indexed query); off = only the follower thread, every sync_interval_s",
    )
    blas_threads: int = Field(
        default=1, ge=1, le=256, description="BLAS threads per process. Requests are served "
        "concurrently, so one thread each is fastest: a multi-threaded matrix-vector product "
        "waits for busy cores (5.4x slower with two busy processes on 2 cores: "
        "benchmarks/blas_threads.py --busy 2)",
    )
    # HTTP ----------------------------------------------------------------------------------
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    api_keys: dict[str, Scope] = Field(
        default_factory=dict,
        description="key -> 'read' | 'write'. Empty = the API is open (no key needed). A write "
        "key can also read. Send as 'X-API-Key: KEY' or 'Authorization: Bearer KEY'.",
    )
    max_body_bytes: int = Field(default=1_048_576, ge=1024, description="larger request bodies get 413")
    max_batch: int = Field(default=1000, ge=1, description="most records in one batch call")
    log_level: str = "INFO"
    log_json: bool = True

    @model_validator(mode="after")
    def _domain_follows_the_catalogue(self) -> Settings:
        """The demo catalogue is films: described with the movie template (as `dayone demo`
        does) unless a domain is given."""
        if not self.domain:
            self.domain = "movie" if self.catalog == "demo" else "generic"
        return self

    @field_validator("log_level")
    @classmethod
    def _level(cls, v: str) -> str:
        v = v.upper()
        if v not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("log_level must be DEBUG, INFO, WARNING or ERROR")
        return v


def load_settings(config_file: str | Path | None = None, **overrides: Any) -> Settings:
    """Settings from env + an optional TOML file (+ explicit overrides, highest).

    A file value is used only where no ``DAYONE_<NAME>`` variable is set, so the environment
    wins over the file as twelve-factor deployments expect.
    """
    file_values: dict[str, Any] = {}
    if config_file is not None:
        path = Path(config_file)
        if not path.is_file():
            raise FileNotFoundError(f"config file not found: {path}")
        try:
            with path.open("rb") as fh:
                file_values = tomllib.load(fh)
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ValueError(f"{path}: not valid TOML: {exc}") from None
        unknown = sorted(set(file_values) - set(Settings.model_fields))
        if unknown:
            raise ValueError(f"{path}: unknown setting(s) {unknown}")
        file_values = {
            k: v for k, v in file_values.items() if f"DAYONE_{k.upper()}" not in os.environ
        }
    try:
        return Settings(**{**file_values, **overrides})
    except ValidationError as exc:
        raise ValueError(_said(exc, file_values, config_file)) from None


def _said(exc: ValidationError, from_file: dict[str, Any], config_file: str | Path | None) -> str:
    """One `where: name: what is wrong` per field, naming the file for values read from it."""
    parts = []
    for e in exc.errors():
        name = ".".join(str(p) for p in e["loc"]) or "settings"
        where = f"{config_file}: " if e["loc"] and e["loc"][0] in from_file else ""
        parts.append(f"{where}{name}: {e['msg']}")
    return "; ".join(parts)


def commented_config() -> str:
    """A TOML config file listing every setting with its default, all commented out."""
    lines = ["# dayone serve configuration. Every line is a default; uncomment to change.",
             "# Environment variables DAYONE_<NAME> override this file.", ""]
    defaults = Settings.model_construct()
    for name, info in Settings.model_fields.items():
        if info.description:
            lines.append(f"# {info.description}")
        value = getattr(defaults, name, info.default)
        lines.append(f"# {name} = {_toml_value(value)}")
        lines.append("")
    return "\n".join(lines)


def _toml_value(v: Any) -> str:
    import json

    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, Path):
        return json.dumps(str(v))
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {json.dumps(x)}" for k, x in v.items()) + " }"
    return json.dumps(v)
