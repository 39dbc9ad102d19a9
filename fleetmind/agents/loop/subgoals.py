"""The subgoal planner: a subtask's goal as a short ordered plan, and how far the run has got in it.

The plan is made once, at the start of a run. Without a model it comes from what the goal
reader found: open the app the goal is about, fill in each value the goal gives, make the
change it asks for (a switch, a level), read the answer it asks for, and see the goal done.
Each of those has a check on the screen or in the steps taken, so progress is known without
a model. The first time a chat model writes a step it is also asked for the steps in
between that text rules cannot know ("open Display", "tap Advanced"; `CloudStep.plan`);
such a step counts as reached once a screen shows most of what it names.

The plan steers nothing by itself: grounding, the tiers and the safety gate decide each
action as before. It is what the run shows and reports: each step record says which
subgoal it served, a cloud model sees the plan with what is done, and a failure report
says at which subgoal the run stopped (`FailureReport.subgoal`). Subgoals that depend on
the screen (the app in front) are judged again at every observation, so a stray tap that
leaves the app puts "open Contacts" back in front of the plan.
"""

from __future__ import annotations

from dataclasses import replace

from ...devices.base import DeviceInfo, Observation
from ..grounding import Goal, content_words, goal_apps, target_value
from ..grounding.fields import field_key
from ..grounding.history import typed_fields
from ..records import Subgoal

__all__ = ["MAX_MODEL_SUBGOALS", "Subgoal", "current", "has_steps", "plan", "progress", "summary", "with_steps"]

MAX_MODEL_SUBGOALS = 6
"""How many in-between steps a model's plan may add (more is a plan for another task)."""

_SAID = {"to": "recipient", "start": "start time", "end": "end time", "password": "password or PIN"}
"""How a plan names a field kind whose key reads oddly on its own ("fill in the to")."""


def plan(goal: Goal, info: DeviceInfo) -> list[Subgoal]:
    """The plan the goal's own words give: each part has a check (`progress`)."""
    subgoals: list[Subgoal] = []
    apps = goal_apps(goal, info.apps)
    if info.kind == "phone" and len(apps) == 1:
        app = next(a for a in info.apps if a.lower() in apps)
        subgoals.append(Subgoal(f"open {app}", "open", app.lower()))
    cues_of: dict[str, list[str]] = {}  # one value offered to several kinds of field (name, title, label)
    for cue, value in goal.values.items():
        cues_of.setdefault(value, []).append(cue)
    for cues in cues_of.values():
        # the text names the field only: a value given for it (a PIN, a message) stays in the goal
        text = "search for it" if cues[0] == "search" else f"fill in the {_SAID.get(cues[0], cues[0])}"
        subgoals.append(Subgoal(text, "fill", ",".join(cues)))
    if goal.want_on is not None:
        subgoals.append(Subgoal(f"switch it {'on' if goal.want_on else 'off'}", "change"))
    elif (level := target_value(goal.text)) is not None:
        subgoals.append(Subgoal(f"set it to {level}", "change"))
    if goal.asks_answer:
        subgoals.append(Subgoal("read the answer on the screen", "read"))
    subgoals.append(Subgoal("see the goal done on the screen", "finish"))
    return subgoals


def has_steps(subgoals: list[Subgoal]) -> bool:
    """Whether a chat model's in-between steps are in the plan already (it is asked for them once)."""
    return any(s.kind == "step" for s in subgoals)


def with_steps(subgoals: list[Subgoal], texts: list[str]) -> list[Subgoal]:
    """The plan with a model's in-between steps (at most `MAX_MODEL_SUBGOALS`, each naming
    something) after opening the app and before the goal's own parts; a plan that has
    them already keeps its own."""
    if has_steps(subgoals):
        return subgoals
    steps = [Subgoal(t.strip(), "step") for t in texts if content_words(t)][:MAX_MODEL_SUBGOALS]
    at = next((i for i, s in enumerate(subgoals) if s.kind != "open"), len(subgoals))
    return [*subgoals[:at], *steps, *subgoals[at:]]


def progress(
    subgoals: list[Subgoal], obs: Observation, history: list[str], notes: dict[str, str], goal: Goal
) -> list[Subgoal]:
    """Each subgoal judged on this screen and the steps so far.

    open: the app is in front now, or a later part is already reached (the app may have
    closed the form it saved); fill: a field of one of its kinds was typed into; change: a switch,
    level or choice was taken; step: a screen showed most of what it names; read: an answer
    was noted; finish: only the verifier says that (the run ends there).
    """
    typed = {field_key(name) or name for name in typed_fields(history)}
    changed = any(h.startswith(("choose:", "adjust:")) for h in history)
    shown = {w for e in obs.elements for w in content_words(e.label)} | content_words(obs.foreground_app)
    judged: list[Subgoal] = []
    for s in subgoals:
        if s.kind == "open":
            done = obs.foreground_app.lower() == s.key
        elif s.kind == "fill":
            cues = set(s.key.split(","))
            done = bool(cues & typed) or ("search" in cues and any(h.startswith("submit:") for h in history))
        elif s.kind == "change":
            done = changed
        elif s.kind == "step":
            named = content_words(s.text)
            done = s.done or (bool(named) and 2 * len(named & shown) >= len(named))
        elif s.kind == "read":
            done = bool(notes)
        else:
            done = s.done
        judged.append(replace(s, done=done))
    # an app left behind once all its work is done (Save closed the form) was still opened
    work = [s for s in judged if s.kind in ("step", "fill", "change")]
    if work and all(s.done for s in work):
        return [replace(s, done=True) if s.kind == "open" else s for s in judged]
    return judged


def current(subgoals: list[Subgoal]) -> Subgoal | None:
    """The first subgoal not reached yet."""
    return next((s for s in subgoals if not s.done), None)


def summary(subgoals: list[Subgoal]) -> str:
    """The plan in one line: "[x] open Contacts; [ ] fill in the phone <- now; ..."."""
    now = current(subgoals)
    return "; ".join(f"[{'x' if s.done else ' '}] {s.text}{' <- now' if s is now else ''}" for s in subgoals)
