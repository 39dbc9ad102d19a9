"""The GUI agent loop for one subtask on one device, as a langgraph graph:

    observe -> (plan, the first time) -> note -> verify -> reflect -> (recover | decide) -> act -> observe ...
    verify, recover, decide -> ask -> (act | decide); a node that ends the run -> finish

Its roles: the subgoal planner (`plan`: the goal as a short plan, each part with a check),
the notetaker (`note`: facts the screen shows for the subtask's outputs, and how far the
plan has got), the verifier (`verify`), the reflector (`reflect`, `recover`) and the
operator (`decide`, `act`).

`verify` asks the verifier whether the screen shows the goal done (or the app
refused it, or the user must say something first); `reflect` checks the last step
and the trajectory (go on, recover, escalate, stop); `decide` grounds the goal in
the screen, and what text cannot settle goes to the tier the router picks
(tiers.py). Before anything is acted on, the step passes the safety gate: a
state-changing action that nothing settled is not taken (the agent looks around
read-only, then asks, then fails), several matches for a name become a question,
and an irreversible action waits for the user's confirmation unless the user
pre-approved such actions.

`ask` waits on a langgraph interrupt, so a question is held by the checkpointer:
with a persistent checkpointer a run can be resumed after its host restarts.

- `agent`: `GuiAgent`, the graph wired together, run/resume, and the nodes that use its device and models;
- `goal`: the goal as the request, the user's answers and the device's day give it; goals out of scope;
- `subgoals`: the subgoal planner and its progress; `notes`: the notetaker;
- `checks`: the verify node; `reflect`: the reflect node;
- `gate`: the safety gate between deciding and acting;
- `asking`: what an answer to a question does to the run;
- `results`: success, failure and each step as it may leave the device;
- `edges`: where the graph goes after each node.
"""

from __future__ import annotations

from ...devices.base import TERMINAL_KINDS
from ..grounding import SECRET
from ..models.prompts import cloud_messages
from ..models.tiers import RULE_MIN_MARGIN, RULE_MIN_SCORE
from ..records import CloudStep, LoopResult, StepRecord, SubtaskSpec
from .agent import GuiAgent, OnStep
from .asking import AskFn, unanswered

__all__ = [
    "RULE_MIN_MARGIN",
    "RULE_MIN_SCORE",
    "SECRET",
    "TERMINAL_KINDS",
    "AskFn",
    "CloudStep",
    "GuiAgent",
    "LoopResult",
    "OnStep",
    "StepRecord",
    "SubtaskSpec",
    "cloud_messages",
    "unanswered",
]
