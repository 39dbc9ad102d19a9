"""Turning a verified run into a skill: each step as the screen named it, loops cut out,
the goal's values lifted into {placeholders}. Pure functions of what the loop recorded.

`step_of` writes one action as a skill step while the loop runs (elements by label,
description and resource id, never by element id or coordinates alone); `learn` makes
the skill at the end, or says why the run cannot become one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ...devices.base import Action, Observation, UIElement
from ..grounding import Goal
from .model import TARGET_KEYS, Skill, placeholders
from .template import lift, lift_value

__all__ = ["INTERRUPTIONS", "Learned", "learn", "prune", "step_of"]

INTERRUPTIONS = frozenset(
    {"allow", "while using the app", "only this time", "continue", "got it", "dismiss", "not now", "skip", "ok"}
)
"""Answers to a prompt in the way (permissions, pop-ups): a replay skips them when the prompt does not come."""
_POINT_KINDS = frozenset({"tap", "long_press", "right_click", "hover", "focus", "drag"})
"""Kinds whose point target must be an element: the screen may lay out differently next time."""
_NOT_LIFTED = frozenset({"kind", "key", "direction", "app", "in_app", "keys", "resource_id"})


def _locator(el: UIElement) -> dict[str, str]:
    """How a replay finds this element again: a field by what does not change as it is typed into."""
    out = {"resource_id": el.resource_id} if el.resource_id else {}
    if el.description:
        out["description"] = el.description
    if not el.editable and (label := el.text.strip() or el.description.strip()):
        out["label"] = label
    elif el.editable and not el.description and not el.resource_id:
        out["label"] = el.text.strip()
    return out


def _element_at(obs: Observation, x: int, y: int) -> UIElement | None:
    hits = [
        e
        for e in obs.elements
        if (e.clickable or e.editable or e.checkable)
        and e.bounds.left <= x <= e.bounds.right
        and e.bounds.top <= y <= e.bounds.bottom
    ]
    return min(hits, key=lambda e: e.bounds.width * e.bounds.height) if hits else None


def step_of(action: Action, obs: Observation) -> dict[str, Any] | str:
    """`action`, taken on `obs`, as a skill step; or why it cannot be replayed (a string)."""
    step: dict[str, Any] = action.model_dump(mode="json", exclude_none=True, exclude={"why"})
    for key in TARGET_KEYS:
        target = step.get(key)
        if not isinstance(target, dict):
            continue
        el = obs.element(target["element"]) if target.get("element") else None
        if el is None and "x" in target and step["kind"] in _POINT_KINDS:
            el = _element_at(obs, target["x"], target["y"])
            if el is None:
                return f"{step['kind']} at ({target['x']}, {target['y']}) hits no element a replay could find again"
        if el is not None:
            if el.password:
                step["secret"] = True
            locator = _locator(el)
            if not locator:
                return f"{step['kind']} on an element with no label, description or resource id"
            step[key] = locator
            if key == "target" and el.text.strip().lower() in INTERRUPTIONS:
                step["optional"] = True
    if obs.foreground_app:
        step["in_app"] = obs.foreground_app
    return step


def prune(recorded: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The recorded steps without the detours: steps that came back to a screen seen before
    (a wrong tap and back, a refused action) did nothing the goal needed."""
    path: list[dict[str, Any]] = []
    for entry in recorded:
        back_at = next((i for i, kept in enumerate(path) if kept["digest"] == entry["digest"]), None)
        if back_at is not None:
            del path[back_at:]
        path.append(entry)
    return path


@dataclass(frozen=True)
class Learned:
    """A skill made from a run, or why none could be."""

    skill: Skill | None
    why: str


def _slug(text: str) -> str:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return "-".join(words)[:60].strip("-") or "skill"


def learn(goal: Goal, recorded: list[dict[str, Any]], *, device_kind: str, name: str | None = None) -> Learned:
    """The skill a verified run of `goal` teaches, from the steps the loop recorded."""
    if not recorded:
        return Learned(None, "the goal was done without a step")
    if bad := next((r["step"] for r in recorded if isinstance(r["step"], str)), None):
        return Learned(None, f"a step cannot be replayed: {bad}")
    template = lift(goal.text, goal.values)
    values = {k: v for k, v in goal.values.items() if v}
    steps: list[dict[str, Any]] = []
    for entry in prune(recorded):
        step = _lift_step(entry["step"], values)
        if step.pop("secret", False) and step.get("kind") == "type_text" and not re.fullmatch(
            r"\{\w+\}", step.get("text", "")
        ):
            return Learned(None, "a secret was typed that the goal does not give; it is never stored")
        steps.append(step)
    used = sorted({p for s in steps for p in _names(s)})
    apps = sorted({s["in_app"] for s in steps if s.get("in_app") and s["in_app"].lower() not in ("home", "launcher")})
    apps += sorted({s["app"] for s in steps if s.get("kind") == "launch_app"} - set(apps))
    base = _slug(f"{apps[0] if apps else device_kind} {template.text}")
    skill = Skill(
        name=name or base,
        description="learned from a verified run",
        params=used,
        goal=template.text,
        steps=steps,
        apps=apps,
        device_kind=device_kind,
        origin="learned",
    )
    return Learned(skill, f"{len(steps)} steps, parameters {', '.join(used) or 'none'}")


def _lift_step(step: dict[str, Any], values: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in step.items():
        if isinstance(value, dict):
            out[key] = _lift_step(value, values)
        elif isinstance(value, str) and key not in _NOT_LIFTED:
            out[key] = lift_value(value, values)
        elif isinstance(value, str):
            out[key] = value.replace("{", "{{").replace("}", "}}")
        else:
            out[key] = value
    return out


def _names(step: dict[str, Any]) -> set[str]:
    return placeholders(step)

