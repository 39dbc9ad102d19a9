"""What the GUI agent loop takes and gives: the subtask it works on, each step it takes,
how it ended, and the state its langgraph graph carries between nodes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, TypedDict

from pydantic import BaseModel, Field

from ..devices.base import Action, Observation
from ..protocol.messages import Budget, ConfirmPolicy, Privacy, TierPolicy
from .questions import PendingQuestion

__all__ = ["CloudStep", "LoopResult", "LoopState", "StepRecord", "SubtaskSpec"]


@dataclass
class StepRecord:
    """One decided and executed step, as reported to the orchestrator."""

    step: int
    action: Action
    summary: str
    tier: Literal["local", "cloud", "rule"]
    why: str
    tokens: int = 0
    cost_usd: float = 0.0
    latency_ms: float = 0.0
    confidence: float | None = None
    """The local tier's margin between its first and second choice."""
    settled: bool = True
    """Grounding, a confident model or the user settled this action; unsettled steps may only look around."""
    thumbnail_png: bytes | None = None
    """A small screenshot of the screen the step was taken on; only on steps that may leave the device."""


@dataclass
class LoopResult:
    """How the loop ended.

    verified: for a success, True when a check saw the goal's effect on the screen,
    False when it could not (the summary then starts with "done, unverified").
    """

    status: Literal["succeeded", "failed"]
    summary: str
    outputs: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    steps: int = 0
    cost_usd: float = 0.0
    verified: bool | None = None
    final: bool = False
    """A failure only the user can change (declined, must answer or decide): no retry, no replan."""


class CloudStep(BaseModel):
    """What the cloud tier must answer for one step."""

    thought: str = Field("", description="One sentence: why this action.")
    action: Action


@dataclass
class SubtaskSpec:
    """The agent's view of an assigned subtask.

    confirm: "ask" makes irreversible actions (send, delete, pay ...) wait for the user's
    yes; "allow" means the user pre-approved them.
    """

    goal: str
    inputs: dict[str, str] = field(default_factory=dict)
    outputs: list[str] = field(default_factory=list)
    privacy: Privacy = "normal"
    budget: Budget = field(default_factory=Budget)
    tier_policy: TierPolicy = "auto"
    confirm: ConfirmPolicy = "ask"


class LoopState(TypedDict, total=False):
    """The loop graph's state; everything needed to resume it from a checkpoint."""

    step: int
    obs: Observation
    prev_digest: str
    unchanged: int
    failures: int
    history: list[str]
    pending: StepRecord | None
    result: LoopResult | None
    cost_usd: float
    tried: dict[str, int]
    """How often each action was taken on each screen (digest|action): loops cost score."""
    visits: dict[str, int]
    """How often each screen (by digest) was seen."""
    question: PendingQuestion | None
    """Set by decide when the user must answer before the loop goes on."""
    answers: dict[str, str]
    """What the user told the agent: field kind -> value, or "choice:<name>" -> the one meant."""
    confirmed: list[str]
    """Confirmation texts the user approved in this run."""
    explored: int
    """Read-only steps taken in a row because nothing settled a state-changing one."""
    verdict: Any
    """The verifier's `Verdict` behind a pending Done."""
    trail: list[str]
    """Each step taken, in words: what a failure report says was tried."""
    last: dict[str, Any] | None
    """The action just taken (screen digest, history entry, ok, app), until the next observation logs it."""
    last_action: Any
    logs: list[Any]
    """`reflection.StepLog` of every executed step: what reflection reads."""
    recover: str | None
    """Set by reflect: the trouble the next step should recover from."""
    reflection: str | None
    recoveries: int
    escalate: bool
    """Reflection found a loop and a stronger tier is there: the next step goes to it."""
    vetoed: bool
    """The final check already vetoed one unverified "done"."""
    replay: dict[str, Any] | None
    """The skill being replayed (skills.replay): its name, values, next step, and why it ended."""
    recorded: list[dict[str, Any]]
    """Each step taken as a skill step (skills.record) with the screen's digest: what a verified run teaches."""
