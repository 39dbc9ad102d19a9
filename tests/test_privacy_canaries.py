"""Privacy canaries: a secret on a secure screen, in a private subtask's inputs or in a seeded SMS
never appears in any request sent to a cloud model, under every policy, on every path that
reaches the cloud: planning, replanning, escalation (low confidence, stuck), fallback after a
cloud outage, and reflection's escalation on a running agent.

Every request the cloud double receives is captured and searched for the canaries. Where the
canary sits in text the cloud may see (a normal subtask's inputs, the history), the test also
checks that the cloud *was* asked, with a placeholder, and that its answer got the value back.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

import pytest
from pydantic import BaseModel

from fleetmind.agents.grounding import Candidate, parse_goal
from fleetmind.agents.loop import GuiAgent
from fleetmind.agents.models import ChatModel, Completion, ModelUnavailable, Ranking, ScriptedModel
from fleetmind.agents.models.tiers import StepContext, Tiers
from fleetmind.agents.records import CloudStep, SubtaskSpec
from fleetmind.devices.base import Observation, PressKey, Tap, Target, TypeText
from fleetmind.devices.virtual import VirtualPhone
from fleetmind.orchestrator.graph import GraphPatch, SubtaskResult, TaskGraph
from fleetmind.orchestrator.graph import SubtaskSpec as Spec
from fleetmind.orchestrator.planner import ModelPlanner, ModelReplanner, ReplanEvent
from fleetmind.privacy.labelled import LabelledScreen, entry, pw
from fleetmind.protocol.messages import Budget, DeviceProfile, TierPolicy

SECURE = "Tr0ub4dor&3xq"
"""Shown in a password field on a secure screen."""
INPUT = "758194"
"""A private subtask's input (its PIN)."""
SMS = "482913"
"""The code in a seeded SMS."""
CANARIES = (SECURE, INPUT, SMS)
POLICIES: tuple[TierPolicy, ...] = ("auto", "cloud-only", "local-only")


def leaked(model: ScriptedModel) -> list[str]:
    """The canaries found in any request the model received."""
    sent = json.dumps(model.calls, ensure_ascii=False)
    return [c for c in CANARIES if c in sent]


def cloud_step(messages: list[dict[str, str]], _schema: object) -> CloudStep:
    """The cloud double: types the first placeholder it is shown into the field, else taps e0."""
    placeholder = re.search(r"<[A-Z]+_\d+>", messages[-1]["content"])
    if placeholder:
        return CloudStep(thought="type it", action=TypeText(target=Target(element="e1"), text=placeholder.group()))
    return CloudStep(thought="tap", action=Tap(target=Target(element="e0")))


class UnsureRanker(ChatModel):
    """A local model that cannot tell its candidates apart (margin 0.1: the cascade escalates)."""

    tier = "local"
    name = "unsure-ranker"

    async def rank(self, prompt: str, candidates: Sequence[str]) -> Ranking:
        return Ranking(scores=[-1.0 - 0.1 * i for i in range(len(candidates))], tokens=1, latency_ms=1.0)

    async def complete(
        self, messages: list[dict[str, str]], *, schema: type[BaseModel] | None = None, max_tokens: int = 512
    ) -> Completion:
        raise AssertionError("the ranker is never asked to write")


# -- one step, every placement x path x policy ---------------------------------------------------

FORM = LabelledScreen("form", False, ("Verify", entry("", "One-time code"), "Submit"), app="Acme", package="")

PLACEMENTS: dict[str, tuple[SubtaskSpec, Observation, list[str]]] = {
    "secure screen": (
        SubtaskSpec(goal="Log in to Acme"),
        LabelledScreen("login", True, ("Sign in", pw(SECURE), "Log in"), secure=True).observation(),
        [],
    ),
    "private subtask's inputs": (
        SubtaskSpec(goal=f"Log in with PIN {INPUT}", inputs={"pin": INPUT}, privacy="private"),
        FORM.observation(),
        [],
    ),
    "seeded SMS on screen": (
        SubtaskSpec(goal="Read the latest SMS"),
        LabelledScreen("sms", True, ("Acme", f"Your code is {SMS}", "Reply"), app="Messages").observation(),
        [],
    ),
    "SMS code passed on to a normal subtask": (
        SubtaskSpec(goal="Enter the code from the SMS", inputs={"code": SMS}),
        FORM.observation(),
        [f"typed:One-time code:{SMS}", "submit:Submit"],
    ),
}
PATHS = ("low confidence", "stuck", "cloud outage", "no local model")


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("placement", list(PLACEMENTS))
async def test_no_canary_reaches_the_cloud_on_any_step_path(policy: TierPolicy, path: str, placement: str) -> None:
    spec, obs, history = PLACEMENTS[placement]
    spec = SubtaskSpec(**{**spec.__dict__, "tier_policy": policy, "budget": Budget(max_cost_usd=1.0)})
    outage = ModelUnavailable("cloud cannot be reached")
    cloud = ScriptedModel(lambda m, s: outage if path == "cloud outage" else cloud_step(m, s), name="cloud")
    tiers = Tiers(None if path == "no local model" else UnsureRanker(), cloud)
    cands = [Candidate(Tap(target=Target(element=e.id)), e.label, 0.2) for e in obs.elements[:2]]
    cands.append(Candidate(PressKey(key="back"), "go back", 0.1))
    ctx = StepContext(3, history, 0.0, stuck=path == "stuck")
    record = await tiers.decide_step(spec, parse_goal(spec.goal), obs, cands, ctx)

    assert leaked(cloud) == []
    if placement != "SMS code passed on to a normal subtask" or policy == "local-only":
        assert cloud.calls == []  # kept on the device whole
        return
    assert len(cloud.calls) == 1  # the cloud was asked, with placeholders in place of the code
    assert "<OTP_1>" in cloud.calls[0][-1]["content"]
    if path != "cloud outage":
        assert record.tier == "cloud" and record.action == TypeText(target=Target(element="e1"), text=SMS)
        assert "redacted for the cloud: otp in inputs.code, history" in record.why


# -- a running agent on a phone with the SMS: escalation and reflection --------------------------


SCENARIOS = {
    # app the cloud opens from home, goal, what stays on the device there
    "seeded SMS": ("Messages", "Tell me the verification code I was sent", "one-time code stays on the device"),
    "secure screen": ("Bank", f"Check my balance in the Bank with password {SECURE}", "secure screen stays on"),
}


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("scenario", list(SCENARIOS))
async def test_a_running_agent_never_shows_a_canary_to_the_cloud(scenario: str, policy: TierPolicy) -> None:
    app, goal, kept = SCENARIOS[scenario]
    phone = VirtualPhone(seed=3)
    phone.state.receive_sms("+1 555 0142", f"Your verification code is {SMS}. Do not share it.")

    def answer(messages: list[dict[str, str]], _schema: object) -> CloudStep:
        # Opens the app from home; elsewhere it waits, so the screen freezes and reflection escalates.
        home = "App: Home" in messages[-1]["content"]
        action = {"kind": "launch_app", "app": app} if home else {"kind": "wait", "seconds": 0.1}
        return CloudStep.model_validate({"thought": "go", "action": action})

    cloud = ScriptedModel(answer, name="cloud")
    steps: list[Any] = []

    async def on_step(record: Any) -> None:
        steps.append(record)

    agent = GuiAgent(phone, local=UnsureRanker(), cloud=cloud, thumbnails=False, ocr=False)
    spec = SubtaskSpec(goal=goal, outputs=["answer"], tier_policy=policy, budget=Budget(max_steps=8, max_cost_usd=1.0))
    await agent.run(spec, on_step=on_step)
    assert leaked(cloud) == []
    if policy == "local-only":
        assert cloud.calls == []
    if policy == "cloud-only":  # the app's screens were decided on the device, home by the cloud
        assert any(s.tier == "local" and kept in s.why for s in steps)
        assert any(s.tier == "cloud" for s in steps)


# -- planning and replanning -------------------------------------------------------------------


async def test_planning_sees_placeholders_and_the_plan_gets_the_values_back() -> None:
    def plan(messages: list[dict[str, str]], _schema: object) -> dict[str, Any]:
        request = messages[-1]["content"].split("Request: ", 1)[1]
        return {"subtasks": [{"id": "s1", "goal": request, "device": {"kind": "phone"}, "privacy": "private"}]}

    cloud = ScriptedModel(plan, name="cloud")
    request = f"Log in to the bank with PIN {INPUT} and confirm with the code {SMS}"
    patch = await ModelPlanner(cloud).plan(request, [DeviceProfile(id="phone-1", kind="phone")])
    assert leaked(cloud) == [] and len(cloud.calls) == 1
    assert patch.ops[0].subtask.goal == request  # type: ignore[union-attr]


async def test_replanning_never_sees_a_private_subtasks_inputs_or_an_sms_code() -> None:
    graph = TaskGraph("t", request=f"Log in with PIN {INPUT}, then enter the code {SMS} on acme.example")
    graph.apply(GraphPatch.from_specs([
        Spec(id="s1", goal="Log in to the bank", inputs={"pin": INPUT}, privacy="private", outputs=["balance"]),
        Spec(id="s2", goal="Enter the code from the SMS on acme.example", inputs={"code": SMS}),
    ]))
    graph.ready()
    for sid in ("s1", "s2"):
        graph.mark_running(sid, "phone-1")
        error = f"stuck on a screen showing 'Your verification code is {SMS}' after typing PIN {INPUT}"
        graph.mark_finished(sid, SubtaskResult(status="failed", error=error))
    cloud = ScriptedModel(lambda _m, _s: {"ops": []}, name="cloud")
    events = [ReplanEvent("failed", sid, graph.subtask(sid).result.error) for sid in ("s1", "s2")]  # type: ignore[union-attr]
    assert await ModelReplanner(cloud).replan(graph, events) is None
    assert cloud.calls and leaked(cloud) == []


async def test_replanning_after_an_agent_failed_on_the_sms_screen() -> None:
    phone = VirtualPhone(seed=3)
    phone.state.receive_sms("+1 555 0142", f"Your verification code is {SMS}")
    result = await GuiAgent(phone, thumbnails=False, ocr=False).run(
        SubtaskSpec(goal="Open Messages and forward the latest SMS to Zed", budget=Budget(max_steps=4))
    )
    assert result.status == "failed"
    graph = TaskGraph("t", request="Forward my latest SMS to Zed")
    graph.apply(GraphPatch.from_specs([Spec(id="s1", goal="Forward the latest SMS to Zed")]))
    graph.ready()
    graph.mark_running("s1", "phone-1")
    graph.mark_finished("s1", SubtaskResult(status="failed", error=result.error, report=result.report))
    cloud = ScriptedModel(lambda _m, _s: {"ops": []}, name="cloud")
    await ModelReplanner(cloud).replan(graph, [ReplanEvent("failed", "s1", result.error, result.report)])
    assert cloud.calls and leaked(cloud) == []
