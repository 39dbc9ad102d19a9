"""Durability over a real SQLite file: the graph journal replays to the same graph, results
are accepted once by attempt id, and an orchestrator that dies mid-task is replaced by one
that rebuilds the task from the store and takes the returning agent's result."""

from __future__ import annotations

import asyncio
from pathlib import Path

from fleetmind.agents.host import DeviceAgentHost
from fleetmind.agents.loop import GuiAgent
from fleetmind.agents.models import ScriptedModel
from fleetmind.devices.android import AndroidDevice
from fleetmind.devices.virtual import VirtualPhone
from fleetmind.devices.virtual.adbd import AdbServer
from fleetmind.orchestrator.durable import new_graph, replay
from fleetmind.orchestrator.graph import GraphPatch, SubtaskResult, SubtaskSpec
from fleetmind.orchestrator.planner import ModelPlanner
from fleetmind.orchestrator.server import Orchestrator
from fleetmind.orchestrator.store import DurableStore, SQLiteStore

SERIAL = "emulator-5554"
REQUEST = "Log in to the Bank and tell me my balance"
PLAN = {
    "subtasks": [{"id": "bank", "goal": REQUEST, "device": {"kind": "phone"}, "outputs": ["balance"]}],
    "edges": [],
}


def test_the_journal_replays_to_the_same_graph(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "f.db")
    assert isinstance(store, DurableStore)
    g = new_graph(store, "t1", "req", {"policy": "auto"})
    specs = [SubtaskSpec(id=i, goal=f"do {i}") for i in ("a", "b", "c", "d")]
    g.apply(GraphPatch.from_specs(specs, [("a", "b", "on_success"), ("a", "c", "on_failure")]))
    assert [s.id for s in g.ready()] == ["a", "d"]
    g.mark_running("a", "p1")
    g.retry("a", "lost")
    g.mark_running("a", "p2")
    g.mark_finished("a", SubtaskResult(status="succeeded", outputs={"x": "1"}))
    g.ready()  # b ready, c skipped
    g.mark_running("b", "p1")
    g.cancel("d", "no longer wanted")
    g.apply(GraphPatch.from_specs([SubtaskSpec(id="e", goal="then e")], [("b", "e", "on_success")]))
    store.close()

    again, attempts = replay(SQLiteStore(tmp_path / "f.db"), "t1")
    assert again.snapshot() == g.snapshot()
    assert again.version == g.version == 2
    assert attempts == {("a", "p1"): 1, ("a", "p2"): 1, ("b", "p1"): 1}
    assert SQLiteStore(tmp_path / "f.db").attempt("t1/a#1")["outcome"] == "retried"  # type: ignore[index]
    assert SQLiteStore(tmp_path / "f.db").attempt("t1/a#2")["outcome"] == "succeeded"  # type: ignore[index]
    sessions = SQLiteStore(tmp_path / "f.db")
    sessions.save_session("s-1", "host", [{"id": "p1", "kind": "phone"}], 0, "key-7")
    sessions.note_received("s-1", 12)
    assert sessions.sessions() == [
        {"session_id": "s-1", "agent_id": "host", "devices": [{"id": "p1", "kind": "phone"}], "last_received": 12,
         "key_id": "key-7"}
    ]  # fmt: skip


async def test_a_crashed_orchestrator_is_rebuilt_and_the_agents_result_is_accepted_once(tmp_path: Path) -> None:
    db = tmp_path / "orch.db"
    phone = VirtualPhone(seed=5)
    first = Orchestrator(ModelPlanner(ScriptedModel([PLAN])), store=SQLiteStore(db))
    async with AdbServer({SERIAL: phone}, port=0) as adb, asyncio.timeout(60):
        url = await first.start()
        port = int(url.rsplit(":", 1)[1].split("/")[0])
        events = first.subscribe()
        device = await AndroidDevice(SERIAL, adb_port=adb.port, use_uiautomator2=False).connect()
        host = DeviceAgentHost(url, [device], GuiAgent, agent_id="bank-host")
        host_task = asyncio.create_task(host.run())
        try:
            await host.wait_connections(1)
            run = await first.submit(REQUEST)
            while (event := await events.get()).kind != "question":  # the subtask waits for the PIN
                pass
            asked = event.data
            before = run.graph.snapshot()

            # kill -9, as far as a process can do it to itself: no stop(), nothing cancelled.
            assert first._server is not None and first._loop_task is not None
            first._loop_task.cancel()
            for task in list(first._background):
                task.cancel()
            first._server.close()

            second = Orchestrator(ModelPlanner(ScriptedModel([])), store=SQLiteStore(db), reconnect_grace_s=30)
            await second.start(port=port)
            rebuilt = second.runs[run.id]
            assert rebuilt.graph.snapshot() == before  # the same graph, the same version
            assert rebuilt.running["bank"].wire_id == asked["wire_id"]
            assert rebuilt.questions == {asked["id"]: asked}  # still waiting for its answer
            await host.wait_connections(2)  # the host resumed its session with the new process
            assert second.registry[device.info.id].online
            await second.answer(asked["wire_id"], "2468", asked["id"])
            done = await rebuilt.done
            assert done.status == "succeeded", done.error
            assert "$2,450.75" in done.graph.subtask("bank").result.outputs["balance"]  # type: ignore[union-attr]
            assert done.graph.subtask("bank").attempts == 1  # nothing ran again
            # a replayed result for the finished attempt is ignored
            assert second._locate(asked["wire_id"])[0] is None
            await second.stop()
        finally:
            host_task.cancel()
            await asyncio.gather(host_task, return_exceptions=True)
            await host.close()
    rows = SQLiteStore(db).tasks()
    assert [r["status"] for r in rows if r["task_id"] == run.id] == ["succeeded"]


async def test_a_held_attempt_whose_device_never_returns_is_redispatched_after_the_grace(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "f.db")
    g = new_graph(store, "t2", "req", {"policy": "auto", "budget": {"max_steps": 3}, "confirm": "allow"})
    g.apply(GraphPatch.from_specs([SubtaskSpec(id="a", goal="do a"), SubtaskSpec(id="b", goal="do b")]))
    g.ready()
    g.mark_running("a", "gone-phone")
    g.mark_finished("a", SubtaskResult(status="succeeded"))
    g.mark_running("b", "gone-phone")
    orch = Orchestrator(ModelPlanner(ScriptedModel([])), store=SQLiteStore(tmp_path / "f.db"), reconnect_grace_s=0.1)
    events = orch.subscribe()
    async with asyncio.timeout(10):
        await orch.start()
        run = orch.runs["t2"]
        assert run.confirm == "allow" and run.budget.max_steps == 3
        assert run.graph.subtask("a").status == "succeeded"  # finished work is not run again
        while (event := await events.get()).kind != "subtask_state" or event.data["subtask"] != "b":
            pass
        # no phone can take it over here, so the scheduler fails it (with one, it would run there)
        assert event.data["status"] == "failed"
        assert "did not come back" in run.graph.subtask("b").result.error  # type: ignore[union-attr]
        assert run.graph.subtask("a").attempts == 1
        await orch.stop()
