"""The `ask` node's half after the interrupt: what the user's answer does to the run."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from ...devices.base import Action, Observation, describe_action
from ..questions import PendingQuestion, is_yes
from ..records import LoopState, StepRecord
from ..safety import confirmation_text

SAID = "__said__"
"""The answers key for what the user told a cloud model's free question."""

AskFn = Callable[[PendingQuestion], Awaitable[str]]
"""Puts a question to the user and returns the answer ("" when nobody answers, `unanswered(s)`
when nobody answered in time)."""
NO_ANSWER_WITHIN = "\x00no answer within "


def unanswered(waited_s: float) -> str:
    """What an `AskFn` returns when no answer came within `waited_s` seconds: the loop then
    fails the subtask saying so and naming the question."""
    return f"{NO_ANSWER_WITHIN}{waited_s:g}"


async def take_answer(
    question: PendingQuestion,
    raw: str,
    state: LoopState,
    *,
    look: Callable[[], Awaitable[Observation]],
    failed: Callable[..., LoopState],
) -> LoopState:
    """The state update for the answer `raw` to `question`: a value, a choice, a confirmation,
    a picked action, or a failure (no answer, declined, none chosen)."""
    update: LoopState = {"question": None}
    if raw.startswith(NO_ANSWER_WITHIN):
        waited = raw.removeprefix(NO_ANSWER_WITHIN)
        why = f"no answer within {waited} s to the question “{question.text}”"
        return {**update, **failed(state, why, final=True)}
    answer = raw.strip()
    if not answer:
        return {**update, **failed(state, f"no answer to the question “{question.text}”", final=True)}
    # The answer may come much later, even to a host restarted meanwhile with a new device
    # connection: look again, so the device knows the screen's element ids and value,
    # choice and secret answers are acted on as the screen is now. A confirmed or picked
    # action was chosen on the screen as it was, so its observation stays.
    fresh = await look()
    if question.purpose not in ("confirm", "pick"):
        update["obs"] = fresh
    answers = dict(state.get("answers", {}))
    match question.purpose:
        case "confirm":
            if not is_yes(answer):
                return {**update, **failed(state, f"not done: you declined “{question.text}”", final=True)}
            return {**update, "confirmed": [*state.get("confirmed", []), question.text]}
        case "value" | "secret":
            answers[question.key] = answer
            if question.key == SAID:  # a model's own question: its next prompt shows the answer
                return {
                    **update,
                    "answers": answers,
                    "pending": None,
                    "history": [*state["history"], f"user:{answer}"],
                }
        case "choice":
            answers[f"choice:{question.key}"] = answer
        case "pick":
            chosen = _pick(question, answer)
            if chosen is None:
                why = f"not done: you chose none of {', '.join(question.options[:-1])}"
                return {**update, **failed(state, why, final=True)}
            step = state["step"] + 1
            record = StepRecord(step, chosen, describe_action(chosen, state["obs"]), "rule", "you chose it")
            confirmed = [*state.get("confirmed", []), confirmation_text(chosen, state["obs"])]
            return {**update, "pending": record, "step": step, "confirmed": confirmed, "explored": 0}
    return {**update, "answers": answers, "pending": None}


def _pick(question: PendingQuestion, answer: str) -> Action | None:
    """The action an answer to a pick question chooses, by its text or its number (1-based)."""
    low = answer.strip().lower()
    for i, option in enumerate(question.options[: len(question.actions)]):
        if low in (option.lower(), str(i + 1)) or (len(low) > 3 and low in option.lower()):
            chosen: Action = question.actions[i]
            return chosen
    return None
