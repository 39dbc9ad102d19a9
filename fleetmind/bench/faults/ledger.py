"""What a faulted run lost or repeated, counted from the device state and the event log. Pure, no I/O.

- `Rows`: what a phone holds that a task can add (contacts, sent messages, notes,
  alarms, calendar events, transfers), each row as a comparable key. `repeated_effects`
  counts the rows the run added twice (a second SMS with the same body to the same
  number, a second identical contact): a side effect applied twice.
- `Ledger.from_events` reads the orchestrator's event log of one task (the events its
  store keeps): which attempt of which subtask reported which step, what each subtask
  ended as, and when the first progress after a fault was logged.

Work *lost* is a subtask that had finished (the bench saw its agent finish it, or the
log marked it succeeded) whose result the orchestrator then did not keep: it ended
other than succeeded, or ran again. Work *repeated* is a subtask that ran to its last
step in two attempts (from the log), or a side effect on a device twice (from its rows).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Ledger", "Rows", "ended_after", "progress_after", "repeated_effects"]

Rows = Mapping[str, Iterable[tuple[str, ...]]]
"""Kind of row ("contacts", "messages" ...) -> the rows as keys."""


def repeated_effects(before: Rows, after: Rows) -> int:
    """How many rows the run added more than once: for each kind, the rows new since `before`
    (a multiset difference), each key counted beyond its first copy."""
    repeated = 0
    for kind, rows in after.items():
        new = Counter(rows) - Counter(before.get(kind, ()))
        repeated += sum(n - 1 for n in new.values() if n > 1)
    return repeated


def progress_after(events: Iterable[Mapping[str, Any]], at: float) -> float | None:
    """Seconds from `at` to the first progress the log holds after it (a step, or a subtask
    that succeeded); None when nothing progressed after `at`."""
    for event in events:
        kind, data = event["kind"], event.get("data", {})
        if event["ts"] <= at:
            continue
        if kind == "step_progress" or (kind == "subtask_state" and data.get("status") == "succeeded"):
            return float(event["ts"]) - at
    return None


def ended_after(events: Iterable[Mapping[str, Any]], at: float) -> float | None:
    """Seconds from `at` to the task's end in the log (None: it did not end after `at`)."""
    return next((float(e["ts"]) - at for e in events if e["kind"] == "task_finished" and e["ts"] > at), None)


@dataclass
class Ledger:
    """One task's subtasks as its event log tells them.

    steps: (subtask, attempt) -> the step numbers reported, in log order.
    final: subtask -> its last logged status. succeeded_at: subtask -> when it was first
    logged succeeded. attempts: subtask -> the attempts logged running.
    """

    steps: dict[tuple[str, int], list[int]] = field(default_factory=dict)
    final: dict[str, str] = field(default_factory=dict)
    succeeded_at: dict[str, float] = field(default_factory=dict)
    attempts: dict[str, list[int]] = field(default_factory=dict)
    started: dict[str, list[float]] = field(default_factory=dict)
    status: str | None = None
    error: str | None = None

    @classmethod
    def from_events(cls, events: Iterable[Mapping[str, Any]]) -> Ledger:
        """Read a task's events (dicts with kind, ts, data) in log order."""
        ledger = cls()
        current: dict[str, int] = {}
        for event in events:
            kind, data = event["kind"], event.get("data", {})
            if kind == "subtask_state":
                sid, status = str(data["subtask"]), str(data["status"])
                ledger.final[sid] = status
                if status == "running":
                    attempt = int(data.get("attempts") or 0)
                    current[sid] = attempt
                    if attempt not in ledger.attempts.setdefault(sid, []):
                        ledger.attempts[sid].append(attempt)
                        ledger.started.setdefault(sid, []).append(float(event["ts"]))
                elif status == "succeeded":
                    ledger.succeeded_at.setdefault(sid, float(event["ts"]))
            elif kind == "step_progress":
                sid = str(data["subtask"])
                ledger.steps.setdefault((sid, current.get(sid, 0)), []).append(int(data["step"]))
            elif kind == "task_finished":
                ledger.status, ledger.error = data.get("status"), data.get("error")
        return ledger

    def executions(self, sid: str) -> list[int]:
        """The attempts of `sid` that ran to its last step (the highest step any attempt reported)."""
        last = max((max(s) for (sub, _), s in self.steps.items() if sub == sid and s), default=0)
        return [a for (sub, a), s in self.steps.items() if sub == sid and last and last in s]

    def executed_twice(self) -> list[str]:
        """Subtasks that ran to their last step in more than one attempt."""
        return sorted(sid for sid in self.final if len(self.executions(sid)) > 1)

    def steps_applied_twice(self) -> int:
        """Progress messages the orchestrator took in twice (one attempt, one step number, two log entries)."""
        return sum(n - len(set(s)) for s in self.steps.values() for n in [len(s)])

    def forgotten(self) -> list[str]:
        """Subtasks once logged succeeded that ended as anything else (a result the orchestrator lost)."""
        return sorted(sid for sid in self.succeeded_at if self.final.get(sid) != "succeeded")

    def lost(self, finished_by_agents: Mapping[str, Iterable[float]]) -> list[str]:
        """Subtasks whose finish was thrown away: forgotten after success, or finished by an agent
        (`finished_by_agents`: subtask -> when the bench saw an agent finish it well) and yet
        started again afterwards or never marked succeeded."""
        lost = set(self.forgotten())
        for sid, times in finished_by_agents.items():
            for t in times:
                if self.final.get(sid) != "succeeded" or any(s > t for s in self.started.get(sid, [])):
                    lost.add(sid)
        return sorted(lost)
