"""Which tier decides a step: `route(step) -> Decision`, pure and logged.

Order of signals (ARCHITECTURE.md): privacy gate, availability and budget (the
subtask's and the day's), task state, then the cascade (a confident local proposal
stands; an unsure one goes to the cloud, and control returns local after that step).

A self-hosted endpoint the user marked private counts as on-device: private steps,
local-only runs and steps the cloud may not take escalate to it ("private") instead
of the cloud.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ...privacy.rules import NO_RULES, PrivacyRules
from ...privacy.screen import text_reason
from ...protocol.messages import TierPolicy

__all__ = ["NO_RULES", "Decision", "PrivacyRules", "RouteTier", "Step", "route", "sensitive_reason"]

RouteTier = Literal["local", "private", "cloud", "blocked"]
"""local: the in-process model ranks (or grounding decides); private: the user's private
endpoint answers like the cloud tier; cloud: the cloud model; blocked: nobody may."""


def sensitive_reason(texts: list[str], rules: PrivacyRules = NO_RULES) -> str | None:
    """Why this screen text is sensitive, or None: a sensitive *value* (privacy/values.py) or a
    user rule, never a word such as "password" on a label or a help page.

    Deterministic: never ask an LLM whether data may go to an LLM. `Tiers` gates on the
    whole screen (`privacy.screen.screen_reason`: password fields, sensitive apps too)."""
    return text_reason(texts, rules)


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
    private_model_available: bool = False
    """A self-hosted endpoint marked private can answer: it counts as on-device."""
    daily_cloud_usd: float | None = None
    """The day's cloud budget across tasks; None: no daily cap."""
    daily_spent_usd: float = 0.0
    """What the cloud has cost today so far."""


@dataclass(frozen=True)
class Decision:
    """The tier that decides the step, and why (shown to the user)."""

    tier: RouteTier
    reason: str


def route(step: Step) -> Decision:
    """Pick the tier for one step. Rules, in order:

    1. privacy: a private subtask, secure screen or sensitive text stays on the device
       (the private endpoint when the local model is unsure, stuck or absent), else blocked;
    2. policy local-only: the same, without the privacy reason;
    3. policy cloud-only: the cloud, unless it is missing or a budget is spent (blocked);
    4. budget: no cloud, a spent subtask budget or a spent day's budget keep the step on the device;
    5. no local ranker: the private endpoint if there is one, else the cloud;
    6. stuck: the cloud takes this step;
    7. cascade: a local proposal below the confidence threshold goes to the cloud;
    8. otherwise the step is routine and stays local.
    """
    private = step.private_subtask or step.secure_screen or step.sensitive
    if private:
        why = (
            "private subtask"
            if step.private_subtask
            else "secure screen"
            if step.secure_screen
            else str(step.sensitive)
        )
        return _on_device(step, f"privacy: {why} stays on the device") or Decision(
            "blocked", f"privacy: {why} may not go to the cloud and no local model is loaded"
        )
    if step.policy == "local-only":
        return _on_device(step, "policy local-only") or Decision(
            "blocked", "policy local-only but no local model is loaded"
        )
    spent = _budget_spent(step)
    if step.policy == "cloud-only":
        if not step.cloud_available:
            return Decision("blocked", "policy cloud-only but no cloud model is configured")
        if spent is not None:
            return Decision("blocked", f"policy cloud-only but the {spent}")
        return Decision("cloud", "policy cloud-only")
    if not step.cloud_available or spent is not None:
        if not step.cloud_available:
            reason = "no cloud model configured"
        elif spent is not None and spent.startswith("daily"):
            reason = f"{spent}; steps stay local until tomorrow"
        else:
            reason = "cloud budget spent"
        return _on_device(step, reason) or Decision(
            "blocked", f"no local model, and no cloud model or budget ({reason})"
        )
    if not step.local_available:
        if step.private_model_available:
            return Decision("private", "no local model loaded; the private endpoint decides")
        return Decision("cloud", "no local model loaded")
    if step.stuck:
        return Decision("cloud", "stuck: the screen stopped changing; escalating this step")
    if step.local_confidence is not None and step.local_confidence < step.confidence_threshold:
        return Decision("cloud", f"local confidence {step.local_confidence:.2f} below {step.confidence_threshold}")
    return Decision("local", "routine step")


def _budget_spent(step: Step) -> str | None:
    """Which cloud budget cannot pay for one more step, in words; None when both can."""
    if step.daily_cloud_usd is not None and step.daily_cloud_usd - step.daily_spent_usd < step.est_cloud_cost_usd:
        return f"daily cloud budget of ${step.daily_cloud_usd:.2f} spent"
    if step.budget_left_usd < step.est_cloud_cost_usd:
        return "subtask's cloud budget is spent"
    return None


def _on_device(step: Step, why: str) -> Decision | None:
    """The step on the user's own hardware: the local ranker, or the private endpoint when the
    ranker is unsure, the agent is stuck or there is no ranker. None when neither exists."""
    unsure = step.local_confidence is not None and step.local_confidence < step.confidence_threshold
    if step.private_model_available and (step.stuck or unsure or not step.local_available):
        trigger = (
            "stuck"
            if step.stuck
            else f"local confidence {step.local_confidence:.2f} below {step.confidence_threshold}"
            if unsure
            else "no local model loaded"
        )
        return Decision("private", f"{why}; {trigger}: the private endpoint decides")
    if step.local_available:
        return Decision("local", why)
    return None
