"""Interaction events. The call returns after the event is durable and folded into the
user's profile, so the user's very next recommendation request reflects it."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from fastapi import APIRouter, HTTPException

from dayone.service.deps import EngineDep, SettingsDep, WriteAccess
from dayone.service.schemas import EventBatch, EventCreate, EventPublic, WriteResult
from dayone.storage import EventRow

router = APIRouter(prefix="/events", tags=["events"], dependencies=[WriteAccess])


def _row(e: EventCreate) -> EventRow:
    ts = e.ts.timestamp() if e.ts is not None else time.time()
    return EventRow(user=e.user_id, item=e.item_id, kind=e.kind, ts=ts, value=e.value)


@router.post("", status_code=201, response_model=EventPublic, operation_id="add_event")
def add_event(body: EventCreate, engine: EngineDep) -> EventPublic:
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
    seqs = engine.add_events([_row(e) for e in body.events])
    return WriteResult(count=len(seqs), ids=[str(s) for s in seqs], seq=max(seqs))
