"""What the agent does when nothing settles a state-changing step: look around, ask, or stop.

A small model's near-random ranking must not change what the user keeps. So when
the chosen action would change state and neither grounding nor a confident model
nor the user settled it, the agent first takes read-only steps it has not tried
on this screen (open, scroll, go back, open a row), at most `MAX_EXPLORE` in a
row; then it asks the user to pick among the state-changing candidates; with
nobody to ask it fails, saying what it could not choose between. Nothing is
changed on a guess.
"""

from __future__ import annotations

from collections.abc import Callable

from ...devices.base import Done, Observation, UIElement, describe_action
from ..grounding import Candidate, history_entry
from ..questions import unsure_pick
from ..records import LoopState, StepRecord
from ..safety import effect_of, is_state_changing

__all__ = ["MAX_EXPLORE", "MAX_WANDER", "explore_or_ask"]

MAX_EXPLORE = 3
"""Read-only steps an unsure agent takes instead of a state-changing one before it asks (or gives up)."""
MAX_OPTIONS = 12
"""State-changing candidates offered to the user to pick from."""
MAX_WANDER = 6
"""Unsettled steps in a row (read-only ones a weak model picked) before the agent asks (or gives up)."""


def explore_or_ask(
    record: StepRecord,
    obs: Observation,
    cands: list[Candidate],
    state: LoopState,
    *,
    can_ask: bool,
    failed: Callable[..., LoopState],
) -> LoopState:
    """The state update for an unsettled state-changing `record`: a read-only step, a question, or a failure."""
    tried = state.get("tried", {})
    explored = state.get("explored", 0)
    reads = [
        c
        for c in cands
        if not isinstance(c.action, Done)
        and not c.veto
        and effect_of(c.action, obs) == "read"
        and tried.get(f"{obs.digest}|{history_entry(c.action, obs)}", 0) == 0
    ]
    if explored < MAX_EXPLORE and reads and is_state_changing(effect_of(record.action, obs)):
        look = reads[0]
        why = f"not sure enough to change anything ({record.why}); looking around first"
        step = StepRecord(
            record.step,
            look.action,
            describe_action(look.action, obs),
            record.tier,
            why,
            tokens=record.tokens,
            cost_usd=record.cost_usd,
            confidence=record.confidence,
        )
        return {"pending": step, "step": record.step, "explored": explored + 1}
    changing = _one_per_control([c for c in cands if not c.veto and is_state_changing(effect_of(c.action, obs))], obs)
    changing = changing[:MAX_OPTIONS]
    if can_ask and changing:
        return {"question": unsure_pick(obs, changing), "explored": 0}
    if not changing:
        why = f"could not work out what the request means after looking around ({record.why}); nothing was changed"
        return failed(state, why, final=True)
    options = "; ".join(c.text for c in changing)
    return failed(
        state,
        f"not sure what the request means here ({record.why}): it could be {options}; nothing was changed on a guess",
        final=True,
    )


def _one_per_control(cands: list[Candidate], obs: Observation) -> list[Candidate]:
    """A list row and the switch inside it are one choice to a person ("Wi-Fi · On" and "Wi-Fi"):
    the switch stays, the row holding it goes."""

    def element(c: Candidate) -> UIElement | None:
        target = getattr(c.action, "target", None)
        return obs.element(target.element) if target is not None and target.element else None

    inner = {el.id for c in cands if (el := element(c)) is not None}
    return [
        c
        for c in cands
        if (el := element(c)) is None or not any(e.id in inner for e in obs.inside(el) if e.checkable)
    ]
