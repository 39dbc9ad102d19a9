"""The fault scenarios of `fleetmind bench faults`: what goes wrong, where, and how hard.

Each is data; fleet.py (in process) and crash.py (the orchestrator in a subprocess,
killed and restarted) carry them out.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SCENARIOS", "Scenario"]


@dataclass(frozen=True)
class Scenario:
    """One way things go wrong.

    fault: none | disconnect (the target phone's connection cut once, mid-subtask) | vanish
    (the target phone and its agent gone for good, mid-subtask) | slow | drop | duplicate |
    popup (a pop-up in front of the target phone, mid-subtask) | crash (SIGKILL of the
    orchestrator process mid-subtask, restarted on its SQLite store).
    """

    name: str
    fault: str
    what: str
    drop: float = 0.0
    """Share of sequenced frames each relay drops, both directions."""
    duplicate: float = 0.0
    """Share of sequenced frames each relay sends twice, both directions."""
    latency_s: float = 0.0
    """Added before every action on the target phone."""
    crash_at: str = "action"
    """crash: when: 'action' (right after the target subtask's n-th action) or 'result' (the moment the
    first subtask result has been passed on to the orchestrator: is it kept, or lost, or run again?)."""


SCENARIOS = [
    Scenario("baseline", "none", "no fault"),
    Scenario("disconnect", "disconnect", "the target phone's connection cut mid-subtask; its agent dials again"),
    Scenario("vanish", "vanish", "the target phone and its agent gone for good mid-subtask (the subtasks are "
             "pinned to their phones, so no other device may take over: the task must fail saying why)"),
    Scenario("slow", "slow", "the target phone 0.5 s slower on every action", latency_s=0.5),
    Scenario("drop", "drop", "15% of sequenced frames dropped in transit, both directions", drop=0.15),
    Scenario("duplicate", "duplicate", "30% of sequenced frames delivered twice, both directions", duplicate=0.3),
    Scenario("popup", "popup", "a pop-up in front of the target phone mid-subtask (dismissed before the next look)"),
    Scenario("crash", "crash", "the orchestrator process killed with SIGKILL mid-subtask and restarted on its "
             "SQLite store; the agents reconnect"),
    Scenario("crash-result", "crash", "the orchestrator process killed with SIGKILL 0-10 ms (drawn per task) after "
             "the first subtask result reaches it (while it applies, logs it, dispatches the next subtask), and "
             "restarted on its SQLite store", crash_at="result"),
]
"""Every scenario, in report order."""
