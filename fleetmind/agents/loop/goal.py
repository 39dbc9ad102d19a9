"""The goal the loop works on: the request as the user's answers and the device's day complete it,
and whether the device can do it at all."""

from __future__ import annotations

import re
from datetime import date

from ...devices.base import Action, DeviceInfo, LaunchApp, Observation, PressKey
from ..dates import day_named
from ..grounding import Goal, extract_values, on_home, parse_goal
from ..records import SubtaskSpec
from ..scope import missing_app, missing_kind
from .asking import SAID


def read_goal(spec: SubtaskSpec, answers: dict[str, str], today: date | None) -> Goal:
    """The goal as the request and the user's answers so far give it (days counted from `today`)."""
    text = spec.goal
    for k, v in answers.items():
        if k.startswith("choice:"):
            text = re.sub(rf"\b{re.escape(k.removeprefix('choice:'))}\b", v, text)
    if SAID in answers:
        text += f" (user says: {answers[SAID]})"
    goal = parse_goal(text, spec.inputs)
    said = day_named(text, today) if today and "date" not in goal.values else None
    if said is not None and said[0] not in goal.values.get("message", ""):  # not a day a message mentions
        goal.values["date"] = said[1]
    goal.values.update({k: v for k, v in answers.items() if not k.startswith("choice:") and k != SAID})
    if "time" in answers:  # "6:15", "7 pm", "half past seven": a time of day; "15 minutes": a duration
        told = extract_values(f"at {answers['time']}")
        kept = ("hour", "minute", "start", "end", "date", "minutes", "seconds")
        goal.values.update({k: v for k, v in told.items() if k in kept})
    return goal


def out_of_scope(goal: Goal, info: DeviceInfo) -> str | None:
    """Why this phone cannot do the goal at all (checked before the first step), or None."""
    if info.kind != "phone" or goal.asks_answer and not goal.words - {"find", "tell", "check", "what"}:
        return None
    apps = ", ".join(info.apps)
    if (app := missing_app(goal, info.apps) or missing_kind(goal, info.apps)) is not None:
        return f"not done: there is no {app} app on {info.id} (its apps: {apps}); nothing was touched"
    return None


def fresh_start(hint: str, apps: list[str], obs: Observation, history: list[str]) -> Action | None:
    """The next step a retry's hint asks for: the home screen, then the app it names (a relaunch);
    None once there. Home is pressed once: a browser's home page is no phone's home screen."""
    app = next((a for a in apps if hint.lower().startswith(f"relaunch {a.lower()} ")), None)
    if not on_home(obs) and "press_key:home" not in history:
        return PressKey(key="home", why="start afresh from the home screen")
    return LaunchApp(app=app, why=f"relaunch {app}") if app is not None else None
