"""The FastAPI application: web UI at `/`, client API under `/api/`, docs at `/docs`,
and the agent protocol's WebSocket at `/agent`, all on one port.

`create_app(orchestrator)` only routes; whoever runs the app (`ApiServer`) starts
and stops the orchestrator.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline

from ..orchestrator.server import Orchestrator
from . import metrics, stream, tasks
from .assets import Assets
from .guard import BrowserGuard

STATIC_DIR = Path(__file__).parent / "static"
"""The web UI: plain HTML, CSS and JavaScript, no build step."""

DESCRIPTION = """\
Drive a fleetmind orchestrator: submit requests, follow their task graphs and steps,
answer the agents' questions, cancel.

With a token configured (`fleetmind serve --token-file F` or `$FLEETMIND_TOKEN`, or any
non-loopback `--host`), every `/api` route needs `Authorization: Bearer T`; the event
stream WebSocket also takes `?token=T`. Browsers are served only from allowed origins
(the page itself, loopback pages on a loopback server, `serve --allow-origin`); any
other Origin, or a Host this server does not answer to, gets 403. Events stream at `ws://HOST:PORT/api/events?after=N[&task=ID]`.
Device agents dial `ws://HOST:PORT/agent` (the agent protocol, not this API).
"""


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path")]
    return ".".join(parts) or "body"


async def _invalid_request(_request: Request, exc: Exception) -> JSONResponse:
    """400 for a body that is not JSON, 422 for fields that are wrong; `detail` names each."""
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        where = next(e for e in errors if e.get("type") == "json_invalid")
        why = where.get("ctx", {}).get("error", "cannot parse it")
        detail = f"the request body is not valid JSON ({why}); send a JSON object"
        return JSONResponse({"detail": detail}, status_code=400)
    if any(tuple(e.get("loc", ())) == ("body",) for e in errors):
        detail = "the request body must be a JSON object, sent with Content-Type: application/json (see /docs)"
        return JSONResponse({"detail": detail}, status_code=400)
    reasons = "; ".join(f"{_field(tuple(e.get('loc', ())))}: {e.get('msg', 'invalid')}" for e in errors)
    detail = f"invalid request: {reasons}. Fix these fields and send it again (the schema is at /docs)"
    safe = [{"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")} for e in errors]
    return JSONResponse({"detail": detail, "errors": safe}, status_code=422)


def create_app(orchestrator: Orchestrator) -> FastAPI:
    """The app serving `orchestrator`: UI, API, docs and agent endpoint."""
    app = FastAPIOffline(  # FastAPI with Swagger UI's assets served locally: /docs needs no CDN
        docs_url="/docs",
        redoc_url=None,
        static_url="/docs-assets",
        title="fleetmind",
        summary="One request, a graph of subtasks, a fleet of GUI agents.",
        description=DESCRIPTION,
        version="0.1.0",
    )
    app.state.orchestrator = orchestrator
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.include_router(stream.router)
    app.include_router(tasks.router)
    app.include_router(metrics.router)
    app.mount("/", Assets(STATIC_DIR), name="ui")
    app.add_middleware(BrowserGuard, policy=orchestrator.browser)
    return app
