"""The orchestrator runtime over loopback: failure recovery, cancellation, vanished
devices, unplaceable subtasks, and replanning that holds dispatch back."""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter
from typing import Any

from pydantic import BaseModel

from fleetmind.agents.models import ChatModel, Completion, ScriptedModel
from fleetmind.devices.virtual import VirtualPhone
from fleetmind.embedded import EmbeddedFleet
from fleetmind.orchestrator.graph import GraphPatch, TaskGraph
from fleetmind.orchestrator.planner import ModelPlanner, ReplanEvent, RetryReplanner


def plan(*subtasks: dict[str, Any], edges: tuple[tuple[str, str], ...] = ()) -> ScriptedModel:
    body = {
        "subtasks": [{"device": {"kind": "phone"}, "outputs": ["result"], **s} for s in subtasks],
        "edges": [{"src": a, "dst": b} for a, b in edges],
    }
    return ScriptedModel([body])


class Behaviour(ChatModel):
    """Cloud stand-in: `fail:<n>` goals fail their first n attempts; `block` goals wait
    for the test's gate; everything else is done at once."""

    name, tier = "behaviour", "cloud"

    def __init__(self) -> None:
        self.attempts: Counter[str] = Counter()
        self.devices: dict[str, list[str]] = {}
        self.blocked = asyncio.Event()
        self.gate = asyncio.Event()

    async def complete(
        self, messages: list[dict[str, str]], *, schema: type[BaseModel] | None = None, max_tokens: int = 512
    ) -> Completion:
        goal = re.search(r"Goal: (.*)", messages[-1]["content"]).group(1)  # type: ignore[union-attr]
        goal = goal.split(" (start from", 1)[0]  # a remediation counts as one more attempt of its goal
        self.attempts[goal] += 1
        action: dict[str, Any] = {"kind": "done", "answer": f"{goal} ok"}
        if (m := re.search(r"fail:(\d+)", goal)) and self.attempts[goal] <= int(m.group(1)):
            action = {"kind": "fail", "reason": f"{goal} broke"}
        if "block" in goal:
            self.blocked.set()
            await self.gate.wait()
        text = json.dumps({"thought": "", "action": action})
        return Completion(text=text, parsed=schema.model_validate_json(text) if schema else None)


def fleet(planner_model: ScriptedModel, cloud: ChatModel, phones: int = 2, **orch: Any) -> EmbeddedFleet:
    return EmbeddedFleet(
        [VirtualPhone(device_id=f"phone-{i + 1}") for i in range(phones)],
        cloud=cloud,
        planner=ModelPlanner(planner_model),
        orchestrator_kwargs=orch,
    )


async def test_failed_attempts_retry_same_device_then_another_then_remediate() -> None:
    cloud = Behaviour()
    async with asyncio.timeout(60), fleet(plan({"id": "a", "goal": "step fail:4", "max_attempts": 2}), cloud) as f:
        run = await f.orchestrator.run("x", policy="cloud-only")
    a = run.graph.subtask("a")
    # two attempts on the first device, two on the second, then the replanner's remediation
    assert a.status == "failed" and a.attempts == 4 and len(a.tried_devices) == 2
    fix = run.graph.subtask("a-fix")
    assert fix.status == "succeeded"
    assert run.status == "succeeded"  # the on_failure branch handled it
    kinds = [e.kind for e in f.orchestrator.store.events(run.id)]
    assert "graph_patched" in kinds


async def test_unrecoverable_failure_skips_dependents_and_fails_the_task() -> None:
    cloud = Behaviour()
    model = plan(
        {"id": "a", "goal": "step fail:99", "max_attempts": 1}, {"id": "b", "goal": "after"}, edges=(("a", "b"),)
    )
    async with asyncio.timeout(60), fleet(model, cloud, phones=1) as f:
        run = await f.orchestrator.run("x", policy="cloud-only")
    statuses = {s.id: s.status for s in run.graph.subtasks()}
    assert statuses == {"a": "failed", "a-fix": "failed", "b": "skipped"}
    assert run.status == "failed" and "broke" in (run.error or "")
    assert cloud.attempts["after"] == 0


async def test_cancel_stops_running_subtasks_on_their_devices() -> None:
    cloud = Behaviour()
    async with asyncio.timeout(60), fleet(plan({"id": "a", "goal": "block here"}), cloud, phones=1) as f:
        run = await f.orchestrator.submit("x", policy="cloud-only")
        await cloud.blocked.wait()
        agent_tasks = list(f.hosts[0]._running.values())  # noqa: SLF001
        assert len(agent_tasks) == 1
        await f.orchestrator.cancel(run.id)
        await run.done
        # the cancel travels over the socket and stops the agent's loop mid-step
        await asyncio.gather(*agent_tasks, return_exceptions=True)
        assert agent_tasks[0].cancelled()
    assert run.status == "cancelled" and run.graph.subtask("a").status == "cancelled"


async def test_vanished_device_work_moves_to_another_device() -> None:
    cloud = Behaviour()
    model = plan({"id": "a", "goal": "block once"})
    async with asyncio.timeout(60), fleet(model, cloud, reconnect_grace_s=0.2) as f:
        run = await f.orchestrator.submit("x", policy="cloud-only")
        await cloud.blocked.wait()
        busy = next(h for h in f.hosts if h._running)  # noqa: SLF001
        f._tasks[f.hosts.index(busy)].cancel()  # noqa: SLF001 - the agent process dies
        await busy.drop_connection()
        cloud.gate.set()
        await run.done
    a = run.graph.subtask("a")
    assert run.status == "succeeded"
    assert len(a.tried_devices) == 2 and a.device_id != a.tried_devices[0]


async def test_subtask_no_device_can_run_fails_with_what_to_do() -> None:
    model = plan({"id": "web", "goal": "search", "device": {"kind": "browser"}})
    async with asyncio.timeout(30), fleet(model, Behaviour(), phones=1, no_device_timeout_s=0.1) as f:
        run = await f.orchestrator.run("x", policy="cloud-only")
    assert run.status == "failed"
    assert "needs any browser" in (run.error or "") and "fleetmind device browser" in (run.error or "")


class SlowReplanner(RetryReplanner):
    """Takes its time: dispatch of the task must wait for the patch."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.batches: list[list[str]] = []

    async def replan(self, graph: TaskGraph, events: Any) -> GraphPatch | None:
        self.batches.append([e.subtask_id for e in events])
        self.started.set()
        await self.release.wait()
        return await super().replan(graph, events)


async def test_dispatch_waits_while_the_replanner_decides() -> None:
    cloud = Behaviour()
    replanner = SlowReplanner()
    model = plan(
        {"id": "a", "goal": "first fail:1", "max_attempts": 1}, {"id": "b", "goal": "second"}, edges=(("a", "b"),)
    )
    f = EmbeddedFleet(
        [VirtualPhone(device_id="phone-1")], cloud=cloud, planner=ModelPlanner(model), replanner=replanner
    )
    async with asyncio.timeout(60), f:
        run = await f.orchestrator.submit("x", policy="cloud-only")
        await replanner.started.wait()
        await f.orchestrator._dispatch_ready()  # noqa: SLF001 - a scheduling pass while the replanner works
        assert run.graph.subtask("b").status == "pending"
        assert cloud.attempts["second"] == 0
        replanner.release.set()
        await run.done
    assert replanner.batches == [["a"]]
    assert run.graph.subtask("b").status == "succeeded"  # rewired to the remediation, which succeeded
    assert run.status == "succeeded"


async def test_replanner_sees_events_batched() -> None:
    graph = TaskGraph("t")
    graph.apply(await ModelPlanner(plan({"id": "a", "goal": "x"}, {"id": "b", "goal": "y"})).plan("x", []))
    for sid in ("a", "b"):
        graph.ready()
        graph.mark_running(sid, "p")
        from fleetmind.orchestrator.graph import SubtaskResult

        graph.mark_finished(sid, SubtaskResult(status="failed", error="e"))
    patch = await RetryReplanner().replan(graph, [ReplanEvent("failed", "a", "e"), ReplanEvent("failed", "b", "e")])
    assert patch is not None
    graph.apply(patch)  # one edit for both events
    assert graph.version == 2 and {"a-fix", "b-fix"} <= {s.id for s in graph.subtasks()}


class Asker(ChatModel):
    """Asks the user once, then finishes with the answer it got."""

    name, tier = "asker", "cloud"

    async def complete(self, messages: list[dict[str, str]], *, schema: type[BaseModel] | None = None,
                       max_tokens: int = 512) -> Completion:
        said = re.search(r"user:([^'\"]+)", messages[-1]["content"])
        if said:
            action: dict[str, Any] = {"kind": "done", "answer": f"told {said.group(1)}"}
        else:
            action = {"kind": "ask_user", "question": "Which Ada?"}
        text = json.dumps({"thought": "", "action": action})
        return Completion(text=text, parsed=schema.model_validate_json(text) if schema else None)


async def test_agent_questions_reach_the_client_and_answers_flow_back() -> None:
    async with asyncio.timeout(30), fleet(plan({"id": "a", "goal": "text Ada"}), Asker(), phones=1) as f:
        events = f.orchestrator.subscribe()
        run = await f.orchestrator.submit("x", policy="cloud-only")
        while (event := await events.get()).kind != "question":
            pass
        assert event.data["question"] == "Which Ada?" and event.data["subtask"] == "a"
        await f.orchestrator.answer(event.data["wire_id"], "Lovelace", event.data["id"])
        await run.done
    assert run.status == "succeeded"
    assert run.graph.subtask("a").result.outputs["result"] == "told Lovelace"  # type: ignore[union-attr]
