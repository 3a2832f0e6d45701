"""Interaction events. The call returns after the event is durable and folded into the
user's profile, so the user's very next recommendation request reflects it."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from fastapi import APIRouter, HTTPException

from dayone.service.deps import EngineDep, SettingsDep, WriteAccess
from dayone.service.schemas import EventBatch, EventCreate, EventPublic, WriteResult
from dayone.service.settings import Settings
from dayone.storage import EventRow

router = APIRouter(prefix="/events", tags=["events"], dependencies=[WriteAccess])


def _check_ratings(events: list[EventCreate], settings: Settings, where: str) -> None:
    """Ratings on the service's declared scale only: stored, a stray 99 on a 1-5 scale would
    skew the user's profile and the item's average until someone deletes it by hand."""
    lo, hi = settings.rating_range
    for n, e in enumerate(events):
        if e.kind == "rating" and e.value is not None and not lo <= e.value <= hi:
            at = f"{where}[{n}].value" if where else "value"
            raise HTTPException(422, f"{at}: rating {e.value:g} is outside the service's rating "
                                     f"scale [{lo:g}, {hi:g}] (the `rating_range` setting)")


def _row(e: EventCreate) -> EventRow:
    ts = e.ts.timestamp() if e.ts is not None else time.time()
    return EventRow(user=e.user_id, item=e.item_id, kind=e.kind, ts=ts, value=e.value)


@router.post("", status_code=201, response_model=EventPublic, operation_id="add_event")
def add_event(body: EventCreate, engine: EngineDep, settings: SettingsDep) -> EventPublic:
    _check_ratings([body], settings, "")
    row = _row(body)
    seq = engine.add_events([row])[0]
    return EventPublic(user_id=row.user, item_id=row.item, kind=row.kind, value=row.value,
                       ts=datetime.fromtimestamp(row.ts, UTC), seq=seq)


@router.post("/batch", response_model=WriteResult, operation_id="add_events")
def add_events(body: EventBatch, engine: EngineDep, settings: SettingsDep) -> WriteResult:
    """Record many events in one transaction (all or nothing)."""
    if len(body.events) > settings.max_batch:
        raise HTTPException(422,
                            f"a batch holds at most {settings.max_batch} records")
    _check_ratings(body.events, settings, "events")
    seqs = engine.add_events([_row(e) for e in body.events])
    return WriteResult(count=len(seqs), ids=[str(s) for s in seqs], seq=max(seqs))
