"""Round trips and dispatch latency with N connected agents, beside bare `websockets` in the same run.

Round trips: every connected agent holds a running subtask and sends progress messages,
each waiting for the orchestrator's ack before the next (all agents at once, `total`
round trips in all). Baseline: as many bare WebSocket connections to an echo server,
each sending the same JSON frame and waiting for its echo, as many times.

Dispatch: tasks are submitted one after another, each planned as one subtask pinned to
an agent taken in turn; the latency runs from `Orchestrator.submit` to the `assign`
arriving at that agent (planning, graph, scheduler, session numbering, encoding, the
socket, decoding). Baseline: a bare server pushing one frame down one of N connections,
timed until it arrives.
"""

from __future__ import annotations

import asyncio
import math
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass

from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import ServerConnection, serve

from ...protocol.codec import encode
from .fleet import FakeAgent, connected_fleet, progress_message

__all__ = ["Latency", "WireFigures", "measure_wire", "percentile"]


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (nearest rank) of `values`; 0 when empty."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


@dataclass(frozen=True)
class Latency:
    """Count, rate and percentiles (milliseconds) of one timed operation."""

    count: int
    per_second: float
    p50_ms: float
    p99_ms: float
    mean_ms: float

    @classmethod
    def of(cls, seconds: Sequence[float], wall_s: float) -> Latency:
        """From per-operation seconds and the wall time they took together."""
        ms = [s * 1000 for s in seconds]
        return cls(len(ms), len(ms) / wall_s if wall_s else 0.0, round(percentile(ms, 50), 3),
                   round(percentile(ms, 99), 3), round(statistics.fmean(ms), 3) if ms else 0.0)


@dataclass(frozen=True)
class WireFigures:
    """One agent count: fleetmind's figures beside the bare-WebSocket ones."""

    agents: int
    round_trips: Latency
    bare_round_trips: Latency
    dispatch: Latency
    bare_push: Latency
    submit_to_done: Latency


async def _fleet_figures(agents_n: int, total: int, dispatches: int) -> tuple[Latency, Latency, Latency]:
    async with connected_fleet(agents_n, finish_at_once=False) as (orch, agents):
        # dispatch, one task at a time: the agent finishes each at once
        dispatch, done = [], []
        for i in range(dispatches):
            agent = agents[i % agents_n]
            start = time.perf_counter()
            run = await orch.submit(agent.device_id)
            assign, arrived = await agent.assigned.get()
            dispatch.append(arrived - start)
            await agent.finish(assign.subtask_id)
            await run.done
            done.append(time.perf_counter() - start)
        dispatch_wall = sum(done)
        # round trips: every agent holds a running subtask and reports progress on it
        runs = [await orch.submit(a.device_id) for a in agents]
        held = [(a, (await a.assigned.get())[0].subtask_id) for a in agents]
        each = max(1, math.ceil(total / agents_n))
        times: list[float] = []

        async def report(agent: FakeAgent, sid: str) -> None:
            for step in range(1, each + 1):
                times.append(await agent.round_trip(sid, step))

        start = time.perf_counter()
        await asyncio.gather(*(report(a, sid) for a, sid in held))
        wall = time.perf_counter() - start
        for agent, sid in held:
            await agent.finish(sid)
        await asyncio.gather(*(r.done for r in runs))
    return Latency.of(times, wall), Latency.of(dispatch, sum(dispatch)), Latency.of(done, dispatch_wall)


async def _bare_figures(connections: int, total: int, pushes: int) -> tuple[Latency, Latency]:
    frame = encode(progress_message("bench/s1#1", 1))
    server_side: list[ServerConnection] = []
    registered = asyncio.Condition()

    async def echo(ws: ServerConnection) -> None:
        async with registered:
            server_side.append(ws)
            registered.notify_all()
        async for message in ws:
            await ws.send(message)

    async with serve(echo, "127.0.0.1", 0, ping_interval=None) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        clients: list[ClientConnection] = []
        for i in range(0, connections, 100):
            clients += await asyncio.gather(*(connect(f"ws://127.0.0.1:{port}", ping_interval=None)
                                              for _ in range(min(100, connections - i))))
        async with registered:
            await registered.wait_for(lambda: len(server_side) >= connections)
        each = max(1, math.ceil(total / connections))
        times: list[float] = []

        async def echoes(ws: ClientConnection) -> None:
            for _ in range(each):
                start = time.perf_counter()
                await ws.send(frame)
                await ws.recv()
                times.append(time.perf_counter() - start)

        start = time.perf_counter()
        await asyncio.gather(*(echoes(c) for c in clients))
        wall = time.perf_counter() - start
        # push: the server side sends, the client side receives (its echo handler is idle meanwhile)
        by_port = {c.local_address[1]: c for c in clients}
        push: list[float] = []
        for i in range(pushes):
            peer = server_side[i % connections]
            client = by_port[peer.remote_address[1]]
            start = time.perf_counter()
            await peer.send(frame)
            await client.recv()
            push.append(time.perf_counter() - start)
        for c in clients:
            await c.close()
    return Latency.of(times, wall), Latency.of(push, sum(push))


async def measure_wire(agent_counts: Sequence[int] = (1, 100, 1000), round_trips: int = 2000,
                       dispatches: int = 200) -> list[WireFigures]:
    """Fleetmind and bare figures for each agent count, fleetmind's run first, then the bare one."""
    figures = []
    for n in agent_counts:
        rt, dispatch, done = await _fleet_figures(n, round_trips, dispatches)
        bare_rt, push = await _bare_figures(n, round_trips, dispatches)
        figures.append(WireFigures(n, rt, bare_rt, dispatch, push, done))
    return figures
