"""What the orchestrator runtime keeps per agent session, per task and per attempt."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..protocol.messages import Budget, ConfirmPolicy, TierPolicy
from ..protocol.transport import Link
from .graph import TaskGraph
from .planner import ReplanEvent


@dataclass
class AgentSession:
    """One agent's session; outlives its connections."""

    agent_id: str
    link: Link
    devices: list[str]
    lost_at: float | None = None


@dataclass
class Attempt:
    """One try of a subtask on a device."""

    wire_id: str
    device_id: str
    started: float = field(default_factory=time.monotonic)
    timer: asyncio.TimerHandle | None = None


@dataclass
class TaskRun:
    """One request being worked on."""

    id: str
    request: str
    graph: TaskGraph
    policy: TierPolicy
    budget: Budget
    done: asyncio.Future[TaskRun]
    confirm: ConfirmPolicy = "ask"
    started: float = field(default_factory=time.monotonic)
    running: dict[str, Attempt] = field(default_factory=dict)
    attempts_on: Counter[tuple[str, str]] = field(default_factory=Counter)
    pins: dict[str, str] = field(default_factory=dict)
    avoid: dict[str, set[str]] = field(default_factory=dict)
    unplaceable_since: dict[str, float] = field(default_factory=dict)
    replanning: bool = False
    replan_events: list[ReplanEvent] = field(default_factory=list)
    steps: list[dict[str, Any]] = field(default_factory=list)
    questions: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Questions asked and not yet answered, by question id (the `question` event's data)."""
    thumbnails: dict[str, str] = field(default_factory=dict)
    """The latest screenshot thumbnail (base64 PNG) each device sent for this task."""
    status: str = "running"
    error: str | None = None

    @property
    def elapsed_s(self) -> float:
        return time.monotonic() - self.started


def wire_id(task_id: str, subtask_id: str, attempt: int) -> str:
    """The id an attempt carries on the wire: unique across tasks and retries."""
    return f"{task_id}/{subtask_id}#{attempt}"


def parse_wire_id(value: str) -> tuple[str, str, int]:
    task_id, rest = value.split("/", 1)
    subtask_id, attempt = rest.rsplit("#", 1)
    return task_id, subtask_id, int(attempt)
