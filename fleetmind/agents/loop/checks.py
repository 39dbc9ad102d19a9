"""The `verify` node: does the screen show the goal done, refused, or in need of the user? Nothing here acts."""

from __future__ import annotations

from collections.abc import Callable

from ...devices.base import DeviceInfo, Done, describe_action
from ..grounding import REMOVE_WORDS, Goal, goal_apps, pending_fill
from ..questions import ambiguous_name, missing_date, missing_message, missing_secret, missing_time, refused_value
from ..records import LoopState, StepRecord, SubtaskSpec
from ..reflection import check_goal
from .goal import out_of_scope

_WRITING = frozenset({"note", "memo", "text", "message", "sms", "write", "jot", "email", "tell", "reply"})
"""Goals that are about words to pass on or keep: an empty text field in their form is theirs to fill."""


def verify(
    state: LoopState,
    goal: Goal,
    spec: SubtaskSpec,
    info: DeviceInfo,
    *,
    can_ask: bool,
    failed: Callable[..., LoopState],
) -> LoopState:
    """The verify node's state update: a `done` step, a question, a failure, or nothing (go on)."""
    obs = state["obs"]
    step = state["step"] + 1
    if step > spec.budget.max_steps:
        return failed(state, f"the step budget of {spec.budget.max_steps} ran out")
    # cloud-only means the cloud model decides every step, text grounding included.
    verdict = check_goal(goal, obs, state["history"]) if spec.tier_policy != "cloud-only" else None
    if verdict is not None and verdict.outcome == "refused":
        question = refused_value(verdict.reason.split("says: ", 1)[-1], goal, obs)
        answered = question is not None and question.key in state.get("answers", {})
        if question is not None and not answered and can_ask:
            return {"question": question}
        if not (answered and pending_fill(goal, obs, state["history"])):
            return failed(state, f"not done: {verdict.reason}", final=True)
        verdict = None  # the user gave what was missing: fill it in and submit again
    if verdict is not None:
        done = Done(answer=verdict.reason, why="the screen shows the goal done")
        record = StepRecord(step, done, describe_action(done, obs), "rule", f"goal check: {verdict.reason}")
        return {"pending": record, "step": step, "verdict": verdict}
    if state["step"] == 0 and (why := out_of_scope(goal, info)) is not None:
        return failed(state, why, final=True)
    wanted_here = obs.foreground_app.lower() in goal_apps(goal, info.apps) or bool(
        goal.words & {"log", "login", "sign", "password", "pin", "unlock"}
    )
    if wanted_here and (secret := missing_secret(goal, obs, state.get("answers", {}))) is not None:
        if can_ask:
            return {"question": secret}
        asks_for = secret.text.split(", and the request", 1)[0]
        return failed(
            state, f"needs the user: {asks_for}, which the request does not give; nothing was typed", final=True
        )
    asking_time = wanted_here and can_ask  # a time for a form in the app the goal is about
    if asking_time and (when := missing_time(goal, obs, state.get("answers", {}))) is not None:
        return {"question": when}
    writing = goal.words & _WRITING and not goal.asks_answer and not goal.words & REMOVE_WORDS
    if wanted_here and can_ask and writing and (empty := missing_message(goal, obs, state.get("answers", {}))):
        return {"question": empty}  # "write a note", "text Priya": the form is open, its text is not given
    if not goal.asks_answer and (day := missing_date(goal, obs, state.get("answers", {}))) is not None:
        if can_ask:
            return {"question": day}
        return failed(
            state, f"not done: {day.text.split('?')[0]}? The form wants a date; nothing was saved", final=True
        )
    if (ambiguous := ambiguous_name(goal, obs, state.get("answers", {}))) is not None:
        if can_ask:
            return {"question": ambiguous}
        why = ambiguous.text.split(" Which", 1)[0]
        return failed(state, f"not done: {why} The request must say which one; nothing was changed", final=True)
    return {}
