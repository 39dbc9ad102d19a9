"""Cheap reflection: was the last step's effect as expected, and is the trajectory going round?

Pure functions of observations and the step log, no model and no I/O. They run
after every action; a model reflector is only worth its cost when these are
inconclusive.

After one action (`check_step`):
- `failed`: the device refused the action;
- `no_effect`: the screen did not change (a tap on nothing, a disabled button);
- `wrong_app`: another app came to the front without the agent opening it (a
  link, a share sheet, a stray tap): go back and try the next candidate;
- `as_expected`: otherwise.

Over the trajectory (`trajectory_pattern`), each a reason to change approach:
- `repeat`: the same action on the same screen three times;
- `oscillation`: A-B-A-B between two screens;
- `frozen`: the screen unchanged three steps running;
- `failing`: three failed actions in a row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ...devices.base import Action, LaunchApp, PressKey, Wait

__all__ = ["Pattern", "StepCheck", "StepLog", "check_step", "trajectory_pattern"]

REPEAT_LIMIT = 3
FROZEN_LIMIT = 3
FAILING_LIMIT = 3


@dataclass(frozen=True)
class StepLog:
    """One executed step as reflection sees it."""

    before: str
    """Digest of the screen the action was taken on."""
    after: str
    """Digest of the screen that followed."""
    action: str
    """The action's history entry (tap:Save, typed:Name:Ada ...)."""
    ok: bool
    app_before: str = ""
    app_after: str = ""


@dataclass(frozen=True)
class StepCheck:
    """The verdict on the last step."""

    outcome: Literal["as_expected", "no_effect", "wrong_app", "failed"]
    reason: str


@dataclass(frozen=True)
class Pattern:
    """A loop in the trajectory, and what it is."""

    name: Literal["repeat", "oscillation", "frozen", "failing"]
    reason: str


def check_step(log: StepLog, action: Action, goal_apps: set[str]) -> StepCheck:
    """Whether the last action had the effect an action of its kind should have.

    goal_apps: lower-case names of the apps the goal is about (leaving for one of them is fine).
    """
    if not log.ok:
        return StepCheck("failed", f"the device refused {log.action}")
    if isinstance(action, Wait):
        return StepCheck("as_expected", "waited")
    if log.after == log.before:
        return StepCheck("no_effect", f"{log.action} changed nothing on screen")
    moved = log.app_after and log.app_before and log.app_after != log.app_before
    launched = isinstance(action, LaunchApp) or (isinstance(action, PressKey) and action.key in ("home", "back"))
    if moved and not launched and log.app_after.lower() not in goal_apps and log.app_after.lower() != "home":
        return StepCheck("wrong_app", f"{log.action} left {log.app_before} for {log.app_after}")
    return StepCheck("as_expected", f"{log.action} changed the screen")


def trajectory_pattern(logs: list[StepLog]) -> Pattern | None:
    """The loop the last steps are caught in, or None."""
    if len(logs) >= FAILING_LIMIT and all(not s.ok for s in logs[-FAILING_LIMIT:]):
        return Pattern("failing", f"the last {FAILING_LIMIT} actions all failed")
    tail = logs[-REPEAT_LIMIT:]
    if len(tail) == REPEAT_LIMIT and len({(s.before, s.action) for s in tail}) == 1:
        return Pattern("repeat", f"{tail[0].action} taken {REPEAT_LIMIT} times on the same screen")
    frozen = logs[-FROZEN_LIMIT:]
    if len(frozen) == FROZEN_LIMIT and all(s.before == s.after for s in frozen):
        return Pattern("frozen", f"the screen did not change for {FROZEN_LIMIT} steps")
    if len(logs) >= 4:
        a, b, c, d = (s.before for s in logs[-4:])
        if a == c and b == d and a != b:
            return Pattern("oscillation", "going back and forth between the same two screens")
    return None
