"""The oracle policy: replay a task's reference plan on the live screen.

A plan is a list of steps. Most are device `Action`s written as JSON whose targets
name an element by its label (`{"kind": "tap", "target": {"label": "Save"}}`), found
on the screen as it is when the step runs (as `fleetmind.sdk.Skill` does); strings
may hold `{param}` placeholders. Three steps are the oracle's own:

- `{"kind": "scroll_to", "label": "Zed Zulu"}`: scroll down the list until the label shows;
- `{"kind": "read", "output": "code", "pattern": "\\d{6}"}`: read the first on-screen
  text matching the regex (its group `v` if it has one) into an output; with
  `"after": "label"`, only texts after that element (a row's second line);
- `{"kind": "done", "answer": "{code}"}`: finish, with the answer the user gets.

The oracle measures the machinery (devices, adb, orchestrator, parallelism) apart
from model quality: a failed oracle episode is a bug in the task or the device.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter

from ...devices.base import Action, Device, Observation, Scroll, Target, UIElement
from ...sdk.skills import find_by_label

__all__ = ["OracleResult", "Step", "fill", "replay"]

Step = dict[str, Any]
ACTIONS: TypeAdapter[Action] = TypeAdapter(Action)
MAX_SCROLLS = 12
OnAction = Callable[[Action], Awaitable[None]]


@dataclass
class OracleResult:
    """How a replay ended: ok, the steps acted, what was read, the answer, the first error."""

    ok: bool
    steps: int = 0
    outputs: dict[str, str] = field(default_factory=dict)
    answer: str = ""
    error: str | None = None


def fill(value: Any, params: dict[str, Any]) -> Any:
    """`value` with `{name}` placeholders replaced from params (in nested dicts and lists too)."""
    if isinstance(value, str):
        return value.format_map({k: str(v) for k, v in params.items()})
    if isinstance(value, dict):
        return {k: fill(v, params) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, params) for v in value]
    return value


def _labels(obs: Observation) -> str:
    return ", ".join(repr(e.label) for e in obs.elements if e.label)[:300]


def _scrollable(obs: Observation) -> UIElement | None:
    return next((e for e in obs.elements if e.scrollable), None)


async def _scroll_to(device: Device, label: str) -> tuple[int, str | None]:
    acted = 0
    for _ in range(MAX_SCROLLS):
        obs = await device.observe()
        if find(obs, label) is not None:
            return acted, None
        area = _scrollable(obs)
        if area is None:
            return acted, f"{label!r} is not on screen and nothing scrolls (it shows {_labels(obs)})"
        before = obs.digest
        await device.act(Scroll(direction="down", target=Target(element=area.id)))
        acted += 1
        if (await device.observe()).digest == before:
            return acted, f"scrolled to the end of the list without finding {label!r}"
    return acted, f"{label!r} not found after {MAX_SCROLLS} scrolls"


async def _resolve(step: Step, device: Device) -> Action:
    raw = dict(step)
    obs: Observation | None = None
    for key in ("target", "start", "end"):
        target = raw.get(key)
        if isinstance(target, dict) and "label" in target:
            obs = obs or await device.observe()
            element = find(obs, str(target["label"]))
            if element is None:
                raise LookupError(f"no element labelled {target['label']!r} on screen (it shows {_labels(obs)})")
            raw[key] = {"element": element.id}
    return ACTIONS.validate_python(raw)


def find(obs: Observation, label: str) -> UIElement | None:
    """The element a person would mean by `label` (its text, description or label; exact first, then
    containing it), clickable or editable ones first; `fleetmind.sdk.Skill`'s rule, also matching
    descriptions ("Decrease brightness" on a "−" button)."""
    wanted = label.strip().casefold()
    if not wanted:
        return None

    def names(e: UIElement) -> list[str]:
        return [n.casefold() for n in (e.text, e.description, e.label) if n]

    for match in (lambda n: n == wanted, lambda n: wanted in n):
        hits = [e for e in obs.elements if any(match(n) for n in names(e))]
        if hits:
            return min(hits, key=lambda e: (0 if e.clickable or e.editable else 1, len(e.label)))
    return find_by_label(obs, label)


def _read(obs: Observation, pattern: str, after: str | None = None) -> str | None:
    regex = re.compile(pattern)
    elements = obs.elements
    if after:
        anchor = find(obs, after)
        if anchor is None:
            return None
        elements = elements[elements.index(anchor) + 1 :]
    for e in elements:
        for text in (e.text, e.description):
            m = regex.search(text) if text else None
            if m:
                return m.group("v") if "v" in regex.groupindex else m.group(0)
    return None


async def replay(
    device: Device, plan: Sequence[Step], params: dict[str, Any], *, on_action: OnAction | None = None
) -> OracleResult:
    """Carry out `plan` on `device` with `params` filled in; stops at the first step that fails."""
    result = OracleResult(ok=False)
    values = dict(params)
    for i, raw in enumerate(plan, 1):
        step = fill({k: v for k, v in raw.items() if k != "pattern"}, values)
        kind = step.get("kind")
        try:
            if kind == "scroll_to":
                acted, error = await _scroll_to(device, str(step["label"]))
                result.steps += acted
                if error:
                    raise LookupError(error)
                continue
            if kind == "read":
                obs = await device.observe()
                # the raw pattern: its braces are regex, not placeholders
                found = _read(obs, str(raw["pattern"]), step.get("after"))
                if found is None:
                    raise LookupError(f"nothing on screen matches {raw['pattern']!r} (it shows {_labels(obs)})")
                result.outputs[str(step["output"])] = values[str(step["output"])] = found
                continue
            if kind == "done":
                result.answer = str(step.get("answer", ""))
                result.ok = True
                return result
            action = await _resolve(step, device)
        except (LookupError, KeyError, ValueError) as exc:
            result.error = f"step {i} ({kind}): {exc}"
            return result
        if on_action is not None:
            await on_action(action)
        outcome = await device.act(action)
        result.steps += 1
        if not outcome.ok:
            result.error = f"step {i} ({kind}): {outcome.error or 'the device reported failure'}"
            return result
    result.ok = True
    return result
