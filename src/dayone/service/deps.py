"""Dependency aliases: handlers declare what they need (`engine: EngineDep`) and tests can
override any of them with `app.dependency_overrides`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from dayone.service.engine import Engine
from dayone.service.security import check_scope
from dayone.service.settings import Settings


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_engine(request: Request) -> Engine:
    engine: Engine | None = getattr(request.app.state, "engine", None)
    if engine is None or not engine.ready:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "the model is still loading")
    return engine


SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]


def require_read(request: Request, settings: SettingsDep) -> None:
    check_scope(settings.api_keys, request, "read")


def require_write(request: Request, settings: SettingsDep) -> None:
    check_scope(settings.api_keys, request, "write")


ReadAccess = Depends(require_read)
WriteAccess = Depends(require_write)
