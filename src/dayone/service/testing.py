"""A tiny deterministic set-up for tests and local trials: a 12-item catalogue and an app on
the hashing encoder, so a full API round trip takes milliseconds and needs no model weights."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dayone.encoders import HashingEncoder

TINY_CATALOG: list[dict[str, Any]] = [
    {"id": "m1", "title": "Space Odyssey", "description": "astronauts explore deep space",
     "genres": "Sci-Fi|Adventure"},
    {"id": "m2", "title": "Star Raiders", "description": "space battle between star fleets",
     "genres": "Sci-Fi|Action"},
    {"id": "m3", "title": "Galaxy Kids", "description": "animated children in space",
     "genres": "Animation|Children|Sci-Fi"},
    {"id": "m4", "title": "Paris Love", "description": "a romantic comedy in paris",
     "genres": "Romance|Comedy"},
    {"id": "m5", "title": "Wedding Chaos", "description": "a wedding comedy full of laughs",
     "genres": "Comedy"},
    {"id": "m6", "title": "Heartstrings", "description": "a tender love story drama",
     "genres": "Romance|Drama"},
    {"id": "m7", "title": "Kitchen Secrets", "description": "documentary about chefs cooking",
     "genres": "Documentary"},
    {"id": "m8", "title": "Ocean Deep", "description": "documentary about whales in the ocean",
     "genres": "Documentary"},
    {"id": "m9", "title": "Haunted Manor", "description": "horror ghosts in an old house",
     "genres": "Horror"},
    {"id": "m10", "title": "Night Terror", "description": "horror killer at night",
     "genres": "Horror|Thriller"},
    {"id": "m11", "title": "Toy Friends", "description": "animated toys comedy for children",
     "genres": "Animation|Children|Comedy"},
    {"id": "m12", "title": "Mountain Climb", "description": "adventure climbing a mountain",
     "genres": "Adventure|Drama"},
]


def tiny_settings(tmp: str | Path, **overrides: Any) -> Any:
    from dayone.service.settings import Settings

    tmp = Path(tmp)
    base: dict[str, Any] = {
        "store_url": f"sqlite:///{tmp / 'store.db'}", "data_dir": tmp / "data",
        "encoder": "hashing", "catalog": "none", "log_json": True, "sync_interval_s": 0.05,
        # tests talk to the app the moment it starts; the background start has its own tests
        "start_in_background": False,
    }
    return Settings(**{**base, **overrides})


def tiny_app(tmp: str | Path, **overrides: Any) -> Any:
    """The real app on the tiny catalogue and a 4096-d hashing encoder (wide enough that hash collisions do not reorder the tiny catalogue)."""
    from dayone.service.app import create_app

    return create_app(tiny_settings(tmp, **overrides), encoder=HashingEncoder(4096),
                      seed=lambda: [dict(r) for r in TINY_CATALOG])
