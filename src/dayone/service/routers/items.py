"""Catalogue items: a write returns only after the item is stored *and* indexed, so it is
recommendable the moment the call returns."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Response, status

from dayone.service.deps import EngineDep, ReadAccess, SettingsDep, WriteAccess
from dayone.service.routers.common import rec_list, respond
from dayone.service.schemas import (
    CategoryPublic,
    IdBatch,
    ItemBatch,
    ItemCreate,
    ItemPublic,
    ItemUpdate,
    ListPublic,
    RecommendationList,
    TextQuery,
    UserScoreList,
    UserScorePublic,
    WriteResult,
    id_problem,
)

router = APIRouter(prefix="/items", tags=["items"], dependencies=[ReadAccess])
categories_router = APIRouter(tags=["items"], dependencies=[ReadAccess])

N = Annotated[int, Query(ge=1, le=100, description="how many results")]
CategoryQuery = Annotated[list[str] | None, Query(
    max_length=20, description="only items that carry this value in a category field, or "
    "'field:value' for one field ('language:es'); repeat it to require every term")]


def check_unique(ids: list[str], where: str) -> None:
    """A batch names each id once: which of two rows should win is the caller's to say."""
    seen: set[str] = set()
    for n, i in enumerate(ids):
        if i in seen:
            raise HTTPException(422, f"{where}[{n}]: duplicate id {i!r} in one batch")
        seen.add(i)


def _check_batch(n: int, limit: int) -> None:
    if n > limit:
        raise HTTPException(422,
                            f"a batch holds at most {limit} records, got {n}")


@router.post("", status_code=201, response_model=ItemPublic, operation_id="create_item",
             dependencies=[WriteAccess], responses={409: {"description": "id already exists"}})
def create_item(body: ItemCreate, engine: EngineDep) -> ItemPublic:
    # one atomic insert: a check before the write let racing creators all get 201
    if engine.create_item({"id": body.id, **body.fields}) is None:
        raise HTTPException(status.HTTP_409_CONFLICT,
                            f"item {body.id!r} exists; use PUT /api/v1/items/{{id}} to replace it")
    return ItemPublic(id=body.id, fields=body.fields)


@router.post("/batch", response_model=WriteResult, operation_id="upsert_items",
             dependencies=[WriteAccess])
def upsert_items(body: ItemBatch, engine: EngineDep, settings: SettingsDep) -> WriteResult:
    """Insert or replace many items in one transaction."""
    _check_batch(len(body.items), settings.max_batch)
    check_unique([it.id for it in body.items], "items")
    done, seq = engine.upsert_items([{"id": it.id, **it.fields} for it in body.items])
    return WriteResult(count=len(done), ids=done, seq=seq)


@router.post("/batch/delete", response_model=WriteResult, operation_id="delete_items",
             dependencies=[WriteAccess])
def delete_items(body: IdBatch, engine: EngineDep, settings: SettingsDep) -> WriteResult:
    """Delete many items; `ids` in the answer lists those that existed."""
    _check_batch(len(body.ids), settings.max_batch)
    gone, seq = engine.delete_items(list(dict.fromkeys(body.ids)))
    return WriteResult(count=len(gone), ids=gone, seq=seq)


@router.get("", response_model=ListPublic[ItemPublic], operation_id="list_items")
def list_items(
    engine: EngineDep,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> ListPublic[ItemPublic]:
    rows, total = engine.store.list_items(offset, limit)
    return ListPublic[ItemPublic](data=[ItemPublic(id=r.id, fields=r.fields) for r in rows],
                                  count=total)


@router.post("/search", response_model=RecommendationList, operation_id="search_items")
async def search_items(body: TextQuery, engine: EngineDep) -> Response:
    """Items whose descriptions match a free-text query (the encoder reads the text)."""
    cats = [body.category] if isinstance(body.category, str) else body.category
    recs, version = engine.similar_to_text(body.text, body.n, cats)
    return respond(rec_list(engine, recs, version))


@router.get("/{item_id}", response_model=ItemPublic, operation_id="get_item")
def get_item(item_id: str, engine: EngineDep) -> ItemPublic:
    row = engine.store.get_item(item_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"unknown item id {item_id!r}")
    return ItemPublic(id=row.id, fields=row.fields)


@router.put("/{item_id}", response_model=ItemPublic, operation_id="replace_item",
            dependencies=[WriteAccess])
def replace_item(item_id: str, body: ItemUpdate, engine: EngineDep) -> ItemPublic:
    """Create or replace an item's fields; it is re-described and re-encoded at once."""
    _check_id(item_id)
    engine.upsert_items([{"id": item_id, **body.fields}])
    return ItemPublic(id=item_id, fields=body.fields)


@router.delete("/{item_id}", status_code=204, operation_id="delete_item",
               dependencies=[WriteAccess], responses={404: {"description": "unknown item"}})
def delete_item(item_id: str, engine: EngineDep) -> Response:
    gone, _ = engine.delete_items([item_id])
    if not gone:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"unknown item id {item_id!r}")
    return Response(status_code=204)


@router.get("/{item_id}/similar", response_model=RecommendationList,
            operation_id="similar_items")
async def similar_items(item_id: str, engine: EngineDep, n: N = 10, category: CategoryQuery = None) -> Response:
    recs, version = engine.similar_items(item_id, n, category=category)
    return respond(rec_list(engine, recs, version))


@router.get("/{item_id}/users", response_model=UserScoreList, operation_id="users_for_item")
def users_for_item(item_id: str, engine: EngineDep, n: N = 10) -> Response:
    """The known users this item suits best: who a new item reaches. A plain `def` (thread
    pool), unlike the other ranking routes: it scores every known user, and that pass
    releases the GIL while the event loop keeps serving."""
    matches, version = engine.users_for_item(item_id, n)
    data = [UserScorePublic(user=m.user, score=m.score, source=m.source,
                            explanation=m.explanation) for m in matches]
    # the strategy that served the list: profile matching, with taste when the log has it
    sources = sorted({m.source for m in matches})
    strategy = "profile-match+taste-match" if "taste-match" in sources else "profile-match"
    return respond(UserScoreList(data=data, count=len(data), strategy=strategy, model_version=version))


def _check_id(item_id: str) -> None:
    problem = id_problem(item_id)
    if problem is not None:
        raise HTTPException(422, f"item id {item_id!r}: {problem}")


@categories_router.get("/categories", response_model=ListPublic[CategoryPublic],
                       operation_id="list_categories")
def list_categories(engine: EngineDep) -> ListPublic[CategoryPublic]:
    """Values of the category fields with their item counts (what `category=` filters on)."""
    data = [CategoryPublic(name=k, count=v, fields=f) for k, v, f in engine.categories()]
    return ListPublic[CategoryPublic](data=data, count=len(data))
