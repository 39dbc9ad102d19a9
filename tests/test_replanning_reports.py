"""Failure reports and what the replanner does with them; conditions on branches, judged on
what the step before found, end to end through the orchestrator."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import pytest
from pydantic import BaseModel

from fleetmind.agents.host.wire import result_of
from fleetmind.agents.loop import GuiAgent, SubtaskSpec
from fleetmind.agents.models import ChatModel, Completion, ScriptedModel
from fleetmind.agents.records import failure_kind
from fleetmind.devices.virtual import VirtualPhone
from fleetmind.embedded import EmbeddedFleet
from fleetmind.orchestrator.graph import DeviceRequirement, GraphPatch, SubtaskResult, TaskGraph
from fleetmind.orchestrator.graph import SubtaskSpec as Spec
from fleetmind.orchestrator.planner import ClausePlanner, ModelReplanner, ReplanEvent, RetryReplanner
from fleetmind.orchestrator.planning.base import ReplanPatch
from fleetmind.orchestrator.planning.conditions import judge
from fleetmind.orchestrator.planning.reports import other_devices
from fleetmind.orchestrator.registry import Registry
from fleetmind.protocol.codec import decode, encode
from fleetmind.protocol.messages import Budget, DeviceProfile, FailureReport

PHONES = [DeviceProfile(id="phone-1", kind="phone"), DeviceProfile(id="phone-2", kind="phone")]


def phone() -> VirtualPhone:
    p = VirtualPhone(seed=3)
    p.seed(contacts=[{"name": "Ada Lovelace", "phone": "555 0100"}])
    return p


async def failed_run(goal: str, **spec: Any) -> Any:
    spec.setdefault("budget", Budget(max_steps=14))
    return await GuiAgent(phone()).run(SubtaskSpec(goal=goal, outputs=["result"], **spec))


# -- the report an agent sends -----------------------------------------------------------


async def test_a_run_out_of_steps_reports_the_steps_tried_where_and_the_screen() -> None:
    goal = "Add a contact named Ada Byron with phone 555 0102 and email ada@example.org"
    result = await failed_run(goal, budget=Budget(max_steps=3))
    report = result.report
    assert result.status == "failed" and report is not None
    assert report.kind == "step_budget" and not result.final
    assert report.tried == ["open Contacts", "tap 'Create contact'", "type 'Ada Byron' into 'Name'"]
    assert report.stuck_at == "Contacts — Create contact" and report.app == "Contacts"
    assert "Save" in report.last_screen and "Ada Byron" in report.last_screen
    assert "Battery" not in report.last_screen  # the status bar says nothing about where it got stuck
    # on the wire, beside the error; it survives encoding
    wire = decode(encode(result_of("t/s1#1", result, "failed")))
    assert wire.report == report  # type: ignore[union-attr]


async def test_a_refusal_is_reported_as_the_apps_and_final() -> None:
    result = await failed_run("Add a contact with phone 555 0101")
    assert result.final and result.report.kind == "refused_by_app"
    assert "Name is required" in result.report.last_screen


async def test_a_private_subtasks_report_carries_no_screen_text_and_no_typed_value() -> None:
    result = await failed_run("Add a contact with phone 555 0101", privacy="private")
    report = result.report
    assert report.kind == "refused_by_app"
    assert report.last_screen == "" and report.stuck_at == "Contacts"  # not even the screen's title
    assert "555 0101" not in " ".join(report.tried) and "•••" in " ".join(report.tried)


@pytest.mark.parametrize(
    ("why", "kind"),
    [
        ("not done: there is no Spotify app on phone-1 (its apps: Notes); nothing was touched", "missing_app"),
        ("the step budget of 15 ran out", "step_budget"),
        ("stuck: back on the same Notes screen 5 times; 3 recoveries did not help", "stuck"),
        ("needs the user: the PIN, which the request does not give; nothing was typed", "needs_user"),
        ("not done: you declined “Send the message?”", "needs_user"),
        ("no answer within 60 s to the question “Which Ada?”", "needs_user"),
        ("not done: two contacts are called Ada. The request must say which one; nothing was changed", "needs_user"),
        ("not done: Contacts says: Name is required", "refused_by_app"),
        (
            "not sure what the request means here (x): it could be tap A; nothing was changed on a guess",
            "not_understood",
        ),
        ("the model gave up", "other"),
    ],
)
def test_each_way_the_loop_fails_has_its_kind(why: str, kind: str) -> None:
    assert failure_kind(why) == kind


# -- what the offline replanner decides from a report ---------------------------------------


def failed_graph(
    device: DeviceRequirement | None = None, privacy: str = "normal", report: FailureReport | None = None
) -> TaskGraph:
    """A graph whose one subtask, s1, failed for good."""
    graph = TaskGraph("t")
    spec = Spec(id="s1", goal="Add a contact named Ada Byron", outputs=["result"], privacy=privacy)  # type: ignore[arg-type]
    graph.apply(GraphPatch.from_specs([spec.model_copy(update={"device": device or DeviceRequirement()})]))
    graph.ready()
    graph.mark_running("s1", "phone-1")
    graph.mark_finished("s1", SubtaskResult(status="failed", error="x", report=report))
    return graph


async def decide(kind: str, *, final: bool = False, others: tuple[str, ...] = (), **report: Any) -> Any:
    graph = failed_graph(DeviceRequirement(kind="phone"))
    event = ReplanEvent("failed", "s1", "x", FailureReport(kind=kind, reason="x", **report), final, others)  # type: ignore[arg-type]
    patch = await RetryReplanner().replan(graph, [event])
    assert isinstance(patch, ReplanPatch)
    fix = next((op.subtask for op in patch.ops if op.op == "add_subtask"), None)
    if fix is not None:
        assert fix.goal == "Add a contact named Ada Byron"  # word for word: a hint never goes into it
        graph.apply(patch)
    return fix, patch.reason


async def test_no_retry_when_only_the_user_or_the_request_can_change_it() -> None:
    for kind, final in (("needs_user", True), ("refused_by_app", True), ("not_understood", True)):
        fix, why = await decide(kind, final=final)
        assert fix is None and why, kind
    fix, why = await decide("missing_app", final=True, app="Spotify")
    assert fix is None and "no other capable device has the Spotify app" in why


async def test_a_missing_app_or_a_lost_device_moves_the_retry_to_another_device() -> None:
    fix, why = await decide("missing_app", final=True, others=("phone-2",), app="Spotify")
    assert fix.device == DeviceRequirement(kind="phone", device_id="phone-2") and "phone-2" in why
    fix, _ = await decide("device_lost", others=("phone-2",))
    assert fix.device.device_id == "phone-2"


async def test_a_stuck_run_is_retried_from_a_relaunch_and_a_refusal_not_final_once_more() -> None:
    fix, _ = await decide("stuck", app="Contacts", stuck_at="Contacts — Create contact")
    assert fix.hint == "relaunch Contacts before the first step"
    fix, _ = await decide("refused_by_app")
    assert fix is not None and fix.hint is None


def test_other_devices_are_the_capable_online_ones_that_have_the_missing_app() -> None:
    registry = Registry()
    registry.announce("a", [DeviceProfile(id="phone-1", kind="phone", apps=["Notes"])])
    registry.announce("b", [DeviceProfile(id="phone-2", kind="phone", apps=["Notes", "Spotify"])])
    registry.announce("c", [DeviceProfile(id="phone-3", kind="phone", apps=["Notes"])])
    registry.announce("d", [DeviceProfile(id="web-1", kind="browser")])
    missing = FailureReport(kind="missing_app", app="Spotify")
    assert other_devices(DeviceRequirement(kind="phone"), ["phone-1"], registry, missing) == ("phone-2",)
    assert other_devices(DeviceRequirement(kind="phone"), ["phone-1"], registry, None) == ("phone-2", "phone-3")


# -- the model replanner's prompt ---------------------------------------------------------


async def test_the_model_replanner_sees_the_report_but_never_a_private_subtasks_screen() -> None:
    result = await failed_run("Add a contact with phone 555 0101")
    assert "Name is required" in result.report.last_screen
    for privacy in ("normal", "private"):
        graph = failed_graph(privacy=privacy, report=result.report)
        model = ScriptedModel([{"ops": []}])
        event = ReplanEvent("failed", "s1", result.error, result.report, result.final)
        assert await ModelReplanner(model).replan(graph, [event]) is None
        prompt = json.dumps(model.calls)
        assert "refused_by_app" in prompt  # the kind is never private
        for screen_text in ("Name is required", "Create contact"):
            assert (screen_text in prompt) is (privacy == "normal"), (privacy, screen_text)
        if privacy == "private":
            assert "555 0101" not in prompt


# -- conditions on a branch ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "found", "holds"),
    [
        ("it's raining", "Paris: light rain, 12°C", True),
        ("it's raining", "Sunny, 21°C", False),
        ("it's raining", "No rain expected today", False),
        ("it's not raining", "Sunny, 21°C", True),
        ("the weather in Paris is sunny", "Sunny and warm", True),
        ("it is above 15 degrees", "Sunny, 21°C", True),
        ("my balance is under 1,000", "$1,234.50", False),
        ("it is above 15 degrees", "Sunny", None),  # no number to compare
        ("it is", "Sunny", None),  # nothing to look for
    ],
)
def test_a_condition_is_judged_on_what_was_found(condition: str, found: str, holds: bool | None) -> None:
    assert judge(condition, found, "Check the weather in Paris") is holds


async def test_the_clause_planner_reads_if_condition_comma_clause() -> None:
    from fleetmind.orchestrator.planner import BadRequest

    graph = TaskGraph("t")
    request = "Check the weather in Paris, then if it's raining, text Ada 'bring an umbrella'"
    graph.apply(await ClausePlanner().plan(request, PHONES))
    s1, s2 = graph.subtasks()
    assert (s1.goal, s1.condition) == ("Check the weather in Paris", None)
    assert (s2.goal, s2.condition) == ("Text Ada 'bring an umbrella'", "it's raining")
    assert ("s1", "s2", "on_success") in graph.edges()
    # "when that's done" says when, not whether
    graph = TaskGraph("t")
    graph.apply(await ClausePlanner().plan("Turn on Wi-Fi, then when that's done, text Ada hi", PHONES))
    assert all(s.condition is None for s in graph.subtasks())
    # "if possible" is politeness, not a condition on anything found
    graph = TaskGraph("t")
    graph.apply(await ClausePlanner().plan("If possible, turn on Wi-Fi", PHONES))
    assert all(s.condition is None for s in graph.subtasks())
    with pytest.raises(BadRequest, match="needs a step before it"):
        await ClausePlanner().plan("If it's raining, text Ada 'take a coat'", PHONES)


async def test_the_model_replanner_judges_a_private_finding_offline_and_never_shows_it() -> None:
    graph = TaskGraph("t")
    specs = [
        Spec(id="s1", goal="Check my bank balance", outputs=["balance"], privacy="private"),
        Spec(id="s2", goal="Text Ada 'lunch is on me'", condition="my balance is over 500"),
    ]
    graph.apply(GraphPatch.from_specs(specs, [("s1", "s2", "on_success")]))
    graph.ready()
    graph.mark_running("s1", "phone-1")
    graph.mark_finished("s1", SubtaskResult(status="succeeded", outputs={"balance": "$312.07"}))
    model = ScriptedModel([{"ops": [], "cancel": {}}])
    patch = await ModelReplanner(model).replan(graph, [ReplanEvent("succeeded", "s1", outputs={"balance": "$312.07"})])
    assert isinstance(patch, ReplanPatch) and list(patch.cancel) == ["s2"]
    assert "does not hold" in patch.cancel["s2"]
    assert "312" not in json.dumps(model.calls)  # the model was asked, but never saw the balance


class Weather(ChatModel):
    """Cloud stand-in: a goal about the weather is answered with `forecast`; any other is done."""

    name, tier = "weather", "cloud"

    def __init__(self, forecast: str) -> None:
        self.forecast = forecast
        self.goals: list[str] = []

    async def complete(
        self, messages: list[dict[str, str]], *, schema: type[BaseModel] | None = None, max_tokens: int = 512
    ) -> Completion:
        goal = re.search(r"Goal: (.*)", messages[-1]["content"]).group(1)  # type: ignore[union-attr]
        self.goals.append(goal)
        answer = self.forecast if "weather" in goal else "sent"
        text = json.dumps({"thought": "", "action": {"kind": "done", "answer": answer}})
        return Completion(text=text, parsed=schema.model_validate_json(text) if schema else None)


@pytest.mark.parametrize(("forecast", "texted"), [("Sunny, 21°C", False), ("Light rain, 12°C", True)])
async def test_a_branch_runs_only_if_its_condition_holds_on_what_was_found(forecast: str, texted: bool) -> None:
    cloud = Weather(forecast)
    request = "Check the weather in Paris, then if it's raining, text Ada 'bring an umbrella'"
    fleet = EmbeddedFleet([VirtualPhone(device_id="phone-1")], cloud=cloud, planner=ClausePlanner())
    async with asyncio.timeout(30), fleet:
        run = await fleet.orchestrator.run(request, policy="cloud-only")
        summary = fleet.orchestrator.summary(run)
    s2 = run.graph.subtask("s2")
    assert run.status == "succeeded"  # a branch not taken is what the request asked for
    assert any("Text Ada" in g for g in cloud.goals) is texted
    if texted:
        assert s2.status == "succeeded" and summary["not_run"] == {}
    else:
        assert s2.status == "cancelled" and s2.result is not None
        assert s2.result.error == (
            "not run: the condition \"it's raining\" does not hold on what s1 found: 'Sunny, 21°C'"
        )
        assert summary["not_run"] == {"s2": s2.result.error}


async def test_a_failure_report_reaches_the_events_the_summary_and_the_cli() -> None:
    from rich.console import Console

    from fleetmind.cli.follow import summary_view

    fleet = EmbeddedFleet([phone()], planner=ClausePlanner())
    goal = "Add a contact named Ada Byron with phone 555 0102 and email ada@example.org"
    async with asyncio.timeout(30), fleet:
        run = await fleet.orchestrator.run(goal, budget=Budget(max_steps=3))
        summary = fleet.orchestrator.summary(run)
        events = fleet.orchestrator.store.events(run.id)
    assert run.status == "failed"
    failed = [e.data for e in events if e.kind == "subtask_state" and e.data["status"] == "failed"]
    report = failed[0]["result"]["report"]
    assert failed[0]["subtask"] == "s1" and report["kind"] == "step_budget"
    assert report["stuck_at"].startswith("Contacts") and report["tried"] and report["last_screen"]
    assert (
        summary["stuck"]["s1"].startswith("stuck at Contacts")
        and "(step_budget); last step: " in summary["stuck"]["s1"]
    )
    console = Console(width=200, record=True)
    console.print(summary_view(run.status, summary, run.steps, run.error))
    assert summary["stuck"]["s1"] in console.export_text()


async def test_a_condition_in_flight_when_the_orchestrator_stopped_is_judged_after_the_restart(tmp_path: Any) -> None:
    from fleetmind.orchestrator import durable
    from fleetmind.orchestrator.server import Orchestrator
    from fleetmind.orchestrator.store import SQLiteStore

    db = tmp_path / "fleet.db"
    graph = durable.new_graph(SQLiteStore(db), "t1", "x", {"policy": "auto", "budget": {}, "confirm": "ask"})
    specs = [
        Spec(id="s1", goal="Check the weather in Paris", outputs=["weather"]),
        Spec(id="s2", goal="Text Ada 'bring an umbrella'", condition="it's raining"),
    ]
    graph.apply(GraphPatch.from_specs(specs, [("s1", "s2", "on_success")]))
    graph.ready()
    graph.mark_running("s1", "phone-1")
    graph.mark_finished("s1", SubtaskResult(status="succeeded", outputs={"weather": "Sunny, 21°C"}))
    # the orchestrator stopped here, before the replanner judged s2; a new one rebuilds the task
    orch = Orchestrator(ClausePlanner(), store=SQLiteStore(db))
    await orch.start()
    try:
        run = await asyncio.wait_for(orch.runs["t1"].done, 10)
    finally:
        await orch.stop()
    assert run.graph.subtask("s2").status == "cancelled" and run.status == "succeeded"


async def test_a_model_replanner_that_fails_leaves_no_branch_unjudged() -> None:
    cloud = Weather("Sunny, 21°C")
    broken = ModelReplanner(ScriptedModel([RuntimeError("the model endpoint is down")]))
    request = "Check the weather in Paris, then if it's raining, text Ada 'bring an umbrella'"
    fleet = EmbeddedFleet([VirtualPhone(device_id="phone-1")], cloud=cloud, planner=ClausePlanner(), replanner=broken)
    async with asyncio.timeout(30), fleet:
        run = await fleet.orchestrator.run(request, policy="cloud-only")
    assert run.graph.subtask("s2").status == "cancelled"
    assert not any("Text Ada" in g for g in cloud.goals)


async def test_a_missing_app_no_capable_device_has_is_not_retried() -> None:
    fleet = EmbeddedFleet([VirtualPhone(device_id="phone-1")], planner=ClausePlanner())
    async with asyncio.timeout(30), fleet:
        run = await fleet.orchestrator.run("Open Spotify")
        logs = [e.data["message"] for e in fleet.orchestrator.store.events(run.id) if e.kind == "log"]
        summary = fleet.orchestrator.summary(run)
    s1 = run.graph.subtask("s1")
    assert run.status == "failed" and s1.attempts == 1 and "s1-fix" not in run.graph
    assert s1.result is not None and s1.result.report is not None and s1.result.report.kind == "missing_app"
    assert "no other capable device has the Spotify app; s1 stays failed" in logs
    assert summary["stuck"] == {"s1": "stuck at Home (missing_app)"}
