"""Routing with a private endpoint, a confidence cascade, cloud outages and a daily cloud budget.

The router is pure (`route`); the tiers around it are exercised on a VirtualPhone's
real screen with a scripted cloud (a test double for a cloud LLM) and a local model
whose ranking scores are fixed by the test.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import pytest
from pydantic import BaseModel

from fleetmind.agents.grounding import Candidate, parse_goal
from fleetmind.agents.host.wire import progress_of
from fleetmind.agents.models import ChatModel, Completion, ModelUnavailable, Ranking, ScriptedModel
from fleetmind.agents.models.router import PrivacyRules, Step, route, sensitive_reason
from fleetmind.agents.models.spend import DailySpend, MeteredModel
from fleetmind.agents.models.tiers import StepContext, Tiers
from fleetmind.agents.records import CloudStep, SubtaskSpec
from fleetmind.devices.base import Observation, PressKey, Tap, Target
from fleetmind.devices.virtual import VirtualPhone
from fleetmind.protocol.messages import Budget

# -- the pure router ----------------------------------------------------------------


def test_private_endpoint_counts_as_on_device_for_private_steps() -> None:
    unsure = Step(private_subtask=True, cloud_available=True, budget_left_usd=1, local_confidence=0.1,
                  private_model_available=True)
    assert route(unsure).tier == "private" and route(unsure).reason.startswith("privacy: private subtask")
    confident = Step(private_subtask=True, cloud_available=True, budget_left_usd=1, local_confidence=0.9,
                     private_model_available=True)
    assert route(confident).tier == "local"
    no_ranker = Step(secure_screen=True, local_available=False, cloud_available=True, budget_left_usd=1,
                     private_model_available=True)
    assert route(no_ranker).tier == "private"
    stuck = Step(private_subtask=True, stuck=True, private_model_available=True, cloud_available=True,
                 budget_left_usd=1)
    assert route(stuck).tier == "private"
    # Nothing private about the step: an unsure local proposal goes to the cloud as before.
    assert route(Step(cloud_available=True, budget_left_usd=1, local_confidence=0.1,
                      private_model_available=True)).tier == "cloud"


def test_local_only_and_no_cloud_escalate_to_the_private_endpoint() -> None:
    assert route(Step(policy="local-only", stuck=True, private_model_available=True)).tier == "private"
    assert route(Step(policy="local-only", local_available=False, private_model_available=True)).tier == "private"
    assert route(Step(local_confidence=0.1, private_model_available=True)).tier == "private"
    assert route(Step(local_confidence=0.9, private_model_available=True)).tier == "local"


def test_the_cascade_routes_by_confidence() -> None:
    base = dict(cloud_available=True, budget_left_usd=1.0, confidence_threshold=0.6)
    assert route(Step(**base, local_confidence=0.59)).tier == "cloud"  # type: ignore[arg-type]
    assert route(Step(**base, local_confidence=0.61)).tier == "local"  # type: ignore[arg-type]


def test_a_spent_daily_budget_keeps_steps_local_and_says_so() -> None:
    spent = Step(cloud_available=True, budget_left_usd=1.0, stuck=True, daily_cloud_usd=1.0, daily_spent_usd=1.0)
    decision = route(spent)
    assert decision.tier == "local"
    assert decision.reason == "daily cloud budget of $1.00 spent; steps stay local until tomorrow"
    cloud_only = Step(policy="cloud-only", cloud_available=True, budget_left_usd=1.0, daily_cloud_usd=1.0,
                      daily_spent_usd=0.9995)
    assert route(cloud_only).tier == "blocked" and "daily cloud budget of $1.00 spent" in route(cloud_only).reason
    left = Step(cloud_available=True, budget_left_usd=1.0, stuck=True, daily_cloud_usd=1.0, daily_spent_usd=0.5)
    assert route(left).tier == "cloud"


def test_privacy_rules_from_the_configuration() -> None:
    rules = PrivacyRules(extra_patterns=(r"\bproject falcon\b",), allow_patterns=(r"^forgot password\?$",))
    assert sensitive_reason(["Notes about Project Falcon"], rules) is not None
    assert sensitive_reason(["PIN 4821"]) == "screen shows a password or PIN"
    assert sensitive_reason(["PIN 4821"], PrivacyRules(allow_patterns=(r"^pin \d+$",))) is None
    assert sensitive_reason(["Forgot password?"]) is None  # a label, not a password


# -- the tiers on a real screen -------------------------------------------------------


class FixedRanker(ChatModel):
    """A local model whose likelihoods the test sets: the score of the first key found in the prompt."""

    tier = "local"

    def __init__(self, scores: dict[str, float]) -> None:
        self.name = "fixed-ranker"
        self.scores = scores

    async def rank(self, prompt: str, candidates: Sequence[str]) -> Ranking:
        score = next((s for k, s in self.scores.items() if k in prompt), -9.0)
        return Ranking(scores=[score for _ in candidates], tokens=10, latency_ms=1.0)

    async def complete(
        self, messages: list[dict[str, str]], *, schema: type[BaseModel] | None = None, max_tokens: int = 512
    ) -> Completion:
        raise AssertionError("the ranker is never asked to write")


async def _screen() -> tuple[Observation, list[Candidate]]:
    obs = await VirtualPhone(seed=1).observe()
    labelled = [e for e in obs.elements if e.text and e.clickable][:2]
    assert len(labelled) == 2, "the home screen shows at least two app icons"
    cands = [Candidate(Tap(target=Target(element=e.id)), f"tap '{e.text}'", 0.2) for e in labelled]
    return obs, cands


def _cloud_tap(element: str, calls: list[int]) -> ScriptedModel:
    def reply(_messages: object, _schema: object) -> CloudStep:
        calls.append(1)
        return CloudStep(thought="the cloud knows", action=Tap(target=Target(element=element)))

    return ScriptedModel(reply, name="cloud", cost_per_call_usd=0.01)


async def test_tiers_cascade_confident_local_stays_unsure_goes_to_the_cloud() -> None:
    obs, cands = await _screen()
    first, second = cands[0].text, cands[1].text
    spec = SubtaskSpec(goal="open something", budget=Budget(max_cost_usd=1.0))
    goal = parse_goal(spec.goal)
    calls: list[int] = []
    cloud = _cloud_tap(cands[1].action.target.element, calls)  # type: ignore[union-attr]
    confident = Tiers(FixedRanker({first: -1.0, second: -4.0}), cloud, confidence_threshold=0.5)
    record = await confident.decide_step(spec, goal, obs, cands, StepContext(1, [], 0.0, False))
    assert record.tier == "local" and record.action == cands[0].action and not calls

    unsure = Tiers(FixedRanker({first: -1.0, second: -1.1}), cloud, confidence_threshold=0.5)
    record = await unsure.decide_step(spec, goal, obs, cands, StepContext(1, [], 0.0, False))
    assert record.tier == "cloud" and record.action == cands[1].action and calls == [1]
    assert "local confidence 0.10 below 0.5" in record.why and record.cost_usd == 0.01


async def test_a_cloud_outage_falls_back_to_the_local_choice_with_a_note_in_the_event() -> None:
    obs, cands = await _screen()
    spec = SubtaskSpec(goal="open something", budget=Budget(max_cost_usd=1.0))
    cloud = ScriptedModel([ModelUnavailable("cloud cannot be reached (connection refused)")], name="cloud")
    tiers = Tiers(FixedRanker({cands[0].text: -1.0, cands[1].text: -1.1}), cloud)
    record = await tiers.decide_step(spec, parse_goal(spec.goal), obs, cands, StepContext(1, [], 0.0, False))
    assert record.tier == "local" and record.action == cands[0].action and not record.settled
    assert record.why.startswith("cloud failed (cloud cannot be reached")
    event = progress_of("t/s1#1", record)
    assert "cloud failed" in event.why and event.tier == "local"
    # The dead cloud is not asked again at the next step: the router already knows.
    assert not tiers.cloud_reachable()
    again = await tiers.decide_step(spec, parse_goal(spec.goal), obs, cands, StepContext(2, [], 0.0, False))
    assert again.tier == "local" and len(cloud.calls) == 1 and "no cloud model configured" in again.why


async def test_private_subtask_goes_to_the_private_endpoint_never_the_cloud() -> None:
    obs, cands = await _screen()
    spec = SubtaskSpec(goal="open something", privacy="private", budget=Budget(max_cost_usd=1.0))
    cloud_calls: list[int] = []
    private_calls: list[int] = []
    private = _cloud_tap(cands[1].action.target.element, private_calls)  # type: ignore[union-attr]
    private.tier, private.name = "local", "home (gemma)"
    tiers = Tiers(None, _cloud_tap(cands[0].action.target.element, cloud_calls), private=private)  # type: ignore[union-attr]
    record = await tiers.decide_step(spec, parse_goal(spec.goal), obs, cands, StepContext(1, [], 0.0, True))
    assert private_calls == [1] and cloud_calls == []
    assert record.tier == "local" and record.cost_usd == 0.0
    assert "private endpoint home (gemma)" in record.why and record.why.startswith("privacy: private subtask")


async def test_an_exhausted_daily_budget_stops_cloud_calls(tmp_path: Path) -> None:
    obs, cands = await _screen()
    spec = SubtaskSpec(goal="open something", budget=Budget(max_cost_usd=1.0))
    day = dt.date(2026, 1, 5)
    ledger = DailySpend(tmp_path / "spend.sqlite", cap_usd=0.02, today=lambda: day)
    calls: list[int] = []
    cloud = MeteredModel(_cloud_tap(cands[1].action.target.element, calls), ledger)  # type: ignore[union-attr]
    ranker = FixedRanker({cands[0].text: -1.0, cands[1].text: -1.1})
    tiers = Tiers(ranker, cloud, spend=ledger, est_cloud_cost_usd=0.002)
    first = await tiers.decide_step(spec, parse_goal(spec.goal), obs, cands, StepContext(1, [], 0.0, False))
    assert first.tier == "cloud" and ledger.spent_today() == pytest.approx(0.01)
    # Another process on this machine (a second ledger on the same file) spent the rest of the day's budget.
    DailySpend(tmp_path / "spend.sqlite", today=lambda: day).record(0.01, model="other")
    second = await tiers.decide_step(spec, parse_goal(spec.goal), obs, cands, StepContext(2, [], 0.01, True))
    assert second.tier == "local" and calls == [1]
    assert "daily cloud budget of $0.02 spent; steps stay local until tomorrow" in second.why
    with pytest.raises(ModelUnavailable, match="daily cloud budget"):  # planning calls are refused too
        await cloud.complete([{"role": "user", "content": "plan"}])
    tomorrow = DailySpend(tmp_path / "spend.sqlite", cap_usd=0.02, today=lambda: day + dt.timedelta(days=1))
    assert tomorrow.spent_today() == 0.0 and not tomorrow.exhausted()


async def test_without_any_model_a_stuck_step_uses_the_text_match() -> None:
    obs, cands = await _screen()
    cands.append(Candidate(PressKey(key="back"), "go back", 0.0))
    spec = SubtaskSpec(goal="open something")
    record = await Tiers(None, None).decide_step(spec, parse_goal(spec.goal), obs, cands, StepContext(1, [], 0, True))
    assert record.tier == "rule" and not record.settled and "no model available" in record.why
