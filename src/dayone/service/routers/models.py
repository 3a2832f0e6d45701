"""The serving model: what version is live, and a trigger for a background refit."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Response, status

from dayone.recommender.handover import summarise_handover
from dayone.service.deps import EngineDep, ReadAccess, WriteAccess
from dayone.service.engine import Engine, RefitFailed
from dayone.service.schemas import ModelInfo, RefitRequest

router = APIRouter(prefix="/models", tags=["models"], dependencies=[ReadAccess])


def info(engine: Engine) -> ModelInfo:
    c = engine.counts()
    s = engine.state
    return ModelInfo(version=s.version, built_at=s.built_at, change_seq=s.change_seq,
                     applied_seq=engine.applied_seq, n_items=c["items"], n_users=c["users"],
                     n_events=c["events"], refitting=engine.refitting, path=s.path,
                     last_refit_error=engine.refit_error,
                     domain=engine.rec.config.domain if engine.rec else "generic",
                     handover=summarise_handover(engine.rec.handover_report) if engine.rec else [])


@router.get("/current", response_model=ModelInfo, operation_id="current_model")
def current_model(engine: EngineDep) -> ModelInfo:
    return info(engine)


@router.post("/refit", status_code=status.HTTP_202_ACCEPTED, response_model=ModelInfo,
             operation_id="refit_model", dependencies=[WriteAccess],
             responses={200: {"model": ModelInfo, "description": "with `wait`: the refit is done"}})
def refit_model(engine: EngineDep, response: Response, body: RefitRequest | None = None) -> ModelInfo:
    """Rebuild the learned parts (popularity, co-occurrence, rating scale, user vectors) from
    the store in the background; the current model serves until the new one swaps in. With
    `wait`, a failed refit answers 500 with the reason (`GET /models/current` shows the last
    failure either way)."""
    try:
        engine.refit(wait=bool(body and body.wait))
        if body and body.wait:
            response.status_code = status.HTTP_200_OK  # done, not merely accepted
    except RefitFailed as exc:
        raise HTTPException(status.HTTP_500_INTERNAL_SERVER_ERROR,
                            f"refit failed, the previous model keeps serving: {exc}") from exc
    return info(engine)
