"""The agent protocol's WebSocket endpoint (`/agent`) on the API's own port.

Agents dial `/agent` with the `websockets` client and speak the protocol of
`fleetmind.protocol` unchanged. The orchestrator's connection handler reads and
writes through `protocol.transport`, which asks of a socket only `send(text)`,
`recv()` and `close(code, reason)`, and ends a connection by raising
`websockets.exceptions.ConnectionClosed`. `AgentSocket` gives a Starlette WebSocket
exactly that shape, so the same handler serves agents here and on the
orchestrator's own listener (`Orchestrator.start`).
"""

from __future__ import annotations

import contextlib

from starlette.websockets import WebSocket, WebSocketDisconnect
from websockets.exceptions import ConnectionClosed
from websockets.frames import Close, CloseCode

from ..orchestrator.server import Orchestrator


class AgentSocket:
    """A Starlette WebSocket with the `send` / `recv` / `close` of a `websockets` connection.

    Once either side has closed, `send` and `recv` raise `ConnectionClosed`, as the
    `websockets` library does; `close` after that does nothing.
    """

    def __init__(self, ws: WebSocket) -> None:
        self._ws = ws
        self._received: Close | None = None
        self._sent: Close | None = None

    def _closed(self) -> ConnectionClosed:
        return ConnectionClosed(self._received, self._sent)

    async def recv(self) -> str | bytes:
        """The next frame's payload; raises `ConnectionClosed` when the connection has ended."""
        if self._received or self._sent:
            raise self._closed()
        message = await self._ws.receive()
        if message["type"] == "websocket.disconnect":
            self._received = Close(int(message.get("code") or CloseCode.NO_STATUS_RCVD), message.get("reason") or "")
            raise self._closed()
        text: str | None = message.get("text")
        return text if text is not None else bytes(message.get("bytes") or b"")

    async def send(self, message: str) -> None:
        """Send one text frame; raises `ConnectionClosed` when the connection has ended."""
        if self._received or self._sent:
            raise self._closed()
        try:
            await self._ws.send_text(message)
        except (WebSocketDisconnect, OSError, RuntimeError) as exc:
            # uvicorn reports a peer that went away mid-send as an OSError or a disconnect.
            self._received = Close(getattr(exc, "code", CloseCode.ABNORMAL_CLOSURE), "")
            raise self._closed() from exc

    async def close(self, code: int = CloseCode.NORMAL_CLOSURE, reason: str = "") -> None:
        """Close with `code` and `reason` (at most 123 bytes, as the WebSocket spec allows)."""
        if self._received or self._sent:
            return
        self._sent = Close(code, reason)
        with contextlib.suppress(WebSocketDisconnect, OSError, RuntimeError):  # already gone: nothing to close
            await self._ws.close(code, reason.encode()[:123].decode(errors="ignore"))


async def serve_agent(ws: WebSocket, orch: Orchestrator) -> None:
    """Accept an agent's WebSocket and hand it to the orchestrator until it closes."""
    await ws.accept()
    socket = AgentSocket(ws)
    try:
        await orch.handle_agent(socket)
    finally:
        await socket.close()
