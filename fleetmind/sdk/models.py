"""The SDK's typed view of what an orchestrator sends: events, tasks, devices, results.

Every event keeps the server's raw `data`; the typed subclasses lift its fields to
attributes (`event.status`, `event.question`, ...). A kind this SDK does not know
yet still parses, as a plain `Event`, so a newer server never breaks an older client.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

Policy = Literal["auto", "local-only", "cloud-only"]
"""Which model tiers may decide steps."""
Confirm = Literal["ask", "allow"]
"""ask: irreversible actions wait for the user's yes; allow: they are pre-approved."""
TaskStatus = Literal["running", "succeeded", "failed", "cancelled", "interrupted"]
"""interrupted: the orchestrator stopped before the task ended (a task from an earlier run in its log)."""
FINISHED: frozenset[str] = frozenset({"succeeded", "failed", "cancelled", "interrupted"})


class Event(BaseModel):
    """One thing that happened to a task, numbered by `seq` across the orchestrator."""

    model_config = ConfigDict(extra="ignore")

    seq: int = 0
    task_id: str
    kind: str = Field(description="graph_created, graph_patched, subtask_state, step_progress, question, log, ...")
    data: dict[str, Any] = Field(default_factory=dict)
    ts: float = 0.0

    @model_validator(mode="before")
    @classmethod
    def _lift_data(cls, value: Any) -> Any:
        # The envelope's own fields win over same-named keys inside data.
        if isinstance(value, dict) and isinstance(value.get("data"), dict):
            return {**value["data"], **value}
        return value


class GraphChanged(Event):
    """The task's graph was created or patched; `subtasks` and `edges` are its new shape."""

    kind: Literal["graph_created", "graph_patched"]
    request: str = ""
    version: int = 0
    subtasks: list[dict[str, Any]] = Field(default_factory=list)
    edges: list[dict[str, Any]] = Field(default_factory=list)
    reason: str = ""


class SubtaskState(Event):
    """A subtask moved to a new status (ready, running, succeeded, failed, ...)."""

    kind: Literal["subtask_state"]
    subtask: str
    status: str
    device: str | None = None
    attempts: int = 0
    result: dict[str, Any] | None = None


class StepProgress(Event):
    """A device agent took one step: the action, the tier that decided it and why."""

    kind: Literal["step_progress"]
    subtask: str
    step: int
    summary: str = ""
    tier: str = ""
    why: str = ""
    subgoal: str = ""
    """The part of the subtask's plan the step served ("fill in the phone")."""
    tokens: int = 0
    cost_usd: float = 0.0
    latency_ms: float = 0.0
    action: dict[str, Any] = Field(default_factory=dict)


class QuestionAsked(Event):
    """An agent asks the user something; answer with `run.answer(text)`."""

    kind: Literal["question"]
    subtask: str
    question: str
    question_id: str = Field("", description="What `answer(..., question_id=)` takes.")
    question_kind: Literal["question", "confirm", "choice"] = "question"
    options: list[str] = Field(default_factory=list)
    wire_id: str = ""
    secret: bool = Field(False, description="A password or PIN: ask for it hidden; its answer is shown as •••.")

    @model_validator(mode="before")
    @classmethod
    def _rename(cls, value: Any) -> Any:
        # data's `id` and `kind` would collide with the envelope's fields: keep them under clear names.
        if isinstance(value, dict) and isinstance(value.get("data"), dict):
            data = value["data"]
            value = {**value, "question_id": data.get("id", ""), "question_kind": data.get("kind", "question")}
        return value


class QuestionAnswered(Event):
    """Someone answered a question (this client, another one, or the web UI)."""

    kind: Literal["answered"]
    subtask: str = ""
    question_id: str = ""
    text: str = ""

    @model_validator(mode="before")
    @classmethod
    def _rename(cls, value: Any) -> Any:
        if isinstance(value, dict) and isinstance(value.get("data"), dict):
            value = {**value, "question_id": value["data"].get("id") or ""}
        return value


class LogEvent(Event):
    """A note from the orchestrator (a retry, a replan, a rejected patch)."""

    kind: Literal["log"]
    message: str = ""
    subtask: str | None = None


class TaskFinished(Event):
    """The task ended; `status` says how."""

    kind: Literal["task_finished"]
    status: str
    error: str | None = None
    summary: dict[str, Any] = Field(default_factory=dict)


_TYPED: dict[str, type[Event]] = {
    "graph_created": GraphChanged,
    "graph_patched": GraphChanged,
    "subtask_state": SubtaskState,
    "step_progress": StepProgress,
    "question": QuestionAsked,
    "answered": QuestionAnswered,
    "log": LogEvent,
    "task_finished": TaskFinished,
}


def parse_event(raw: dict[str, Any]) -> Event:
    """The typed event for a server's JSON event; unknown kinds become a plain `Event`."""
    cls = _TYPED.get(str(raw.get("kind")), Event)
    return cls.model_validate(raw)


class Question(BaseModel):
    """A question a task waits on."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: str
    subtask: str = ""
    question: str = ""
    kind: Literal["question", "confirm", "choice"] = "question"
    options: list[str] = Field(default_factory=list)
    secret: bool = False
    """A password or PIN: ask for it hidden."""


class Task(BaseModel):
    """A task as the orchestrator reports it now."""

    model_config = ConfigDict(extra="allow")

    id: str
    status: TaskStatus | str
    request: str = ""
    graph: dict[str, Any] = Field(default_factory=dict)
    steps: list[dict[str, Any]] = Field(default_factory=list)
    questions: list[Question] = Field(default_factory=list, description="Questions waiting for an answer.")
    outputs: dict[str, Any] = Field(default_factory=dict)
    cost_usd: float = 0.0
    error: str | None = None

    @property
    def finished(self) -> bool:
        """Whether the task has ended (succeeded, failed, cancelled or interrupted)."""
        return self.status in FINISHED


class TaskSummary(BaseModel):
    """One row of `fm.tasks()`."""

    model_config = ConfigDict(extra="allow")

    id: str
    request: str = ""
    status: str = ""

    @model_validator(mode="before")
    @classmethod
    def _task_id(cls, value: Any) -> Any:
        if isinstance(value, dict) and "id" not in value and "task_id" in value:
            return {**value, "id": value["task_id"]}
        return value


class DeviceStatus(BaseModel):
    """A device attached to the orchestrator."""

    model_config = ConfigDict(extra="allow")

    id: str
    kind: str
    platform: str = ""
    online: bool = True
    running: list[str] = Field(default_factory=list)
    apps: list[str] = Field(default_factory=list)
    capabilities: list[str] = Field(default_factory=list)


class RunResult(BaseModel):
    """How a task ended: what `await run.wait()` returns."""

    task_id: str
    status: str
    request: str = ""
    summary: str = Field("", description="One line per subtask: what it did or why it failed.")
    outputs: dict[str, Any] = Field(default_factory=dict, description="Named outputs, by subtask.")
    steps: list[dict[str, Any]] = Field(default_factory=list)
    cost_usd: float = 0.0
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the task succeeded."""
        return self.status == "succeeded"

    @classmethod
    def of(cls, task: Task) -> RunResult:
        """The result of a finished task."""
        lines = []
        for sub in task.graph.get("nodes") or task.graph.get("subtasks") or []:
            res = sub.get("result") or {}
            what = res.get("summary") or res.get("error") or ""
            lines.append(f"{sub.get('id')}: {sub.get('status')}" + (f" - {what}" if what else ""))
        return cls(
            task_id=task.id,
            status=str(task.status),
            request=task.request,
            summary="\n".join(lines),
            outputs=task.outputs,
            steps=task.steps,
            cost_usd=task.cost_usd,
            error=task.error,
        )


DEVICES = TypeAdapter(list[DeviceStatus])
TASKS = TypeAdapter(list[TaskSummary])

__all__ = [
    "FINISHED",
    "Confirm",
    "DeviceStatus",
    "Event",
    "GraphChanged",
    "LogEvent",
    "Policy",
    "Question",
    "QuestionAnswered",
    "QuestionAsked",
    "RunResult",
    "StepProgress",
    "SubtaskState",
    "Task",
    "TaskFinished",
    "TaskStatus",
    "TaskSummary",
    "parse_event",
]
