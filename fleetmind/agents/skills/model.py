"""`Skill`: a named, parameterised action sequence, written by hand or learned from a verified run.

    send_sms = Skill(
        name="send_sms",
        params=["contact", "message"],
        goal="send an SMS to {contact} saying {message}",      # optional: the agent replays it for such goals
        steps=[
            {"kind": "launch_app", "app": "Messages"},
            {"kind": "tap", "target": {"label": "{contact}"}},
            {"kind": "type_text", "text": "{message}", "target": {"label": "Message"}},
            {"kind": "tap", "target": {"label": "Send"}, "expect": "{message}"},
        ],
    )
    result = await send_sms.run(device, contact="Ada Lovelace", message="hi")   # result.ok, result.error

A step is an `Action` (fleetmind.devices.base) written as JSON, where any string may
hold `{param}` placeholders. A target names an element by what a person sees, found on
the screen when the step runs, never by an element id that only one observation knows:
`label` (its text or description), and optionally `resource_id` and `description` to
tell apart elements with the same label. Three more keys are not part of the action:
`expect`, a text the screen must show after the step; `in_app`, the app the step is
taken in (a learned skill records it, so a replay notices a screen it did not expect);
`optional`, true for an answer to a prompt that may not come (a permission asked once).

`run` carries the steps out on a `Device` without any model; the GUI agent instead
replays a skill whose `goal` matches its own, step by step inside its loop (see
`fleetmind.agents.skills.replay`), and hands over to grounding and models at the first
step the screen does not fit.
"""

from __future__ import annotations

import asyncio
import re
import string
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, TypeAdapter, ValidationError, model_validator

from ...devices.base import Action, ActionOutcome, Device, Observation, UIElement, describe_action

ACTIONS: TypeAdapter[Action] = TypeAdapter(Action)
TARGET_KEYS = ("target", "start", "end")
LOCATOR_KEYS = ("label", "resource_id", "description")
"""What a step's target may name an element by."""
STEP_META_KEYS = ("expect", "in_app", "optional")
"""Keys of a step that are not part of its action."""
EXPECT_TIMEOUT_S = 5.0
"""How long a step's `expect` text may take to appear (real phones animate; virtual ones do not)."""
EXPECT_POLL_S = 0.25
OnAction = Callable[[Action, str], Awaitable[None]]
"""Called with each action and its description before the device does it."""

__all__ = [
    "EXPECT_TIMEOUT_S",
    "LOCATOR_KEYS",
    "Skill",
    "SkillError",
    "SkillResult",
    "SkillStepResult",
    "fill",
    "find_by_label",
    "locate",
    "placeholders",
]


class SkillError(ValueError):
    """A skill is malformed, or was run with missing or unknown parameters."""


class SkillStepResult(BaseModel):
    """What one step did."""

    index: int
    action: str = Field(description="The step in words.")
    ok: bool
    error: str | None = None


class SkillResult(BaseModel):
    """How a skill run ended: `ok`, the steps done, and the first failure."""

    skill: str
    ok: bool
    steps: list[SkillStepResult] = Field(default_factory=list)
    error: str | None = None


def placeholders(value: Any) -> set[str]:
    """The `{name}` placeholders in a string, or in every string of a JSON-like value."""
    if isinstance(value, str):
        return {name for _, name, _, _ in string.Formatter().parse(value) if name}
    if isinstance(value, dict):
        return set().union(*(placeholders(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(placeholders(v) for v in value)) if value else set()
    return set()


def fill(value: Any, params: dict[str, str]) -> Any:
    """`value` with every placeholder replaced by its parameter."""
    if isinstance(value, str):
        return value.format_map(params)
    if isinstance(value, dict):
        return {k: fill(v, params) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, params) for v in value]
    return value


def _is_locator(target: Any) -> bool:
    return isinstance(target, dict) and any(k in target for k in LOCATOR_KEYS)


def _with_dummy_targets(step: dict[str, Any]) -> dict[str, Any]:
    """The step as an Action would look once its targets were found (for checking at definition)."""
    out = {k: v for k, v in step.items() if k not in STEP_META_KEYS}
    for key in TARGET_KEYS:
        if _is_locator(out.get(key)):
            out[key] = {"element": "found"}
    return out


class Skill(BaseModel):
    """A named, parameterised action sequence (see the module docstring for the step format)."""

    name: str = Field(pattern=r"^[A-Za-z_][\w\-]*$")
    description: str = ""
    params: list[str] = Field(default_factory=list, description="Names the steps use as {placeholders}.")
    steps: list[dict[str, Any]] = Field(min_length=1)
    expect_timeout_s: float = Field(
        EXPECT_TIMEOUT_S, gt=0, description="How long a step's `expect` text may take to appear."
    )
    goal: str = Field(
        "",
        description="The goal it does, with {param} placeholders (\"send an SMS to {to} saying {message}\"); "
        "the GUI agent replays the skill for goals of this form. Empty: only `run` uses it.",
    )
    apps: list[str] = Field(default_factory=list, description="Apps the skill works in; a device needs them all.")
    device_kind: str = Field("", description="phone, browser ...; empty for any.")
    origin: Literal["hand", "learned"] = "hand"
    replays: int = Field(0, description="Replays that ended verified.")
    fallbacks: int = Field(0, description="Replays that had to hand over to the agent.")

    @model_validator(mode="after")
    def _check(self) -> Skill:
        problems = []
        used = placeholders(self.steps)
        if missing := sorted(used - set(self.params)):
            problems.append(f"placeholders {missing} are not in params {self.params}")
        for i, step in enumerate(self.steps, 1):
            dummy = fill(_with_dummy_targets(step), {p: "x" for p in used})
            try:
                ACTIONS.validate_python(dummy)
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(map(str, first["loc"]))
                problems.append(f"step {i} ({step.get('kind', '?')}): {where}: {first['msg']}")
        if problems:
            raise ValueError(f"skill {self.name}: " + "; ".join(problems))
        return self

    @classmethod
    def load(cls, path: str | Path) -> Skill:
        """A skill from a JSON file."""
        try:
            return cls.model_validate_json(Path(path).read_text())
        except OSError as exc:
            raise SkillError(f"cannot read skill file {path}: {exc.strerror}") from None

    def bind(self, **params: Any) -> list[dict[str, Any]]:
        """The steps with every placeholder filled (SkillError naming missing or unknown parameters)."""
        given = {k: str(v) for k, v in params.items()}
        if missing := [p for p in self.params if p not in given]:
            raise SkillError(f"skill {self.name} needs {', '.join(missing)}; call it with {self.params}")
        if unknown := sorted(set(given) - set(self.params)):
            raise SkillError(f"skill {self.name} takes {self.params}, not {unknown}")
        return [fill(step, given) for step in self.steps]

    async def run(self, device: Device, *, on_action: OnAction | None = None, **params: Any) -> SkillResult:
        """Carry out the steps on `device`, checking each; stops at the first step that fails.

        on_action: awaited with each action just before the device does it (an agent
        reports it as a step there).
        """
        done: list[SkillStepResult] = []
        for i, step in enumerate(self.bind(**params), 1):
            try:
                action, obs = await _resolve(step, device)
            except SkillError as exc:
                if step.get("optional"):  # a prompt that did not come this time
                    done.append(SkillStepResult(index=i, action=f"{_describe_step(step)} (skipped)", ok=True))
                    continue
                done.append(SkillStepResult(index=i, action=_describe_step(step), ok=False, error=str(exc)))
                return SkillResult(skill=self.name, ok=False, steps=done, error=f"step {i}: {exc}")
            words = describe_action(action, obs)
            if on_action is not None:
                await on_action(action, words)
            outcome: ActionOutcome = await device.act(action)
            error = (outcome.error or "the device reported failure") if not outcome.ok else None
            if error is None and step.get("expect"):
                error = await _expect(device, str(step["expect"]), self.expect_timeout_s)
            done.append(SkillStepResult(index=i, action=words, ok=error is None, error=error))
            if error is not None:
                return SkillResult(skill=self.name, ok=False, steps=done, error=f"step {i} ({words}): {error}")
        return SkillResult(skill=self.name, ok=True, steps=done)


def _describe_step(step: dict[str, Any]) -> str:
    target = step.get("target") or {}
    label = target.get("label") if isinstance(target, dict) else None
    return f"{step.get('kind', '?')}" + (f" '{label}'" if label else "")


def find_by_label(obs: Observation, label: str) -> UIElement | None:
    """The element a person would mean by `label`: exact label first, then one containing it;
    clickable or editable elements before plain text."""
    wanted = label.strip().casefold()

    def rank(e: UIElement) -> tuple[int, int]:
        return (0 if e.clickable or e.editable else 1, len(e.label))

    for match in (lambda t: t == wanted, lambda t: wanted in t):
        hits = [e for e in obs.elements if e.label and match(e.label.casefold())]
        if hits:
            return min(hits, key=rank)
    return None


def locate(obs: Observation, target: dict[str, Any], *, loose: bool = False) -> UIElement | None:
    """The element a step's target names on this screen, or None.

    A target with a label needs an element showing that label (its text or description)
    exactly, the resource id and description telling apart several; a target without
    one is found by resource id or description. loose: also accept an element whose
    label contains the wanted one (hand-written skills; a replay stays exact).
    """
    label = str(target.get("label", "")).strip().casefold()
    rid, desc = str(target.get("resource_id", "")), str(target.get("description", "")).casefold()

    def rank(e: UIElement) -> tuple[int, int, int, int]:
        return (
            0 if e.clickable or e.editable or e.checkable else 1,
            0 if rid and e.resource_id == rid else 1,
            0 if desc and e.description.casefold() == desc else 1,
            len(e.label),
        )

    if label:
        hits = [e for e in obs.elements if label in (e.text.strip().casefold(), e.description.strip().casefold())]
        if not hits and loose:
            hit = find_by_label(obs, label)
            hits = [hit] if hit is not None else []
    else:
        hits = [
            e for e in obs.elements if (rid and e.resource_id == rid) or (desc and e.description.casefold() == desc)
        ]
    return min(hits, key=rank) if hits else None


async def _resolve(step: dict[str, Any], device: Device) -> tuple[Action, Observation | None]:
    """The step as an Action, its targets found on the screen as it is now."""
    raw = {k: v for k, v in step.items() if k not in STEP_META_KEYS}
    obs: Observation | None = None
    for key in TARGET_KEYS:
        target = raw.get(key)
        if _is_locator(target):
            assert isinstance(target, dict)
            obs = obs or await device.observe()
            element = locate(obs, target, loose=True)
            if element is None:
                seen = ", ".join(repr(e.label) for e in obs.elements if e.label)[:300]
                named = target.get("label") or target.get("resource_id") or target.get("description")
                raise SkillError(f"no element labelled {named!r} on screen (it shows {seen})")
            raw[key] = {"element": element.id}
    return ACTIONS.validate_python(raw), obs


async def _expect(device: Device, text: str, timeout_s: float) -> str | None:
    """None once the screen shows `text` (within `timeout_s`); otherwise why not."""
    deadline = time.monotonic() + timeout_s
    wanted = re.sub(r"\s+", " ", text).casefold()
    while True:
        obs = await device.observe()
        if any(wanted in re.sub(r"\s+", " ", e.label).casefold() for e in obs.elements if e.label):
            return None
        if time.monotonic() >= deadline:
            return f"expected the screen to show {text!r}; it did not within {timeout_s:g}s"
        await asyncio.sleep(EXPECT_POLL_S)  # a real screen settles on its own time; nothing to await

