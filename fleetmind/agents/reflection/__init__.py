"""Reflection: the agent looking at what it did and where it got, with no model and no I/O.

- `verify`: the verifier: does the screen show the goal's effect (verified, unverified, refused)?
- `steps`: was the last step's effect as expected, and is the trajectory going round?
- `recovery`: one read-only step back to where the goal can go on (dismiss, go back, relaunch);
- `wander`: when nothing settles a state-changing step: look around read-only, ask, or stop.
"""

from __future__ import annotations

from .recovery import MAX_RECOVERIES, recovery_action
from .steps import Pattern, StepCheck, StepLog, check_step, trajectory_pattern
from .verify import Verdict, check_goal, checkable
from .wander import MAX_WANDER, explore_or_ask

__all__ = [
    "MAX_RECOVERIES",
    "MAX_WANDER",
    "Pattern",
    "StepCheck",
    "StepLog",
    "Verdict",
    "check_goal",
    "check_step",
    "checkable",
    "explore_or_ask",
    "recovery_action",
    "trajectory_pattern",
]
