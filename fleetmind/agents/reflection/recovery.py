"""Recovery: getting back to a screen where the goal can go on. Pure, no I/O.

What a person does when an app misbehaves, cheapest first: dismiss what is in
the way (a pop-up, a rating prompt), go back, relaunch the app the goal is about
from the home screen. Each recovery is one read-only action; after
`MAX_RECOVERIES` in one subtask the agent stops and reports where it got stuck.
"""

from __future__ import annotations

from ...devices.base import Action, LaunchApp, Observation, PressKey, Tap, Target
from ..grounding import Goal, goal_apps, readable_label

__all__ = ["MAX_RECOVERIES", "goal_apps", "recovery_action"]

MAX_RECOVERIES = 3
_DISMISS = frozenset({"dismiss", "not now", "no thanks", "close", "cancel", "skip", "later", "got it", "maybe later"})


def recovery_action(
    cause: str, obs: Observation, goal: Goal, apps: list[str], recoveries: int
) -> tuple[Action, str] | None:
    """The next recovery step for `cause` ("wrong_app", "repeat", ...), with why; None when none is left."""
    for el in obs.elements:
        if el.clickable and readable_label(el).lower() in _DISMISS:
            return Tap(target=Target(element=el.id), why="dismiss what is in the way"), (
                f"recover ({cause}): dismiss '{readable_label(el)}'"
            )
    wanted = sorted(goal_apps(goal, apps))
    here = obs.foreground_app.lower()
    if cause == "wrong_app" or recoveries == 0:
        return PressKey(key="back", why="go back"), f"recover ({cause}): go back"
    if recoveries == 1 and wanted:
        app = next(a for a in apps if a.lower() == wanted[0])
        if here == wanted[0]:
            return PressKey(key="home", why="start over from home"), f"recover ({cause}): start over from home"
        return LaunchApp(app=app, why="reopen the app"), f"recover ({cause}): reopen {app}"
    if recoveries < MAX_RECOVERIES:
        return PressKey(key="home", why="start over from home"), f"recover ({cause}): start over from home"
    return None
