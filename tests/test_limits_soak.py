"""Liveness and a bounded soak over real loopback connections.

A device that goes silent (its network turns into a black hole, as when a phone drops off
Wi-Fi) misses its heartbeats, is marked lost after `heartbeat_s`, and its subtask moves to
another device after `reconnect_grace_s`; when it comes back holding the stale subtask it
is told to cancel it. The soak runs 200 tasks across 20 tiny agents speaking the real
protocol, with a real SQLite file, and bounds the orchestrator's memory growth.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import shutil
import tempfile
import tracemalloc
from collections.abc import AsyncIterator, Awaitable
from pathlib import Path

from test_security_support import TinyAgent, served

from fleetmind.orchestrator.limits import Limits
from fleetmind.orchestrator.runs import TaskRun
from fleetmind.protocol.messages import Assign, Cancel, Welcome

SOAK_TASKS = 200
SOAK_AGENTS = 20
MEMORY_BOUND_BYTES = 2 * 2**20
"""Growth allowed over 200 tasks once warm (measured: about 0.6 MiB): 20 finished runs kept, not 200."""


class BlackHole:
    """A TCP relay to 127.0.0.1:`port` that can swallow everything in both directions."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.swallowing = False
        self.url = ""
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> BlackHole:
        self._server = await asyncio.start_server(self._pipe, "127.0.0.1", 0)
        self.url = f"ws://127.0.0.1:{self._server.sockets[0].getsockname()[1]}/agent"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.port)

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError):
                while data := await src.read(65536):
                    if not self.swallowing:
                        dst.write(data)
                        await dst.drain()
            dst.close()

        await asyncio.gather(pump(reader, up_writer), pump(up_reader, writer), return_exceptions=True)


async def test_a_silent_device_is_lost_its_work_moves_and_it_is_told_to_cancel_on_return(tmp_path: Path) -> None:
    async with (
        asyncio.timeout(30),
        served(tmp_path / "fleet.db", heartbeat_s=0.3, reconnect_grace_s=0.3) as (orch, server),
        BlackHole(int(server.url.rsplit(":", 1)[1])) as hole,
    ):
        silent = TinyAgent(hole.url, "phone-1", agent_id="silent", auto=False)
        assert isinstance(await silent.hello(), Welcome)
        run = await orch.submit("sync the photos")
        stale = await silent.next(Assign)  # the only device: it gets the work
        backup = TinyAgent(server.agent_url, "phone-2", agent_id="backup")  # auto: finishes what it gets
        assert isinstance(await backup.hello(), Welcome)
        hole.swallowing = True  # phone-1 falls silent: no pongs, no frames
        await run.done
        sub = run.graph.subtask("s0")
        assert run.status == "succeeded" and sub.device_id == "phone-2" and sub.tried_devices[0] == "phone-1"
        # phone-1 comes back (its session long forgotten), still holding the old attempt.
        back = TinyAgent(server.agent_url, "phone-1", agent_id="silent", auto=False)
        back.link = silent.link
        assert isinstance(await back.hello(resume=True, running=[stale.subtask_id]), Welcome)
        cancel = await back.next(Cancel)
        assert cancel.subtask_id == stale.subtask_id and "no longer yours" in cancel.reason
        for agent in (back, backup):
            await agent.drop()


async def outcome(running: Awaitable[TaskRun]) -> tuple[str, str | None]:
    """A finished run's status and the device its subtask ran on."""
    run = await running
    return run.status, run.graph.subtask("s0").device_id


@contextlib.asynccontextmanager
async def fleet(url: str, count: int) -> AsyncIterator[list[TinyAgent]]:
    agents = [TinyAgent(url, f"phone-{i}", agent_id=f"tiny-{i}") for i in range(count)]
    for agent in agents:
        assert isinstance(await agent.hello(), Welcome)
    try:
        yield agents
    finally:
        for agent in agents:
            await agent.drop()


async def test_a_soak_of_200_tasks_on_20_agents_keeps_memory_bounded(tmp_path: Path) -> None:
    limits = Limits(finished_runs_kept=20)
    # A real SQLite file, on tmpfs when there is one: the soak measures memory, not the disk's fsync.
    shm = Path("/dev/shm")
    on_tmpfs = shm.is_dir() and os.access(shm, os.W_OK)
    where = Path(tempfile.mkdtemp(dir=shm)) if on_tmpfs else tmp_path
    try:
        grown = await soak(where / "fleet.db", limits)
    finally:
        if on_tmpfs:
            shutil.rmtree(where, ignore_errors=True)
    print(f"soak: {SOAK_TASKS} tasks on {SOAK_AGENTS} agents, memory grew {grown / 2**20:.2f} MiB")
    assert grown < MEMORY_BOUND_BYTES, f"memory grew {grown / 2**20:.1f} MiB"


async def soak(db: Path, limits: Limits) -> int:
    """Run the soak on a fresh orchestrator with its store in `db`; returns the memory growth."""
    async with (
        asyncio.timeout(60),
        served(db, limits=limits, max_concurrent=SOAK_AGENTS) as (orch, server),
        fleet(server.agent_url, SOAK_AGENTS),
    ):
        warm = await asyncio.gather(*(orch.run(f"warm {i}") for i in range(limits.finished_runs_kept)))
        assert {r.status for r in warm} == {"succeeded"}
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            # Keep only what the test checks, not the runs: their memory is what is measured.
            ended = await asyncio.gather(*(outcome(orch.run(f"task {i}")) for i in range(SOAK_TASKS)))
            gc.collect()
            grown = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
        assert [status for status, _ in ended] == ["succeeded"] * SOAK_TASKS
        assert len({device for _, device in ended}) == SOAK_AGENTS  # spread over the fleet
        assert len(orch.runs) == limits.finished_runs_kept and len(orch.sessions) == SOAK_AGENTS
        assert len(orch.store.tasks()) == SOAK_TASKS + limits.finished_runs_kept  # the store has them all
    return grown
