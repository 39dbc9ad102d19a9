"""A custom skill: a named, parameterised action sequence, used by an agent for the goals it fits.

    python examples/custom_skill.py
    python examples/custom_skill.py "Save a note titled Packing saying passport and charger"

`save_note` is a `fleetmind.sdk.Skill`: five actions with {title} and {body} placeholders,
targets named by their labels, and a check after the last step that the saved note shows.
`NoteSkillAgent` runs it for goals like "save a note titled X saying Y" (reporting each
action as a step), so those take five fixed steps and no decisions; other goals go to
the GUI agent. The same skill also runs on any `Device` directly: `await save_note.run(device,
title=..., body=...)`.
"""

from __future__ import annotations

import asyncio
import re
import sys

import fleetmind
from fleetmind.devices.base import Action
from fleetmind.sdk import Agent, AgentRegistry, AskFn, LoopResult, OnStep, Skill, SubtaskSpec
from fleetmind.sdk.local import local_fleet

save_note = Skill(
    name="save_note",
    description="Write a note with a title and a body in the Notes app, and save it.",
    params=["title", "body"],
    steps=[
        {"kind": "launch_app", "app": "Notes"},
        {"kind": "tap", "target": {"label": "New note"}},
        {"kind": "type_text", "text": "{title}", "target": {"label": "Title"}},
        {"kind": "type_text", "text": "{body}", "target": {"label": "Body"}},
        {"kind": "tap", "target": {"label": "Save"}, "expect": "{title}"},
    ],
)

NOTE_GOAL = re.compile(r"\bnote titled\s+(?P<title>.+?)\s+saying\s+(?P<body>.+)$", re.I)

registry = AgentRegistry()


@registry.register(kind="phone")
class NoteSkillAgent(Agent):
    """Runs the save_note skill for 'a note titled X saying Y' goals."""

    def handles(self, spec: SubtaskSpec) -> bool:
        """Only goals the skill's parameters can be read from."""
        return super().handles(spec) and NOTE_GOAL.search(spec.goal) is not None

    async def run(
        self,
        spec: SubtaskSpec,
        *,
        on_step: OnStep | None = None,
        ask: AskFn | None = None,
        thread_id: str | None = None,
    ) -> LoopResult:
        m = NOTE_GOAL.search(spec.goal)
        assert m is not None  # handles() said so
        steps = self.steps(on_step)

        async def report(action: Action, words: str) -> None:
            await steps.report(action, summary=words, why=f"skill {save_note.name}")

        result = await save_note.run(self.device, on_action=report, title=m["title"], body=m["body"])
        if not result.ok:
            return self.failed(result.error or "the skill failed", steps=steps.count)
        return self.succeeded(f"saved note {m['title']!r}", spec, steps=steps.count)


REQUEST = "Save a note titled Groceries saying milk and eggs"


async def main(request: str = REQUEST) -> int:
    """Run `request` on a local fleet whose phone offers the skill agent; print the steps."""
    async with local_fleet("phone:1", agents=registry) as fleet, fleetmind.connect(fleet.url, token=fleet.token) as fm:
        run = await fm.submit(request)
        result = await run.wait(timeout_s=120)
    for step in result.steps:
        print(f"{step['subtask']} #{step['step']} [{step['tier']}] {step['summary']}  ({step['why']})")
    print(f"{result.status}: {result.outputs}")
    if not result.ok:
        print(result.summary)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main(*sys.argv[1:2])))
