"""Every message of the agent protocol, as pydantic v2 models in one discriminated union.

Envelope fields (on every message): `v` protocol version, `id` unique message id,
`seq` per-direction counter (0 for the connection-level `hello`/`welcome`), `ack`
last `seq` received from the peer, `ts` send time (Unix seconds), `corr` the id of
the message this one answers.

Devices dial the orchestrator: `hello` -> `welcome`, then `assign` / `accept` /
`progress` / `result` and the rest. A dropped connection is not a failed subtask;
see `protocol.session` for how both sides resume.
"""

from __future__ import annotations

import time
import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

PROTOCOL_VERSION = 1

Tier = Literal["local", "cloud", "rule"]
"""Who decided a step: the on-device model, a cloud model, or deterministic grounding."""
TierPolicy = Literal["auto", "local-only", "cloud-only"]
Privacy = Literal["normal", "private"]
ResultStatus = Literal["succeeded", "failed", "cancelled"]
QuestionKind = Literal["question", "confirm", "choice"]
"""question: free text (a missing value); confirm: yes/no before an irreversible action;
choice: pick one of `options` (several matches for a name)."""
ConfirmPolicy = Literal["ask", "allow"]
"""ask: irreversible actions (send, delete, pay, ...) wait for the user's yes; allow: pre-approved (--yes)."""
FailureKind = Literal[
    "missing_app", "refused_by_app", "step_budget", "stuck", "needs_user", "device_lost", "not_understood", "other"
]
"""Why a subtask failed, for a replanner to act on: the device lacks the app; the app said no; the step
budget ran out; no way forward on the screen; only the user can go on; the device went away; the
agent could not work out what the request means here; anything else."""


def new_id() -> str:
    """A fresh message or session id."""
    return uuid.uuid4().hex


class Envelope(BaseModel):
    """Fields every message carries."""

    model_config = ConfigDict(extra="forbid")

    v: int = Field(PROTOCOL_VERSION, description="Protocol version.")
    id: str = Field(default_factory=new_id, description="Unique message id.")
    seq: int = Field(0, ge=0, description="Per-direction sequence number; 0 = not sequenced.")
    ack: int = Field(0, ge=0, description="Last seq received from the peer.")
    ts: float = Field(default_factory=time.time, description="Send time, Unix seconds.")
    corr: str | None = Field(None, description="Id of the message this one answers.")


class DeviceProfile(BaseModel):
    """A device as the orchestrator's registry sees it (mirrors devices.base.DeviceInfo)."""

    id: str
    kind: Literal["phone", "browser", "desktop"]
    platform: str = ""
    screen_width: int = 0
    screen_height: int = 0
    capabilities: list[str] = Field(default_factory=list)
    apps: list[str] = Field(default_factory=list)


class Resume(BaseModel):
    """What a reconnecting agent knows about its previous session."""

    session_id: str
    last_seq: int = Field(ge=0, description="Last seq the agent received from the orchestrator.")


class Budget(BaseModel):
    """Limits one subtask runs under."""

    max_steps: int = Field(15, ge=1)
    max_cost_usd: float = Field(0.05, ge=0)


# --- agent -> orchestrator -------------------------------------------------


class Hello(Envelope):
    """First message on every connection: who the agent is and what it drives."""

    type: Literal["hello"] = "hello"
    agent_id: str
    token: str | None = Field(None, description="Credential, if the orchestrator asks for one.")
    devices: list[DeviceProfile]
    resume: Resume | None = None
    running: list[str] = Field(default_factory=list, description="Subtask ids still running.")


class Accept(Envelope):
    """The agent takes the assigned subtask."""

    type: Literal["accept"] = "accept"
    subtask_id: str


class FailureReport(BaseModel):
    """What a failed subtask tried and where it got stuck: what a replanner works from.

    `last_screen` is the screen's labels as short text; it is empty for a private subtask,
    a secure screen or one showing sensitive data (such a report may reach a cloud model).
    """

    kind: FailureKind = "other"
    reason: str = Field("", description="Why it failed, in words.")
    tried: list[str] = Field(default_factory=list, description="The last steps taken, oldest first.")
    stuck_at: str = Field("", description="Where: the app and the screen's title.")
    app: str = Field("", description="The app it was in, or for missing_app the app the device lacks.")
    last_screen: str = Field("", description="The last screen's labels, bounded; empty when it may not leave.")
    subgoal: str = Field("", description="The part of the subtask's plan it was on, and how many parts it reached.")


class Reject(Envelope):
    """The agent cannot take the assigned subtask."""

    type: Literal["reject"] = "reject"
    subtask_id: str
    reason: str


class Progress(Envelope):
    """One step of a running subtask."""

    type: Literal["progress"] = "progress"
    subtask_id: str
    step: int = Field(ge=1)
    action: dict[str, Any] = Field(description="The Action taken, as JSON.")
    summary: str = Field("", description="The action in words.")
    tier: Tier
    why: str = Field("", description="Why that tier decided the step.")
    tokens: int = 0
    cost_usd: float = 0.0
    latency_ms: float = 0.0
    thumbnail_png_b64: str | None = None
    subgoal: str = Field("", description="The part of the subtask's plan this step served.")


class Question(Envelope):
    """The agent needs the user to answer before it can go on."""

    type: Literal["question"] = "question"
    subtask_id: str
    question: str
    kind: QuestionKind = "question"
    options: list[str] = Field(default_factory=list, description="For choice: the answers to pick from.")
    deadline_s: float | None = Field(None, description="Seconds the agent waits for an answer before it fails.")
    secret: bool = Field(
        False,
        description="The answer is a password or PIN: show the input hidden, and never record or show its text.",
    )


class Result(Envelope):
    """How a subtask ended, with its named outputs."""

    type: Literal["result"] = "result"
    subtask_id: str
    status: ResultStatus
    outputs: dict[str, str] = Field(default_factory=dict)
    summary: str = ""
    error: str | None = None
    steps: int = 0
    cost_usd: float = 0.0
    verified: bool | None = Field(
        None,
        description="succeeded only: True when a check saw the goal's effect on the device, False when it could not"
        " be observed (the summary says why: 'done, unverified: ...').",
    )
    final: bool = Field(
        False,
        description="failed only: the user declined, or must answer or decide; retrying or replanning cannot help.",
    )
    report: FailureReport | None = Field(None, description="failed only: what was tried and where it got stuck.")


class Ack(Envelope):
    """Acknowledges received messages when there is nothing else to send."""

    type: Literal["ack"] = "ack"


# --- orchestrator -> agent -------------------------------------------------


class Welcome(Envelope):
    """The orchestrator's answer to `hello`."""

    type: Literal["welcome"] = "welcome"
    session_id: str
    resumed: list[str] = Field(default_factory=list, description="Subtasks carried over.")
    last_seq: int = Field(0, ge=0, description="Last seq the orchestrator received from this session.")
    key: str | None = Field(
        None, description="A device key just issued for an enrolment token; present it on every later hello."
    )


class Assign(Envelope):
    """Run this subtask on this device."""

    type: Literal["assign"] = "assign"
    subtask_id: str
    task_id: str
    device_id: str
    goal: str
    inputs: dict[str, str] = Field(default_factory=dict)
    outputs: list[str] = Field(default_factory=list, description="Output names to fill in.")
    privacy: Privacy = "normal"
    budget: Budget = Field(default_factory=Budget)
    deadline_s: float | None = Field(None, description="Seconds the subtask may take.")
    tier_policy: TierPolicy = "auto"
    confirm: ConfirmPolicy = Field("ask", description="Whether irreversible actions need the user's confirmation.")
    attempt: int = 1
    hint: str | None = Field(
        None, description="How a retry should start (e.g. relaunch the app first); never part of the goal text."
    )


class Cancel(Envelope):
    """Stop a running subtask."""

    type: Literal["cancel"] = "cancel"
    subtask_id: str
    reason: str = ""


class Answer(Envelope):
    """The user's answer to a `question` (corr = the question's id)."""

    type: Literal["answer"] = "answer"
    subtask_id: str
    text: str


class Error(Envelope):
    """Something the peer sent was wrong; names the field where it can."""

    type: Literal["error"] = "error"
    code: str
    message: str
    field: str | None = None


Message = Annotated[
    Hello | Accept | Reject | Progress | Question | Result | Ack | Welcome | Assign | Cancel | Answer | Error,
    Field(discriminator="type"),
]

AGENT_TO_ORCHESTRATOR = frozenset({"hello", "accept", "reject", "progress", "question", "result", "ack", "error"})
ORCHESTRATOR_TO_AGENT = frozenset({"welcome", "assign", "cancel", "answer", "ack", "error"})
UNSEQUENCED = frozenset({"hello", "welcome", "ack", "error"})
"""Connection-level messages: not numbered, not replayed."""
