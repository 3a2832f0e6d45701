"""API keys with two scopes. No keys configured means the API is open (documented default for
a laptop demo); as soon as one key exists, every /api/v1 call needs one, and write endpoints
refuse a read key with 403."""

from __future__ import annotations

import hmac

from fastapi import HTTPException, Request, status

from dayone.service.settings import Scope

SCOPE_RANK = {"read": 0, "write": 1}


def presented_key(request: Request) -> str | None:
    key = request.headers.get("x-api-key")
    if key:
        return key
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip() or None
    return None


def check_scope(keys: dict[str, Scope], request: Request, needed: Scope) -> None:
    """Raise 401 (no/unknown key) or 403 (key lacks the scope); return when allowed."""
    if not keys:
        return
    key = presented_key(request)
    scope = None
    if key is not None:
        for k, s in keys.items():  # constant-time compare against every key
            if hmac.compare_digest(k.encode(), key.encode()):
                scope = s
    if scope is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "missing or unknown API key (send X-API-Key or Authorization: Bearer)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if SCOPE_RANK[scope] < SCOPE_RANK[needed]:
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"this API key lacks the '{needed}' scope")
