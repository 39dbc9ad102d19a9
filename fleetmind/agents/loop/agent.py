"""`GuiAgent`: the loop's graph (its nodes wired together), running and resuming it, and the nodes
that need the agent's device, models, skills and memory; self-contained node logic lives beside it."""

from __future__ import annotations

import dataclasses
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any, cast

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.types import Command, interrupt

from ...devices.base import Device, Done, Fail, LaunchApp, Observation, TypeText, describe_action
from ..checkpoints import memory_checkpointer
from ..grounding import Candidate, Goal, candidates, history_entry
from ..memory import ExplorationMemory, guide
from ..models import ChatModel
from ..models.ranking import Method
from ..models.tiers import StepContext, Tiers
from ..perception import OcrEnricher, resolve_ocr_targets
from ..questions import PendingQuestion
from ..records import LoopResult, LoopState, StepRecord, SubtaskSpec
from ..reflection import StepLog, recovery_action
from ..safety import confirmation_text, effect_of
from ..skills import SkillStore
from ..skills.learning import SkillLearning
from .asking import AskFn, take_answer
from .checks import verify
from .edges import after_act, after_ask, after_decide, after_observe, after_reflect, after_verify
from .gate import gate, in_another_app
from .goal import fresh_start, read_goal
from .notes import take_notes
from .reflect import reflect
from .results import failed, failure_result, reportable, seen_done, success
from .subgoals import current, has_steps, plan, progress, summary, with_steps

log = logging.getLogger(__name__)

OnStep = Callable[[StepRecord], Awaitable[None]]


class GuiAgent:
    """Runs subtasks on one device with a local model, a cloud model, both or neither.

    checkpointer: where the loop's state is kept at each question (langgraph); the
    default keeps it in memory, a persistent one (SQLite) lets `resume` continue a run
    after the host restarts. thumbnails: attach a small screenshot to each step that may
    leave the device (never for private subtasks, secure or sensitive screens).
    ocr: reads text from the screenshot when the element tree cannot be read (a canvas, a
    game); False turns it off, an `OcrEnricher` sets its language and limits (perception/enrich.py).
    skills: where verified runs are learned as skills and matching goals replay them
    (skills/); memory: what each app's screens offer, learned while working, and the
    user's app cards (memory/). Both None (the default): the agent neither learns nor replays.
    """

    def __init__(
        self,
        device: Device,
        *,
        local: ChatModel | None = None,
        cloud: ChatModel | None = None,
        confidence_threshold: float = 0.5,
        ranking: Method = "channel",
        checkpointer: BaseCheckpointSaver[Any] | None = None,
        thumbnails: bool = True,
        ocr: OcrEnricher | bool = True,
        skills: SkillStore | None = None,
        memory: ExplorationMemory | None = None,
    ) -> None:
        self.device = device
        self.skills = SkillLearning(skills) if skills is not None else None
        self.memory = memory
        self.ocr = ocr if isinstance(ocr, OcrEnricher) else OcrEnricher() if ocr else None
        self.tiers = Tiers(local, cloud, confidence_threshold=confidence_threshold, ranking=ranking)
        if memory is not None and memory.cards is not None:
            self.tiers.app_notes = memory.card_text  # the user's app cards reach chat models' prompts
        self.checkpointer = checkpointer or memory_checkpointer()
        self.thumbnails = thumbnails
        self._spec = SubtaskSpec(goal="")
        self._on_step: OnStep | None = None
        self._ask: AskFn | None = None
        self._goals: dict[tuple[tuple[str, str], ...], Goal] = {}
        self._today: date | None = None
        """The device's day, read once per run: what "tomorrow" or "June 5th" counts from."""
        self._graph = self._build()

    def use_checkpointer(self, checkpointer: BaseCheckpointSaver[Any]) -> None:
        """Keep the loop's state at questions in `checkpointer` from now on (the device host
        binds its SQLite checkpointer here, so questions outlive the host process)."""
        self.checkpointer = checkpointer
        self._graph = self._build()

    @property
    def local(self) -> ChatModel | None:
        """The local model, if any."""
        return self.tiers.local

    @property
    def cloud(self) -> ChatModel | None:
        """The cloud model, if any."""
        return self.tiers.cloud

    def _build(self) -> Any:
        g: StateGraph[LoopState] = StateGraph(LoopState)
        g.add_node("observe", self._observe)
        g.add_node("plan", self._plan)
        g.add_node("note", self._note)
        g.add_node("verify", self._verify)
        g.add_node("reflect", self._reflect)
        g.add_node("recover", self._recover)
        g.add_node("decide", self._decide)
        g.add_node("ask", self._ask_user)
        g.add_node("act", self._act)
        g.add_edge(START, "observe")
        g.add_conditional_edges("observe", after_observe, {"plan": "plan", "note": "note"})
        g.add_edge("plan", "note")
        g.add_edge("note", "verify")
        g.add_conditional_edges(
            "verify", after_verify, {"act": "act", "ask": "ask", "reflect": "reflect", "finish": END}
        )
        g.add_conditional_edges("reflect", after_reflect, {"recover": "recover", "decide": "decide", "finish": END})
        g.add_conditional_edges("recover", after_decide, {"act": "act", "ask": "ask", "finish": END})
        g.add_conditional_edges("decide", after_decide, {"act": "act", "ask": "ask", "finish": END})
        g.add_conditional_edges("ask", after_ask, {"act": "act", "decide": "decide", "finish": END})
        g.add_conditional_edges("act", after_act, {"observe": "observe", "finish": END})
        return g.compile(checkpointer=self.checkpointer)

    # running -----------------------------------------------------------------------

    async def run(
        self,
        spec: SubtaskSpec,
        *,
        on_step: OnStep | None = None,
        ask: AskFn | None = None,
        thread_id: str | None = None,
    ) -> LoopResult:
        """Work on `spec` until done, failed or out of steps.

        ask: how questions reach the user; without it, whatever needs the user fails
        with the reason instead. thread_id: the checkpoint thread (the subtask's id).
        """
        self._begin(spec, on_step, ask)
        state: LoopState = {
            "step": 0,
            "unchanged": 0,
            "failures": 0,
            "history": [],
            "pending": None,
            "result": None,
            "cost_usd": 0.0,
            "prev_digest": "",
            "question": None,
            "answers": {},
            "confirmed": [],
            "explored": 0,
            "verdict": None,
            "trail": [],
        }
        config = self._config(spec, thread_id or uuid.uuid4().hex)
        return await self._drive(await self._graph.ainvoke(state, config, durability="exit"), config)

    async def resume(
        self,
        spec: SubtaskSpec,
        thread_id: str,
        *,
        answer: str | None = None,
        on_step: OnStep | None = None,
        ask: AskFn | None = None,
    ) -> LoopResult:
        """Continue a run the checkpointer holds (its host restarted while it waited on the user).

        answer: the answer that arrived meanwhile; None asks the pending question again.
        """
        self._begin(spec, on_step, ask)
        config = self._config(spec, thread_id)
        snapshot = await self._graph.aget_state(config)
        pending = [i for task in snapshot.tasks for i in task.interrupts]
        if not pending:
            raise LookupError(f"no question is waiting in checkpoint thread {thread_id!r}; nothing to resume")
        if answer is None:
            answer = await self._put(PendingQuestion(**pending[0].value))
        return await self._drive(await self._graph.ainvoke(Command(resume=answer), config, durability="exit"), config)

    def _begin(self, spec: SubtaskSpec, on_step: OnStep | None, ask: AskFn | None) -> None:
        self._spec, self._on_step, self._ask, self._goals = spec, on_step, ask, {}
        self._today = None  # read again each run: a long-lived host outlives midnight

    # Checkpoints are written when the graph stops (at a question, or at the end), not after
    # every node: a question still survives a restart, and a step costs no serialisation.
    @staticmethod
    def _config(spec: SubtaskSpec, thread_id: str) -> dict[str, Any]:
        return {"configurable": {"thread_id": thread_id}, "recursion_limit": spec.budget.max_steps * 7 + 20}

    async def _drive(self, out: dict[str, Any], config: dict[str, Any]) -> LoopResult:
        while interrupts := out.get("__interrupt__"):
            answer = await self._put(PendingQuestion(**interrupts[0].value))
            out = await self._graph.ainvoke(Command(resume=answer), config, durability="exit")
        result: LoopResult | None = out.get("result")
        await self.checkpointer.adelete_thread(config["configurable"]["thread_id"])
        if result is None:  # pragma: no cover - every path to END sets a result
            result = LoopResult("failed", "the loop ended without a result", error="internal")
        if self.skills is not None:
            self.skills.finish(self._spec, self.goal_of(cast(LoopState, out)), out, result, self.device.info.kind)
        if self.memory is not None:
            self.memory.save()
        return result

    async def _put(self, question: PendingQuestion) -> str:
        if self._ask is None:  # pragma: no cover - decide only routes to ask when someone can answer
            return ""
        return (await self._ask(question)).strip()

    def goal_of(self, state: LoopState) -> Goal:
        """The goal as the request and the user's answers so far give it."""
        answers = state.get("answers", {})
        key = tuple(sorted(answers.items()))
        if key not in self._goals:
            self._goals[key] = read_goal(self._spec, answers, self._today)
        return self._goals[key]

    async def _look(self) -> Observation:
        """The device's observation, with text read from the screenshot when its tree cannot be read."""
        obs = await self.device.observe()
        return obs if self.ocr is None else await self.ocr.enrich(obs)

    async def _device_today(self) -> date | None:
        """The device's calendar day; None (days stay unread, the agent asks) when it cannot say."""
        try:
            return await self.device.today()
        except Exception as exc:  # a clock that cannot be read must not end the run
            log.info("could not read the device's date: %s", exc)
            return None

    # nodes -------------------------------------------------------------------------

    async def _observe(self, state: LoopState) -> LoopState:
        """Look at the screen, and log how the last action changed it."""
        obs = await self._look()
        if self._today is None:
            self._today = await self._device_today()
        unchanged = state["unchanged"] + 1 if obs.digest == state.get("prev_digest") else 0
        visits = dict(state.get("visits", {}))
        visits[obs.digest] = visits.get(obs.digest, 0) + 1
        update: LoopState = {"obs": obs, "unchanged": unchanged, "visits": visits}
        if (last := state.get("last")) is not None:
            log_entry = StepLog(last["digest"], obs.digest, last["entry"], last["ok"], last["app"], obs.foreground_app)
            update["logs"] = [*state.get("logs", []), log_entry]
            update["last"] = None
            if self.memory is not None and (before := state.get("obs")) is not None:
                self.memory.learn(before, state["last_action"], obs)
        return update

    async def _verify(self, state: LoopState) -> LoopState:
        """Does the screen show the goal done, refused, or in need of the user? Nothing here acts."""
        can_ask = self._ask is not None
        return verify(state, self.goal_of(state), self._spec, self.device.info, can_ask=can_ask, failed=self._failed)

    async def _reflect(self, state: LoopState) -> LoopState:
        """Cheap checks of the last step and the trajectory: go on, recover, escalate, or stop (reflect.py)."""
        info, goal = self.device.info, self.goal_of(state)
        return await reflect(state, goal, self._spec, info, self.tiers, failed=self._failed)

    async def _plan(self, state: LoopState) -> LoopState:
        """The subgoal planner: the goal as a short plan, each part with its check (subgoals.py)."""
        return {"subgoals": plan(self.goal_of(state), self.device.info)}

    async def _note(self, state: LoopState) -> LoopState:
        """The notetaker: what this screen shows for the outputs, and how far the plan has got (notes.py)."""
        goal, obs, history = self.goal_of(state), state["obs"], state["history"]
        notes = take_notes(goal, self._spec, obs, history, state.get("notes", {}))
        return {"notes": notes, "subgoals": progress(state.get("subgoals", []), obs, history, notes, goal)}

    async def _recover(self, state: LoopState) -> LoopState:
        """One read-only step back to where the goal can go on: dismiss, go back, reopen, start over."""
        obs, goal = state["obs"], self.goal_of(state)
        recoveries = state.get("recoveries", 0)
        found = recovery_action(state.get("recover") or "stuck", obs, goal, self.device.info.apps, recoveries)
        if found is None:
            return self._failed(state, f"stuck: {state.get('reflection') or 'no way forward'}")
        action, why = found
        step = state["step"] + 1
        record = StepRecord(step, action, describe_action(action, obs), "rule", f"{why}: {state.get('reflection')}")
        return {"pending": record, "step": step, "recoveries": recoveries + 1, "recover": None}

    async def _decide(self, state: LoopState) -> LoopState:
        """Pick the next action: grounding, or the tier the router picks; then the safety gate."""
        spec, obs, goal = self._spec, state["obs"], self.goal_of(state)
        step = state["step"] + 1
        start = time.perf_counter()
        if spec.hint and not state.get("fresh_done"):  # the replanner's advice for this try comes first
            fresh = fresh_start(spec.hint, self.device.info.apps, obs, state["history"])
            if fresh is not None:
                record = StepRecord(step, fresh, describe_action(fresh, obs), "rule", f"a fresh start: {spec.hint}")
                return {**self._gate(record, goal, [], state), "fresh_done": isinstance(fresh, LaunchApp)}
        replayed, replay = self.skills.propose(state, goal, obs, self.device.info) if self.skills else (None, None)
        if replayed is not None:  # a learned or written skill knows this step: no grounding, no model
            replayed.latency_ms = (time.perf_counter() - start) * 1000
            return {**self._gate(replayed, goal, [], state), "replay": replay, "fresh_done": True}
        cands = candidates(goal, obs, self.device.info.apps, state["history"])
        tried = state.get("tried", {})
        for c in cands:  # what was done on this very screen before and led back here: try something else
            c.score -= tried.get(f"{obs.digest}|{history_entry(c.action, obs)}", 0)
        if self.memory is not None:
            guide(goal, obs, cands, self.memory, self.memory.card(obs.foreground_app))
        cands.sort(key=lambda c: c.score, reverse=True)
        stuck = state["unchanged"] >= 2 or state["failures"] >= 2 or bool(state.get("escalate"))
        subgoals = state.get("subgoals", [])
        plan_text, notes = summary(subgoals), state.get("notes", {})
        ctx = StepContext(step, state["history"], state["cost_usd"], stuck, plan_text, not has_steps(subgoals), notes)
        record = await self.tiers.decide_step(spec, goal, obs, cands, ctx)
        record.latency_ms = (time.perf_counter() - start) * 1000
        if note := next((c.note for c in cands if c.action is record.action and c.note), ""):
            record.why = f"{record.why}; {note}"
        if (guess := in_another_app(record, goal, obs, self.device.info)) is not None:
            record.settled, record.why = False, f"{record.why}; but {guess}"
        update: LoopState = {**self._gate(record, goal, cands, state), "replay": replay, "fresh_done": True}
        if record.plan:  # a chat model said which screens lie between here and the goal
            update["subgoals"] = with_steps(subgoals, record.plan)
        return update

    def _gate(self, record: StepRecord, goal: Goal, cands: list[Candidate], state: LoopState) -> LoopState:
        """The safety gate between deciding an action and taking it (gate.py)."""
        return gate(record, goal, cands, state, spec=self._spec, can_ask=self._ask is not None, failed=self._failed)

    async def _ask_user(self, state: LoopState) -> LoopState:
        question = state.get("question")
        assert question is not None
        raw = str(interrupt(dataclasses.asdict(question)) or "")
        return await take_answer(question, raw, state, look=self._look, failed=self._failed)

    async def _act(self, state: LoopState) -> LoopState:
        record, obs = state["pending"], state["obs"]
        assert record is not None
        if (now := current(state.get("subgoals", []))) is not None:
            record.subgoal = now.text
        reportable = self._reportable(record, obs)
        if self._on_step:
            await self._on_step(reportable)
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
            "trail": [*state.get("trail", []), reportable.summary],
            "step": record.step,
        }
        if isinstance(action, Done):
            if record.tier != "rule" and not state.get("vetoed") and not seen_done(self.goal_of(state), state):
                # A model said done, but the screen does not show it: veto once and keep going.
                update["vetoed"] = True
                update["trail"] = [*update["trail"], "vetoed 'done': the screen does not show it"]
                return update
            update["result"] = success(self._spec, self.goal_of(state), action, record, state, cost)
        elif isinstance(action, Fail):
            update["result"] = failure_result(action.reason, state, steps=record.step, cost=cost)
        else:
            if effect_of(action, obs) == "irreversible":
                # a confirmation covers one action: doing it again needs a new yes
                text = confirmation_text(action, obs)
                update["confirmed"] = [c for c in state.get("confirmed", []) if c != text]
                history.append(f"irreversible:{entry}")
            if self.skills is not None and self._spec.privacy != "private":
                update["recorded"] = self.skills.record(state, action, obs, self.goal_of(state))
            outcome = await self.device.act(resolve_ocr_targets(action, obs))  # OCR ids are not the device's
            update["last"] = {"digest": obs.digest, "entry": entry, "ok": outcome.ok, "app": obs.foreground_app}
            update["last_action"] = action
            update["unsure_step"] = record.tier != "rule" and not record.settled
            update["failures"] = 0 if outcome.ok else state["failures"] + 1
            if not outcome.ok:
                log.info("action %s failed: %s", record.summary, outcome.error)
        return update

    # results -----------------------------------------------------------------------

    def _failed(self, state: LoopState, why: str, *, final: bool = False) -> LoopState:
        """A state update that ends the run as failed (results.py); final: only the user can change it."""
        return failed(self._spec, state, why, final=final)

    def _reportable(self, record: StepRecord, obs: Any) -> StepRecord:
        """The step as it may leave the device, sensitive text masked (results.py)."""
        return reportable(record, obs, self._spec, rules=self.tiers.privacy, thumbnails=self.thumbnails)


__all__ = ["AskFn", "GuiAgent", "OnStep"]
