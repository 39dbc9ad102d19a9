"""What the GUI agent loop takes and gives: the subtask it works on, each step it takes,
how it ended, and the state its langgraph graph carries between nodes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal, TypedDict

from pydantic import BaseModel, Field

from ..devices.base import Action, Observation
from ..privacy.screen import screen_reason
from ..protocol.messages import Budget, ConfirmPolicy, FailureKind, FailureReport, Privacy, TierPolicy
from .questions import PendingQuestion

__all__ = ["CloudStep", "LoopResult", "LoopState", "StepRecord", "Subgoal", "SubtaskSpec", "failure_report"]

MASK = "•••"
"""What stands for a value that may not leave the device (the loop's REDACTED)."""
REPORT_STEPS = 5
"""How many of the last steps a failure report lists."""
SCREEN_CHARS = 1500
"""How much of the last screen's text a failure report carries."""


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
    plan: list[str] = field(default_factory=list)
    """A chat model's steps from here to the goal, when it was asked for them (loop/subgoals.py)."""
    subgoal: str = ""
    """The subgoal of the plan this step served (the first one not reached yet)."""


@dataclass(frozen=True)
class Subgoal:
    """One part of a subtask's plan (loop/subgoals.py). key: the app (open) or the kinds of field,
    comma-separated, that take its value (fill: "name,title,label")."""

    text: str
    kind: Literal["open", "step", "fill", "change", "read", "finish"]
    key: str = ""
    done: bool = False


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
    report: FailureReport | None = None
    """For a failure: what was tried, where it got stuck, the last screen (`failure_report`)."""


class CloudStep(BaseModel):
    """What the cloud tier must answer for one step."""

    thought: str = Field("", description="One sentence: why this action.")
    action: Action
    plan: list[str] = Field(
        default_factory=list,
        description="Only when the prompt asks for it: up to 6 short steps from here to the goal,"
        " each naming a screen, tab or control to reach.",
    )


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
    hint: str | None = None
    """The replanner's advice for a fresh try ("relaunch Contacts before the first step"); never goal text."""


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
    fresh_done: bool
    unsure_step: bool
    """The last action was a model's unsure choice: the reflector may look at where it led."""
    """The retry hint's fresh start (home, relaunch) is behind us."""
    """The skill being replayed (skills.replay): its name, values, next step, and why it ended."""
    subgoals: list[Subgoal]
    """The subgoal planner's plan, judged again at each observation (loop/subgoals.py)."""
    notes: dict[str, str]
    """What the notetaker read on screens so far, by output name (loop/notes.py)."""
    recorded: list[dict[str, Any]]
    """Each step taken as a skill step (skills.record) with the screen's digest: what a verified run teaches."""


_KINDS: list[tuple[re.Pattern[str], FailureKind]] = [
    (re.compile(r"^not done: there is no .+ app on "), "missing_app"),
    (re.compile(r"^the step budget of \d+ ran out"), "step_budget"),
    (re.compile(r"^stuck\b"), "stuck"),
    (re.compile(r"^(not sure what the request means|could not work out what the request means)"), "not_understood"),
    (
        re.compile(
            r"^(needs the user|no answer (within .+ )?to the question|not done: you (declined|chose none))"
            r"|nobody is here to confirm|the request must say|the form wants a date"
        ),
        "needs_user",
    ),
    (re.compile(r"^not done: "), "refused_by_app"),
]
"""How the loop words each way it fails (`GuiAgent._failed` callers), first match wins."""


_CLOCK_OR_DATE = re.compile(r"^(?:[\d:.\s]+(?:am|pm)?|(?:mon|tue|wed|thu|fri|sat|sun)\w*,?\s.*)$", re.I)
"""A home screen's clock or date is no screen title."""


def failure_kind(why: str) -> FailureKind:
    """The machine-readable kind of a failure the loop worded as `why`."""
    low = why.lower()
    return next((kind for pattern, kind in _KINDS if pattern.search(low)), "other")


def failure_report(why: str, obs: Observation | None, trail: list[str], privacy: Privacy) -> FailureReport:
    """What a replanner needs from a failed run: kind, the last steps, where, and the screen as short text.

    The screen text stays on the device (empty) for a private subtask, a secure screen or one
    showing sensitive data, as step records are masked; a password field's text is always masked.
    """
    kind = failure_kind(why)
    app = obs.foreground_app if obs is not None else ""
    if kind == "missing_app" and (m := re.search(r"there is no (.+?) app on ", why)):
        app = m.group(1)
    if obs is None:
        return FailureReport(kind=kind, reason=why, tried=trail[-REPORT_STEPS:], app=app)
    # The status and navigation bars say nothing about where the run got stuck; a label made
    # of a resource id only ("parentPanel") says nothing to a reader.
    labels = [
        e for e in obs.elements if (e.text or e.description).strip() and "systemui:" not in e.resource_id
    ]
    headings = sorted(
        (e for e in labels if e.text and not (e.clickable or e.editable or _CLOCK_OR_DATE.match(e.text.strip()))),
        key=lambda e: e.bounds.top,
    )
    title = headings[0].text.strip() if headings else ""
    hidden = privacy == "private" or obs.secure or screen_reason(obs) is not None
    where = " — ".join(p for p in (obs.foreground_app or "the home screen", "" if hidden else title) if p)
    shown = [MASK if e.password else (e.text or e.description).strip() for e in labels]
    screen = "" if hidden else _screen_text(shown)
    tried = trail[-REPORT_STEPS:]
    return FailureReport(kind=kind, reason=why, tried=tried, stuck_at=where, app=app, last_screen=screen)


def _screen_text(labels: list[str]) -> str:
    """The labels once each, in screen order, within `SCREEN_CHARS`."""
    out = " | ".join(dict.fromkeys(" ".join(label.split()) for label in labels))
    return out if len(out) <= SCREEN_CHARS else out[: SCREEN_CHARS - 1] + "…"
