"""Replaying a skill inside the agent loop: which skill fits a goal, and its next step on this screen.

The loop asks `Replay.next_step` before it grounds anything. While the screen fits the
skill (the recorded target is there, in the app the step was recorded in, and nothing
went wrong since the last replayed step) the answer is the recorded action, bound to
this screen's element ids: a settled rule-tier step that goes through the loop's
safety gate like any other. At the first step that does not fit, the replay ends and
the loop goes on from that screen with grounding and models, keeping what was done.
Success is still the verifier's to say. Pure functions over the store's skills.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from ...devices.base import Action, DeviceInfo, Observation, Scroll
from ..grounding import Goal
from .model import ACTIONS, STEP_META_KEYS, TARGET_KEYS, Skill, fill, locate
from .store import SkillStore
from .template import as_params, bind_hand_template, lift, normal

__all__ = ["Replay", "SkillMatch", "find_skill"]

_SLOT = re.compile(r"\{([^{}]*)\}")
MAX_EXTRA_SCROLLS = 6
"""Scrolls a replay may add to find a row further down than when it was recorded."""


@dataclass(frozen=True)
class SkillMatch:
    """A skill that does this goal, and the values its steps take."""

    skill: Skill
    params: dict[str, str]


def _fits_device(skill: Skill, info: DeviceInfo) -> bool:
    if skill.device_kind and skill.device_kind != info.kind:
        return False
    installed = {a.casefold() for a in info.apps}
    return not installed or all(a.casefold() in installed for a in skill.apps)


def find_skill(skills: list[Skill], goal: Goal, info: DeviceInfo) -> SkillMatch | None:
    """The skill whose goal template this goal has, on a device with the skill's apps.

    A learned skill matches when the goal lifts to the same template and gives every
    value its steps use; a hand-written one also when its template, read as a pattern
    ("save a note titled {title} saying {body}"), matches the goal's words. Of several,
    the one replayed most often wins.
    """
    template = lift(goal.text, goal.values)
    values = as_params(template, goal.values)
    found: list[SkillMatch] = []
    for skill in skills:
        if not skill.goal or not _fits_device(skill, info):
            continue
        params: dict[str, str] | None = None
        if normal(skill.goal) == template.key:
            # the same form: the goal's values by kind, and by position for a hand template's own slot names
            params = dict(values)
            for mine, theirs in zip(_SLOT.findall(skill.goal), template.slots, strict=False):
                params.setdefault(mine, template.raw.get(theirs, ""))
        elif skill.origin == "hand":
            params = bind_hand_template(skill.goal, goal.text)
        if params is not None and all(params.get(p) for p in skill.params):
            found.append(SkillMatch(skill, {p: params[p] for p in skill.params}))
    if not found:
        return None
    return max(found, key=lambda m: (m.skill.replays - m.skill.fallbacks, m.skill.origin == "hand"))


class Replay:
    """The loop's source of recorded steps: starts a replay for a goal, then proposes its steps."""

    def __init__(self, store: SkillStore) -> None:
        self.store = store

    def start(self, goal: Goal, info: DeviceInfo) -> dict[str, Any] | None:
        """The replay state for a new run of `goal` (None: no skill fits)."""
        match = find_skill(self.store.all(), goal, info)
        if match is None:
            return None
        return {"skill": match.skill.name, "params": match.params, "next": 0, "recoveries": 0, "ended": None}

    def next_step(
        self, replay: dict[str, Any], obs: Observation, *, failures: int, recoveries: int
    ) -> tuple[Action | None, dict[str, Any], str]:
        """The next recorded action on this screen, the new replay state, and the step's why;
        (None, ended state, why it ended) at the first step that does not fit."""
        skill = self.store.get(replay["skill"])
        if skill is None:
            return None, {**replay, "ended": "the skill was removed"}, "the skill was removed"
        if failures:
            return self._end(replay, f"step {replay['next']} failed on the device")
        if recoveries != replay["recoveries"]:
            return self._end(replay, "reflection had to recover")
        steps = [fill(step, replay["params"]) for step in skill.steps]
        i = replay["next"]
        while i < len(steps):
            step = steps[i]
            if step.get("kind") == "scroll":
                after = next((j for j in range(i, len(steps)) if steps[j].get("kind") != "scroll"), len(steps))
                if after < len(steps) and _bind(steps[after], obs)[0] is not None:
                    i = after  # what the recorded scrolls looked for is already in view
                    continue
            action, why_not = _bind(step, obs)
            if action is not None:
                replay = {**replay, "next": i + 1}
                return action, replay, f"replaying skill {skill.name} step {i + 1}/{len(steps)}"
            if step.get("optional"):
                i += 1  # a prompt that did not come this time
                continue
            if _searched(skill.steps, i) and replay.get("scrolled", 0) < MAX_EXTRA_SCROLLS and _scrolls(obs):
                # a row the goal names, further down this time: keep looking as the recording did
                replay = {**replay, "next": i, "scrolled": replay.get("scrolled", 0) + 1}
                why = f"replaying skill {skill.name}: scrolling for step {i + 1}/{len(steps)} ({why_not})"
                return Scroll(direction="down", why="look further down the list"), replay, why
            return self._end({**replay, "next": i}, f"step {i + 1}/{len(steps)} does not fit: {why_not}")
        return self._end({**replay, "next": i}, f"all {len(steps)} steps replayed")

    @staticmethod
    def _end(replay: dict[str, Any], why: str) -> tuple[None, dict[str, Any], str]:
        return None, {**replay, "ended": why}, why


def _searched(steps: list[dict[str, Any]], i: int) -> bool:
    """Whether step i's target may need scrolling to: the recording scrolled to it, or it is
    named by a value of the goal (a row of a list)."""
    target = steps[i].get("target")
    named_by_goal = isinstance(target, dict) and "{" in str(target.get("label", ""))
    return named_by_goal or (i > 0 and steps[i - 1].get("kind") == "scroll")


def _scrolls(obs: Observation) -> bool:
    return any(e.scrollable for e in obs.elements)


def _bind(step: dict[str, Any], obs: Observation) -> tuple[Action | None, str]:
    """The step as an Action on this screen, or why it does not fit the screen."""
    raw = {k: v for k, v in step.items() if k not in STEP_META_KEYS}
    expected_app = step.get("in_app")
    if raw.get("kind") != "launch_app" and expected_app and obs.foreground_app != expected_app:
        return None, f"{obs.foreground_app or 'the home screen'} is in front, not {expected_app}"
    for key in TARGET_KEYS:
        target = raw.get(key)
        if isinstance(target, dict) and "element" not in target and "x" not in target:
            el = locate(obs, target)
            if el is None:
                named = target.get("label") or target.get("description") or target.get("resource_id")
                return None, f"no {named!r} on screen"
            raw[key] = {"element": el.id}
    try:
        return ACTIONS.validate_python(raw), ""
    except ValidationError as exc:
        return None, f"the step is not a valid action: {exc.errors()[0]['msg']}"
