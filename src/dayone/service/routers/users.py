"""Users: declared profiles (attributes, free text), their events, and their recommendations.

A known user's recommendations read the in-memory profile the last event updated, so the
next call after an event already reflects it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Response, status

from dayone.profiles import UserContext
from dayone.service.deps import EngineDep, ReadAccess, SettingsDep, WriteAccess
from dayone.service.routers.common import rec_list, respond, strategy_of
from dayone.service.routers.items import CategoryQuery, check_unique
from dayone.service.schemas import (
    EventPublic,
    ExplainPublic,
    Id,
    ListPublic,
    RecommendationList,
    UserBatch,
    UserCreate,
    UserPublic,
    UserUpdate,
    WriteResult,
    id_problem,
)
from dayone.storage import UserRow

router = APIRouter(prefix="/users", tags=["users"], dependencies=[ReadAccess])


def _public(engine: EngineDep, user_id: str) -> UserPublic:
    row = engine.store.get_user(user_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"unknown user id {user_id!r}")
    n_events = len(engine.rec.histories.get(user_id, [])) if engine.rec is not None else 0
    return UserPublic(id=row.id, attributes=row.attributes, text=row.text, n_events=n_events)


@router.post("", status_code=201, response_model=UserPublic, operation_id="create_user",
             dependencies=[WriteAccess], responses={409: {"description": "id already exists"}})
def create_user(body: UserCreate, engine: EngineDep) -> UserPublic:
    # one atomic insert: a check before the write let racing creators all get 201
    if engine.create_user(UserRow(body.id, dict(body.attributes), body.text)) is None:
        raise HTTPException(status.HTTP_409_CONFLICT,
                            f"user {body.id!r} exists; use PUT /api/v1/users/{{id}} to replace it")
    return _public(engine, body.id)


@router.post("/batch", response_model=WriteResult, operation_id="upsert_users",
             dependencies=[WriteAccess])
def upsert_users(body: UserBatch, engine: EngineDep, settings: SettingsDep) -> WriteResult:
    if len(body.users) > settings.max_batch:
        raise HTTPException(422,
                            f"a batch holds at most {settings.max_batch} records")
    check_unique([u.id for u in body.users], "users")
    done, seq = engine.upsert_users([UserRow(u.id, dict(u.attributes), u.text)
                                     for u in body.users])
    return WriteResult(count=len(done), ids=done, seq=seq)


@router.get("", response_model=ListPublic[UserPublic], operation_id="list_users")
def list_users(
    engine: EngineDep,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> ListPublic[UserPublic]:
    rows, total = engine.store.list_users(offset, limit)
    hist = engine.rec.histories if engine.rec is not None else {}
    data = [UserPublic(id=r.id, attributes=r.attributes, text=r.text,
                       n_events=len(hist.get(r.id, []))) for r in rows]
    return ListPublic[UserPublic](data=data, count=total)


@router.get("/{user_id}", response_model=UserPublic, operation_id="get_user")
def get_user(user_id: str, engine: EngineDep) -> UserPublic:
    return _public(engine, user_id)


@router.put("/{user_id}", response_model=UserPublic, operation_id="replace_user",
            dependencies=[WriteAccess])
def replace_user(user_id: str, body: UserUpdate, engine: EngineDep) -> UserPublic:
    problem = id_problem(user_id)
    if problem is not None:
        raise HTTPException(422, f"user id {user_id!r}: {problem}")
    engine.upsert_users([UserRow(user_id, dict(body.attributes), body.text)])
    return _public(engine, user_id)


@router.delete("/{user_id}", status_code=204, operation_id="delete_user",
               dependencies=[WriteAccess], responses={404: {"description": "unknown user"}})
def delete_user(user_id: str, engine: EngineDep) -> Response:
    if not engine.delete_users([user_id]):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"unknown user id {user_id!r}")
    return Response(status_code=204)


@router.get("/{user_id}/events", response_model=ListPublic[EventPublic],
            operation_id="list_user_events")
def list_user_events(
    user_id: str, engine: EngineDep, limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="skip this many of the most "
                                 "recent events (page backwards)")] = 0,
) -> ListPublic[EventPublic]:
    """The user's most recent `limit` events after `offset`, oldest first; `count` is how
    many events the user has in all."""
    if engine.store.get_user(user_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"unknown user id {user_id!r}")
    rows = engine.store.events_for_user(user_id, limit, skip_recent=offset)
    data = [EventPublic(user_id=e.user, item_id=e.item, kind=e.kind, value=e.value,
                        ts=datetime.fromtimestamp(e.ts, UTC), seq=e.seq) for e in rows]
    return ListPublic[EventPublic](data=data, count=engine.store.count_user_events(user_id))


@router.get("/{user_id}/recommendations", response_model=RecommendationList,
            operation_id="recommend_for_user")
async def recommend_for_user(
    user_id: str,
    engine: EngineDep,
    n: Annotated[int, Query(ge=1, le=100)] = 10,
    exclude_seen: Annotated[bool, Query(description="leave out items the user interacted with")] = True,
    category: CategoryQuery = None,
    exclude: Annotated[list[Id] | None, Query(max_length=1000)] = None,
    candidates: Annotated[list[Id] | None, Query(max_length=1000,
                                                 description="only rank these item ids")] = None,
) -> Response:
    recs, version = engine.recommend(lambda: engine.user_context(user_id), n=n,
                                     exclude=exclude or [], exclude_seen=exclude_seen,
                                     category=category, candidates=candidates)
    return respond(rec_list(engine, recs, version))


@router.get("/{user_id}/recommendations/{item_id}/explain", response_model=ExplainPublic,
            operation_id="explain_for_user")
def explain_for_user(user_id: str, item_id: str, engine: EngineDep) -> ExplainPublic:
    """Why this item would (or would not) be recommended to this user."""
    ctx_holder: dict[str, UserContext] = {}

    def ctx() -> UserContext:
        ctx_holder["c"] = engine.user_context(user_id)
        return ctx_holder["c"]

    one, rank, version = engine.explain(ctx, item_id)
    c = ctx_holder["c"]
    return ExplainPublic(
        item=one.item, title=engine.title(one.item), score=one.score, source=one.source,
        explanation=one.explanation, rank=rank, strategy=strategy_of([one]),
        model_version=version,
        evidence={"user_id": user_id, "text": c.text, "attributes": c.attributes,
                  "history_items": len({h.item for h in c.history}), "contributions": one.contributions},
    )
