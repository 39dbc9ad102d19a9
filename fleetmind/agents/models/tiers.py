"""The three tiers that can decide one step: text grounding (rule), the local model, the cloud model.

`decide_step` picks a candidate action for one screen: grounding alone when the
goal names the action clearly, else the tier the router picks. Every record says
whether its action is *settled* — grounded, chosen by a confident model — because
an unsettled step may only look around, never change what the user keeps.

Besides the in-process ranker, the local tier may include a *private endpoint*: a
self-hosted OpenAI-compatible model the user marked private. The router sends it the
steps the ranker cannot settle when the cloud may not see them (or is absent); it
answers like the cloud tier (a `CloudStep`), and its records carry tier "local".
When the cloud or the private endpoint fails, the step falls back to the local
model's own choice (or the best text match) and its `why` says so.

Privacy: the router's gate reads the whole screen (`privacy.screen.screen_reason`:
sensitive values, password fields holding a value, sensitive apps). A step that may
go to the cloud has its sensitive values replaced by placeholders in the prompt and
restored in the action that comes back; its `why` and the audit log name the
redacted fields, never the values.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import ValidationError

from ...devices.base import Action, Done, Fail, Observation, describe_action
from ...privacy.audit import audit_redactions
from ...privacy.redaction import Redactor
from ...privacy.screen import screen_reason
from ..grounding import Candidate, Goal
from ..records import CloudStep, StepRecord, SubtaskSpec
from .base import ChatModel, ModelError, ModelUnavailable
from .prompts import cloud_messages
from .ranking import Method, rank_candidates
from .router import NO_RULES, Decision, PrivacyRules, Step, route
from .spend import DailySpend

__all__ = ["CLOUD_RETRY_AFTER_S", "RANK_TOP_K", "RULE_MIN_MARGIN", "RULE_MIN_SCORE", "Tiers"]

log = logging.getLogger(__name__)

RULE_MIN_SCORE = 1.0
RULE_MIN_MARGIN = 0.5
"""Text grounding decides alone when its best candidate is this good and this clear."""
RANK_TOP_K = 8
CLOUD_RETRY_AFTER_S = 60.0
"""After the cloud proved unreachable, steps stay local this long before trying it again."""


@dataclass
class StepContext:
    """What the tiers need to know about the step beyond the screen."""

    step: int
    history: list[str]
    cost_usd: float
    stuck: bool
    plan: str = ""
    """The subgoal plan with what is done (loop/subgoals.py): what a chat model is shown."""
    ask_plan: bool = False
    """The plan has no steps of a model's yet: a chat model asked for this step is asked for them too."""
    noted: dict[str, str] = dataclasses.field(default_factory=dict)
    """Facts noted on earlier screens (loop/notes.py)."""


class Tiers:
    """The models one agent can ask, and the routing between them."""

    def __init__(
        self,
        local: ChatModel | None,
        cloud: ChatModel | None,
        *,
        confidence_threshold: float = 0.5,
        ranking: Method = "channel",
        private: ChatModel | None = None,
        spend: DailySpend | None = None,
        privacy: PrivacyRules = NO_RULES,
        est_cloud_cost_usd: float = 0.002,
        retry_after_s: float = CLOUD_RETRY_AFTER_S,
    ) -> None:
        self.local = local
        self.cloud = cloud
        self.confidence_threshold = confidence_threshold
        self.ranking: Method = ranking
        self.private = private
        """A self-hosted model the user marked private: it may see private steps."""
        self.spend = spend
        """The day's cloud spend and cap, shared with every process on this machine."""
        self.privacy = privacy
        self.est_cloud_cost_usd = est_cloud_cost_usd
        self.retry_after_s = retry_after_s
        self.app_notes: Callable[[str], str] | None = None
        """The user's card for an app (memory/cards.py), put in a chat model's prompt; set by the agent."""
        self._cloud_down_until = 0.0
        self._private_down_until = 0.0

    def cloud_reachable(self) -> bool:
        """A cloud model is configured and has not just proved unreachable."""
        return self.cloud is not None and time.monotonic() >= self._cloud_down_until

    def private_reachable(self) -> bool:
        """A private endpoint is configured and has not just proved unreachable."""
        return self.private is not None and time.monotonic() >= self._private_down_until

    async def decide_step(
        self, spec: SubtaskSpec, goal: Goal, obs: Observation, cands: list[Candidate], ctx: StepContext
    ) -> StepRecord:
        """The step to take on `obs`: grounded, ranked locally, or written by the cloud."""
        step = ctx.step
        margin = cands[0].score - cands[1].score if len(cands) > 1 else 9.0
        grounded = cands[0].score >= RULE_MIN_SCORE and margin >= RULE_MIN_MARGIN and not ctx.stuck
        if grounded and spec.tier_policy != "cloud-only":
            best = cands[0]
            why = f"the goal names it (score {best.score:.1f}, margin {margin:.1f})"
            return StepRecord(step, best.action, describe_action(best.action, obs), "rule", why)
        base = Step(
            policy=spec.tier_policy,
            private_subtask=spec.privacy == "private",
            secure_screen=obs.secure,
            sensitive=screen_reason(obs, self.privacy),
            local_available=self.local is not None,
            cloud_available=self.cloud_reachable(),
            budget_left_usd=spec.budget.max_cost_usd - ctx.cost_usd,
            est_cloud_cost_usd=self.est_cloud_cost_usd,
            stuck=ctx.stuck,
            confidence_threshold=self.confidence_threshold,
            private_model_available=self.private_reachable(),
            daily_cloud_usd=self.spend.cap_usd if self.spend else None,
            daily_spent_usd=self.spend.spent_today() if self.spend and self.spend.cap_usd is not None else 0.0,
        )
        decision = route(base)
        if decision.tier == "blocked":
            no_model = self.local is None and not base.cloud_available and not base.private_model_available
            if no_model and spec.tier_policy == "auto":
                # No model to ask at all: the text match (on the device, so private screens too)
                # may look around, and change nothing unless the goal names it.
                why = f"no model available; best text match (score {cands[0].score:.1f}, margin {margin:.1f})"
                return _best_text_match(step, cands, obs, why)
            action = Fail(reason=decision.reason)
            return StepRecord(step, action, describe_action(action, obs), "rule", decision.reason)
        proposal: StepRecord | None = None
        if decision.tier == "local" and self.local is not None:
            proposal = await self._local(step, goal, obs, cands, decision.reason)
            if proposal is None:
                fail = Fail(reason=f"nothing to do on {obs.foreground_app or 'this screen'} and the goal is not done")
                return StepRecord(step, fail, describe_action(fail, obs), "rule", "no candidate action")
            confident = route(dataclasses.replace(base, local_confidence=proposal.confidence))
            if confident.tier not in ("cloud", "private"):
                return proposal
            decision = confident
        return await self._escalate(decision, spec, obs, ctx, cands, proposal)

    async def _escalate(
        self,
        decision: Decision,
        spec: SubtaskSpec,
        obs: Observation,
        ctx: StepContext,
        cands: list[Candidate],
        proposal: StepRecord | None,
    ) -> StepRecord:
        """Ask the cloud or the private endpoint; if it fails, keep the local proposal or the best
        text match, saying why (the note reaches the step's progress event)."""
        private = decision.tier == "private"
        model = self.private if private else self.cloud
        who = f"private endpoint {model.name}" if private and model is not None else "cloud"
        step = ctx.step
        try:
            assert model is not None
            return await self._structured(model, private, spec, obs, ctx, decision.reason)
        except ModelError as exc:
            if isinstance(exc, ModelUnavailable):  # do not wait on a dead server at every step
                until = time.monotonic() + self.retry_after_s
                if private:
                    self._private_down_until = until
                else:
                    self._cloud_down_until = until
            if proposal is not None:
                log.warning("%s step failed, keeping the local model's choice: %s", who, exc)
                return dataclasses.replace(proposal, why=f"{who} failed ({exc}); kept the local choice: {proposal.why}")
            log.warning("%s step failed, falling back to the best text match: %s", who, exc)
            return _best_text_match(step, cands, obs, f"{decision.reason}; {who} failed ({exc}); best text match")

    async def _local(
        self, step: int, goal: Goal, obs: Observation, cands: list[Candidate], why: str
    ) -> StepRecord | None:
        assert self.local is not None
        # Finishing is for the goal check or the cloud: a small model's "done" is a guess, and a
        # wrong one would report work that never happened.
        top = [c for c in cands if not isinstance(c.action, Done) and not c.veto][:RANK_TOP_K]
        if not top:
            return None
        if len(top) == 1:
            only = top[0]
            return StepRecord(
                step, only.action, describe_action(only.action, obs), "rule", f"{why}; the only option", settled=False
            )
        ranked = await rank_candidates(self.local, goal.text, obs, top, method=self.ranking)
        best = top[ranked.order[0]]
        return StepRecord(
            step,
            best.action,
            describe_action(best.action, obs),
            "local",
            f"{why}; {self.local.name} ranked {len(top)} candidates (margin {ranked.margin:.2f})",
            tokens=ranked.tokens,
            latency_ms=ranked.latency_ms,
            confidence=ranked.margin,
            settled=ranked.margin >= self.confidence_threshold,
        )

    async def _structured(
        self,
        model: ChatModel,
        private: bool,
        spec: SubtaskSpec,
        obs: Observation,
        ctx: StepContext,
        why: str,
    ) -> StepRecord:
        """One step written by a chat model as a `CloudStep` (the cloud, or the private endpoint)."""
        notes = self.app_notes(obs.foreground_app) if self.app_notes is not None else ""
        redactor = None if private else Redactor(self.privacy)  # the private endpoint is on-device
        messages = cloud_messages(
            spec, obs, ctx.history, notes, redactor, plan=ctx.plan, ask_plan=ctx.ask_plan, noted=ctx.noted
        )
        completion = await model.complete(messages, schema=CloudStep)
        step = ctx.step
        try:
            parsed = (
                completion.parsed
                if isinstance(completion.parsed, CloudStep)
                else (CloudStep.model_validate_json(completion.text))
            )
        except ValidationError as exc:
            raise ModelError(f"{model.name} answered no valid action: {exc}") from exc
        action = parsed.action
        if redactor is not None and redactor.redactions:
            action = _restored(action, redactor)
            audit_redactions(redactor, f"step {step}", model.name)
            why = f"{why}; redacted for the cloud: {redactor.summary()}"
        target = getattr(action, "target", None)
        if target is not None and target.element is not None and obs.element(target.element) is None:
            raise ModelError(f"{model.name} chose element {target.element}, which is not on screen")
        if private:
            why = f"{why}; private endpoint {model.name}"
        return StepRecord(
            step,
            action,
            describe_action(action, obs),
            "local" if private else "cloud",
            f"{why}; {parsed.thought}".strip("; "),
            tokens=completion.tokens_in + completion.tokens_out,
            cost_usd=0.0 if private else completion.cost_usd,
            latency_ms=completion.latency_ms,
            plan=parsed.plan,  # as written: placeholders stay placeholders in what is reported
        )


def _best_text_match(step: int, cands: list[Candidate], obs: Observation, why: str) -> StepRecord:
    """Grounding's best candidate when no model can be asked: it may look around, not settle a change."""
    best = cands[0]
    return StepRecord(step, best.action, describe_action(best.action, obs), "rule", why, settled=False)


def _restored(action: Action, redactor: Redactor) -> Action:
    """The cloud's action with this step's placeholders replaced by the values (typed text, answers)."""
    restored: Action = type(action).model_validate(redactor.restore_json(action.model_dump(mode="json")))
    return restored
