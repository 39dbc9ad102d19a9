"""Memory per connected agent: N fake agents dial a real orchestrator over loopback, beside N bare
WebSocket connections, measured the same way in the same run.

Both ends live in this process (the agents are asyncio tasks here), so each figure is
what one more connected agent costs the whole loopback pair: Python allocations traced
by `tracemalloc` (after a garbage collection, before and after connecting) and the
resident set size from /proc (which also holds the kernel-independent socket buffers of
the C side, and is coarse: the allocator keeps freed memory). fleetmind's cost over the
bare connection is the difference between the two rows.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import tracemalloc
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import ServerConnection, serve

from .fleet import connected_fleet

__all__ = ["MemoryFigure", "measure_memory"]


@dataclass(frozen=True)
class MemoryFigure:
    """Bytes per connected agent, for one agent count and one kind of connection."""

    agents: int
    what: str
    traced_bytes_per_agent: float
    rss_bytes_per_agent: float


def _rss_bytes() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


@contextlib.asynccontextmanager
async def _bare(count: int) -> AsyncIterator[None]:
    joined = asyncio.Condition()
    server_side: list[ServerConnection] = []

    async def hold(ws: ServerConnection) -> None:
        async with joined:
            server_side.append(ws)
            joined.notify_all()
        await ws.wait_closed()

    async with serve(hold, "127.0.0.1", 0, ping_interval=None) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        clients: list[ClientConnection] = []
        for i in range(0, count, 100):
            clients += await asyncio.gather(*(connect(f"ws://127.0.0.1:{port}", ping_interval=None)
                                              for _ in range(min(100, count - i))))
        async with joined:
            await joined.wait_for(lambda: len(server_side) >= count)
        try:
            yield
        finally:
            await asyncio.gather(*(c.close() for c in clients))


async def _per_agent(count: int, what: str, holder: contextlib.AbstractAsyncContextManager[object]) -> MemoryFigure:
    gc.collect()
    traced0, rss0 = tracemalloc.get_traced_memory()[0], _rss_bytes()
    async with holder:
        gc.collect()
        traced1, rss1 = tracemalloc.get_traced_memory()[0], _rss_bytes()
    return MemoryFigure(count, what, round((traced1 - traced0) / count), round((rss1 - rss0) / count))


async def measure_memory(agent_counts: tuple[int, ...] = (100, 1000)) -> list[MemoryFigure]:
    """Per-agent memory of fleetmind agents and of bare connections, for each count."""
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    try:
        figures = []
        for n in agent_counts:
            figures.append(await _per_agent(n, "bare WebSocket connection (baseline)", _bare(n)))
            figures.append(await _per_agent(n, "fleetmind agent (hello, session, registry)", connected_fleet(n)))
        return figures
    finally:
        if started:
            tracemalloc.stop()
