"""What a subtask is, and the one table of how its status may change.

A subtask's `status` is frozen on the model: only `TaskGraph` changes it, and only
along an edge of `TRANSITIONS`, so a stray assignment cannot skip a step (say, finish
a subtask that never ran) without an error naming the subtask and both statuses.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..protocol.messages import FailureReport

Status = Literal["pending", "ready", "running", "succeeded", "failed", "cancelled", "skipped"]
EdgeKind = Literal["on_success", "on_completion", "on_failure"]
DeviceKind = Literal["phone", "browser", "desktop"]

TERMINAL: frozenset[str] = frozenset({"succeeded", "failed", "cancelled", "skipped"})
EDITABLE: frozenset[str] = frozenset({"pending", "ready"})

TRANSITIONS: Mapping[tuple[Status, Status], str] = {
    # (from, to): the one TaskGraph method that makes this move, and why it happens.
    ("pending", "ready"): "refresh",  # every dependency is met
    ("pending", "skipped"): "refresh",  # a dependency can never be met
    ("pending", "cancelled"): "cancel",  # the user or the runtime dropped it before it ran
    ("ready", "pending"): "apply",  # a patch gave it a new dependency to wait for
    ("ready", "running"): "mark_running",  # an attempt starts on a device
    ("ready", "failed"): "mark_unplaceable",  # no device can run it: it fails without an attempt
    ("ready", "cancelled"): "cancel",
    ("running", "succeeded"): "mark_finished",
    ("running", "failed"): "mark_finished",  # the last attempt failed; the replanner may react
    ("running", "cancelled"): "mark_finished",  # cancelled on its device
    ("running", "ready"): "retry",  # a failed attempt, or a lost device: retry or re-dispatch
}
"""Every status change there is. Terminal statuses have no way out."""


class InvalidTransition(ValueError):
    """A status change that `TRANSITIONS` does not allow; the subtask is unchanged."""

    def __init__(self, task_id: str, subtask_id: str, from_status: Status, to_status: Status, method: str) -> None:
        self.subtask_id = subtask_id
        self.from_status = from_status
        self.to_status = to_status
        self.method = method
        if from_status in TERMINAL:
            why = f"it already finished ({from_status})"
        else:
            sources = [a for (a, b), m in TRANSITIONS.items() if m == method and b == to_status]
            why = f"it is {from_status}, not {' or '.join(sources)}" if sources else "no such move"
        other = TRANSITIONS.get((from_status, to_status))
        hint = f"; {other}() makes that move" if other and other != method else ""
        super().__init__(
            f"subtask {subtask_id!r} of task {task_id} cannot go {from_status} -> {to_status}"
            f" by {method}(): {why}{hint}"
        )


def edge_satisfied(kind: EdgeKind, upstream_status: str) -> bool:
    """Whether an upstream subtask that ended `upstream_status` lets an edge of `kind` through.

    A skipped or cancelled upstream satisfies no kind: what depended on it never runs.
    """
    if kind == "on_success":
        return upstream_status == "succeeded"
    if kind == "on_failure":
        return upstream_status == "failed"
    return upstream_status in ("succeeded", "failed")


class Ref(BaseModel):
    """A reference to `subtask`'s named `output`, written `{"from": "s1", "output": "x"}`."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    subtask: str = Field(alias="from")
    output: str

    def __str__(self) -> str:
        return f"{self.subtask}.outputs.{self.output}"


InputValue = str | Ref


class DeviceRequirement(BaseModel):
    """Which devices may run a subtask: a kind, capabilities they must all have, or one device."""

    model_config = ConfigDict(frozen=True)

    kind: DeviceKind | None = None
    capabilities: tuple[str, ...] = ()
    device_id: str | None = None

    def describe(self) -> str:
        """Short text for logs and errors."""
        if self.device_id:
            return f"device {self.device_id}"
        caps = f" with {', '.join(self.capabilities)}" if self.capabilities else ""
        return f"any {self.kind or 'device'}{caps}"


class SubtaskSpec(BaseModel):
    """What a planner says about a subtask."""

    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    goal: str = Field(min_length=1)
    device: DeviceRequirement = Field(default_factory=DeviceRequirement)
    inputs: dict[str, InputValue] = Field(default_factory=dict)
    outputs: list[str] = Field(default_factory=list)
    privacy: Literal["normal", "private"] = "normal"
    max_attempts: int = Field(2, ge=1, le=10)
    timeout_s: float = Field(300.0, gt=0)
    estimated_steps: int = Field(5, ge=1, description="Work estimate, for metrics.")
    condition: str | None = Field(
        None,
        description="Run only if this holds for what the subtask it depends on found ('it's raining');"
        " the replanner judges it when that subtask succeeds and cancels this one, with the reason, if not.",
    )
    hint: str | None = Field(
        None, description="How an attempt should start (a retry: 'relaunch the app first'); never typed, not the goal."
    )


class SubtaskResult(BaseModel):
    """How a finished attempt ended."""

    status: Literal["succeeded", "failed", "cancelled"]
    outputs: dict[str, str] = Field(default_factory=dict)
    summary: str = ""
    error: str | None = None
    steps: int = 0
    cost_usd: float = 0.0
    verified: bool | None = None
    """For a success: whether a check saw its effect on the device (False: "done, unverified")."""
    report: FailureReport | None = None
    """For a failure: what was tried and where it got stuck (the agent's report, or the runtime's)."""


class Subtask(SubtaskSpec):
    """A subtask in the graph: its spec plus run state."""

    status: Status = Field("pending", frozen=True, description="Changed only by TaskGraph, along TRANSITIONS.")
    attempts: int = 0
    device_id: str | None = Field(None, description="Device of the current or last attempt.")
    tried_devices: list[str] = Field(default_factory=list)
    result: SubtaskResult | None = None

    @property
    def spec(self) -> SubtaskSpec:
        """The planner-facing part."""
        return SubtaskSpec.model_validate(self.model_dump(include=set(SubtaskSpec.model_fields)))

    @property
    def references(self) -> list[Ref]:
        """The inputs that name an upstream output."""
        return [v for v in self.inputs.values() if isinstance(v, Ref)]
