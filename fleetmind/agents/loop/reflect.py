"""The `reflect` node: cheap checks of the last step and of the trajectory, and the model
reflector only when those cannot vouch for a step. Its outcome: go on, recover, escalate or stop."""

from __future__ import annotations

from collections.abc import Callable

from ...devices.base import DeviceInfo
from ..grounding import Goal, goal_apps
from ..models.tiers import Tiers
from ..records import LoopState, SubtaskSpec
from ..reflection import MAX_RECOVERIES, Pattern, check_step, trajectory_pattern
from ..reflection.judge import off_the_way

MAX_VISITS = 3
"""Seeing the same screen more often than this, with no cloud to escalate to, ends the run."""


async def reflect(
    state: LoopState,
    goal: Goal,
    spec: SubtaskSpec,
    info: DeviceInfo,
    tiers: Tiers,
    *,
    failed: Callable[..., LoopState],
) -> LoopState:
    """The reflect node's state update: escalate, recover (with the trouble named), fail, or nothing."""
    obs, logs = state["obs"], state.get("logs", [])
    cloud_usable = tiers.cloud_reachable() and spec.privacy != "private"
    cause = None
    # On a phone an app coming to the front unasked is a wrong turn; a browser's pages are one app.
    if logs and state.get("last_action") is not None and info.kind == "phone":
        check = check_step(logs[-1], state["last_action"], goal_apps(goal, info.apps))
        if check.outcome == "wrong_app":
            cause = check
    pattern = trajectory_pattern(logs)
    visits = state.get("visits", {}).get(obs.digest, 0)
    if pattern is None and visits > MAX_VISITS:
        pattern = Pattern("oscillation", f"back on the same {obs.foreground_app or 'home'} screen {visits} times")
    if pattern is not None and cloud_usable:
        return {"escalate": True, "recover": None}  # a stronger model takes the next step
    reason = pattern.reason if pattern is not None else cause.reason if cause is not None else None
    if reason is None and state.get("unsure_step"):  # the cheap checks saw nothing wrong: are they sure?
        reason = await off_the_way(goal, obs, tiers, spec)
    if reason is None:
        return {"escalate": False, "recover": None}
    if state.get("recoveries", 0) >= MAX_RECOVERIES:
        return failed(state, f"stuck: {reason}; {MAX_RECOVERIES} recoveries did not help")
    kind = pattern.name if pattern is not None else "wrong_app"
    return {"recover": kind, "escalate": False, "reflection": reason}
