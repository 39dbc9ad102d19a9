"""What an action does to the device, before it is done. Pure, no I/O.

Every action is classed by its effect:

- `read`: looks or moves around (open an app, scroll, go back, open a list row
  or a menu) and changes nothing the user keeps;
- `draft`: types into a field; nothing is kept until the form is submitted;
- `change`: changes state the user keeps (a switch, a slider, a Save, a Start);
- `irreversible`: cannot be taken back (send, delete, pay, transfer, install, post ...).

The agent takes a `change` only when grounding, a confident model or the user
settled it, and an `irreversible` action only after the user confirmed it (or
pre-approved such actions). The rules read labels and widget kinds, the way a
person reads a button before pressing it; they know no particular app.
"""

from __future__ import annotations

import re
from typing import Literal

from ..devices.base import (
    Action,
    Drag,
    Focus,
    Hotkey,
    Hover,
    LaunchApp,
    LongPress,
    Observation,
    PressKey,
    RightClick,
    Scroll,
    SelectOption,
    Swipe,
    Tap,
    TypeText,
    UIElement,
)
from .grounding import is_empty_field

__all__ = ["Effect", "confirmation_text", "effect_of", "is_state_changing"]

Effect = Literal["read", "draft", "change", "irreversible"]

_IRREVERSIBLE = re.compile(
    r"^(send|delete|remove|erase|wipe|pay|transfer|buy|purchase|order|place order|checkout|install|uninstall|post"
    r"|publish|tweet|share|call|dial|reset|factory reset|clear all|clear data|empty trash|unsubscribe|sign and send)\b",
    re.I,
)
_COMMIT = re.compile(
    r"^(save|done|ok|okay|apply|confirm|submit|set|start|stop|pause|resume|accept|decline|reject|block|archive"
    r"|log ?out|sign ?out|log ?in|sign ?in|turn (?:on|off)|enable|disable|update|change|rename|move|copy"
    r"|increase|decrease|raise|lower|mute|unmute|add|create|new|yes|allow)\b",
    re.I,
)
_OPENS_A_FLOW = re.compile(r"^(send|transfer|pay|buy|purchase|order|post|publish|share|checkout)\b", re.I)
"""Irreversible verbs that, on a screen with no fields, usually open the form that does it."""
_OPENS_A_FORM = re.compile(r"^(add|create|new|start|compose|write)\b\W*\w", re.I)
"""On a screen without fields, "Add alarm" / "Start chat" opens a form: nothing is kept yet (a bare "Start" is not)."""
_STEPPERS = frozenset({"+", "-", "\u2212", "\u2013"})
_SLIDER_CLASSES = ("seekbar", "slider", "ratingbar", "progressbar", "numberpicker")
_SEARCHY = re.compile(r"\b(search|find|query|url|address|filter|go to|look up)\b", re.I)


def _label(el: UIElement) -> str:
    return (el.text or el.description or el.resource_id.rsplit("/", 1)[-1]).strip()


def _tap_effect(el: UIElement, obs: Observation) -> Effect:
    label = _label(el)
    words = f"{el.text} {el.description}".strip()
    if el.checkable or label in _STEPPERS or any(k in el.cls.lower() for k in _SLIDER_CLASSES):
        return "change"
    if not label and any(e.checkable for e in obs.inside(el)):
        return "change"  # a row holding a switch: a tap on it may flip the switch
    if _IRREVERSIBLE.match(label) or (el.description and _IRREVERSIBLE.match(el.description)):
        # "Transfer" or "Send money" on a screen without fields opens the form where the real Send is;
        # deleting, erasing and calling need no form.
        on_a_form = any(e.editable for e in obs.elements)
        if not on_a_form and _OPENS_A_FLOW.match(label):
            return "change"
        return "irreversible"
    if _COMMIT.match(label) or (el.description and _COMMIT.match(el.description)):
        on_a_form = any(e.editable for e in obs.elements)
        if not on_a_form and _OPENS_A_FORM.match(words):
            return "read"
        return "change"
    return "read"


def _submit_effect(field: UIElement | None, obs: Observation) -> Effect:
    """Enter in a field does what the form's own submit button does; in a search box it only looks."""
    if field is not None and _SEARCHY.search(f"{field.text} {field.description} {field.resource_id}"):
        return "read"
    buttons = [_tap_effect(e, obs) for e in obs.elements if e.clickable and not e.editable and not e.checkable]
    if "irreversible" in buttons:
        return "irreversible"
    return "change" if any(e.editable for e in obs.elements if e is not field) or "change" in buttons else "read"


def effect_of(action: Action, obs: Observation) -> Effect:
    """The effect `action` would have on the screen `obs` shows."""
    match action:
        case LaunchApp() | Scroll() | Swipe():
            return "read"
        case PressKey(key=key):
            return "change" if key == "enter" else "read"
        case TypeText(target=target, submit=submit):
            el = obs.element(target.element) if target is not None and target.element else None
            return _submit_effect(el, obs) if submit else "draft"
        case Tap(target=target) | LongPress(target=target):
            el = obs.element(target.element) if target.element else _element_at(obs, target.x, target.y)
            return _tap_effect(el, obs) if el is not None else "change"
        case Focus() | Hover() | RightClick():
            return "read"  # a caret, a tooltip, a context menu: nothing kept
        case Hotkey(keys=keys):
            return _hotkey_effect(keys)
        case SelectOption(target=target):
            # a choice in a form is kept only when the form is sent; a lone drop-down applies at once
            return "draft" if _on_a_form(obs, target.element) else "change"
        case Drag(start=start):
            el = obs.element(start.element) if start.element else _element_at(obs, start.x, start.y)
            moves_a_value = el is not None and any(k in el.cls.lower() for k in _SLIDER_CLASSES)
            return "change" if moves_a_value else "draft"  # a reorder or a drop stays a draft until saved
    return "read"


def _hotkey_effect(keys: str) -> Effect:
    """Enter (with any modifier) submits and ctrl+s saves; editing keys only edit a draft; the rest moves around."""
    key = keys.rsplit("+", 1)[-1] if not keys.endswith("++") else "+"
    if key == "enter" or keys in ("ctrl+s", "meta+s"):
        return "change"
    if key in ("backspace", "delete") or keys in ("ctrl+x", "ctrl+v", "meta+x", "meta+v", "ctrl+z", "meta+z"):
        return "draft"
    return "read"


def _on_a_form(obs: Observation, element_id: str | None) -> bool:
    """Whether the screen has other fields, or a button that commits them, besides this element."""
    others = [e for e in obs.elements if e.id != element_id]
    return any(e.editable or e.options for e in others) or any(e.clickable and _COMMIT.match(_label(e)) for e in others)


def is_state_changing(effect: Effect) -> bool:
    """True for effects the user keeps."""
    return effect in ("change", "irreversible")


def _element_at(obs: Observation, x: int | None, y: int | None) -> UIElement | None:
    if x is None or y is None:
        return None
    hits = [e for e in obs.elements if e.bounds.left <= x < e.bounds.right and e.bounds.top <= y < e.bounds.bottom]
    return min(hits, key=lambda e: e.bounds.width * e.bounds.height, default=None)


def confirmation_text(action: Action, obs: Observation) -> str:
    """Exactly what will happen, in words a person confirms: "Send on New message (To: Ada; Message: hi)?"."""
    target = getattr(action, "target", None)
    el = obs.element(target.element) if target is not None and target.element else None
    if isinstance(action, TypeText):
        what = f"Type {action.text!r} and press enter"
    elif el is not None:
        what = el.description if el.description and len(el.description) > len(el.text) else _label(el)
    else:
        what = action.kind.replace("_", " ")
    where = obs.foreground_app or "the device"
    title = _screen_title(obs)
    fields = [
        f"{e.description or e.resource_id.rsplit('/', 1)[-1]}: {e.text}"
        for e in obs.elements
        if e.editable and not is_empty_field(e)
    ]
    detail = f" ({'; '.join(fields)})" if fields else ""
    place = f"{where}, {title}" if title and title.lower() != where.lower() else where
    return f"{what} in {place}{detail}?"


def _screen_title(obs: Observation) -> str:
    """The app bar's title: the topmost static text of the app (not the status bar's clock)."""
    static = [
        e
        for e in obs.elements
        if e.text and not e.clickable and not e.editable and not e.resource_id.startswith("com.android.systemui")
    ]
    top = min(static, key=lambda e: (e.bounds.top, e.bounds.left), default=None)
    return top.text if top is not None else ""
