"""Shared fixtures: a tiny catalogue with a known answer, and where ../shared lives."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("DAYONE_SHARED", REPO.parent / "shared"))
needs_shared = pytest.mark.skipif(not SHARED.exists(), reason=f"../shared not present at {SHARED}")

SPACE = ["rocket launch to mars", "space station crew adrift", "alien planet exploration",
         "astronaut lost in orbit", "galaxy war of starships"]
LOVE = ["romance in paris cafe", "wedding love story", "love letters across years",
        "romantic summer by the sea", "first love in high school"]


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never read or write the user's real cache, except the shared model export."""
    monkeypatch.setenv("DAYONE_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "dayone-cache"))


def checkerboard_records() -> list[dict[str, object]]:
    items = [{"id": f"s{i}", "title": t, "genres": ["Sci-Fi"]} for i, t in enumerate(SPACE)]
    items += [{"id": f"l{i}", "title": t, "genres": ["Romance"]} for i, t in enumerate(LOVE)]
    return items


def checkerboard_interactions() -> pd.DataFrame:
    """Users u0-u5 love space and dislike romance; u6-u11 the opposite. s0 and l0 are the hits."""
    rows = []
    for u in range(12):
        fan_of, other = ("s", "l") if u < 6 else ("l", "s")
        for i in range(5):
            if i == 4 and u % 2 == 0:
                continue
            rows.append({"user": f"u{u}", "item": f"{fan_of}{i}", "rating": 5.0, "ts": float(u * 100 + i)})
        rows.append({"user": f"u{u}", "item": f"{other}{u % 5}", "rating": 1.0, "ts": float(u * 100 + 9)})
    return pd.DataFrame(rows)
