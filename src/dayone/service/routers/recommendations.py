"""Recommendations for an anonymous visitor: the whole context travels in the body."""

from __future__ import annotations

from fastapi import APIRouter, Response

from dayone.profiles import UserContext
from dayone.service.deps import EngineDep, ReadAccess
from dayone.service.engine import Engine
from dayone.service.routers.common import rec_list, respond, strategy_of
from dayone.service.schemas import (
    ContextItem,
    ExplainPublic,
    ExplainRequest,
    LikeList,
    LikePublic,
    LikesRequest,
    RecommendationList,
    SessionContext,
    SessionRecommendRequest,
)

router = APIRouter(prefix="/recommendations", tags=["recommendations"],
                   dependencies=[ReadAccess])


def _context(engine: Engine, c: SessionContext) -> UserContext:
    picks = [(p, "like", None) if isinstance(p, str) else (p.item_id, p.kind, p.value)
             for p in c.items]
    return engine.session_context(c.text, dict(c.attributes), picks)


@router.post("/session", response_model=RecommendationList, operation_id="recommend_session")
async def recommend_session(body: SessionRecommendRequest, engine: EngineDep) -> Response:
    """A new visitor: free text, attributes and/or picked items (a bare id means "liked")."""
    recs, version = engine.recommend(lambda: _context(engine, body.context), n=body.n,
                                     exclude=body.exclude, exclude_seen=body.exclude_seen,
                                     category=body.category, candidates=body.candidates)
    return respond(rec_list(engine, recs, version))


@router.post("/explain", response_model=ExplainPublic, operation_id="explain_session")
def explain_session(body: ExplainRequest, engine: EngineDep) -> ExplainPublic:
    """Why one item scores as it does for an anonymous context."""
    one, rank, version = engine.explain(lambda: _context(engine, body.context), body.item_id)
    return ExplainPublic(
        item=one.item, title=engine.title(one.item), score=one.score, source=one.source,
        explanation=one.explanation, rank=rank, strategy=strategy_of([one]),
        model_version=version,
        evidence={"text": body.context.text, "attributes": body.context.attributes,
                  "history_items": len({p if isinstance(p, str) else p.item_id for p in body.context.items}),
                  "contributions": one.contributions},
    )


@router.post("/likes", response_model=LikeList, operation_id="predict_likes_session")
def predict_likes_session(body: LikesRequest, engine: EngineDep) -> LikeList:
    """Will this visitor like each of these items? A probability per item, from the visitor's
    like rate, the item's standing in their ranking and how often those who have it liked
    it, with the reason."""
    preds, version = engine.predict_likes(lambda: _context(engine, body.context), body.item_ids)
    data = [LikePublic(item=p.item, title=engine.title(p.item), probability=p.probability,
                       like_rate=p.like_rate, standing=p.standing, crowd=p.crowd, source=p.source,
                       explanation=p.explanation) for p in preds]
    return LikeList(data=data, count=len(data), model_version=version)


__all__ = ["ContextItem", "router"]
