"""Planners and replanners: structured plans checked in code, bounded repairs."""

import json

import pytest

from fleetmind.agents.models import ScriptedModel
from fleetmind.orchestrator.graph import SubtaskResult, SubtaskSpec, TaskGraph
from fleetmind.orchestrator.planner import (
    ClausePlanner,
    ModelPlanner,
    PlanningFailed,
    ReplanEvent,
    RetryReplanner,
)
from fleetmind.protocol.messages import DeviceProfile

DEVICES = [DeviceProfile(id="phone-1", kind="phone"), DeviceProfile(id="browser-1", kind="browser")]

GOOD = {
    "subtasks": [
        {"id": "find", "goal": "Find Ada's number", "device": {"kind": "phone"}, "outputs": ["number"]},
        {"id": "text", "goal": "Text Ada", "inputs": {"to": {"from": "find", "output": "number"}}},
    ],
    "edges": [{"src": "find", "dst": "text"}],
}
CYCLIC = {**GOOD, "edges": [{"src": "find", "dst": "text"}, {"src": "text", "dst": "find"}]}
BAD_REF = {**GOOD, "edges": []}


async def test_model_plan_becomes_a_valid_patch() -> None:
    patch = await ModelPlanner(ScriptedModel([GOOD])).plan("text Ada her number", DEVICES)
    graph = TaskGraph("t")
    graph.apply(patch)
    assert [s.id for s in graph.subtasks()] == ["find", "text"]


async def test_invalid_plan_is_repaired_from_its_errors() -> None:
    model = ScriptedModel([CYCLIC, GOOD])
    patch = await ModelPlanner(model, max_repairs=2).plan("text Ada", DEVICES)
    assert len(patch.ops) == 3
    repair_prompt = model.calls[1][-1]["content"]
    assert "cycle" in repair_prompt  # the model saw why its plan was rejected


async def test_plan_that_never_validates_fails_clearly() -> None:
    model = ScriptedModel([BAD_REF, "not json at all", BAD_REF])
    with pytest.raises(PlanningFailed) as info:
        await ModelPlanner(model, max_repairs=2).plan("text Ada", DEVICES)
    assert len(model.calls) == 3
    assert any("not upstream" in r for r in info.value.reasons)


async def test_clause_planner_parallel_then_sequential_with_borrowed_verb() -> None:
    patch = await ClausePlanner().plan("Turn on Wi-Fi and dark theme, then add a contact named Ada", DEVICES)
    graph = TaskGraph("t")
    graph.apply(patch)
    goals = {s.id: s.goal for s in graph.subtasks()}
    assert goals == {"s1": "Turn on Wi-Fi", "s2": "Turn on dark theme", "s3": "Add a contact named Ada"}
    assert sorted(graph.edges()) == [("s1", "s3", "on_success"), ("s2", "s3", "on_success")]
    assert graph.metrics().width == 2


async def test_clause_planner_device_kind_privacy_and_data_flow() -> None:
    patch = await ClausePlanner().plan(
        "Search the web for the weather, then send it to Ada; check my bank balance", DEVICES
    )
    graph = TaskGraph("t")
    graph.apply(patch)
    s1, s2, s3 = graph.subtasks()
    assert s1.device.kind == "browser" and s2.device.kind == "phone"
    assert str(s2.inputs["message"]) == "s1.outputs.weather"  # a named output, used as the message
    assert s3.privacy == "private"


async def test_retry_replanner_adds_remediation_and_rewires_dependents() -> None:
    graph = TaskGraph("t")
    graph.apply(await ClausePlanner().plan("look up the weather in Paris, then write it down in a note", DEVICES))
    graph.ready()
    graph.mark_running("s1", "phone-1")
    graph.mark_finished("s1", SubtaskResult(status="failed", error="no Notes app"))
    patch = await RetryReplanner().replan(graph, [ReplanEvent("failed", "s1", "no Notes app")])
    assert patch is not None
    graph.apply(patch)
    assert ("s1", "s1-fix", "on_failure") in graph.edges()
    assert ("s1-fix", "s2", "on_success") in graph.edges()
    assert str(graph.subtask("s2").inputs["message"]) == "s1-fix.outputs.weather"
    assert [s.id for s in graph.ready()] == ["s1-fix"]
    # a remediation that fails is not remediated again
    assert await RetryReplanner().replan(graph, [ReplanEvent("failed", "s1-fix", "x")]) is None


def test_subtask_spec_rejects_bad_ids() -> None:
    with pytest.raises(ValueError):
        SubtaskSpec(id="has space", goal="x")


@pytest.mark.parametrize(
    ("request_text", "clauses"),
    [
        ("Write a note titled Groceries saying milk and eggs", ["Write a note titled Groceries saying milk and eggs"]),
        ("Open Settings and turn on Bluetooth", ["Open Settings and turn on Bluetooth"]),
        (
            "Turn off Wi-Fi, Bluetooth and airplane mode",
            ["Turn off Wi-Fi", "Turn off Bluetooth", "Turn off airplane mode"],
        ),
        ('Send "salt and pepper" to Bob', ['Send "salt and pepper" to Bob']),
        (
            "Add a contact named Bob and send an SMS to Ada saying hi",
            ["Add a contact named Bob", "Send an SMS to Ada saying hi"],
        ),
    ],
)
async def test_clause_planner_splits_only_between_clauses(request_text: str, clauses: list[str]) -> None:
    graph = TaskGraph("t")
    graph.apply(await ClausePlanner().plan(request_text, DEVICES))
    assert [s.goal for s in graph.subtasks()] == clauses


async def test_privacy_flows_downstream_and_the_cloud_replanner_sees_it_masked() -> None:
    from fleetmind.orchestrator.planner import cloud_safe_snapshot

    model = ScriptedModel([{
        "subtasks": [
            {"id": "pin", "goal": "read the PIN", "privacy": "private", "outputs": ["pin"]},
            {"id": "use", "goal": "type it", "inputs": {"pin": {"from": "pin", "output": "pin"}}, "outputs": ["r"]},
            {"id": "then", "goal": "report", "inputs": {"r": {"from": "use", "output": "r"}}},
            {"id": "other", "goal": "unrelated", "outputs": ["x"]},
        ],
        "edges": [{"src": "pin", "dst": "use"}, {"src": "use", "dst": "then"}],
    }])
    graph = TaskGraph("t")
    graph.apply(await ModelPlanner(model).plan("x", DEVICES))
    assert [graph.effective_privacy(s) for s in ("pin", "use", "then", "other")] == [
        "private", "private", "private", "normal"]
    for sid, out in (("pin", {"pin": "4711"}), ("other", {"x": "public"})):
        graph.ready()
        graph.mark_running(sid, "p")
        graph.mark_finished(sid, SubtaskResult(status="succeeded", outputs=out, summary=f"found {out}"))
    snap = json.dumps(cloud_safe_snapshot(graph))
    assert "4711" not in snap and "public" in snap


async def test_clause_planner_fans_out_to_every_device_of_a_kind() -> None:
    phones = [DeviceProfile(id=f"phone-{i}", kind="phone") for i in (1, 2, 3)]
    graph = TaskGraph("t")
    graph.apply(await ClausePlanner().plan("Turn on dark theme on all phones, then turn off Wi-Fi", phones))
    subtasks = graph.subtasks()
    fan = [s for s in subtasks if s.goal == "Turn on dark theme"]
    assert [s.device.device_id for s in fan] == ["phone-1", "phone-2", "phone-3"]
    last = next(s for s in subtasks if s.goal == "Turn off Wi-Fi")
    assert sorted(a for a, b, _ in graph.edges() if b == last.id) == [s.id for s in fan]
