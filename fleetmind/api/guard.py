"""Browser safety for every route: the Host and Origin headers are checked before anything else.

A web page the user visits can make their browser call loopback servers (and DNS
rebinding can make a foreign name resolve to 127.0.0.1). `BrowserGuard` refuses with
403 any HTTP request or WebSocket handshake whose Host is not one this server answers
to, or whose Origin is a page it does not trust (`identity.BrowserPolicy`: same origin,
loopback pages on a loopback server, and `serve --allow-origin`). Programs that send no
Origin (the CLI, the SDK, device hosts, curl) are not affected.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from ..orchestrator.identity import BrowserPolicy


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return bytes(value).decode("latin-1")
    return None


class BrowserGuard:
    """ASGI middleware applying a `BrowserPolicy` (read from `policy()` on each request)."""

    def __init__(self, app: ASGIApp, policy: BrowserPolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass allowed requests on; answer the others 403 with the reason."""
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        problem = self.policy.problem(_header(scope, b"host"), _header(scope, b"origin"))
        if problem is None:
            await self.app(scope, receive, send)
            return
        body = (problem + "\n").encode()
        headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]
        if scope["type"] == "http":
            await send({"type": "http.response.start", "status": 403, "headers": headers})
            await send({"type": "http.response.body", "body": body})
        elif "websocket.http.response" in scope.get("extensions", {}):
            await send({"type": "websocket.http.response.start", "status": 403, "headers": headers})
            await send({"type": "websocket.http.response.body", "body": body})
        else:  # a close before accepting is a 403 in every ASGI server
            await send({"type": "websocket.close", "code": 1008, "reason": problem[:123]})
