"""One faulted run of a cross-device task, the orchestrator in this process.

Fresh phones (devices.py), the orchestrator on loopback with the task's reference graph
(the oracle policy: the reference planner, and each subtask's reference plan replayed),
and one device-agent host per phone dialling in through its own `FaultyRelay`. The
scenario's fault goes in through the relay (a cut, the relay gone, dropped or duplicated
frames) or the phone (`FaultyDevice`: slowness, a pop-up); the mid-subtask ones fire
right after the n-th action of the target subtask. The outcome keeps everything the
ledger needs: the event log, the phones' rows before and after, when each subtask was
seen finished by its agent, and what was injected when.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from ...agents.host import DeviceAgentHost
from ...agents.loop import AskFn, GuiAgent, LoopResult, OnStep, SubtaskSpec
from ...devices.base import Device
from ...embedded import parse_devices
from ...orchestrator.planner import RetryReplanner
from ...orchestrator.server import Orchestrator
from ...protocol.messages import Budget
from ..crossdevice.fleet import OracleAgent, ReferencePlanner, run_to_end
from ..crossdevice.spec import Fleet, RefSubtask, XTask
from .devices import FaultyDevice, Phones, device_rows, open_popup, virtual_phones
from .relay import FaultyRelay, Injected
from .scenarios import Scenario

__all__ = ["FaultRun", "RecordingOracle", "run_in_process", "target_of"]

GRACE_S = 5.0
"""How long the orchestrator waits for a lost agent before its work counts as failed (in-process runs)."""
AWAY_S = 10.0
"""How long a ready subtask waits for its (briefly offline) device before it fails as unplaceable."""


@dataclass
class FaultRun:
    """What one faulted run left: the verdict of the task's check, the log, the rows, the faults."""

    success: bool
    status: str
    error: str | None
    seconds: float
    events: list[dict[str, Any]]
    injected: list[Injected]
    before: dict[str, list[tuple[str, ...]]]
    after: dict[str, list[tuple[str, ...]]]
    finished: dict[str, list[float]] = field(default_factory=dict)
    """Subtask id -> when the bench saw an agent finish it well (its replay ended ok)."""
    dismissed: int = 0


class RecordingOracle(OracleAgent):
    """The oracle agent, noting when it finished a subtask well (the bench's own view, not the wire's)."""

    def __init__(self, device: Device, task: XTask, params: dict[str, Any],
                 finished: list[tuple[str, str, float]]) -> None:
        super().__init__(device, task, params)
        self.finished = finished

    async def run(self, spec: SubtaskSpec, *, on_step: OnStep | None = None, ask: AskFn | None = None,
                  thread_id: str | None = None) -> LoopResult:
        """Same contract as `GuiAgent.run`."""
        result = await super().run(spec, on_step=on_step, ask=ask, thread_id=thread_id)
        if result.status == "succeeded":
            self.finished.append((self.device.info.id, spec.goal, time.time()))
        return result


def target_of(task: XTask) -> tuple[RefSubtask, int]:
    """The subtask a mid-subtask fault hits (the longest; of equals, the last: usually the one that
    writes) and after which of its actions (the second, or the first of a two-action plan)."""
    ref = max(reversed(task.reference), key=lambda r: len(r.steps))
    actions = sum(step.get("kind") not in ("read", "done") for step in ref.steps)
    return ref, max(1, min(2, actions - 1))


def finished_by_subtask(task: XTask, seen: list[tuple[str, str, float]]) -> dict[str, list[float]]:
    """(device, goal, when) as the agents finished them -> subtask id -> when."""
    ids = {(r.device, r.goal): r.id for r in task.reference}
    out: dict[str, list[float]] = {}
    for device, goal, at in seen:
        sid = ids.get((device, goal))
        if sid is not None:
            out.setdefault(sid, []).append(at)
    return out


def oracle_factory(task: XTask, finished: list[tuple[str, str, float]]) -> Callable[[Device], GuiAgent]:
    """Each device's agent: the recording oracle with the task's parameters."""
    return lambda d: cast(GuiAgent, RecordingOracle(d, task, {**task.params, "web": ""}, finished))


async def prepare(task: XTask, phones: Phones) -> dict[str, list[tuple[str, ...]]]:
    """Reset and seed the phones for `task`; their rows as seeded."""
    for shell in phones.shells.values():
        await shell.reset()
    await task.seed(phones.shells, task.params)
    return await device_rows(phones.shells)


async def run_in_process(task: XTask, scenario: Scenario, *, seed: int, timeout_s: float) -> FaultRun:
    """Run `task` once with `scenario`'s fault (any but the orchestrator crash); check the phones afterwards."""
    count = parse_devices(task.devices).get("phone", 0)
    if count != sum(parse_devices(task.devices).values()):
        raise ValueError(f"task {task.id} needs a browser; the faults suite runs phone tasks only")
    async with virtual_phones(count, seed) as phones:
        before = await prepare(task, phones)
        target, after_action = target_of(task)
        seen: list[tuple[str, str, float]] = []
        injected: list[Injected] = []
        orch = Orchestrator(ReferencePlanner(task), RetryReplanner(), max_concurrent=8, no_device_timeout_s=AWAY_S,
                            reconnect_grace_s=GRACE_S)
        url = await orch.start()
        relays: dict[str, FaultyRelay] = {}
        hosts: dict[str, tuple[DeviceAgentHost, asyncio.Task[None]]] = {}
        wrapped: dict[str, FaultyDevice] = {}
        background: set[asyncio.Task[None]] = set()

        async def vanish(name: str) -> None:
            await relays[name].close()
            host, running = hosts[name]
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await running
            await host.close()

        async def fault(name: str) -> None:
            now = time.time()
            if scenario.fault == "disconnect":
                await relays[name].cut()
            elif scenario.fault == "vanish":
                injected.append(Injected("vanish", name, now, "device and its agent gone for good"))
                task_ = asyncio.create_task(vanish(name))  # not from inside the subtask it cancels
                background.add(task_)
            elif scenario.fault == "popup":
                title = open_popup(phones.virtual[name], seed)
                injected.append(Injected("popup", name, now, f"pop-up {title!r} in front"))

        try:
            for i, (name, device) in enumerate(phones.devices.items()):
                relay = relays[name] = FaultyRelay(url, name, drop=scenario.drop, duplicate=scenario.duplicate,
                                                   seed=seed * 100 + i)
                hits = name == target.device and scenario.fault in ("disconnect", "vanish", "popup")
                wrapped[name] = FaultyDevice(
                    device, latency_s=scenario.latency_s if name == target.device else 0.0,
                    trigger_after=after_action if hits else 0, trigger=functools.partial(fault, name) if hits else None,
                    dismiss_popups=True)
                host = DeviceAgentHost(await relay.start(), [wrapped[name]], oracle_factory(task, seen),
                                       agent_id=f"agent-{name}")
                hosts[name] = (host, asyncio.create_task(host.run(), name=f"host-{name}"))
            await orch.wait_for_devices(count, timeout_s=15)
            if scenario.latency_s:
                injected.append(Injected("slow", target.device, time.time(), f"+{scenario.latency_s}s per action"))
            run = await orch.submit(task.request, budget=Budget(max_steps=20), confirm="allow")
            began = time.monotonic()
            status, error = await run_to_end(orch, run, timeout_s)
            seconds = time.monotonic() - began
            events = [e.model_dump() for e in orch.store.events(run.id)]
        finally:
            for host, running in hosts.values():
                running.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await running
                await host.close()
            await asyncio.gather(*background, return_exceptions=True)
            for relay in relays.values():
                await relay.close()
                injected += relay.injected
            await orch.stop()
        after = await device_rows(phones.shells)
        success = await task.check(Fleet(phones.shells), task.params)
        return FaultRun(success, status, error, seconds, events, sorted(injected, key=lambda f: f.at), before,
                        after, finished_by_subtask(task, seen), sum(d.dismissed for d in wrapped.values()))
