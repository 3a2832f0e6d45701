"""Dependency aliases: handlers declare what they need (`engine: EngineDep`) and tests can
override any of them with `app.dependency_overrides`.

They are `async def` on purpose: they only read app state and headers, and FastAPI runs a
plain `def` dependency in the thread pool. Four such hops per request cost ~2 ms of CPU on
the 2-core machine (profiled with yappi), more than ranking a known user.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, status

from dayone.service.engine import Engine
from dayone.service.security import check_scope
from dayone.service.settings import Settings


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_engine(request: Request) -> Engine:
    engine: Engine | None = getattr(request.app.state, "engine", None)
    if engine is not None and engine.start_error is not None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE,
                            f"the model failed to load: {engine.start_error}")
    if engine is None or not engine.ready:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "the model is still loading")
    return engine


def _query_names(dependant: Any) -> set[str]:
    names = {f.alias for f in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


async def reject_unknown_query(request: Request) -> None:
    """A misspelt query parameter is a 422, as an unknown body key is: `?categry=es` used to
    return the unfiltered list, which looks like a working filter."""
    if not request.query_params:
        return
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    # kept on the route itself: an id()-keyed table could hand a new app's route the names of
    # a collected one that had the same address
    known = getattr(route, "_dayone_query_names", None)
    if known is None:
        known = frozenset(_query_names(dependant))
        route._dayone_query_names = known  # type: ignore[union-attr]
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        takes = ", ".join(sorted(known)) if known else "none"
        raise HTTPException(422,
                            f"unknown query parameter(s): {', '.join(unknown)} (this route takes: {takes})")


SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]


async def require_read(request: Request, settings: SettingsDep) -> None:
    check_scope(settings.api_keys, request, "read")


async def require_write(request: Request, settings: SettingsDep) -> None:
    check_scope(settings.api_keys, request, "write")


ReadAccess = Depends(require_read)
WriteAccess = Depends(require_write)
