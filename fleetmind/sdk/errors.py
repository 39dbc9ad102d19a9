"""What can go wrong between the SDK and an orchestrator, each error saying what to do next."""

from __future__ import annotations


class FleetmindError(Exception):
    """Base class of every error the SDK raises."""


class ConnectionFailed(FleetmindError):
    """The orchestrator's URL does not answer (nothing listens there, or it went away)."""


class Unauthorized(FleetmindError):
    """The orchestrator refused the token (HTTP 401)."""

    def __init__(self, url: str) -> None:
        super().__init__(f"{url}: wrong or missing token: pass token= or set FLEETMIND_TOKEN")


class TaskNotFound(FleetmindError):
    """No task with this id on the orchestrator."""

    def __init__(self, task_id: str, url: str) -> None:
        self.task_id = task_id
        super().__init__(f"no task {task_id!r} on {url}; list the tasks there with `await fm.tasks()`")


class NoPendingQuestion(FleetmindError):
    """`answer()` was called while the task asks nothing."""


class ApiError(FleetmindError):
    """The orchestrator answered with an error status; `status` and the server's message are kept."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        super().__init__(f"HTTP {status}: {message}")


__all__ = ["ApiError", "ConnectionFailed", "FleetmindError", "NoPendingQuestion", "TaskNotFound", "Unauthorized"]
