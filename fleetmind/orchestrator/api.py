"""The client API beside the agent endpoint: plain HTTP GETs on the same port.

`GET /api/tasks`, `/api/tasks/<id>`, `/api/tasks/<id>/events?after=N`, `/api/devices`,
and a WebSocket at `/api/events` that streams every event (with a token configured,
send `Authorization: Bearer <token>`); `/` says where things are.
"""

from __future__ import annotations

import json
import secrets
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from websockets.datastructures import Headers
from websockets.http11 import Request, Response

if TYPE_CHECKING:
    from .server import Orchestrator

EVENTS_PATH = "/api/events"
"""WebSocket endpoint that streams every event to a client as JSON text frames."""


def respond(orch: Orchestrator, request: Request) -> Response | None:
    """The HTTP answer for a non-WebSocket request, or None to go on with the handshake."""
    path = request.path.split("?", 1)[0]
    if path == "/agent":
        return None  # the WebSocket handshake goes on
    if path.startswith("/api/"):
        given = request.headers.get("Authorization", "")
        if orch.token is not None and not secrets.compare_digest(given, f"Bearer {orch.token}"):
            return json_response(HTTPStatus.UNAUTHORIZED, {"error": "send Authorization: Bearer <token>"})
        if path == EVENTS_PATH:
            return None  # a client's event stream: the WebSocket handshake goes on
        if path.startswith("/api/tasks/") and path.endswith("/events"):
            task_id = path.split("/")[3]
            after_values = parse_qs(urlsplit(request.path).query).get("after", ["0"])
            if not after_values[0].isdigit():
                return json_response(HTTPStatus.BAD_REQUEST, {"error": "after must be an event number"})
            after = int(after_values[0])
            events = orch.store.events(task_id, after=after)
            return json_response(HTTPStatus.OK, {"events": [e.model_dump() for e in events]})
        if path == "/api/tasks":
            return json_response(HTTPStatus.OK, {"tasks": orch.store.tasks()})
        if path == "/api/devices":
            return json_response(
                HTTPStatus.OK,
                {
                    "devices": [
                        {**e.profile.model_dump(), "online": e.online, "running": sorted(e.running)}
                        for e in orch.registry.entries()
                    ]
                },
            )
        if path.startswith("/api/tasks/"):
            task_id = path.rsplit("/", 1)[1]
            run = orch.runs.get(task_id)
            if run is None:
                return json_response(HTTPStatus.NOT_FOUND, {"error": f"no task {task_id}"})
            return json_response(
                HTTPStatus.OK, {**run.graph.snapshot(), "status": run.status, "summary": orch.summary(run)}
            )
        return json_response(HTTPStatus.NOT_FOUND, {"error": f"no API route {path}"})
    if path == "/":
        return json_response(
            HTTPStatus.OK,
            {
                "fleetmind": "orchestrator",
                "agent_endpoint": orch.url,
                "api": ["/api/tasks", "/api/tasks/<id>", "/api/tasks/<id>/events?after=N", "/api/devices"],
                "events_websocket": EVENTS_PATH,
            },
        )
    return json_response(HTTPStatus.NOT_FOUND, {"error": f"nothing at {path}"})


def json_response(status: HTTPStatus, body: dict[str, Any]) -> Response:
    """A JSON body with its status."""
    data = json.dumps(body, default=str).encode()
    headers = Headers([("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return Response(status.value, status.phrase, headers, data)
