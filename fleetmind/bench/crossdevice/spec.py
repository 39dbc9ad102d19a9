"""How a cross-device task is written: the request, the devices, the seeding, the check and the reference graph.

A task runs on 2-5 devices (`phone-1`.., `browser-1`). `request` is what a user types;
under the agent policy the planner turns it into a graph, as `fleetmind run` does.
`reference` is the graph a correct plan has: subtasks pinned to devices, data flowing
along edges as named outputs, and for each subtask the action plan the oracle replays.
`seed` and `check` see the phones only through `AdbPhone` (adb shell) and the site
through its server-side record; nothing the agents say is believed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ...devices.virtual.web import WebState
from ...orchestrator.graph import GraphPatch
from ...orchestrator.planner import Plan, PlanEdge
from ...orchestrator.subtask import DeviceRequirement, Ref, SubtaskSpec
from ..android.oracle import Step
from ..android.phone import AdbPhone

__all__ = ["Fleet", "RefSubtask", "XTask", "reference_plan"]


@dataclass(frozen=True)
class Fleet:
    """What a check sees: each phone over adb, the site's record, and the site's forecast for a city."""

    phones: Mapping[str, AdbPhone]
    web: WebState | None = None
    forecast: Callable[[str], str] | None = None

    def phone(self, device_id: str) -> AdbPhone:
        """One phone by id (phone-1 ...)."""
        return self.phones[device_id]


@dataclass(frozen=True)
class RefSubtask:
    """One subtask of the reference graph.

    inputs: input name -> (upstream subtask id, its output name); the value arrives filled in.
    steps: the oracle's plan; `{input}` and `{param}` placeholders are filled when it runs.
    """

    id: str
    device: str
    goal: str
    steps: list[Step]
    inputs: dict[str, tuple[str, str]] = field(default_factory=dict)
    outputs: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    """Subtasks that must finish first without handing data over ("then ...")."""


@dataclass(frozen=True)
class XTask:
    """One cross-device task (see the module docstring)."""

    id: str
    category: str
    devices: str
    request: str
    params: dict[str, Any]
    seed: Callable[[Mapping[str, AdbPhone], dict[str, Any]], Awaitable[None]]
    check: Callable[[Fleet, dict[str, Any]], Awaitable[bool]]
    reference: list[RefSubtask]

    @property
    def device_count(self) -> int:
        """How many devices the task runs on."""
        return sum(int(part.split(":")[1]) for part in self.devices.split(","))


def reference_plan(task: XTask) -> GraphPatch:
    """The reference graph as the patch a planner would return (devices pinned, outputs wired)."""
    subtasks = []
    edges = []
    for ref in task.reference:
        kind = "browser" if ref.device.startswith("browser") else "phone"
        requirement = DeviceRequirement(kind=kind, device_id=ref.device)
        inputs: dict[str, str | Ref] = {name: Ref.model_validate({"from": src, "output": out})
                                        for name, (src, out) in ref.inputs.items()}
        subtasks.append(SubtaskSpec(id=ref.id, goal=ref.goal, device=requirement, inputs=inputs,
                                    outputs=list(ref.outputs), estimated_steps=max(1, len(ref.steps))))
        upstream = [*(src for src, _ in ref.inputs.values()), *ref.after]
        edges += [PlanEdge(src=src, dst=ref.id) for src in dict.fromkeys(upstream)]
    return Plan(subtasks=subtasks, edges=edges, reason=f"reference plan of {task.id}").to_patch()
