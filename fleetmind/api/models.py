"""The client API's request and response bodies (pydantic v2), so `/docs` shows every shape.

Where a shape already exists in the protocol or the task graph (`TierPolicy`,
`ConfirmPolicy`, `QuestionKind`, `DeviceProfile`, `Subtask`), it is reused, not copied.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..orchestrator.graph import EdgeKind, GraphMetrics, Subtask
from ..orchestrator.store import Event
from ..protocol.messages import ConfirmPolicy, DeviceProfile, QuestionKind, Tier, TierPolicy

TaskStatus = Literal["running", "succeeded", "failed", "cancelled", "interrupted"]
"""interrupted: the event log holds no end for the task; the orchestrator stopped first."""


class SubmitRequest(BaseModel):
    """`POST /api/tasks`: what to do and under which limits."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, description="The request in plain words.")
    devices: str | None = Field(
        None,
        description="Devices wanted, like 'phone:2'. A served orchestrator uses the devices connected to it"
        " and ignores this.",
    )
    policy: TierPolicy = Field("auto", description="Which tiers may decide steps.")
    confirm: ConfirmPolicy = Field("ask", description="ask: irreversible actions wait for an answer; allow: don't.")
    max_steps: int | None = Field(None, ge=1, description="Steps per subtask (default 15).")
    max_cost_usd: float | None = Field(None, ge=0, description="Cloud cost per subtask in USD (default 0.05).")


class AnswerRequest(BaseModel):
    """`POST /api/tasks/{id}/answer`: the user's answer to one pending question."""

    model_config = ConfigDict(extra="forbid")

    question_id: str = Field(min_length=1, description="The `id` of a question in the task's `questions`.")
    text: str = Field(description="The answer: free text, 'yes'/'no' for a confirm, one of `options` for a choice.")


class PendingQuestion(BaseModel):
    """A question an agent asked and nobody has answered yet."""

    id: str = Field(description="Question id; send it back as `question_id`.")
    subtask: str
    wire_id: str = Field(description="The attempt that asked (task/subtask#attempt).")
    question: str
    kind: QuestionKind = "question"
    options: list[str] = Field(default_factory=list)
    secret: bool = Field(
        False, description="A password or PIN: type the answer hidden; events and the API show it as •••."
    )


class Step(BaseModel):
    """One agent step, as its progress message reported it."""

    subtask: str
    step: int
    summary: str = ""
    tier: Tier
    why: str = ""
    tokens: int = 0
    cost_usd: float = 0.0
    latency_ms: float = 0.0
    action: dict[str, Any] = Field(default_factory=dict)
    device: str | None = None


class Edge(BaseModel):
    """A dependency between two subtasks."""

    src: str
    dst: str
    kind: EdgeKind = "on_success"


class GraphView(BaseModel):
    """The task graph now: subtasks (with status, device and result) and edges."""

    version: int = 0
    nodes: list[Subtask] = Field(default_factory=list)
    edges: list[Edge] = Field(default_factory=list)
    metrics: GraphMetrics | None = None


class TaskSummary(BaseModel):
    """One line of `GET /api/tasks`."""

    id: str
    request: str
    status: TaskStatus
    started: float = Field(description="Unix time of the first event.")
    updated: float = Field(description="Unix time of the latest event.")
    live: bool = Field(description="True while this orchestrator holds the task (it can be cancelled or answered).")


class TierUsage(BaseModel):
    """What one tier's steps used in a task."""

    steps: int = 0
    tokens: int = 0
    cost_usd: float = 0.0
    latency_ms: float = Field(0.0, description="Mean decision time of one step, ms.")


class TaskDetail(BaseModel):
    """`GET /api/tasks/{id}`: everything about one task."""

    id: str
    request: str
    status: TaskStatus
    error: str | None = None
    live: bool
    policy: TierPolicy | None = None
    confirm: ConfirmPolicy | None = None
    graph: GraphView
    steps: list[Step] = Field(default_factory=list)
    questions: list[PendingQuestion] = Field(default_factory=list, description="Pending questions, oldest first.")
    outputs: dict[str, dict[str, str]] = Field(default_factory=dict, description="Named outputs by subtask.")
    cost_usd: float = 0.0
    tokens: int = 0
    elapsed_s: float = 0.0
    tiers: dict[str, int] = Field(default_factory=dict, description="Steps by tier.")
    cloud_calls: int = Field(0, description="Steps the cloud model decided.")
    usage: dict[str, TierUsage] = Field(
        default_factory=dict, description="Per tier: steps, tokens, cost and mean decision latency."
    )
    last_seq: int = Field(0, description="Number of the latest event of this task; stream from here.")


class TaskList(BaseModel):
    """`GET /api/tasks`."""

    tasks: list[TaskSummary]


class EventPage(BaseModel):
    """`GET /api/tasks/{id}/events`: events after `after`, oldest first."""

    events: list[Event]
    more: bool = Field(description="True when more events follow; ask again with after = the last seq.")


class LatestStep(BaseModel):
    """What a device did last."""

    task_id: str
    subtask: str
    step: int
    summary: str
    tier: Tier
    why: str


class DeviceStatus(DeviceProfile):
    """A device: its profile, whether it is online, what it runs and what it did last."""

    online: bool
    running: list[str] = Field(default_factory=list, description="Wire ids of the attempts running on it.")
    busy: str | None = Field(None, description="The subtask it runs now, as task/subtask.")
    latest: LatestStep | None = None
    thumbnail_png_b64: str | None = Field(None, description="The latest screenshot thumbnail an agent sent, if any.")


class DeviceList(BaseModel):
    """`GET /api/devices`."""

    devices: list[DeviceStatus]


class ApiError(BaseModel):
    """Every error: `detail` says what was wrong and what to do."""

    detail: str
    errors: list[dict[str, Any]] | None = Field(None, description="Field by field, for invalid requests.")


__all__ = [
    "AnswerRequest",
    "ApiError",
    "DeviceList",
    "DeviceStatus",
    "Edge",
    "EventPage",
    "GraphView",
    "LatestStep",
    "PendingQuestion",
    "Step",
    "SubmitRequest",
    "TaskDetail",
    "TaskList",
    "TaskStatus",
    "TaskSummary",
]
