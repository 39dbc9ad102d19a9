"""Form fields: which kind of value a field takes, its stable name, its readable label, whether it is empty."""

from __future__ import annotations

import re

from ...devices.base import Observation, UIElement

# fmt: off
FIELD_CUES: dict[str, tuple[str, ...]] = {
    "name": ("named", "called", "name"),
    "phone": ("phone number", "phone", "number"),
    "email": ("email address", "email", "e-mail"),
    "message": ("saying", "that says", "with the text", "message", "body"),
    "title": ("titled", "title", "called", "named"),
    "label": ("labelled", "labeled", "label", "called", "named"),
    "to": ("to",),
    "amount": ("amount of", "amount"),
    "password": ("password", "passcode", "pin code", "pin"),
    "city": ("weather in", "forecast for", "in", "for", "city"),
    "date": ("on", "date"),
    "location": ("at", "in", "location"),
    "search": ("search for", "look up", "about", "for"),
}
"""Field -> the words a goal uses to introduce that field's value."""
_FIELD_ALIASES = {
    "text message": "message", "body": "message", "number": "phone", "recipient": "to", "subject": "title",
    "note": "message", "description": "message", "query": "search", "q": "search", "search articles": "search",
    "town": "city",
}
# fmt: on
_TIME_FIELDS = ("hour", "minute", "minutes", "seconds", "start", "end")
"""Fields filled from times and durations in the goal rather than from cue words."""


def field_key(label: str) -> str | None:
    """Which kind of value a field with this label takes (name, phone, message ...)."""
    low = label.lower().strip()
    if low in _FIELD_ALIASES:
        return _FIELD_ALIASES[low]
    if low in FIELD_CUES or low in _TIME_FIELDS:
        return low
    for key in FIELD_CUES:
        if key in low.split():
            return key
    return None


_MASK_CHARS = frozenset("•*●·\u2022")


def is_empty_field(el: UIElement) -> bool:
    """True when an editable field holds nothing (it may show its hint, or no bullets when it is a password)."""
    text = el.text.strip()
    if not text:
        return True
    if el.password:
        return not set(text) <= _MASK_CHARS
    return text == el.description.strip()


def readable_label(el: UIElement) -> str:
    """What a person calls the element: its description when its text is only a symbol or number ("+", "50")."""
    return el.description if el.description and not re.search(r"[^\W\d_]", el.text) else el.label


def field_name(el: UIElement) -> str:
    """A field's name that does not change as it is typed into (its text does)."""
    return el.description or el.resource_id.rsplit("/", 1)[-1] or el.text


def field_cue(el: UIElement) -> str | None:
    for label in (el.description, el.text, el.resource_id.rsplit("/", 1)[-1]):
        if label and (key := field_key(label)):
            return key
    return None


ROW_SEP = " · "
"""Between the lines of a list row when they are read as one ("Team sync · Wed, Jun 4 · 10:00")."""


def row_title(label: str) -> str:
    """A row's first line, what it is called ("Team sync"); a plain label stays whole."""
    return label.split(ROW_SEP, 1)[0]


def row_label(el: UIElement, obs: Observation) -> str:
    """What a person reads on a tappable element: its own label, or for a list row whose words sit in
    child views ("Team sync" over "Wed, Jun 4 · 10:00"), those words together."""
    own = readable_label(el)
    if own or not el.clickable:
        return own
    children = obs.inside(el)
    if any(e.editable or (e.clickable and not e.checkable) for e in children):
        return ""  # a row holding its own fields or buttons: those are what one taps
    inside = [e.text.strip() for e in children if e.text.strip()]
    return ROW_SEP.join(inside[:3])[:80]
