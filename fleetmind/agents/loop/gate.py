"""The safety gate between deciding an action and taking it: questions, confirmations, read-only looks."""

from __future__ import annotations

import re
from collections.abc import Callable

from ...devices.base import TERMINAL_KINDS, AskUser, DeviceInfo, Done, Observation
from ..grounding import SECRET, Candidate, Goal, goal_apps, history_entry
from ..grounding.history import typed_values
from ..questions import PendingQuestion, missing_message
from ..records import LoopState, StepRecord, SubtaskSpec
from ..reflection import MAX_WANDER, explore_or_ask
from ..safety import confirmation_text, effect_of, is_state_changing
from .asking import SAID


def gate(
    record: StepRecord,
    goal: Goal,
    cands: list[Candidate],
    state: LoopState,
    *,
    spec: SubtaskSpec,
    can_ask: bool,
    failed: Callable[..., LoopState],
) -> LoopState:
    """The state update for a decided `record`: take it, ask first, look around first, or fail."""
    obs, action = state["obs"], record.action
    if isinstance(action, AskUser):
        if can_ask:
            return {"question": PendingQuestion(action.question, "value", key=SAID)}
        return failed(state, f"needs the user: {action.question}", final=True)
    if isinstance(action, Done) and not record.settled:
        # "done" picked as the best of weak guesses is no evidence: only the verifier or a model says done
        return explore_or_ask(record, obs, cands, state, can_ask=can_ask, failed=failed)
    if action.kind in TERMINAL_KINDS:
        return {"pending": record, "step": record.step}
    effect = effect_of(action, obs)
    if not record.settled and (is_state_changing(effect) or state.get("explored", 0) >= MAX_WANDER):
        return explore_or_ask(record, obs, cands, state, can_ask=can_ask, failed=failed)
    if is_state_changing(effect) and can_ask and (empty := missing_message(goal, obs, state.get("answers", {}))):
        return {"question": empty}  # never send a message with nothing in it
    if effect == "irreversible" and (again := _repeats(record, state)) is not None:
        return failed(
            state,
            f"not done again: {again} was done once in this run (the same text typed), but the screen does not"
            " show it done; an action that cannot be undone is not repeated on a guess",
            final=True,
        )
    unchecked = _unchecked_condition(goal) if effect == "irreversible" else None
    if effect == "irreversible" and (spec.confirm == "ask" or unchecked is not None):
        text = confirmation_text(action, obs)
        if unchecked is not None:  # pre-approval covers the action, not a condition nothing here checked
            text = f"{text.rstrip('?')}, as the request says to do it only {unchecked}: does that hold?"
        if text not in state.get("confirmed", []):
            if can_ask:
                confirm = PendingQuestion(text, "confirm", kind="confirm", options=["yes", "no"])
                return {"pending": record, "step": record.step, "question": confirm}
            return failed(
                state,
                f"not done: “{text}” cannot be undone and nobody is here to confirm it; nothing was changed "
                "(pre-approve such actions with --yes)",
                final=True,
            )
    explored = 0 if record.settled else state.get("explored", 0) + 1
    return {"pending": record, "step": record.step, "explored": explored}


def in_another_app(record: StepRecord, goal: Goal, obs: Observation, info: DeviceInfo) -> str | None:
    """Why a state change that grounding or the local model settled is still a guess: it is in
    an app the request is not about ("send Katherine an email" on a phone without e-mail: a
    Notes form also takes a message, and Save there would keep a note nobody asked for)."""
    app = obs.foreground_app
    if info.kind != "phone" or record.tier == "cloud" or not record.settled or app not in info.apps:
        return None
    if not is_state_changing(effect_of(record.action, obs)) or app.lower() in goal_apps(goal, info.apps):
        return None
    return f"{app} is not an app the request is about"


def _repeats(record: StepRecord, state: LoopState) -> str | None:
    """The action, in words, when `record` would do again what an earlier irreversible step of
    this run did: the same button after the same text was typed again (a message sent twice
    because its thread did not show it). A second delete of another row types nothing, so it
    is no repeat; nor is a send with another text."""
    history, obs = state["history"], state["obs"]
    entry = history_entry(record.action, obs)
    marks = [i for i, h in enumerate(history) if h.startswith("irreversible:")]
    same = [i for i in marks if history[i] == f"irreversible:{entry}"]
    if not same:
        return None
    last = same[-1]
    before = max((i for i in marks if i < last), default=-1)
    sent, now = typed_values(history[before + 1 : last]), typed_values(history[last + 1 :])
    return f"“{record.summary}”" if sent & now - {SECRET} else None


_CONDITIONAL = re.compile(r"\b((?:only\s+)?(?:if|unless|in case)\b[^,;.!?]{2,80})", re.I)
_POLITE = re.compile(
    r"(?:if|unless)\s+(?:possible|you can|you could|you may|you don't mind|needed|necessary|you like|you want"
    r"|(?:it's |it is )?(?:ok|okay|alright))\b",
    re.I,
)
_QUOTES = re.compile(r"[\"“][^\"”]*[\"”]|(?<!\w)'[^']+'(?!\w)")


def _unchecked_condition(goal: Goal) -> str | None:
    """A condition the request puts on the action that the planner did not make a branch of
    ("text Ada 'take a coat' if it's below 5" with nothing that looks the weather up): the
    device cannot judge it, so the person who can is asked. A message's own "if" is its own."""
    m = _CONDITIONAL.search(_QUOTES.sub(" ", goal.unsaid()))
    return m.group(1).strip() if m and not _POLITE.match(m.group(1)) else None
