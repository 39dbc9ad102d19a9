"""Questions travel over the agent protocol to whoever submitted the task, outlive a
restart of the device host, and fail clearly when nobody answers in time.

A real orchestrator on loopback, device hosts keeping their state in real SQLite files,
and a VirtualPhone behind the ADB-protocol server, reached through `AndroidDevice`, so
the phone (and what was done on it) outlives the host exactly as a real phone would.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from fleetmind.agents.host import DeviceAgentHost
from fleetmind.agents.host.state import DurableSession, HostState, StateMismatch
from fleetmind.agents.loop import GuiAgent
from fleetmind.agents.models import ScriptedModel
from fleetmind.devices.android import AndroidDevice
from fleetmind.devices.base import Action, ActionOutcome, Device
from fleetmind.devices.virtual import VirtualPhone
from fleetmind.devices.virtual.adbd import AdbServer
from fleetmind.orchestrator.planner import ModelPlanner
from fleetmind.orchestrator.server import Orchestrator
from fleetmind.orchestrator.store import Event
from fleetmind.protocol.messages import Ack, Progress
from fleetmind.protocol.session import Session

SERIAL = "emulator-5554"
REQUEST = "Log in to the Bank and tell me my balance"
PLAN = {
    "subtasks": [{"id": "bank", "goal": REQUEST, "device": {"kind": "phone"}, "outputs": ["balance"]}],
    "edges": [],
}
TIMEOUT_S = 90


@dataclass
class Fleet:
    """An orchestrator, a virtual phone behind ADB, and device hosts started on demand."""

    orch: Orchestrator
    url: str
    phone: VirtualPhone
    adb_port: int
    state_dir: Path
    events: asyncio.Queue[Event]
    hosts: list[tuple[DeviceAgentHost, asyncio.Task[None]]] = field(default_factory=list)

    async def start_host(self, device: Device | None = None, **options: Any) -> DeviceAgentHost:
        """A host process-equivalent: a new ADB connection to the phone, a new host object."""
        if device is None:
            device = await AndroidDevice(SERIAL, adb_port=self.adb_port, use_uiautomator2=False).connect()
        host = DeviceAgentHost(self.url, [device], GuiAgent, agent_id="bank-host", **options)
        self.hosts.append((host, asyncio.create_task(host.run(), name="host")))
        await host.wait_connections(1)
        return host

    async def kill_host(self) -> None:
        """Stop the newest host where it is: its run ends, its socket closes, nothing is reported."""
        host, task = self.hosts.pop()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        assert not host._running  # noqa: SLF001 - the subtask was stopped, not finished

    async def next_event(self, kind: str) -> Event:
        while (event := await self.events.get()).kind != kind:
            pass
        return event


@asynccontextmanager
async def fleet(tmp_path: Path, reconnect_grace_s: float = 60) -> AsyncIterator[Fleet]:
    phone = VirtualPhone(seed=5)
    orch = Orchestrator(ModelPlanner(ScriptedModel([PLAN])), reconnect_grace_s=reconnect_grace_s)
    async with AdbServer({SERIAL: phone}, port=0) as adb:
        url = await orch.start()
        f = Fleet(orch, url, phone, adb.port, tmp_path / "host-state", orch.subscribe())
        try:
            async with asyncio.timeout(TIMEOUT_S):
                yield f
        finally:
            await orch.stop()
            for host, task in f.hosts:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
                await host.close()


def steps_of(f: Fleet, run_id: str) -> list[dict[str, Any]]:
    return [e.data for e in f.orch.store.events(run_id) if e.kind == "step_progress"]


async def test_a_pin_question_goes_to_the_submitter_and_the_answer_finishes_the_run(tmp_path: Path) -> None:
    async with fleet(tmp_path) as f:
        await f.start_host(state_dir=f.state_dir)
        run = await f.orch.submit(REQUEST)
        asked = (await f.next_event("question")).data
        assert "Password" in asked["question"] and asked["kind"] == "question"
        assert asked["subtask"] == "bank" and asked["id"] in run.questions
        assert not f.phone.state.bank.logged_in  # nothing typed before the answer
        await f.orch.answer(asked["wire_id"], "2468", asked["id"])
        await run.done
    assert run.status == "succeeded", run.error
    assert "$2,450.75" in run.graph.subtask("bank").result.outputs["balance"]  # type: ignore[union-attr]
    assert f.phone.state.bank.logged_in and run.questions == {}
    assert all("2468" not in s["summary"] for s in run.steps)  # the PIN never left the phone


@pytest.mark.parametrize("answered", ["while the host is down", "after the host is back"])
async def test_a_pending_question_survives_a_restart_of_the_host(tmp_path: Path, answered: str) -> None:
    async with fleet(tmp_path) as f:
        await f.start_host(state_dir=f.state_dir)
        run = await f.orch.submit(REQUEST)
        asked = (await f.next_event("question")).data
        before = steps_of(f, run.id)
        assert [s["action"]["kind"] for s in before] == ["launch_app"]
        await f.kill_host()
        with_question = HostState(f.state_dir, "bank-host")
        [stored] = with_question.subtasks()
        assert stored.question_id == asked["id"] and stored.answer is None
        with_question.close()

        if answered == "while the host is down":
            await f.orch.answer(asked["wire_id"], "2468", asked["id"])
            await f.start_host(state_dir=f.state_dir)
        else:
            await f.start_host(state_dir=f.state_dir)
            await f.orch.answer(asked["wire_id"], "2468", asked["id"])
        await run.done

    assert run.status == "succeeded", run.error
    assert "$2,450.75" in run.graph.subtask("bank").result.outputs["balance"]  # type: ignore[union-attr]
    assert run.graph.subtask("bank").attempts == 1  # resumed, not retried
    steps = steps_of(f, run.id)
    # Nothing before the question ran again: one launch, steps numbered on without repeats.
    assert steps[: len(before)] == before
    assert [s["step"] for s in steps] == list(range(1, len(steps) + 1))
    assert [s["action"]["kind"] for s in steps].count("launch_app") == 1
    assert [s["action"]["kind"] for s in steps[1:3]] == ["type_text", "tap"]
    questions = [e for e in f.orch.store.events(run.id) if e.kind == "question"]
    assert len(questions) == 1  # asked once, not again by the new host
    assert f.phone.state.bank.logged_in


async def test_an_unanswered_question_fails_at_its_deadline_naming_the_question(tmp_path: Path) -> None:
    async with fleet(tmp_path) as f:
        await f.start_host(state_dir=f.state_dir, question_timeout_s=0.5)
        run = await f.orch.submit(REQUEST)
        asked = (await f.next_event("question")).data
        await run.done
    assert run.status == "failed"
    error = run.graph.subtask("bank").result.error  # type: ignore[union-attr]
    assert error is not None and error.startswith(f"no answer within 0.5 s to the question “{asked['question']}”")
    assert not f.phone.state.bank.logged_in
    assert run.graph.subtask("bank").attempts == 1  # only the user could change it: not retried


def test_question_timeout_must_be_positive() -> None:
    with pytest.raises(ValueError, match="question_timeout_s=0"):
        DeviceAgentHost("ws://127.0.0.1:1/agent", [VirtualPhone()], GuiAgent, question_timeout_s=0)


class StuckPhone(VirtualPhone):
    """The same phone (shared state), whose first action never returns: the host dies mid-step."""

    def __init__(self, phone: VirtualPhone) -> None:
        super().__init__(SERIAL, state=phone.state)
        self.acting = asyncio.Event()

    async def act(self, action: Action) -> ActionOutcome:
        self.acting.set()
        await asyncio.Event().wait()  # until the host is killed
        raise AssertionError("unreachable")


async def test_a_subtask_stopped_between_steps_is_reported_and_retried_not_resumed(tmp_path: Path) -> None:
    async with fleet(tmp_path) as f:
        stuck = StuckPhone(f.phone)
        await f.start_host(stuck, state_dir=f.state_dir)
        run = await f.orch.submit(REQUEST)
        await stuck.acting.wait()  # "open Bank" was reported, and the host dies doing it
        await f.kill_host()
        await f.start_host(state_dir=f.state_dir)
        asked = (await f.next_event("question")).data  # the retry asks, as a first run would
        assert asked["wire_id"].endswith("#2")
        await f.orch.answer(asked["wire_id"], "2468", asked["id"])
        await run.done
    assert run.status == "succeeded", run.error
    assert run.graph.subtask("bank").attempts == 2
    logs = [e.data["message"] for e in f.orch.store.events(run.id) if e.kind == "log"]
    assert any("restarted while this subtask was between steps" in m for m in logs), logs


async def test_a_restarted_host_drops_what_the_orchestrator_gave_up_meanwhile(tmp_path: Path) -> None:
    async with fleet(tmp_path, reconnect_grace_s=0.2) as f:
        await f.start_host(state_dir=f.state_dir)
        run = await f.orch.submit(REQUEST)
        await f.next_event("question")
        await f.kill_host()
        await run.done  # the host stayed away past the grace period: the subtask failed
        host = await f.start_host(state_dir=f.state_dir)
        assert run.status == "failed" and "vanished" in (run.error or "")
        assert host.state is not None and host.state.subtasks() == []  # nothing resumed, nothing asked
        assert not host._running  # noqa: SLF001


async def test_two_restarts_inside_the_grace_period_keep_the_question(tmp_path: Path) -> None:
    # The orchestrator's grace timer is the thing under test, so this test waits on the clock:
    # the second absence spans the moment the first one's grace runs out, and ends well
    # before its own does.
    grace = 2.0
    async with fleet(tmp_path, reconnect_grace_s=grace) as f:
        await f.start_host(state_dir=f.state_dir)
        run = await f.orch.submit(REQUEST)
        asked = (await f.next_event("question")).data
        first_gone = asyncio.get_running_loop().time()
        await f.kill_host()
        await f.start_host(state_dir=f.state_dir)
        await asyncio.sleep(max(0.0, first_gone + 0.6 * grace - asyncio.get_running_loop().time()))
        await f.kill_host()
        await asyncio.sleep(max(0.0, first_gone + 1.2 * grace - asyncio.get_running_loop().time()))
        await f.start_host(state_dir=f.state_dir)
        await f.orch.answer(asked["wire_id"], "2468", asked["id"])
        await run.done
    assert run.status == "succeeded", run.error
    assert run.graph.subtask("bank").attempts == 1


# --- the host's record, without sockets ---------------------------------------------------


def test_a_durable_session_numbers_on_and_replays_what_was_not_acknowledged(tmp_path: Path) -> None:
    state = HostState(tmp_path, "a")
    session = DurableSession.begin(state, "s1")
    sent = [session.stamp(Progress(subtask_id="t", step=i, action={"kind": "wait"}, tier="rule")) for i in (1, 2, 3)]
    peer = Session("s1")
    assert peer.receive(sent[0]) and peer.receive(sent[1])
    session.receive(peer.stamp(Ack()))  # the peer has 1 and 2
    state.close()  # the host dies; 3 was never acknowledged

    state = HostState(tmp_path, "a")
    restored = DurableSession.restore(state)
    assert restored is not None and (restored.session_id, restored.next_seq) == ("s1", 4)
    assert [m.seq for m in restored.replay_after(peer.last_received)] == [3]
    assert peer.receive(restored.replay_after(2)[0])
    assert peer.receive(restored.stamp(Progress(subtask_id="t", step=4, action={"kind": "wait"}, tier="rule")))
    state.close()


def test_a_state_directory_serves_one_host_and_one_agent_id(tmp_path: Path) -> None:
    state = HostState(tmp_path, "a")
    DurableSession.begin(state, "s1")
    with pytest.raises(StateMismatch, match="another device host is using"):
        HostState(tmp_path, "a")
    state.close()
    with pytest.raises(StateMismatch, match="holds the state of agent 'a', not 'b'"):
        HostState(tmp_path, "b")
    HostState(tmp_path, "a").close()


async def test_a_restarted_host_never_runs_again_a_subtask_whose_result_still_waits_to_be_delivered(
    tmp_path: Path,
) -> None:
    import contextlib

    from fleetmind.protocol.messages import Result

    phone = VirtualPhone(device_id="phone-1")
    state = HostState(tmp_path, "a1")
    DurableSession.begin(state, "sess").stamp(Result(subtask_id="t1/s1", status="succeeded"))  # sent, never acked
    state.close()
    restarted = DeviceAgentHost("ws://127.0.0.1:9", [phone], GuiAgent, agent_id="a1", state_dir=tmp_path)
    async with contextlib.AsyncExitStack() as stack:
        await restarted._open_state(stack, tmp_path)
        assert "t1/s1" in restarted.finished  # a re-sent assign for it is ignored, its result replayed instead
