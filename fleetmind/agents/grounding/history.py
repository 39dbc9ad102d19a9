"""The run's history as compact entries (typed:<field>:<text>, tap:<label>, submit:..., adjust:...), secrets masked."""

from __future__ import annotations

from ...devices.base import Action, Observation, PressKey, SelectOption, Tap, TypeText
from .fields import field_name, row_label
from .vocabulary import ADJUST, QUERY_SUBMIT, SUBMIT


def typed_fields(history: list[str]) -> set[str]:
    """Names of the fields typed into so far (history entries "typed:<field>:<text>")."""
    return {h.split(":", 2)[1] for h in history if h.startswith("typed:")}


_LEAVES = ("launch_app", "press_key:back", "press_key:home", "tap:Navigate up", "tap:Back")
"""Steps that leave the screen a form is on: what was typed there is not in the next form."""


def typed_in_this_form(history: list[str]) -> set[str]:
    """Names of the fields typed into since the agent last left a screen (a form abandoned on
    another tab, "Label" typed into a timer, is not the alarm form's "Label")."""
    left = max((i for i, h in enumerate(history) if h in _LEAVES), default=-1)
    return typed_fields(history[left + 1 :])


def typed_values(history: list[str]) -> set[str]:
    """The texts typed so far."""
    return {h.split(":", 2)[2] for h in history if h.startswith("typed:")}


SECRET = "•••"
"""How a secret typed into a password field is written in the history (never the value)."""


def history_entry(action: Action, obs: Observation) -> str:
    """A compact record of an action, for loop detection and form tracking; secrets are masked."""
    if isinstance(action, TypeText):
        el = obs.element(action.target.element) if action.target and action.target.element else None
        text = SECRET if el is not None and el.password else action.text
        return f"typed:{field_name(el) if el else ''}:{text}"
    if isinstance(action, SelectOption):  # a choice fills its form field as typing does
        el = obs.element(action.target.element) if action.target.element else None
        return f"typed:{field_name(el) if el else ''}:{action.option}"
    if isinstance(action, Tap) and action.target.element:
        el = obs.element(action.target.element)
        label = row_label(el, obs) if el else ""
        if label.lower() in SUBMIT or QUERY_SUBMIT.match(label):
            return f"submit:{label}"
        if ADJUST.match(label):
            return f"adjust:{label}"
        if el is not None and el.checkable:
            return f"choose:{label}"  # a switch, a radio option, a check box
        return f"tap:{label}"
    if isinstance(action, PressKey):
        return f"press_key:{action.key}"
    return action.kind
