"""Metrics, structured logs and request ids: what an operator needs to run the service.

Each app gets its own Prometheus registry, so several apps in one process (tests) never collide
and `/metrics` shows exactly this app's series. Latency is labelled by *route template*
(`/api/v1/items/{item_id}`), not the raw path, so the series count stays bounded.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
import uuid
from collections.abc import Sequence
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1,
                   0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.latency = Histogram(
            "dayone_http_request_duration_seconds", "Request latency by route template",
            ["method", "route", "status"], buckets=LATENCY_BUCKETS, registry=self.registry,
        )
        self.items = Gauge("dayone_items", "Items in the serving model", registry=self.registry)
        self.users = Gauge("dayone_users", "Known users", registry=self.registry)
        self.events = Counter("dayone_events_total", "Events recorded by this process",
                              ["kind"], registry=self.registry)
        self.model_version = Gauge("dayone_model_version", "Serving model version",
                                   registry=self.registry)
        self.refits = Counter("dayone_refits_total", "Completed background refits",
                              registry=self.registry)
        self.applied_seq = Gauge("dayone_applied_change_seq",
                                 "Last store change applied to this process's model",
                                 registry=self.registry)


    def count_events(self, events: Sequence[Any]) -> None:
        for e in events:
            self.events.labels(e.kind).inc()


class JsonFormatter(logging.Formatter):
    """One JSON object per line: machine-parsable, with any `extra={...}` fields merged in."""

    RESERVED = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message"}

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": round(record.created, 3),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for k, v in record.__dict__.items():
            if k not in self.RESERVED and not k.startswith("_"):
                out[k] = v
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)


def configure_logging(level: str = "INFO", json_logs: bool = True) -> None:
    """Route the `dayone` logger (and uvicorn's) to stderr, as JSON unless told otherwise."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if json_logs else logging.Formatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s"))
    for name in ("dayone", "uvicorn", "uvicorn.error"):
        lg = logging.getLogger(name)
        lg.handlers = [handler]
        lg.setLevel(level)
        lg.propagate = False
    logging.getLogger("uvicorn.access").disabled = True  # our access log replaces it


access_log = logging.getLogger("dayone.access")


class ObservabilityMiddleware:
    """Times every request, labels it by route, logs one JSON line, adds X-Request-ID."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500
        rid = next((v.decode() for k, v in scope.get("headers", []) if k == b"x-request-id"),
                   None) or uuid.uuid4().hex[:16]

        async def send_wrapped(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", rid.encode()))
                # which API process answered (`serve --workers N`): for tracing, and tests
                headers.append((b"x-dayone-process", str(os.getpid()).encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_wrapped)
        finally:
            elapsed = time.perf_counter() - start
            template = route_template(scope)
            self.metrics.latency.labels(scope["method"], template, str(status)).observe(elapsed)
            access_log.info(
                "request", extra={"request_id": rid, "method": scope["method"],
                                  "route": template, "path": scope["path"], "status": status,
                                  "duration_ms": round(elapsed * 1000, 2)},
            )


def route_template(scope: Scope) -> str:
    """The full route template of a matched request (``/api/v1/items/{item_id}``).

    An included router's route knows only its own path, so the mount prefix is taken from the
    real path's leading segments; path parameters never contain '/' so the count lines up.
    """
    route = scope.get("route")
    inner = getattr(route, "path", None)
    if not inner:
        return "<unmatched>"
    path = scope.get("path", "")
    extra = path.rstrip("/").count("/") - inner.rstrip("/").count("/")
    if extra <= 0:
        return str(inner)
    prefix = "/".join(path.split("/")[: extra + 1])
    return prefix + str(inner)


class JsonBodyMiddleware:
    """Refuses, with 415, an API request body that is not declared as JSON.

    Why: FastAPI (0.132 and later) answers 422 "Input should be a valid dictionary" to such a
    body, which hides the fix; a client that sent the wrong type is told which header to send
    and what it sent instead. A body with no type at all is read as JSON (as FastAPI did
    before 0.132), and requests without a body pass (a bare `POST /models/refit`).
    """

    def __init__(self, app: ASGIApp, prefix: str) -> None:
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] != "http" or scope.get("method") not in ("POST", "PUT", "PATCH")
                or not str(scope.get("path", "")).startswith(self.prefix)):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        length = headers.get(b"content-length", b"").strip()
        has_body = b"transfer-encoding" in headers or (length not in (b"", b"0"))
        kind = headers.get(b"content-type", b"").decode("latin-1").split(";")[0].strip().lower()
        if has_body and not kind:
            # no type said (`requests.post(url, data=json.dumps(...))`): read it as JSON, as
            # FastAPI did before 0.132, instead of a 415 to clients that worked before
            kept = [(k, v) for k, v in scope.get("headers", []) if k != b"content-type"]
            scope = {**scope, "headers": [*kept, (b"content-type", b"application/json")]}
        elif has_body and not (kind == "application/json" or kind.endswith("+json")):
            body = json.dumps({"detail": f"the request body must be JSON: send it with "
                                         f"Content-Type: application/json (got {kind!r})"}).encode()
            await send({"type": "http.response.start", "status": 415,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)


class BodyLimitMiddleware:
    """Refuses bodies over `max_bytes` with 413, whether or not Content-Length was sent.

    Checked at the ASGI layer so an oversized upload is cut off while streaming, before any
    JSON parsing allocates memory for it.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def _reject(self, send: Send) -> None:
        body = json.dumps({"detail": f"request body larger than {self.max_bytes} bytes"}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for k, v in scope.get("headers", []):
            if k == b"content-length":
                try:
                    too_big = int(v) > self.max_bytes
                except ValueError:
                    too_big = True
                if too_big:
                    await self._reject(send)
                    return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._reject(send)


class _TooLarge(Exception):
    pass
