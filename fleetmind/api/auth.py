"""The client token: a bearer token on every `/api` route when the orchestrator has one.

HTTP clients send `Authorization: Bearer <token>`. WebSocket clients may send the
same header, or `?token=<token>` in the URL, since browsers cannot set headers on a
WebSocket. Tokens are compared in constant time.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import HTTPException, Security, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.requests import HTTPConnection

from ..orchestrator.server import Orchestrator

CLOSE_UNAUTHORIZED = 4001
"""WebSocket close code for a missing or wrong token (the agent protocol uses the same)."""


def orchestrator(conn: HTTPConnection) -> Orchestrator:
    """The orchestrator this app serves (a FastAPI dependency)."""
    orch: Orchestrator = conn.app.state.orchestrator
    return orch


def token_problem(conn: HTTPConnection, *, allow_query: bool = False) -> str | None:
    """What is wrong with the token `conn` presents, or None when it may go on."""
    expected = orchestrator(conn).token
    if expected is None:
        return None
    header = conn.headers.get("authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer":
        given = ""
    if not given and allow_query:
        given = conn.query_params.get("token", "")
    how = "send Authorization: Bearer <token>" + (" or ?token=<token>" if allow_query else "")
    if not given:
        return f"missing token: {how}, with the token fleetmind serve printed or was given with --token"
    if not secrets.compare_digest(given.encode(), expected.encode()):
        return f"wrong token: {how}, with the token fleetmind serve printed or was given with --token"
    return None


BEARER = HTTPBearer(auto_error=False, description="The token given to `fleetmind serve --token`.")
"""Declares the scheme in the OpenAPI schema, so /docs offers to send the token."""


def require_token(
    conn: HTTPConnection, _declared: Annotated[HTTPAuthorizationCredentials | None, Security(BEARER)] = None
) -> None:
    """Refuse an HTTP request without the right token with 401 (a FastAPI dependency)."""
    problem = token_problem(conn)
    if problem is not None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, problem, headers={"WWW-Authenticate": "Bearer"})
