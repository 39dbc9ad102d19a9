"""How a run ends: a success (verified against the screen, or said unverified), a failure that says
what was tried and where, and each step as it may leave the device."""

from __future__ import annotations

import dataclasses
from typing import Any

from ...devices.base import Done, TypeText, describe_action
from ...privacy.rules import PrivacyRules
from ...privacy.screen import screen_reason
from ...privacy.values import secret_field
from ..grounding import Goal, extract_answer, parse_goal
from ..records import LoopResult, LoopState, StepRecord, SubtaskSpec, failure_report
from ..reflection import Verdict, check_goal, checkable
from ..thumbnails import thumbnail
from .notes import noted_outputs
from .subgoals import current

REDACTED = "•••"


def seen_done(goal: Goal, state: LoopState) -> bool:
    """The screen shows the goal done, or the verifier cannot judge this kind of goal at all
    (then a veto would only cost another model call; the result says "done, unverified")."""
    if not checkable(parse_goal(goal.text)):  # judged on what the request itself says, not on inputs
        return True
    verdict = check_goal(goal, state["obs"], state["history"])
    return verdict is not None and verdict.outcome == "verified"


def success(
    spec: SubtaskSpec, goal: Goal, action: Done, record: StepRecord, state: LoopState, cost: float
) -> LoopResult:
    obs = state["obs"]
    verdict: Verdict | None = state.get("verdict")
    if verdict is None:  # a model said done: believe the screen, not the model
        seen = check_goal(goal, obs, state["history"])
        verdict = (
            seen
            if seen is not None and seen.outcome != "refused"
            else Verdict("unverified", f"the {record.tier} model said it is done, but the screen does not show it")
        )
    answer = action.answer if record.tier != "rule" or not goal.asks_answer else verdict.reason
    answer = answer or extract_answer(goal, obs, state["history"])
    notes = noted_outputs(spec, state.get("notes", {}))
    # what the last screen shows first; a fact the notetaker read on the way fills the rest
    outputs = {
        name: value
        for i, name in enumerate(spec.outputs)
        if (value := (answer or notes.get(name, "")) if i == 0 else notes.get(name, answer))
    }
    outputs.update(action.outputs)
    if verdict.outcome == "verified":
        summary, verified = answer or verdict.reason, True
    else:
        summary, verified = f"done, unverified: {verdict.reason}", False
    return LoopResult("succeeded", summary, outputs, steps=record.step, cost_usd=cost, verified=verified)


def failed(spec: SubtaskSpec, state: LoopState, why: str, *, final: bool = False) -> LoopState:
    """A state update that ends the run as failed, saying what was tried and where.

    final: only the user can change the outcome (they declined, or must answer or decide),
    so neither a retry nor a replan should try again.
    """
    result = failure_result(why, state)
    result.final = final
    result.outputs = noted_outputs(spec, state.get("notes", {}))  # facts read before it failed are kept
    result.report = failure_report(why, state.get("obs"), state.get("trail", []), spec.privacy)
    subgoals = state.get("subgoals", [])
    if (now := current(subgoals)) is not None:
        reached = sum(s.done for s in subgoals)
        result.report.subgoal = f"{now.text} ({reached} of {len(subgoals)} subgoals reached)"
    return {"result": result, "pending": None}


def failure_result(why: str, state: LoopState, *, steps: int | None = None, cost: float | None = None) -> LoopResult:
    obs = state.get("obs")
    trail = state.get("trail", [])
    where = f"on {obs.foreground_app or 'the home screen'}, " if obs is not None else ""
    tried = f"after: {'; '.join(trail[-4:])}" if trail else "before any step"
    summary = f"{why} ({where}{tried})"
    return LoopResult(
        "failed",
        summary,
        error=why,
        steps=state.get("step", 0) if steps is None else steps,
        cost_usd=state.get("cost_usd", 0.0) if cost is None else cost,
    )


def reportable(record: StepRecord, obs: Any, spec: SubtaskSpec, *, rules: PrivacyRules, thumbnails: bool) -> StepRecord:
    """The step as it may leave the device: text typed on a private subtask, a secure screen,
    a screen showing sensitive data or into a password field is masked (the device got the real text)."""
    action = record.action
    shows_secret = obs.secure or screen_reason(obs, rules) is not None
    private_screen = spec.privacy == "private" or shows_secret
    if not private_screen and thumbnails and obs.screenshot is not None:
        record = dataclasses.replace(record, thumbnail_png=thumbnail(obs.screenshot))
    if not isinstance(action, TypeText):
        return record
    field = obs.element(action.target.element) if action.target and action.target.element else None
    if not (private_screen or (field is not None and secret_field(field))):
        return record
    masked = action.model_copy(update={"text": REDACTED})
    return dataclasses.replace(record, action=masked, summary=describe_action(masked, obs))
