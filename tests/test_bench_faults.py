"""`fleetmind bench faults`: its counters read work lost and repeated from state, and a few
faulted episodes over real loopback connections lose and repeat nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, cast

import pytest

from fleetmind.agents.host import DeviceAgentHost
from fleetmind.agents.loop import GuiAgent
from fleetmind.agents.records import LoopResult
from fleetmind.agents.records import SubtaskSpec as LoopSpec
from fleetmind.bench.faults.fleet import run_in_process
from fleetmind.bench.faults.ledger import Ledger, progress_after, repeated_effects
from fleetmind.bench.faults.scenarios import Scenario
from fleetmind.bench.faults.served import PlanFile
from fleetmind.bench.faults.suite import FaultsSuite, sample_tasks
from fleetmind.bench.perf.fleet import connected_fleet, progress_message
from fleetmind.bench.runner import AsyncioExecutor, BenchConfig, run_episodes
from fleetmind.devices.base import Device
from fleetmind.devices.virtual import VirtualPhone
from fleetmind.orchestrator.durable import new_graph
from fleetmind.orchestrator.graph import GraphPatch, SubtaskResult, SubtaskSpec
from fleetmind.orchestrator.server import Orchestrator
from fleetmind.orchestrator.store import Event, SQLiteStore
from fleetmind.orchestrator.subtask import DeviceRequirement
from fleetmind.protocol.messages import Assign, Message, Progress
from fleetmind.protocol.session import Session


def state(sid: str, status: str, ts: float, attempts: int = 1) -> dict[str, Any]:
    return {"kind": "subtask_state", "ts": ts, "data": {"subtask": sid, "status": status, "attempts": attempts}}


def step(sid: str, n: int, ts: float) -> dict[str, Any]:
    return {"kind": "step_progress", "ts": ts, "data": {"subtask": sid, "step": n}}


def test_a_side_effect_applied_twice_counts_and_seeded_rows_do_not() -> None:
    text = ("address=5550100", "body=your code is 123456", "type=2")
    before = {"phone-1/messages": [("address=72345", "body=seeded", "type=1")]}
    once = {"phone-1/messages": [*before["phone-1/messages"], text]}
    twice = {"phone-1/messages": [*once["phone-1/messages"], text]}
    assert repeated_effects(before, once) == 0
    assert repeated_effects(before, twice) == 1
    assert repeated_effects(twice, twice) == 0  # rows that were there before the run are not the run's


def test_the_log_shows_a_subtask_run_twice_a_step_taken_in_twice_and_a_forgotten_success() -> None:
    events = [
        state("note", "running", 1.0), step("note", 1, 1.1), step("note", 2, 1.2), step("note", 2, 1.25),
        state("note", "running", 2.0, attempts=2), step("note", 1, 2.1), step("note", 2, 2.2),
        state("note", "succeeded", 2.3, attempts=2),
        state("read", "running", 0.5), step("read", 1, 0.6), state("read", "succeeded", 0.7),
        state("read", "failed", 3.0),
    ]
    ledger = Ledger.from_events(events)
    assert ledger.executed_twice() == ["note"]  # both attempts reached its last step
    assert ledger.steps_applied_twice() == 1  # step 2 of the first attempt, logged twice
    assert ledger.forgotten() == ["read"]
    assert ledger.lost({"note": [1.5]}) == ["note", "read"]  # finished at 1.5, yet started again at 2.0
    assert ledger.lost({"note": [2.25]}) == ["read"]
    assert progress_after(events, 1.9) == pytest.approx(0.2)
    assert progress_after(events, 5.0) is None


async def test_disconnect_drops_and_a_crash_as_a_result_arrives_lose_and_repeat_nothing() -> None:
    suite = FaultsSuite()
    config = BenchConfig(policy="oracle", episodes=1, parallel=3, only="disconnect,drop,crash-result")
    records = await run_episodes(suite, config, AsyncioExecutor(parallel=3, timeout_s=120))
    assert [r.metrics["scenario"] for r in records] == ["disconnect", "drop", "crash-result"]
    for r in records:
        assert r.success, (r.episode, r.error)  # the task's own check of the phones
        assert r.metrics["faults"] >= 1, r.episode
        assert r.metrics["recover_s"] is not None, r.episode  # something progressed after the fault
        assert r.metrics["lost"] == [] and r.metrics["executed_twice"] == [], r.metrics
        assert r.metrics["effects_repeated"] == 0 and r.metrics["steps_applied_twice"] == 0, r.metrics
    summary = suite.summarize(records, config, None)
    assert {f.name: f.value for f in summary.figures}["work lost"] == "0"


async def test_a_broken_duplicate_filter_shows_up_as_steps_applied_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_dedup(self: Session, message: Any) -> bool:  # takes every frame in, however often it comes
        self.acknowledge(message.ack)
        self.last_received = max(self.last_received, message.seq)
        return True

    monkeypatch.setattr(Session, "receive", no_dedup)
    every_frame_twice = Scenario("duplicate", "duplicate", "every sequenced frame twice", duplicate=1.0)
    run = await run_in_process(sample_tasks(0, 1)[0], every_frame_twice, seed=0, timeout_s=60)
    assert Ledger.from_events(run.events).steps_applied_twice() > 0


async def test_a_result_journaled_but_not_logged_before_a_kill_is_logged_by_the_restarted_orchestrator(
        tmp_path: Path) -> None:
    # What the crash-result scenario caught: SIGKILL between journaling a result and logging its event
    # left the event log saying "running" for a subtask the rebuilt graph holds as succeeded.
    store = SQLiteStore(tmp_path / "orch.db")
    graph = new_graph(store, "t1", "relay", {"policy": "auto", "confirm": "allow"})
    specs = [SubtaskSpec(id="read", goal="read it", device=DeviceRequirement(device_id="phone-1")),
             SubtaskSpec(id="note", goal="write it", device=DeviceRequirement(device_id="phone-2"))]
    graph.apply(GraphPatch.from_specs(specs, [("read", "note", "on_success")]))
    graph.refresh()
    graph.mark_running("read", "phone-1")
    store.append(Event(task_id="t1", kind="subtask_state", data={"subtask": "read", "status": "running"}))
    graph.mark_finished("read", SubtaskResult(status="succeeded", outputs={"code": "123456"}))  # then killed
    store.close()

    again = SQLiteStore(tmp_path / "orch.db")
    orch = Orchestrator(PlanFile(GraphPatch.from_specs(specs)), store=again, no_device_timeout_s=30)
    await orch.start()
    try:
        ledger = Ledger.from_events([e.model_dump() for e in again.events("t1")])
        assert ledger.final["read"] == "succeeded"
        assert ledger.forgotten() == []
    finally:
        await orch.stop()


class FinishAtOnce:
    """A GUI agent that finishes its subtask at once (the agent is not what this test is about)."""

    def __init__(self, device: Device) -> None:
        self.ran: list[str] = []

    async def run(self, spec: LoopSpec, *, on_step: Any = None, ask: Any = None, thread_id: str | None = None
                  ) -> LoopResult:
        self.ran.append(spec.goal)
        return LoopResult("succeeded", "done")


async def test_an_assign_that_died_with_the_orchestrator_goes_again_when_its_agent_resumes(tmp_path: Path) -> None:
    # What the crash-result scenario caught (a kill ~3 ms after a result): the next subtask was recorded
    # running, its assign never left, and the rebuilt orchestrator waited out the subtask's timeout.
    db = tmp_path / "orch.db"
    spec = SubtaskSpec(id="note", goal="write it", device=DeviceRequirement(device_id="phone-1"))
    first = Orchestrator(PlanFile(GraphPatch.from_specs([spec])), store=SQLiteStore(db))
    sent = first._send_to_device

    async def dies_before_assigning(device_id: str, message: Message) -> None:
        if not isinstance(message, Assign):
            await sent(device_id, message)

    first._send_to_device = dies_before_assigning  # type: ignore[method-assign]
    url = await first.start()
    agents: list[FinishAtOnce] = []
    host = DeviceAgentHost(url, [VirtualPhone(device_id="phone-1")],
                           lambda d: cast(GuiAgent, agents.append(FinishAtOnce(d)) or agents[-1]), agent_id="h1")
    hosting = asyncio.create_task(host.run())
    try:
        async with asyncio.timeout(20):
            await first.wait_for_devices(1)
            events = first.subscribe()
            run = await first.submit("write it")
            while not ((e := await events.get()).kind == "subtask_state" and e.data["status"] == "running"):
                pass
            assert first._server is not None and first._loop_task is not None  # kill -9, as far as in-process can
            first._loop_task.cancel()
            first._server.close()
            second = Orchestrator(PlanFile(GraphPatch.from_specs([spec])), store=SQLiteStore(db), reconnect_grace_s=30)
            await second.start(port=int(url.rsplit(":", 1)[1].split("/")[0]))
            done = await second.runs[run.id].done  # long before the subtask's 300 s timeout
            assert done.status == "succeeded"
            assert done.graph.subtask("note").attempts == 1 and agents[0].ran == ["write it"]
            await second.stop()
    finally:
        hosting.cancel()
        await asyncio.gather(hosting, return_exceptions=True)


async def test_the_orchestrator_acknowledges_a_message_only_once_it_is_applied() -> None:
    # An orchestrator that dies while applying a progress report or a result must not have acknowledged
    # it: the agent keeps it and sends it again to the restarted one.
    async with connected_fleet(1, finish_at_once=False) as (orch, agents):
        agent = agents[0]
        await orch.submit(agent.device_id)
        assign, _ = await agent.assigned.get()
        assert agent.link is not None and agent._reader is not None
        applying = orch._on_message

        async def dies_while_applying(session: Any, message: Message) -> None:
            if not isinstance(message, Progress):
                return await applying(session, message)
            for held in orch.sessions.values():
                if held.link.ws is not None:
                    await held.link.ws.close()  # after anything already sent, such as an early ack
            raise asyncio.CancelledError  # the process is gone: nothing after this runs

        orch._on_message = dies_while_applying  # type: ignore[method-assign]
        sent = await agent.link.send(progress_message(assign.subtask_id, 1))
        await agent._reader  # until the connection is closed
        assert agent.link.session.oldest_unacked() == sent.model_copy(update={"ack": agent.link.session.last_received})
