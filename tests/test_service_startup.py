"""Start-up in the background: the port answers liveness while the model loads, readiness and
the API say 503 until it is in, and a failed start is visible to the probes."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from dayone.encoders import HashingEncoder
from dayone.service.app import create_app
from dayone.service.testing import TINY_CATALOG, tiny_settings

SESSION = "/api/v1/recommendations/session"


def _wait_ready(c: TestClient, seconds: float = 30.0) -> int:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        code = c.get("/health/ready").status_code
        if code == 200:
            return code
        time.sleep(0.05)
    return c.get("/health/ready").status_code


def test_liveness_answers_while_the_model_loads(tmp_path: Path) -> None:
    gate = threading.Event()

    def slow_seed() -> list[dict[str, Any]]:
        gate.wait(30)
        return [dict(r) for r in TINY_CATALOG]

    app = create_app(tiny_settings(tmp_path, start_in_background=True),
                     encoder=HashingEncoder(4096), seed=slow_seed)
    with TestClient(app) as c:
        assert c.get("/health/live").status_code == 200
        ready = c.get("/health/ready")
        assert ready.status_code == 503 and ready.json()["detail"]["model_loaded"] is False
        r = c.post(SESSION, json={"context": {"text": "space"}, "n": 2})
        assert r.status_code == 503 and "loading" in r.json()["detail"]
        gate.set()
        assert _wait_ready(c) == 200
        r = c.post(SESSION, json={"context": {"text": "space"}, "n": 2})
        assert r.status_code == 200 and len(r.json()["data"]) == 2


def test_a_failed_start_is_reported_by_both_probes(tmp_path: Path) -> None:
    def broken_seed() -> list[dict[str, Any]]:
        raise RuntimeError("catalogue file vanished")

    app = create_app(tiny_settings(tmp_path, start_in_background=True),
                     encoder=HashingEncoder(64), seed=broken_seed)
    with TestClient(app) as c:
        deadline = time.monotonic() + 30
        while c.get("/health/live").status_code == 200 and time.monotonic() < deadline:
            time.sleep(0.05)
        live = c.get("/health/live")
        assert live.status_code == 503
        assert "catalogue file vanished" in live.json()["detail"]["error"]
        assert c.get("/health/ready").status_code == 503
        r = c.post(SESSION, json={"context": {"text": "space"}, "n": 2})
        assert r.status_code == 503 and "failed to load" in r.json()["detail"]
