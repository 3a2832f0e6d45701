"""Liveness, readiness and Prometheus metrics (never behind an API key: probes and scrapers
do not carry one)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from dayone.service.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/health/live", response_model=Health, operation_id="health_live",
            responses={503: {"model": Health}})
async def live(request: Request) -> Response:
    """The process is up and answering, also while the model loads (async: nothing here may
    wait on a thread). 503 once a start-up has failed, so that an orchestrator restarts it."""
    engine = getattr(request.app.state, "engine", None)
    error = getattr(engine, "start_error", None)
    if error is not None:
        body = Health(status="start-up failed", detail={"error": error})
        return JSONResponse(body.model_dump(), status_code=503)
    return JSONResponse(Health(status="ok").model_dump())


@router.get("/health/ready", response_model=Health, operation_id="health_ready",
            responses={503: {"model": Health}})
def ready(request: Request) -> Response:
    """Ready = the model is loaded and the store answers."""
    engine = getattr(request.app.state, "engine", None)
    detail: dict[str, object] = {"model_loaded": bool(engine is not None and engine.ready)}
    if engine is not None and engine.start_error is not None:
        detail["start_error"] = engine.start_error
    ok = bool(detail["model_loaded"])
    if engine is not None:
        try:
            detail["store"] = engine.store.ping()
        except Exception as e:  # a dead database is "not ready", not a crash
            detail["store"] = False
            detail["store_error"] = type(e).__name__
        ok = ok and bool(detail["store"])
        detail["model_version"] = engine.state.version
        detail["applied_seq"] = engine.applied_seq
    body = Health(status="ready" if ok else "not ready", detail=detail)
    return JSONResponse(body.model_dump(), status_code=200 if ok else 503)


@router.get("/metrics", operation_id="metrics", response_class=Response,
            responses={200: {"content": {"text/plain": {}}}})
def metrics(request: Request) -> Response:
    m = request.app.state.metrics
    engine = getattr(request.app.state, "engine", None)
    if engine is not None and engine.rec is not None:
        m.items.set(len(engine.rec.catalog))
        m.users.set(len(engine.rec.users))
        m.model_version.set(engine.state.version)
        m.applied_seq.set(engine.applied_seq)
    return Response(generate_latest(m.registry), media_type=CONTENT_TYPE_LATEST)
