"""Positions a goal names on a web page ("the 3rd checkbox", "the 2nd textbox", "the 7th search
result", "the last link"): the element it counts to, in page order, and for a result on a later
page of results the page link first. Pure: the screen and the history in."""

from __future__ import annotations

import re

from ...devices.base import Observation, Tap, Target, TypeText, UIElement
from .candidate import Candidate
from .fields import field_name, row_label
from .history import typed_fields
from .web import Ordinal

__all__ = ["ordinal_candidate", "ordinal_step"]

_PAGER = re.compile(
    r"^(?:\d{1,3}|[<>«»‹›\s]*(?:next|prev|previous|more|older|newer|first|last)(?:\s+page)?[<>«»‹›\s]*"
    r"|[<>«»‹›]+)$",
    re.I,
)
"""Labels of a list's page links: not results."""


def _results(obs: Observation) -> list[UIElement]:
    """What a list of results or items is made of, in page order: its links, else its clickable rows."""
    links = [e for e in obs.elements if e.cls == "link" and e.label.strip() and not _PAGER.match(e.label.strip())]
    if links:
        return links
    return [
        e
        for e in obs.elements
        if e.clickable and not (e.editable or e.checkable or e.options) and e.cls not in ("button", "textbox")
        and e.label.strip() and not _PAGER.match(e.label.strip())
    ]


def _counted(kind: str, obs: Observation) -> list[UIElement]:
    els = obs.elements
    if kind == "checkbox":
        return [e for e in els if e.checkable and e.cls != "radio"]
    if kind == "radio":
        return [e for e in els if e.checkable and e.cls == "radio"]
    if kind == "field":
        return [e for e in els if e.editable and not e.options]
    if kind in ("link", "button", "tab"):
        return [e for e in els if e.cls == kind and e.clickable]
    if kind == "option":
        radios = [e for e in els if e.checkable and e.cls == "radio"]
        return radios or _results(obs)
    return _results(obs)


def _current_page(history: list[str]) -> int:
    """Which page of results is shown: the last page number tapped (1 before any)."""
    for h in reversed(history):
        if h.startswith("tap:") and h[4:].strip().isdigit():
            return int(h[4:].strip())
    return 1


def ordinal_step(o: Ordinal, obs: Observation, history: list[str]) -> tuple[UIElement, bool] | None:
    """The element the position names (or the page link that leads to it) and whether it is done."""
    counted = _counted(o.kind, obs)
    if not counted:
        return None
    if o.kind in ("result", "item", "link") and o.index > 0:
        per = len(counted)
        page = (o.index - 1) // per + 1 if _current_page(history) == 1 else _current_page(history)
        if page != _current_page(history) and o.index > per:
            pager = [e for e in obs.elements if e.clickable and e.label.strip() == str(page)]
            nxt = [e for e in obs.elements if e.clickable and re.match(r"^(?:next\b.*|>|»|›)$", e.label.strip(), re.I)]
            ways = pager or nxt
            return (ways[0], False) if ways else None
        index = (o.index - 1) % per if page > 1 or o.index > per else o.index - 1
        target = counted[index] if index < per else None
    else:
        target = counted[o.index - 1] if 0 < o.index <= len(counted) else counted[-1] if o.index == -1 else None
    if target is None:
        return None
    if o.kind == "field":
        done = field_name(target) in typed_fields(history) or (bool(o.value) and target.text == o.value)
    elif target.checkable:
        done = target.checked
    else:
        label = row_label(target, obs)
        done = any(h.split(":", 1)[-1] == label for h in history)
    return target, done


def ordinal_candidate(o: Ordinal, target: UIElement, obs: Observation, score: float) -> Candidate:
    label = row_label(target, obs) or target.label or target.id
    if o.kind == "field":
        what = f"the field number {o.index}" if o.index > 0 else "the last field"
        action = TypeText(text=o.value, target=Target(element=target.id), clear=True, why=f"fill {what}")
        return Candidate(action, f"type {o.value} into {what}", score)
    return Candidate(Tap(target=Target(element=target.id), why=f"tap {label}"), f"tap {label}", score)
