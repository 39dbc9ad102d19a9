"""The GUI agent loop for one subtask on one device, as a langgraph graph:

    observe -> decide -> act -> observe ... -> finish

`decide` grounds the goal in the screen deterministically first; what text cannot
settle goes to the tier the router picks (local model ranks candidates, cloud
model writes an action). `act` carries the action out and records whether the
screen changed, which feeds the router's "stuck" signal on the next step.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal, TypedDict

from langgraph.graph import END, START, StateGraph
from pydantic import BaseModel, Field, ValidationError

from ..devices.base import (
    TERMINAL_KINDS,
    Action,
    AskUser,
    Device,
    Done,
    Fail,
    Observation,
    TypeText,
    describe_action,
)
from ..protocol.messages import Budget, Privacy, TierPolicy
from .grounding import Candidate, Goal, candidates, extract_answer, history_entry, parse_goal, satisfied
from .models import ChatModel, ModelError, ModelUnavailable
from .ranking import Method, rank_candidates
from .router import Step, route, sensitive_reason

log = logging.getLogger(__name__)

RULE_MIN_SCORE = 1.0
RULE_MIN_MARGIN = 0.5
"""Text grounding decides alone when its best candidate is this good and this clear."""
RANK_TOP_K = 8
MAX_VISITS = 3
"""Seeing the same screen more often than this, with no cloud to escalate to, ends the run."""
CLOUD_RETRY_AFTER_S = 60.0
"""After the cloud proved unreachable, steps stay local this long before trying it again."""
REDACTED = "•••"


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


@dataclass
class LoopResult:
    """How the loop ended."""

    status: Literal["succeeded", "failed"]
    summary: str
    outputs: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    steps: int = 0
    cost_usd: float = 0.0


class CloudStep(BaseModel):
    """What the cloud tier must answer for one step."""

    thought: str = Field("", description="One sentence: why this action.")
    action: Action


@dataclass
class SubtaskSpec:
    """The agent's view of an assigned subtask."""

    goal: str
    inputs: dict[str, str] = field(default_factory=dict)
    outputs: list[str] = field(default_factory=list)
    privacy: Privacy = "normal"
    budget: Budget = field(default_factory=Budget)
    tier_policy: TierPolicy = "auto"


class LoopState(TypedDict, total=False):
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
    visits: dict[str, int]
    """How often each screen (by digest) was seen."""
    """How often each action was taken on each screen (digest|action): loops cost score."""


OnStep = Callable[[StepRecord], Awaitable[None]]
AskFn = Callable[[str], Awaitable[str]]


class GuiAgent:
    """Runs subtasks on one device with a local model, a cloud model, both or neither."""

    def __init__(
        self,
        device: Device,
        *,
        local: ChatModel | None = None,
        cloud: ChatModel | None = None,
        confidence_threshold: float = 0.5,
        ranking: Method = "channel",
    ) -> None:
        self.device = device
        self.ranking: Method = ranking
        self._cloud_down_until = 0.0
        self.local = local
        self.cloud = cloud
        self.confidence_threshold = confidence_threshold
        self._graph = self._build()

    def _build(self) -> Any:
        g: StateGraph[LoopState] = StateGraph(LoopState)
        g.add_node("observe", self._observe)
        g.add_node("decide", self._decide)
        g.add_node("act", self._act)
        g.add_edge(START, "observe")
        g.add_edge("observe", "decide")
        g.add_conditional_edges("decide", _after_decide, {"act": "act", "finish": END})
        g.add_conditional_edges("act", _after_act, {"observe": "observe", "finish": END})
        return g.compile()

    async def run(self, spec: SubtaskSpec, *, on_step: OnStep | None = None, ask: AskFn | None = None) -> LoopResult:
        """Work on `spec` until done, failed or out of steps."""
        self._spec, self._goal = spec, parse_goal(spec.goal, spec.inputs)
        self._on_step, self._ask = on_step, ask
        state: LoopState = {
            "step": 0,
            "unchanged": 0,
            "failures": 0,
            "history": [],
            "pending": None,
            "result": None,
            "cost_usd": 0.0,
            "prev_digest": "",
        }
        final = await self._graph.ainvoke(state, {"recursion_limit": spec.budget.max_steps * 3 + 10})
        result: LoopResult | None = final.get("result")
        if result is None:  # pragma: no cover - every path to END sets a result
            result = LoopResult("failed", "the loop ended without a result", error="internal")
        return result

    # nodes -------------------------------------------------------------------------

    async def _observe(self, state: LoopState) -> LoopState:
        obs = await self.device.observe()
        unchanged = state["unchanged"] + 1 if obs.digest == state.get("prev_digest") else 0
        visits = dict(state.get("visits", {}))
        visits[obs.digest] = visits.get(obs.digest, 0) + 1
        return {"obs": obs, "unchanged": unchanged, "visits": visits}

    async def _decide(self, state: LoopState) -> LoopState:
        spec, goal, obs = self._spec, self._goal, state["obs"]
        step = state["step"] + 1
        if step > spec.budget.max_steps:
            return {
                "result": self._result(
                    "failed", f"step budget of {spec.budget.max_steps} spent", state, error="step budget spent"
                )
            }
        cloud_usable = self._cloud_reachable() and spec.privacy != "private"
        if state.get("visits", {}).get(obs.digest, 0) > MAX_VISITS and not cloud_usable:
            # Going round in circles with nobody stronger to ask: stop early and say so.
            why = (
                f"stuck: back on the same {obs.foreground_app or 'home'} screen {MAX_VISITS + 1} times;"
                " the goal may need more detail (what to type, which item)"
            )
            return {"result": self._result("failed", why, state, error=why)}
        start = time.perf_counter()
        # cloud-only means the cloud model decides every step, text grounding included.
        done_reason = satisfied(goal, obs, state["history"]) if spec.tier_policy != "cloud-only" else None
        if done_reason:
            action: Action = Done(answer=done_reason, why="the screen shows the goal done")
            return {
                "pending": StepRecord(step, action, describe_action(action, obs), "rule", "goal check: " + done_reason),
                "step": step,
            }
        cands = candidates(goal, obs, self.device.info.apps, state["history"])
        tried = state.get("tried", {})
        for c in cands:  # what was done on this very screen before and led back here: try something else
            c.score -= tried.get(f"{obs.digest}|{history_entry(c.action, obs)}", 0)
        cands.sort(key=lambda c: c.score, reverse=True)

        record = await self._choose(step, goal, obs, cands, state)
        record.latency_ms = (time.perf_counter() - start) * 1000
        return {"pending": record, "step": step}

    async def _choose(
        self, step: int, goal: Goal, obs: Observation, cands: list[Candidate], state: LoopState
    ) -> StepRecord:
        spec = self._spec
        margin = cands[0].score - cands[1].score if len(cands) > 1 else 9.0
        stuck = state["unchanged"] >= 2 or state["failures"] >= 2
        grounded = cands[0].score >= RULE_MIN_SCORE and margin >= RULE_MIN_MARGIN and not stuck
        if grounded and spec.tier_policy != "cloud-only":
            best = cands[0]
            return StepRecord(
                step,
                best.action,
                describe_action(best.action, obs),
                "rule",
                f"the goal names it (score {best.score:.1f}, margin {margin:.1f})",
            )
        texts = [e.text for e in obs.elements if e.text]
        base = Step(
            policy=spec.tier_policy,
            private_subtask=spec.privacy == "private",
            secure_screen=obs.secure,
            sensitive=sensitive_reason(texts),
            local_available=self.local is not None,
            cloud_available=self._cloud_reachable(),
            budget_left_usd=spec.budget.max_cost_usd - state["cost_usd"],
            stuck=stuck,
            confidence_threshold=self.confidence_threshold,
        )
        decision = route(base)
        if decision.tier == "blocked":
            no_model = self.local is None and not base.cloud_available
            if no_model and spec.tier_policy == "auto" and not decision.reason.startswith("privacy"):
                best = cands[0]  # no model to ask at all: the text match is the best there is
                return StepRecord(
                    step, best.action, describe_action(best.action, obs), "rule", "no model available; best text match"
                )
            action = Fail(reason=decision.reason)
            return StepRecord(step, action, describe_action(action, obs), "rule", decision.reason)
        if decision.tier == "local" and self.local is not None:
            record = await self._local(step, goal, obs, cands, decision.reason)
            confident = route(Step(**{**base.__dict__, "local_confidence": record.confidence}))
            if confident.tier != "cloud":
                return record
            decision = confident
        try:
            return await self._cloud(step, obs, state, decision.reason)
        except ModelError as exc:
            if isinstance(exc, ModelUnavailable):  # do not wait on a dead cloud at every step
                self._cloud_down_until = time.monotonic() + CLOUD_RETRY_AFTER_S
            log.warning("cloud step failed, falling back to the best text match: %s", exc)
            best = cands[0]
            return StepRecord(
                step, best.action, describe_action(best.action, obs), "rule", f"cloud failed ({exc}); best text match"
            )

    async def _local(self, step: int, goal: Goal, obs: Observation, cands: list[Candidate], why: str) -> StepRecord:
        assert self.local is not None
        # Finishing is for the goal check or the cloud: a small model's "done" is a guess, and a
        # wrong one would report work that never happened.
        top = [c for c in cands if not isinstance(c.action, Done)][:RANK_TOP_K]
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
        )

    async def _cloud(self, step: int, obs: Observation, state: LoopState, why: str) -> StepRecord:
        assert self.cloud is not None
        messages = cloud_messages(self._spec, obs, state["history"])
        completion = await self.cloud.complete(messages, schema=CloudStep)
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

    async def _act(self, state: LoopState) -> LoopState:
        record, obs = state["pending"], state["obs"]
        assert record is not None
        if self._on_step:
            await self._on_step(self._reportable(record, obs))
        cost = state["cost_usd"] + record.cost_usd
        action = record.action
        entry = history_entry(action, obs)
        history = [*state["history"], entry]
        if isinstance(action, TypeText) and action.submit:
            history.append("submit:enter")
        tried = dict(state.get("tried", {}))
        tried[f"{obs.digest}|{entry}"] = tried.get(f"{obs.digest}|{entry}", 0) + 1
        update: LoopState = {
            "pending": None,
            "cost_usd": cost,
            "history": history,
            "prev_digest": obs.digest,
            "tried": tried,
        }
        if isinstance(action, Done):
            answer = action.answer or extract_answer(self._goal, obs)
            outputs = {name: answer for name in self._spec.outputs}
            outputs.update(action.outputs)
            update["result"] = LoopResult("succeeded", answer or "done", outputs, steps=record.step, cost_usd=cost)
        elif isinstance(action, Fail):
            update["result"] = LoopResult(
                "failed", action.reason, error=action.reason, steps=record.step, cost_usd=cost
            )
        elif isinstance(action, AskUser):
            if self._ask is None:
                update["result"] = LoopResult(
                    "failed",
                    f"needs the user: {action.question}",
                    error="a question nobody can answer here",
                    steps=record.step,
                )
            else:
                answer = await self._ask(action.question)
                update["history"] = [*history, f"user:{answer}"]
                self._goal = parse_goal(f"{self._spec.goal} (user says: {answer})", self._spec.inputs)
        else:
            outcome = await self.device.act(action)
            update["failures"] = 0 if outcome.ok else state["failures"] + 1
            if not outcome.ok:
                log.info("action %s failed: %s", record.summary, outcome.error)
        update["step"] = record.step
        return update

    def _cloud_reachable(self) -> bool:
        """A cloud model is configured and has not just proved unreachable."""
        return self.cloud is not None and time.monotonic() >= self._cloud_down_until

    def _reportable(self, record: StepRecord, obs: Observation) -> StepRecord:
        """The step as it may leave the device: text typed on a private subtask, a secure
        screen or a screen showing sensitive data is masked (the device got the real text)."""
        action = record.action
        texts = [e.text for e in obs.elements if e.text]
        private = self._spec.privacy == "private" or obs.secure or sensitive_reason(texts) is not None
        if not (private and isinstance(action, TypeText)):
            return record
        masked = action.model_copy(update={"text": REDACTED})
        return dataclasses.replace(record, action=masked, summary=describe_action(masked, obs))

    def _result(
        self, status: Literal["succeeded", "failed"], summary: str, state: LoopState, error: str | None = None
    ) -> LoopResult:
        return LoopResult(status, summary, error=error, steps=state["step"], cost_usd=state["cost_usd"])


def _after_decide(state: LoopState) -> str:
    return "finish" if state.get("result") is not None else "act"


def _after_act(state: LoopState) -> str:
    return "finish" if state.get("result") is not None else "observe"


def cloud_messages(spec: SubtaskSpec, obs: Observation, history: list[str]) -> list[dict[str, str]]:
    """The chat a cloud model sees for one step: goal, screen as text, history."""
    rows = []
    for e in obs.elements:
        flags = [f for f in ("clickable", "editable", "checkable", "checked", "scrollable") if getattr(e, f)]
        b = e.bounds
        rows.append(
            f"[{e.id}] {e.cls.rsplit('.', 1)[-1]} {e.label!r} ({b.left},{b.top},{b.right},{b.bottom}) "
            + " ".join(flags)
        )
    system = (
        "You operate a device's GUI one action at a time. Answer JSON {thought, action}; action.kind is"
        " one of tap, long_press, swipe, scroll, type_text, press_key, launch_app, wait, done, ask_user,"
        " fail. Targets are {element: id} from the list, or {x, y} in device pixels (origin top-left)."
    )
    user = (
        f"Goal: {spec.goal}\nInputs: {spec.inputs}\nApp: {obs.foreground_app}\n"
        f"Screen ({obs.screen_width}x{obs.screen_height}):\n" + "\n".join(rows) + f"\nDone so far: {history[-8:]}"
    )
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


__all__ = ["TERMINAL_KINDS", "CloudStep", "GuiAgent", "LoopResult", "StepRecord", "SubtaskSpec", "cloud_messages"]
