"""The three tiers that can decide one step: text grounding (rule), the local model, the cloud model.

`decide_step` picks a candidate action for one screen: grounding alone when the
goal names the action clearly, else the tier the router picks. Every record says
whether its action is *settled* — grounded, chosen by a confident model — because
an unsettled step may only look around, never change what the user keeps.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from pydantic import ValidationError

from ..devices.base import Done, Fail, Observation, describe_action
from .grounding import Candidate, Goal
from .models import ChatModel, ModelError, ModelUnavailable
from .prompts import cloud_messages
from .ranking import Method, rank_candidates
from .records import CloudStep, StepRecord, SubtaskSpec
from .router import Step, route, sensitive_reason

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


class Tiers:
    """The models one agent can ask, and the routing between them."""

    def __init__(
        self,
        local: ChatModel | None,
        cloud: ChatModel | None,
        *,
        confidence_threshold: float = 0.5,
        ranking: Method = "channel",
    ) -> None:
        self.local = local
        self.cloud = cloud
        self.confidence_threshold = confidence_threshold
        self.ranking: Method = ranking
        self._cloud_down_until = 0.0

    def cloud_reachable(self) -> bool:
        """A cloud model is configured and has not just proved unreachable."""
        return self.cloud is not None and time.monotonic() >= self._cloud_down_until

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
            sensitive=sensitive_reason([e.text for e in obs.elements if e.text]),
            local_available=self.local is not None,
            cloud_available=self.cloud_reachable(),
            budget_left_usd=spec.budget.max_cost_usd - ctx.cost_usd,
            stuck=ctx.stuck,
            confidence_threshold=self.confidence_threshold,
        )
        decision = route(base)
        if decision.tier == "blocked":
            no_model = self.local is None and not base.cloud_available
            if no_model and spec.tier_policy == "auto":
                # No model to ask at all: the text match (on the device, so private screens too)
                # may look around, and change nothing unless the goal names it.
                best = cands[0]
                return StepRecord(
                    step,
                    best.action,
                    describe_action(best.action, obs),
                    "rule",
                    f"no model available; best text match (score {best.score:.1f}, margin {margin:.1f})",
                    settled=False,
                )
            action = Fail(reason=decision.reason)
            return StepRecord(step, action, describe_action(action, obs), "rule", decision.reason)
        if decision.tier == "local" and self.local is not None:
            record = await self._local(step, goal, obs, cands, decision.reason)
            if record is None:
                fail = Fail(reason=f"nothing to do on {obs.foreground_app or 'this screen'} and the goal is not done")
                return StepRecord(step, fail, describe_action(fail, obs), "rule", "no candidate action")
            confident = route(Step(**{**base.__dict__, "local_confidence": record.confidence}))
            if confident.tier != "cloud":
                return record
            decision = confident
        try:
            return await self._cloud(spec, step, obs, ctx.history, decision.reason)
        except ModelError as exc:
            if isinstance(exc, ModelUnavailable):  # do not wait on a dead cloud at every step
                self._cloud_down_until = time.monotonic() + CLOUD_RETRY_AFTER_S
            log.warning("cloud step failed, falling back to the best text match: %s", exc)
            best = cands[0]
            return StepRecord(
                step,
                best.action,
                describe_action(best.action, obs),
                "rule",
                f"cloud failed ({exc}); best text match",
                settled=False,
            )

    async def _local(
        self, step: int, goal: Goal, obs: Observation, cands: list[Candidate], why: str
    ) -> StepRecord | None:
        assert self.local is not None
        # Finishing is for the goal check or the cloud: a small model's "done" is a guess, and a
        # wrong one would report work that never happened.
        top = [c for c in cands if not isinstance(c.action, Done)][:RANK_TOP_K]
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

    async def _cloud(self, spec: SubtaskSpec, step: int, obs: Observation, history: list[str], why: str) -> StepRecord:
        assert self.cloud is not None
        completion = await self.cloud.complete(cloud_messages(spec, obs, history), schema=CloudStep)
        try:
            parsed = (
                completion.parsed
                if isinstance(completion.parsed, CloudStep)
                else (CloudStep.model_validate_json(completion.text))
            )
        except ValidationError as exc:
            raise ModelError(f"{self.cloud.name} answered no valid action: {exc}") from exc
        action = parsed.action
        target = getattr(action, "target", None)
        if target is not None and target.element is not None and obs.element(target.element) is None:
            raise ModelError(f"{self.cloud.name} chose element {target.element}, which is not on screen")
        return StepRecord(
            step,
            action,
            describe_action(action, obs),
            "cloud",
            f"{why}; {parsed.thought}".strip("; "),
            tokens=completion.tokens_in + completion.tokens_out,
            cost_usd=completion.cost_usd,
        )
