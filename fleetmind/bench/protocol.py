"""`fleetmind bench protocol`: what the agent protocol costs over a bare WebSocket.

The same JSON `progress` payload makes round trips over loopback twice in one run:
once as a bare echo (the baseline), once through the protocol (encode, session
numbering and replay buffer, decode and validate, ack back).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass

from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from ..protocol.codec import decode, encode
from ..protocol.messages import Progress
from ..protocol.session import Session
from ..protocol.transport import Link, receive


@dataclass
class ProtocolResult:
    name: str
    round_trips: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.round_trips / self.seconds if self.seconds else 0.0

    @property
    def micros_each(self) -> float:
        return self.seconds / self.round_trips * 1e6 if self.round_trips else 0.0


def _payload(step: int) -> Progress:
    return Progress(subtask_id="bench/s1#1", step=step, action={"kind": "tap", "target": {"element": "e12"}},
                    summary="tap 'Wi-Fi'", tier="rule", why="the goal names it", latency_ms=1.5)


async def run_protocol_bench(round_trips: int = 2000) -> list[ProtocolResult]:
    """Bare echo vs protocol round trips, `round_trips` each, on 127.0.0.1."""

    async def echo(ws: ServerConnection) -> None:
        async for frame in ws:
            await ws.send(frame)

    async def protocol_peer(ws: ServerConnection) -> None:
        session = Session("bench-server")
        with contextlib.suppress(ConnectionClosed):
            while True:
                await receive(ws, session)  # decodes, validates, numbers and acks

    results = []
    frame = encode(_payload(1))
    async with serve(echo, "127.0.0.1", 0) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        async with connect(f"ws://127.0.0.1:{port}") as ws:
            start = time.perf_counter()
            for _ in range(round_trips):
                await ws.send(frame)
                await ws.recv()
            results.append(ProtocolResult("bare WebSocket echo (baseline)", round_trips, time.perf_counter() - start))
    async with serve(protocol_peer, "127.0.0.1", 0) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        async with connect(f"ws://127.0.0.1:{port}") as ws:
            link = Link(Session("bench-client"))
            await link.attach(ws, 0)
            start = time.perf_counter()
            for i in range(round_trips):
                await link.send(_payload(i + 1))
                ack = decode(await ws.recv())
                link.session.receive(ack)
            elapsed = time.perf_counter() - start
            assert link.session.unacked == 0, "every progress message was acknowledged"
            results.append(ProtocolResult("protocol: progress -> ack", round_trips, elapsed))
    return results


def run(round_trips: int = 2000) -> list[ProtocolResult]:
    return asyncio.run(run_protocol_bench(round_trips))
