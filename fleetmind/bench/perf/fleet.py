"""Fake device agents that speak the real agent protocol to a real `Orchestrator` over loopback.

A `FakeAgent` is what `agents.host.DeviceAgentHost` is on the wire (hello, welcome, a
numbered `Link` session, accept / progress / result, acks) without a device or a GUI
agent behind it, so the benchmark measures the protocol and the orchestrator only.
`OneSubtaskPlanner` turns a request that names a device into one subtask on it, so a
submitted task is dispatched to the agent the benchmark chose.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Sequence

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from ...orchestrator.graph import GraphPatch, SubtaskSpec
from ...orchestrator.limits import Limits
from ...orchestrator.planner import RetryReplanner
from ...orchestrator.server import Orchestrator
from ...orchestrator.subtask import DeviceRequirement
from ...protocol.messages import (
    Accept,
    Ack,
    Assign,
    DeviceProfile,
    Hello,
    Progress,
    Result,
    Welcome,
)
from ...protocol.session import Session
from ...protocol.transport import MAX_FRAME_BYTES, Link, receive, send_unsequenced

__all__ = ["FakeAgent", "OneSubtaskPlanner", "connected_fleet", "progress_message"]


class OneSubtaskPlanner:
    """Plans the request `DEVICE-ID` as one subtask that only that device may run."""

    async def plan(self, request: str, devices: Sequence[DeviceProfile]) -> GraphPatch:
        """One subtask, `s1`, pinned to the device the request names."""
        spec = SubtaskSpec(id="s1", goal="bench step", device=DeviceRequirement(device_id=request.strip()))
        return GraphPatch.from_specs([spec], reason="perf bench")


def progress_message(subtask_id: str, step: int) -> Progress:
    """A typical step report (the payload `bench protocol` times too)."""
    return Progress(subtask_id=subtask_id, step=step, action={"kind": "tap", "target": {"element": "e12"}},
                    summary="tap 'Wi-Fi'", tier="rule", why="the goal names it", latency_ms=1.5)


class FakeAgent:
    """One agent with one phone; `finish_at_once` answers each assign with accept + result."""

    def __init__(self, agent_id: str, url: str, *, finish_at_once: bool = True) -> None:
        self.agent_id = agent_id
        self.device_id = f"{agent_id}-phone"
        self.url = url
        self.finish_at_once = finish_at_once
        self.link: Link | None = None
        self.assigned: asyncio.Queue[tuple[Assign, float]] = asyncio.Queue()
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._acked = asyncio.Event()

    async def connect(self) -> FakeAgent:
        """Dial in, say hello, take the welcome's session; returns self."""
        ws = self._ws = await connect(self.url, max_size=MAX_FRAME_BYTES, ping_interval=None)
        profile = DeviceProfile(id=self.device_id, kind="phone", platform="android", capabilities=["bench"])
        await send_unsequenced(ws, Hello(agent_id=self.agent_id, devices=[profile]), None)
        welcome = await receive(ws, None)
        if not isinstance(welcome, Welcome):
            raise RuntimeError(f"{self.agent_id}: expected welcome, got {welcome.type}")
        self.link = Link(Session(welcome.session_id))
        await self.link.attach(ws, welcome.last_seq)
        self._reader = asyncio.create_task(self._read(ws, self.link), name=f"fake-agent-{self.agent_id}")
        return self

    async def _read(self, ws: ClientConnection, link: Link) -> None:
        with contextlib.suppress(ConnectionClosed):
            while True:
                message = await receive(ws, link.session, ack=False)
                self._acked.set()  # every message carries the peer's ack
                if isinstance(message, Assign):
                    await self.assigned.put((message, time.perf_counter()))
                    await send_unsequenced(ws, Ack(), link.session)
                    await link.send(Accept(subtask_id=message.subtask_id))
                    if self.finish_at_once:
                        await self.finish(message.subtask_id)

    async def round_trip(self, subtask_id: str, step: int) -> float:
        """Send one progress message and wait for its ack; the seconds it took."""
        assert self.link is not None, "connect() first"
        start = time.perf_counter()
        self._acked.clear()
        await self.link.send(progress_message(subtask_id, step))
        while self.link.session.unacked:
            await self._acked.wait()
            self._acked.clear()
        return time.perf_counter() - start

    async def finish(self, subtask_id: str) -> None:
        """Report the subtask succeeded."""
        assert self.link is not None, "connect() first"
        await self.link.send(Result(subtask_id=subtask_id, status="succeeded", summary="bench", steps=1))

    async def close(self) -> None:
        """Hang up."""
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader


@contextlib.asynccontextmanager
async def connected_fleet(count: int, *, finish_at_once: bool = True, batch: int = 100,
                          timeout_s: float = 60.0) -> AsyncIterator[tuple[Orchestrator, list[FakeAgent]]]:
    """An orchestrator on loopback with `count` fake agents connected (`batch` dialling at a time)."""
    # Room for every agent, and the per-connection frame rate limit lifted: the figures are the
    # protocol's and the runtime's costs, not the default throttle (Limits.rate_per_s frames/s).
    limits = Limits(max_sessions=max(Limits.max_sessions, count), rate_per_s=1e9, burst=10**9)
    orch = Orchestrator(OneSubtaskPlanner(), RetryReplanner(), max_concurrent=max(8, count),
                        no_device_timeout_s=5.0, limits=limits)
    url = await orch.start()
    agents = [FakeAgent(f"a{i}", url, finish_at_once=finish_at_once) for i in range(count)]
    try:
        async with asyncio.timeout(timeout_s):
            for i in range(0, count, batch):
                await asyncio.gather(*(a.connect() for a in agents[i:i + batch]))
            await orch.wait_for_devices(count, timeout_s=timeout_s)
        yield orch, agents
    finally:
        for i in range(0, count, batch):
            await asyncio.gather(*(a.close() for a in agents[i:i + batch]))
        await orch.stop()
