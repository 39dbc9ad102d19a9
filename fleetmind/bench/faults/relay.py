"""A WebSocket relay on loopback between one device agent and the orchestrator, where faults happen in transit.

The agent dials the relay; the relay dials the orchestrator and passes each frame on,
in both directions, unchanged, unless told to drop or duplicate it (sequenced protocol
messages only: a lost `hello` tests nothing but the welcome timeout). `cut` ends the
current connection abruptly, as a lost network does (the agent dials again); `close`
stops listening, so the agent never gets through again.

Every fault is logged with its time (`Injected`), so the bench can say how long the
system took to make progress again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus

from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.http11 import Request, Response

from ...protocol.transport import MAX_FRAME_BYTES

__all__ = ["FaultyRelay", "Injected", "message_type"]

_UNSENDABLE = {1005, 1006, 1015}
"""Close codes a peer reports but nobody may send; a relayed close turns them into 1011."""


@dataclass(frozen=True)
class Injected:
    """One fault the bench injected: what, where, and when (time.time())."""

    kind: str
    device: str
    at: float
    detail: str = ""


@dataclass
class FaultyRelay:
    """Relays one agent's connections to `upstream`; drops or duplicates sequenced frames at the given rates."""

    upstream: str
    device: str
    drop: float = 0.0
    duplicate: float = 0.0
    seed: int = 0
    injected: list[Injected] = field(default_factory=list)
    on_frame: Callable[[str, str | bytes], Awaitable[None]] | None = None
    """Called with (direction, frame) right after each frame is passed on (where a crash is timed)."""
    _server: Server | None = None
    _rng: random.Random = field(default_factory=random.Random)
    _pairs: set[tuple[ServerConnection, ClientConnection]] = field(default_factory=set)
    _upstream: dict[ServerConnection, ClientConnection] = field(default_factory=dict)

    async def start(self) -> str:
        """Listen on a free loopback port; the URL the agent should dial."""
        self._rng = random.Random(self.seed)
        self._server = await serve(self._relay, "127.0.0.1", 0, max_size=MAX_FRAME_BYTES, ping_interval=None,
                                   process_request=self._dial)
        port = next(iter(self._server.sockets)).getsockname()[1]
        return f"ws://127.0.0.1:{port}/agent"

    async def cut(self) -> None:
        """End every connection now, without a closing handshake (the agent sees a drop and dials again)."""
        self.injected.append(Injected("disconnect", self.device, time.time(), "connection cut in transit"))
        for agent_side, orch_side in list(self._pairs):
            agent_side.transport.abort()
            orch_side.transport.abort()

    async def close(self) -> None:
        """Stop relaying for good: current connections end, new ones are refused."""
        if self._server is not None:
            self._server.close()
            for agent_side, orch_side in list(self._pairs):
                agent_side.transport.abort()
                orch_side.transport.abort()
            await self._server.wait_closed()
            self._server = None

    async def _dial(self, agent_side: ServerConnection, request: Request) -> Response | None:
        """Reach the orchestrator before taking the agent's handshake; refuse it (502) if it is down,
        as a dead server refuses, so the agent backs off instead of dialling in a tight loop."""
        try:
            self._upstream[agent_side] = await connect(self.upstream, max_size=MAX_FRAME_BYTES, ping_interval=None)
        except (OSError, InvalidHandshake, TimeoutError):
            return agent_side.respond(HTTPStatus.BAD_GATEWAY, "the orchestrator is unreachable\n")
        return None

    async def _relay(self, agent_side: ServerConnection) -> None:
        orch_side = self._upstream.pop(agent_side)
        pair = (agent_side, orch_side)
        self._pairs.add(pair)
        try:
            up = asyncio.create_task(self._pump(agent_side, orch_side, "agent->orchestrator"))
            down = asyncio.create_task(self._pump(orch_side, agent_side, "orchestrator->agent"))
            await asyncio.wait({up, down}, return_when=asyncio.FIRST_COMPLETED)
            for task in (up, down):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        finally:
            self._pairs.discard(pair)
            for side, other in ((agent_side, orch_side), (orch_side, agent_side)):
                code = other.close_code if other.close_code and other.close_code not in _UNSENDABLE else 1011
                with contextlib.suppress(Exception):
                    await side.close(code, other.close_reason or "relay: the other side closed")

    async def _pump(self, src: ServerConnection | ClientConnection, dst: ServerConnection | ClientConnection,
                    direction: str) -> None:
        with contextlib.suppress(ConnectionClosed):
            async for frame in src:
                copies = 1
                seq = _seq(frame)
                if seq and self.drop and self._rng.random() < self.drop:
                    self.injected.append(Injected("drop", self.device, time.time(), f"{direction} seq {seq}"))
                    copies = 0
                elif seq and self.duplicate and self._rng.random() < self.duplicate:
                    self.injected.append(Injected("duplicate", self.device, time.time(), f"{direction} seq {seq}"))
                    copies = 2
                for _ in range(copies):
                    await dst.send(frame)
                if self.on_frame is not None:
                    await self.on_frame(direction, frame)


def message_type(frame: str | bytes) -> str:
    """The protocol `type` of a frame ('' when unreadable)."""
    try:
        value = json.loads(frame).get("type", "")
    except (ValueError, AttributeError):
        return ""
    return value if isinstance(value, str) else ""


def _seq(frame: str | bytes) -> int:
    """The protocol `seq` of a frame (0 for unsequenced or unreadable ones: those always pass)."""
    try:
        value = json.loads(frame).get("seq", 0)
    except (ValueError, AttributeError):
        return 0
    return value if isinstance(value, int) else 0
