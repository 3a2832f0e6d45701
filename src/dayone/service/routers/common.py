"""Shapes shared by the routers: recommendation lists and the strategy label."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from fastapi import Response
from pydantic import BaseModel

from dayone.recommender.results import Recommendation
from dayone.service.engine import Engine
from dayone.service.schemas import RecommendationList, RecommendationPublic


def strategy_of(recs: Sequence[Recommendation]) -> str:
    """Name the strategy mix that served a list: the strategies that contributed, strongest
    first (e.g. ``blend:text-match+popularity``); a single one is named alone."""
    total: defaultdict[str, float] = defaultdict(float)
    for r in recs:
        if r.contributions:
            for name, v in r.contributions.items():
                total[name] += abs(v)
        else:
            total[r.source] += 1.0
    names = [k for k, v in sorted(total.items(), key=lambda kv: -kv[1]) if v > 0]
    if not names:
        return "empty"
    return names[0] if len(names) == 1 else "blend:" + "+".join(names)


def rec_list(engine: Engine, recs: Sequence[Recommendation], version: int) -> RecommendationList:
    data = [RecommendationPublic(item=r.item, score=r.score, source=r.source,
                                 explanation=r.explanation, title=engine.title(r.item))
            for r in recs]
    return RecommendationList(data=data, count=len(data), strategy=strategy_of(recs),
                              model_version=version)


def respond(model: BaseModel) -> Response:
    """The model as JSON, serialised once by pydantic-core.

    A handler that returns the model itself makes FastAPI validate it again against
    `response_model` and serialise it through `jsonable_encoder` and `json.dumps`; the model was
    already validated when it was built, so on the hot ranking routes that second pass is pure
    cost. The route keeps `response_model` for the OpenAPI schema."""
    return Response(model.model_dump_json(), media_type="application/json")
