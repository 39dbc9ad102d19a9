"""One cross-device episode's fleet and how a task runs on it, through the orchestrator.

Each run gets fresh devices: VirtualPhones behind their own ADB server (driven by
`AndroidDevice`, seeded and checked with `AdbShell`), Chromium on a VirtualWeb site
when the task needs a browser, and the embedded orchestrator with one agent host per
device, as `fleetmind run` has. The agent policy plans the request (planner -> graph ->
GUI agents); the oracle policy submits the task's reference graph and replays each
subtask's reference plan (`OracleAgent`).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from ...agents.loop import AskFn, GuiAgent, LoopResult, OnStep, StepRecord, SubtaskSpec
from ...agents.models import ChatModel
from ...devices.base import Action, Device, describe_action
from ...devices.virtual.web import VirtualWeb
from ...embedded import EmbeddedFleet, UsageError, parse_devices
from ...orchestrator.graph import GraphPatch, TaskGraph
from ...orchestrator.planner import Planner
from ...orchestrator.runs import TaskRun
from ...orchestrator.server import Orchestrator
from ...orchestrator.store import Event
from ...protocol.messages import Budget, DeviceProfile
from ..android.oracle import replay
from ..android.phone import AdbPhone, AdbShell
from .spec import Fleet, XTask, reference_plan

__all__ = ["OracleAgent", "Timing", "run_task"]

_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")


class ReferencePlanner:
    """A planner that returns the task's reference graph (the oracle policy)."""

    def __init__(self, task: XTask) -> None:
        self.task = task

    async def plan(self, request: str, devices: Sequence[DeviceProfile]) -> GraphPatch:
        """The reference graph, whatever the request says."""
        return reference_plan(self.task)


class OracleAgent:
    """Runs a subtask of the reference graph by replaying its plan, with the upstream outputs filled in."""

    def __init__(self, device: Device, task: XTask, params: dict[str, Any]) -> None:
        self.device = device
        self.params = params
        self.plans = {ref.goal: ref for ref in task.reference}

    async def run(self, spec: SubtaskSpec, *, on_step: OnStep | None = None, ask: AskFn | None = None,
                  thread_id: str | None = None) -> LoopResult:
        """Same contract as `GuiAgent.run`."""
        ref = self.plans.get(spec.goal)
        if ref is None:
            return LoopResult("failed", f"no reference plan for {spec.goal!r}", error="not in the reference graph")
        values = {**self.params, **spec.inputs}
        for name, value in spec.inputs.items():
            m = _CLOCK.search(value)
            if m:
                values[f"{name}_hour"], values[f"{name}_minute"] = m.group(1), m.group(2)
        count = 0

        async def report(action: Action) -> None:
            nonlocal count
            count += 1
            if on_step is not None:
                await on_step(StepRecord(count, action, describe_action(action), "rule", "oracle: reference plan"))

        result = await replay(self.device, ref.steps, values, on_action=report)
        if not result.ok:
            return LoopResult("failed", result.error or "failed", error=result.error, steps=result.steps)
        outputs = {name: result.outputs.get(name, result.answer) for name in spec.outputs}
        return LoopResult("succeeded", result.answer or "done", outputs, steps=result.steps, verified=True)


@dataclass
class Timing:
    """When each subtask ran (first start to end, seconds from submission) and the whole task took."""

    makespan_s: float = 0.0
    spans: dict[str, tuple[float, float]] = field(default_factory=dict)

    def critical_path_s(self, graph: TaskGraph) -> float:
        """The longest chain of measured subtask durations along the graph's edges."""
        best: dict[str, float] = {}
        for sub in _order(graph):
            start, end = self.spans.get(sub, (0.0, 0.0))
            before = max((best.get(p, 0.0) for p, _ in graph.predecessors(sub)), default=0.0)
            best[sub] = before + (end - start)
        return max(best.values(), default=0.0)

    def busy_s(self) -> float:
        """The sum of every subtask's duration (the work done)."""
        return sum(end - start for start, end in self.spans.values())

    def peak_width(self) -> int:
        """The most subtasks that were running at the same moment."""
        points = sorted([(s, 1) for s, _ in self.spans.values()] + [(e, -1) for _, e in self.spans.values()],
                        key=lambda p: (p[0], p[1]))
        now = peak = 0
        for _, delta in points:
            now += delta
            peak = max(peak, now)
        return peak


def _order(graph: TaskGraph) -> list[str]:
    done: list[str] = []
    pending = [s.id for s in graph.subtasks()]
    while pending:
        ready = [s for s in pending if all(p in done for p, _ in graph.predecessors(s))]
        if not ready:
            break
        done += ready
        pending = [s for s in pending if s not in ready]
    return done


@dataclass
class TaskOutcome:
    """How one run of a task went: status, graph, timing, steps, and the check's verdict."""

    status: str
    graph: TaskGraph | None
    timing: Timing
    steps: int = 0
    tiers: dict[str, int] = field(default_factory=dict)
    success: bool = False
    error: str | None = None


@contextlib.asynccontextmanager
async def _devices(task: XTask, seed: int) -> AsyncIterator[
        tuple[list[Device], dict[str, AdbPhone], VirtualWeb | None]]:
    from ...devices.android import AndroidDevice
    from ...devices.virtual import VirtualPhone
    from ...devices.virtual.adbd import AdbServer, emulator_serial

    counts = parse_devices(task.devices)
    async with contextlib.AsyncExitStack() as stack:
        served = {emulator_serial(i): VirtualPhone(device_id=f"phone-{i + 1}", seed=seed + i)
                  for i in range(counts.get("phone", 0))}
        server = await stack.enter_async_context(AdbServer(served))
        devices: list[Device] = []
        phones: dict[str, AdbPhone] = {}
        for i, serial in enumerate(served):
            device = AndroidDevice(serial, adb_port=server.port, use_uiautomator2=False, device_id=f"phone-{i + 1}")
            devices.append(await device.connect())
            stack.push_async_callback(device.close)
            phones[f"phone-{i + 1}"] = AdbPhone(AdbShell(serial, port=server.port))
        web = None
        if counts.get("browser"):
            from ...devices.browser import INSTALL_COMMAND, BrowserDevice, find_chromium

            if find_chromium() is None:
                raise UsageError(f"task {task.id} needs a browser, and so Debian's Chromium: {INSTALL_COMMAND}")
            web = stack.enter_context(VirtualWeb(seed=seed))
            browser = BrowserDevice(device_id="browser-1", start_url=web.url)
            await browser.start()
            stack.push_async_callback(browser.close)
            devices.append(browser)
        yield devices, phones, web


async def run_task(task: XTask, *, policy: str, local: ChatModel | None, cloud: ChatModel | None,
                   max_concurrent: int, seed: int = 0, timeout_s: float = 240.0) -> TaskOutcome:
    """Run `task` once on a fresh fleet, `max_concurrent` subtasks at a time; check the devices afterwards."""
    async with _devices(task, seed) as (devices, phones, web):
        for phone in phones.values():
            await phone.reset()
        await task.seed(phones, task.params)
        params = {**task.params, "web": web.url if web else ""}
        planner: Planner | None = ReferencePlanner(task) if policy == "oracle" else None
        factory = (lambda d: cast(GuiAgent, OracleAgent(d, task, params))) if policy == "oracle" else None
        fleet = EmbeddedFleet(devices, local=local, cloud=cloud, planner=planner, agent_factory=factory,
                              orchestrator_kwargs={"max_concurrent": max_concurrent})
        async with fleet:
            outcome = await _follow(fleet, task, timeout_s)
        checked = Fleet(phones, web.state if web else None, web.forecast if web else None)
        outcome.success = outcome.status != "refused" and await task.check(checked, task.params)
        return outcome


async def run_to_end(orch: Orchestrator, run: TaskRun, timeout_s: float) -> tuple[str, str | None]:
    """A submitted task's status and error once it ends; past `timeout_s` it is cancelled and "timed out"."""
    try:
        async with asyncio.timeout(timeout_s):
            await run.done
        return run.status, run.error
    except TimeoutError:
        await orch.cancel(run.id, "the bench's time for this task ran out")
        return "timed out", f"no end after {timeout_s:.0f}s"


async def _follow(fleet: EmbeddedFleet, task: XTask, timeout_s: float) -> TaskOutcome:
    """Submit the request and follow the task to its end; the bench has no user, so a question ends it."""
    from ...orchestrator.planner import PlanningFailed

    orch = fleet.orchestrator
    queue = orch.subscribe()
    timing = Timing()
    events: list[Event] = []
    try:
        try:
            run = await orch.submit(task.request, budget=Budget(max_steps=20), confirm="allow")
        except PlanningFailed as exc:
            return TaskOutcome("refused", None, timing, error=str(exc).splitlines()[0])
        began, began_wall = time.monotonic(), time.time()
        asked: list[str] = []

        async def watch() -> None:
            while True:
                event = await queue.get()
                events.append(event)
                if event.task_id == run.id and event.kind == "question" and not asked:
                    asked.append(str(event.data.get("text") or event.data.get("question") or "a question"))
                    await orch.cancel(run.id, "the bench has no user to answer questions")

        watcher = asyncio.create_task(watch(), name=f"watch-{task.id}")
        try:
            status, error = await run_to_end(orch, run, timeout_s)
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
        if asked:
            status, error = "asked the user", f"asked the user (nobody answers in the bench): {asked[0][:200]}"
        timing.makespan_s = time.monotonic() - began
        while not queue.empty():
            events.append(queue.get_nowait())
        starts: dict[str, float] = {}
        for event in events:
            if event.task_id != run.id or event.kind != "subtask_state":
                continue
            sid, state = event.data["subtask"], event.data["status"]
            at = event.ts - began_wall  # seconds since submission
            if state == "running":
                starts.setdefault(sid, at)
            elif sid in starts and state in ("succeeded", "failed", "cancelled"):
                timing.spans[sid] = (starts[sid], at)
        tiers: dict[str, int] = {}
        for step in run.steps:
            tiers[str(step["tier"])] = tiers.get(str(step["tier"]), 0) + 1
        return TaskOutcome(status, run.graph, timing, len(run.steps), tiers, error=error)
    finally:
        orch.unsubscribe(queue)
