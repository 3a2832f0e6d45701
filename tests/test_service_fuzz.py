"""Property-based fuzzing of the whole OpenAPI schema (schemathesis): whatever the generated
input, the service answers with a 2xx/4xx, never a server error.

Bounded: a few examples per operation so the suite stays under two minutes on two cores.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="pip install schemathesis")

from fastapi.testclient import TestClient  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

from dayone.service.testing import tiny_app  # noqa: E402

_tmp = tempfile.TemporaryDirectory(prefix="dayone-fuzz-")
APP = tiny_app(_tmp.name, max_body_bytes=65_536)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(scope="module", autouse=True)
def running_app() -> Iterator[None]:
    """Run the lifespan once (model loaded) for every generated call."""
    with TestClient(APP):
        yield
    _tmp.cleanup()


@schema.parametrize()
@settings(max_examples=10, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_no_server_errors(case: object) -> None:
    response = case.call()  # type: ignore[attr-defined]
    assert response.status_code < 500, (case, response.status_code, response.text[:500])
