"""Which tier decides a step: `route(step) -> Decision`, pure and logged.

Order of signals (ARCHITECTURE.md): privacy gate, availability and budget, task
state, then the cascade (a confident local proposal stands; an unsure one goes to
the cloud, and control returns local after that step).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ..protocol.messages import TierPolicy

RouteTier = Literal["local", "cloud", "blocked"]

# Deterministic sensitivity rules: never ask an LLM whether data may go to an LLM.
_SENSITIVE = [
    (re.compile(r"\b(?:\d[ -]?){13,19}\b"), "a card-like number"),
    (re.compile(r"\b(?:otp|one[- ]time|verification|security) code\b", re.I), "a one-time code"),
    (re.compile(r"\b(?:password|passcode|pin code|cvv|iban)\b", re.I), "a credential"),
    (re.compile(r"\b\d{3}-\d{2}-\d{4}\b"), "an ID number"),
]


def sensitive_reason(texts: list[str]) -> str | None:
    """Why this screen text is sensitive, or None."""
    for text in texts:
        for pattern, what in _SENSITIVE:
            if pattern.search(text):
                return f"screen shows {what}"
    return None


@dataclass(frozen=True)
class Step:
    """What the router knows about the step about to be decided."""

    policy: TierPolicy = "auto"
    private_subtask: bool = False
    secure_screen: bool = False
    sensitive: str | None = None
    local_available: bool = True
    cloud_available: bool = False
    budget_left_usd: float = 0.0
    est_cloud_cost_usd: float = 0.002
    stuck: bool = False
    """The screen did not change after the last actions, or an action failed twice."""
    local_confidence: float | None = None
    """Margin of the local proposal, once the local tier proposed (cascade)."""
    confidence_threshold: float = 0.5


@dataclass(frozen=True)
class Decision:
    """The tier that decides the step, and why (shown to the user)."""

    tier: RouteTier
    reason: str


def route(step: Step) -> Decision:
    """Pick the tier for one step."""
    private = step.private_subtask or step.secure_screen or step.sensitive
    if private:
        why = (
            "private subtask"
            if step.private_subtask
            else "secure screen"
            if step.secure_screen
            else str(step.sensitive)
        )
        if step.local_available:
            return Decision("local", f"privacy: {why} stays on the device")
        return Decision("blocked", f"privacy: {why} may not go to the cloud and no local model is loaded")
    if step.policy == "local-only":
        return (
            Decision("local", "policy local-only")
            if step.local_available
            else Decision("blocked", "policy local-only but no local model is loaded")
        )
    cloud_ok = step.cloud_available and step.budget_left_usd >= step.est_cloud_cost_usd
    if step.policy == "cloud-only":
        if step.cloud_available and not cloud_ok:
            return Decision("blocked", "policy cloud-only but the budget is spent")
        return (
            Decision("cloud", "policy cloud-only")
            if step.cloud_available
            else Decision("blocked", "policy cloud-only but no cloud model is configured")
        )
    if not cloud_ok:
        if not step.local_available:
            return Decision("blocked", "no local model and no cloud model (or budget) available")
        reason = "no cloud model configured" if not step.cloud_available else "cloud budget spent"
        return Decision("local", reason)
    if not step.local_available:
        return Decision("cloud", "no local model loaded")
    if step.stuck:
        return Decision("cloud", "stuck: the screen stopped changing; escalating this step")
    if step.local_confidence is not None and step.local_confidence < step.confidence_threshold:
        return Decision("cloud", f"local confidence {step.local_confidence:.2f} below {step.confidence_threshold}")
    return Decision("local", "routine step")
