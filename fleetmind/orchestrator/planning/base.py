"""What every planner shares: the protocols, the plan schema, the errors and patch validation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field

from ...protocol.messages import DeviceProfile, FailureReport
from ..graph import EdgeKind, GraphPatch, SubtaskSpec, TaskGraph


class StructuredModel(Protocol):
    """The part of a chat model a planner uses (agents.models.ChatModel fits)."""

    name: str

    async def complete(
        self,
        messages: list[dict[str, str]],
        *,
        schema: type[BaseModel] | None = None,
        max_tokens: int = 512,
    ) -> Any: ...


class PlanningFailed(RuntimeError):
    """No valid plan could be made; `reasons` says why, last attempt first.

    `bad_request` is True when the request itself is at fault (it names a device
    the fleet does not have, or asks nothing): the user must change it, and the
    CLI exits with 2 (bad usage) rather than 1 (the task failed).
    """

    bad_request = False

    def __init__(self, message: str, reasons: Sequence[str] = ()) -> None:
        super().__init__(message + ("".join(f"\n- {r}" for r in reasons)))
        self.reasons = list(reasons)


class BadRequest(PlanningFailed):
    """The request cannot be planned as written; the message says what to type instead."""

    bad_request = True


class UnknownDevice(BadRequest):
    """The request addresses a device the fleet does not have; the message lists the real ones."""

    def __init__(self, phrase: str, devices: Sequence[DeviceProfile], *, why: str = "") -> None:
        self.phrase = phrase
        self.devices = list(devices)
        what = why or f"the request names a device the fleet does not have: {phrase!r}"
        super().__init__(f"{what}.\n{fleet_help(devices)}")


def fleet_help(devices: Sequence[DeviceProfile]) -> str:
    """The devices there are and how a request may address them."""
    if not devices:
        return (
            "No devices are connected yet: attach one (fleetmind device virtual|android|browser --connect URL)"
            " or leave the device out of the request."
        )
    listed = ", ".join(f"{d.id} ({d.kind})" for d in devices)
    kinds = sorted({d.kind for d in devices})
    examples = [f"'on {devices[0].id}'", *(f"'on my {k}'" for k in kinds)]
    if sum(d.kind == "phone" for d in devices) > 1:
        examples.append("'on every phone'")
    return f"The devices are: {listed}. Say {', '.join(examples)}, or leave the device out and fleetmind picks one."


class PlanEdge(BaseModel):
    """A dependency in a plan."""

    src: str
    dst: str
    kind: EdgeKind = "on_success"


class Plan(BaseModel):
    """What a planning model must return."""

    subtasks: list[SubtaskSpec] = Field(min_length=1)
    edges: list[PlanEdge] = Field(default_factory=list)
    reason: str = ""

    def to_patch(self) -> GraphPatch:
        """The patch that adds this plan's subtasks and edges."""
        return GraphPatch.from_specs(self.subtasks, [(e.src, e.dst, e.kind) for e in self.edges], reason=self.reason)


class Planner(Protocol):
    """Makes the first GraphPatch for a request."""

    async def plan(self, request: str, devices: Sequence[DeviceProfile]) -> GraphPatch: ...


@dataclass(frozen=True)
class ReplanEvent:
    """Something the replanner should consider: a subtask failed for good, or succeeded with outputs
    that may change what the rest of the graph should do.

    For a failure: `report` (what was tried, where it got stuck; None from an agent that sends
    none), `final` (the agent said only the user can change it), `other_devices` (capable devices
    online that have not tried it and, when the report names a missing app, that have that app).
    For a success: its `outputs`.
    """

    kind: Literal["failed", "succeeded"]
    subtask_id: str
    error: str | None = None
    report: FailureReport | None = None
    final: bool = False
    other_devices: tuple[str, ...] = ()
    outputs: Mapping[str, str] = field(default_factory=dict)


class ReplanPatch(GraphPatch):
    """A replanner's edit: graph ops, plus subtasks that have not started to cancel, each with why.

    A cancel is no graph op (status is not a patch's to change): the runtime cancels them after
    the ops apply, and what depended on them is skipped.
    """

    cancel: dict[str, str] = Field(
        default_factory=dict, description="Subtask id -> why it should not run (e.g. its condition is false)."
    )


class Replanner(Protocol):
    """Proposes an edit of a running graph (or None) after some events.

    Failures always reach the replanner. Successes reach it when a pending subtask waits on a
    condition about the outputs, or when the replanner has `wants_successes = True` (a model
    replanner: any output may change the plan). A `ReplanPatch` may also cancel subtasks.
    """

    async def replan(self, graph: TaskGraph, events: Sequence[ReplanEvent]) -> GraphPatch | None: ...


def validate_patch(patch: GraphPatch, graph: TaskGraph | None = None) -> list[str]:
    """Every reason `patch` would be rejected by `graph` (or by an empty graph); changes nothing."""
    return (graph if graph is not None else TaskGraph("scratch")).check(patch)
