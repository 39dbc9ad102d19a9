"""The client API beside the agent endpoint: plain HTTP GETs on the same port.

`GET /api/tasks`, `/api/tasks/<id>`, `/api/devices` (with a token configured, send
`Authorization: Bearer <token>`); `/` says where things are.
"""

from __future__ import annotations

import json
import secrets
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from websockets.datastructures import Headers
from websockets.http11 import Request, Response

if TYPE_CHECKING:
    from .server import Orchestrator


def respond(orch: Orchestrator, request: Request) -> Response | None:
    """The HTTP answer for a non-WebSocket request, or None to go on with the handshake."""
    path = request.path.split("?", 1)[0]
    if path == "/agent":
        return None  # the WebSocket handshake goes on
    if path.startswith("/api/"):
        given = request.headers.get("Authorization", "")
        if orch.token is not None and not secrets.compare_digest(given, f"Bearer {orch.token}"):
            return json_response(HTTPStatus.UNAUTHORIZED, {"error": "send Authorization: Bearer <token>"})
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
                "api": ["/api/tasks", "/api/tasks/<id>", "/api/devices"],
            },
        )
    return json_response(HTTPStatus.NOT_FOUND, {"error": f"nothing at {path}"})


def json_response(status: HTTPStatus, body: dict[str, Any]) -> Response:
    """A JSON body with its status."""
    data = json.dumps(body, default=str).encode()
    headers = Headers([("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return Response(status.value, status.phrase, headers, data)
