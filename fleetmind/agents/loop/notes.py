"""The notetaker: facts read on the screen while working, kept as the subtask's named outputs.

A question goal ("what's my balance?") or a subtask whose outputs the rest of the task needs
("look up Ada's number" feeding "text it to Bob") is answered by what a screen showed. The
verifier reads the answer off the last screen; the notetaker reads it off every screen on
the way, so a fact seen once is not lost when the run moves on (a detail screen closed, a
back step, a failure later in the run: a failed result still carries what was noted).

Notes are named after the subtask's outputs (the first one takes the goal's answer; each
other output is read as a question of its own, "phone" or "email" of what the goal names),
or "answer" when none is named. A later screen's reading of the same name replaces an
earlier one. Nothing is noted from a screen a prompt covers (`extract_answer` says so).
"""

from __future__ import annotations

from dataclasses import replace

from ...devices.base import Observation
from ..grounding import Goal, content_words, extract_answer
from ..records import SubtaskSpec

__all__ = ["ANSWER", "noted_outputs", "take_notes"]

ANSWER = "answer"
"""The note's name when the subtask names no outputs."""


def take_notes(
    goal: Goal, spec: SubtaskSpec, obs: Observation, history: list[str], notes: dict[str, str]
) -> dict[str, str]:
    """`notes` with what this screen shows for each wanted name; the same dict when it shows nothing new."""
    if not (goal.asks_answer or spec.outputs):
        return notes
    names = spec.outputs or [ANSWER]
    found: dict[str, str] = {}
    for i, name in enumerate(names):
        # the first output is the goal's own answer; another one asks for that name of what the goal names
        about = {w for entity in goal.entities for w in content_words(entity)}
        asked = goal if i == 0 else replace(goal, words=content_words(name.replace("_", " ")) | about)
        if value := extract_answer(asked, obs, history):
            found[name] = value
    if not found or all(notes.get(k) == v for k, v in found.items()):
        return notes
    return {**notes, **found}


def noted_outputs(spec: SubtaskSpec, notes: dict[str, str]) -> dict[str, str]:
    """The notes as the result's outputs: the outputs the subtask names, or the answer."""
    return {name: value for name, value in notes.items() if name in spec.outputs or name == ANSWER}
