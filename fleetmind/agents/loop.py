"""The GUI agent loop for one subtask on one device, as a langgraph graph:

    observe -> decide -> act -> observe ... -> finish
                  \\-> ask -> (act | decide | finish)

`decide` first asks the verifier whether the screen shows the goal done (or the
app refused it), then grounds the goal in the screen; what text cannot settle
goes to the tier the router picks (tiers.py). Before anything is acted on, the
step passes the safety gate: a state-changing action that nothing settled is not
taken (the agent looks around read-only, then asks, then fails), several matches
for a name become a question, and an irreversible action waits for the user's
confirmation unless the user pre-approved such actions.

`ask` waits on a langgraph interrupt, so a question is held by the checkpointer:
with a persistent checkpointer a run can be resumed after its host restarts.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any, Literal, cast

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.types import Command, interrupt

from ..devices.base import (
    TERMINAL_KINDS,
    Action,
    AskUser,
    Device,
    Done,
    Fail,
    LaunchApp,
    Observation,
    PressKey,
    TypeText,
    describe_action,
)
from ..privacy.screen import screen_reason
from ..privacy.values import secret_field
from .checkpoints import memory_checkpointer
from .dates import day_named
from .grounding import (
    SECRET,
    Candidate,
    Goal,
    candidates,
    extract_answer,
    extract_values,
    goal_apps,
    history_entry,
    on_home,
    parse_goal,
    pending_fill,
)
from .memory import ExplorationMemory, guide
from .models import ChatModel
from .perception import OcrEnricher, resolve_ocr_targets
from .prompts import cloud_messages
from .questions import (
    PendingQuestion,
    ambiguous_name,
    is_yes,
    missing_date,
    missing_message,
    missing_secret,
    missing_time,
    refused_value,
)
from .ranking import Method
from .records import CloudStep, LoopResult, LoopState, StepRecord, SubtaskSpec, failure_report
from .recovery import MAX_RECOVERIES, recovery_action
from .reflection import Pattern, StepLog, check_step, trajectory_pattern
from .safety import confirmation_text, effect_of, is_state_changing
from .scope import missing_app
from .skills import SkillStore
from .skills.learning import SkillLearning
from .thumbnails import thumbnail
from .tiers import RULE_MIN_MARGIN, RULE_MIN_SCORE, StepContext, Tiers
from .verify import Verdict, check_goal, checkable
from .wander import MAX_WANDER, explore_or_ask

log = logging.getLogger(__name__)

MAX_VISITS = 3
"""Seeing the same screen more often than this, with no cloud to escalate to, ends the run."""
REDACTED = "•••"
SAID = "__said__"
"""The answers key for what the user told a cloud model's free question."""

OnStep = Callable[[StepRecord], Awaitable[None]]
AskFn = Callable[[PendingQuestion], Awaitable[str]]
"""Puts a question to the user and returns the answer ("" when nobody answers, `unanswered(s)`
when nobody answered in time)."""
NO_ANSWER_WITHIN = "\x00no answer within "


def unanswered(waited_s: float) -> str:
    """What an `AskFn` returns when no answer came within `waited_s` seconds: the loop then
    fails the subtask saying so and naming the question."""
    return f"{NO_ANSWER_WITHIN}{waited_s:g}"


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
        g.add_node("verify", self._verify)
        g.add_node("reflect", self._reflect)
        g.add_node("recover", self._recover)
        g.add_node("decide", self._decide)
        g.add_node("ask", self._ask_user)
        g.add_node("act", self._act)
        g.add_edge(START, "observe")
        g.add_edge("observe", "verify")
        g.add_conditional_edges(
            "verify", _after_verify, {"act": "act", "ask": "ask", "reflect": "reflect", "finish": END}
        )
        g.add_conditional_edges("reflect", _after_reflect, {"recover": "recover", "decide": "decide", "finish": END})
        g.add_conditional_edges("recover", _after_decide, {"act": "act", "ask": "ask", "finish": END})
        g.add_conditional_edges("decide", _after_decide, {"act": "act", "ask": "ask", "finish": END})
        g.add_conditional_edges("ask", _after_ask, {"act": "act", "decide": "decide", "finish": END})
        g.add_conditional_edges("act", _after_act, {"observe": "observe", "finish": END})
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

    # Checkpoints are written when the graph stops (at a question, or at the end), not after
    # every node: a question still survives a restart, and a step costs no serialisation.
    @staticmethod
    def _config(spec: SubtaskSpec, thread_id: str) -> dict[str, Any]:
        return {"configurable": {"thread_id": thread_id}, "recursion_limit": spec.budget.max_steps * 4 + 20}

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
            text = self._spec.goal
            for k, v in answers.items():
                if k.startswith("choice:"):
                    text = re.sub(rf"\b{re.escape(k.removeprefix('choice:'))}\b", v, text)
            if SAID in answers:
                text += f" (user says: {answers[SAID]})"
            goal = parse_goal(text, self._spec.inputs)
            said = day_named(text, self._today) if self._today and "date" not in goal.values else None
            if said is not None and said[0] not in goal.values.get("message", ""):  # not a day a message mentions
                goal.values["date"] = said[1]
            goal.values.update({k: v for k, v in answers.items() if not k.startswith("choice:") and k != SAID})
            if "time" in answers:  # "6:15", "7 pm", "half past seven": read as a time of day
                told = extract_values(f"at {answers['time']}")
                goal.values.update({k: v for k, v in told.items() if k in ("hour", "minute", "start", "end", "date")})
            self._goals[key] = goal
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
        spec, obs, goal = self._spec, state["obs"], self.goal_of(state)
        step = state["step"] + 1
        if step > spec.budget.max_steps:
            return self._failed(state, f"the step budget of {spec.budget.max_steps} ran out")
        # cloud-only means the cloud model decides every step, text grounding included.
        verdict = check_goal(goal, obs, state["history"]) if spec.tier_policy != "cloud-only" else None
        if verdict is not None and verdict.outcome == "refused":
            question = refused_value(verdict.reason.split("says: ", 1)[-1], goal, obs)
            answered = question is not None and question.key in state.get("answers", {})
            if question is not None and not answered and self._ask is not None:
                return {"question": question}
            if not (answered and pending_fill(goal, obs, state["history"])):
                return self._failed(state, f"not done: {verdict.reason}", final=True)
            verdict = None  # the user gave what was missing: fill it in and submit again
        if verdict is not None:
            done = Done(answer=verdict.reason, why="the screen shows the goal done")
            record = StepRecord(step, done, describe_action(done, obs), "rule", f"goal check: {verdict.reason}")
            return {"pending": record, "step": step, "verdict": verdict}
        if state["step"] == 0 and (why := self._out_of_scope(goal)) is not None:
            return self._failed(state, why, final=True)
        wanted_here = obs.foreground_app.lower() in goal_apps(goal, self.device.info.apps) or bool(
            goal.words & {"log", "login", "sign", "password", "pin", "unlock"}
        )
        if wanted_here and (secret := missing_secret(goal, obs, state.get("answers", {}))) is not None:
            if self._ask is not None:
                return {"question": secret}
            asks_for = secret.text.split(", and the request", 1)[0]
            return self._failed(
                state, f"needs the user: {asks_for}, which the request does not give; nothing was typed", final=True
            )
        asking_time = wanted_here and self._ask is not None  # a time for a form in the app the goal is about
        if asking_time and (when := missing_time(goal, obs, state.get("answers", {}))) is not None:
            return {"question": when}
        if not goal.asks_answer and (day := missing_date(goal, obs, state.get("answers", {}))) is not None:
            if self._ask is not None:
                return {"question": day}
            return self._failed(
                state, f"not done: {day.text.split('?')[0]}? The form wants a date; nothing was saved", final=True
            )
        if (ambiguous := ambiguous_name(goal, obs, state.get("answers", {}))) is not None:
            if self._ask is not None:
                return {"question": ambiguous}
            why = ambiguous.text.split(" Which", 1)[0]
            return self._failed(
                state, f"not done: {why} The request must say which one; nothing was changed", final=True
            )
        return {}

    async def _reflect(self, state: LoopState) -> LoopState:
        """Cheap checks of the last step and the trajectory: go on, recover, escalate, or stop."""
        obs, logs = state["obs"], state.get("logs", [])
        cloud_usable = self.tiers.cloud_reachable() and self._spec.privacy != "private"
        cause = None
        # On a phone an app coming to the front unasked is a wrong turn; a browser's pages are one app.
        if logs and state.get("last_action") is not None and self.device.info.kind == "phone":
            check = check_step(logs[-1], state["last_action"], goal_apps(self.goal_of(state), self.device.info.apps))
            if check.outcome == "wrong_app":
                cause = check
        pattern = trajectory_pattern(logs)
        visits = state.get("visits", {}).get(obs.digest, 0)
        if pattern is None and visits > MAX_VISITS:
            pattern = Pattern("oscillation", f"back on the same {obs.foreground_app or 'home'} screen {visits} times")
        if pattern is not None and cloud_usable:
            return {"escalate": True, "recover": None}  # a stronger model takes the next step
        reason = pattern.reason if pattern is not None else cause.reason if cause is not None else None
        if reason is None:
            return {"escalate": False, "recover": None}
        if state.get("recoveries", 0) >= MAX_RECOVERIES:
            return self._failed(state, f"stuck: {reason}; {MAX_RECOVERIES} recoveries did not help")
        kind = pattern.name if pattern is not None else "wrong_app"
        return {"recover": kind, "escalate": False, "reflection": reason}

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
            fresh = self._fresh_start(obs)
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
        ctx = StepContext(step, state["history"], state["cost_usd"], stuck)
        record = await self.tiers.decide_step(spec, goal, obs, cands, ctx)
        record.latency_ms = (time.perf_counter() - start) * 1000
        if note := next((c.note for c in cands if c.action is record.action and c.note), ""):
            record.why = f"{record.why}; {note}"
        return {**self._gate(record, goal, cands, state), "replay": replay, "fresh_done": True}

    def _fresh_start(self, obs: Observation) -> Action | None:
        """The next step a retry's hint asks for: the home screen, then the app it names (a relaunch);
        None once there."""
        hint = (self._spec.hint or "").lower()
        app = next((a for a in self.device.info.apps if hint.startswith(f"relaunch {a.lower()} ")), None)
        if not on_home(obs):
            return PressKey(key="home", why="start afresh from the home screen")
        return LaunchApp(app=app, why=f"relaunch {app}") if app is not None else None

    def _out_of_scope(self, goal: Goal) -> str | None:
        """Why this phone cannot do the goal at all (checked before the first step), or None."""
        info = self.device.info
        if info.kind != "phone" or goal.asks_answer and not goal.words - {"find", "tell", "check", "what"}:
            return None
        apps = ", ".join(info.apps)
        if (app := missing_app(goal, info.apps)) is not None:
            return f"not done: there is no {app} app on {info.id} (its apps: {apps}); nothing was touched"
        return None

    def _gate(self, record: StepRecord, goal: Goal, cands: list[Candidate], state: LoopState) -> LoopState:
        """The safety gate between deciding an action and taking it."""
        obs, action, can_ask = state["obs"], record.action, self._ask is not None
        if isinstance(action, AskUser):
            if can_ask:
                return {"question": PendingQuestion(action.question, "value", key=SAID)}
            return self._failed(state, f"needs the user: {action.question}", final=True)
        if isinstance(action, Done) and not record.settled:
            # "done" picked as the best of weak guesses is no evidence: only the verifier or a model says done
            return explore_or_ask(record, obs, cands, state, can_ask=can_ask, failed=self._failed)
        if action.kind in TERMINAL_KINDS:
            return {"pending": record, "step": record.step}
        effect = effect_of(action, obs)
        if not record.settled and (is_state_changing(effect) or state.get("explored", 0) >= MAX_WANDER):
            return explore_or_ask(record, obs, cands, state, can_ask=can_ask, failed=self._failed)
        if is_state_changing(effect) and can_ask and (empty := missing_message(goal, obs, state.get("answers", {}))):
            return {"question": empty}  # never send a message with nothing in it
        if effect == "irreversible" and self._spec.confirm == "ask":
            text = confirmation_text(action, obs)
            if text not in state.get("confirmed", []):
                if can_ask:
                    confirm = PendingQuestion(text, "confirm", kind="confirm", options=["yes", "no"])
                    return {"pending": record, "step": record.step, "question": confirm}
                return self._failed(
                    state,
                    f"not done: “{text}” cannot be undone and nobody is here to confirm it; nothing was changed "
                    "(pre-approve such actions with --yes)",
                    final=True,
                )
        explored = 0 if record.settled else state.get("explored", 0) + 1
        return {"pending": record, "step": record.step, "explored": explored}

    async def _ask_user(self, state: LoopState) -> LoopState:
        question = state.get("question")
        assert question is not None
        raw = str(interrupt(dataclasses.asdict(question)) or "")
        update: LoopState = {"question": None}
        if raw.startswith(NO_ANSWER_WITHIN):
            waited = raw.removeprefix(NO_ANSWER_WITHIN)
            why = f"no answer within {waited} s to the question “{question.text}”"
            return {**update, **self._failed(state, why, final=True)}
        answer = raw.strip()
        if not answer:
            return {**update, **self._failed(state, f"no answer to the question “{question.text}”", final=True)}
        # The answer may come much later, even to a host restarted meanwhile with a new device
        # connection: look again, so the device knows the screen's element ids and value,
        # choice and secret answers are acted on as the screen is now. A confirmed or picked
        # action was chosen on the screen as it was, so its observation stays.
        fresh = await self._look()
        if question.purpose not in ("confirm", "pick"):
            update["obs"] = fresh
        answers = dict(state.get("answers", {}))
        match question.purpose:
            case "confirm":
                if not is_yes(answer):
                    return {**update, **self._failed(state, f"not done: you declined “{question.text}”", final=True)}
                return {**update, "confirmed": [*state.get("confirmed", []), question.text]}
            case "value" | "secret":
                answers[question.key] = answer
                if question.key == SAID:  # a model's own question: its next prompt shows the answer
                    return {
                        **update,
                        "answers": answers,
                        "pending": None,
                        "history": [*state["history"], f"user:{answer}"],
                    }
            case "choice":
                answers[f"choice:{question.key}"] = answer
            case "pick":
                chosen = _pick(question, answer)
                if chosen is None:
                    why = f"not done: you chose none of {', '.join(question.options[:-1])}"
                    return {**update, **self._failed(state, why, final=True)}
                step = state["step"] + 1
                record = StepRecord(step, chosen, describe_action(chosen, state["obs"]), "rule", "you chose it")
                confirmed = [*state.get("confirmed", []), confirmation_text(chosen, state["obs"])]
                return {**update, "pending": record, "step": step, "confirmed": confirmed, "explored": 0}
        return {**update, "answers": answers, "pending": None}

    async def _act(self, state: LoopState) -> LoopState:
        record, obs = state["pending"], state["obs"]
        assert record is not None
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
            if record.tier != "rule" and not state.get("vetoed") and not self._seen_done(state):
                # A model said done, but the screen does not show it: veto once and keep going.
                update["vetoed"] = True
                update["trail"] = [*update["trail"], "vetoed 'done': the screen does not show it"]
                return update
            update["result"] = self._success(action, record, state, cost)
        elif isinstance(action, Fail):
            update["result"] = self._failure_result(action.reason, state, steps=record.step, cost=cost)
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
            update["failures"] = 0 if outcome.ok else state["failures"] + 1
            if not outcome.ok:
                log.info("action %s failed: %s", record.summary, outcome.error)
        return update

    # results -----------------------------------------------------------------------

    def _seen_done(self, state: LoopState) -> bool:
        """The screen shows the goal done, or the verifier cannot judge this kind of goal at all
        (then a veto would only cost another model call; the result says "done, unverified")."""
        goal = self.goal_of(state)
        if not checkable(parse_goal(goal.text)):  # judged on what the request itself says, not on inputs
            return True
        verdict = check_goal(goal, state["obs"], state["history"])
        return verdict is not None and verdict.outcome == "verified"

    def _success(self, action: Done, record: StepRecord, state: LoopState, cost: float) -> LoopResult:
        obs, goal = state["obs"], self.goal_of(state)
        verdict: Verdict | None = state.get("verdict")
        if verdict is None:  # a model said done: believe the screen, not the model
            seen = check_goal(goal, obs, state["history"])
            verdict = (
                seen
                if seen is not None and seen.outcome != "refused"
                else Verdict("unverified", f"the {record.tier} model said it is done, but the screen does not show it")
            )
        answer = action.answer if record.tier != "rule" or not goal.asks_answer else verdict.reason
        answer = answer or extract_answer(goal, obs, state["history"])
        outputs = {name: answer for name in self._spec.outputs if answer}
        outputs.update(action.outputs)
        if verdict.outcome == "verified":
            summary, verified = answer or verdict.reason, True
        else:
            summary, verified = f"done, unverified: {verdict.reason}", False
        return LoopResult("succeeded", summary, outputs, steps=record.step, cost_usd=cost, verified=verified)

    def _failed(self, state: LoopState, why: str, *, final: bool = False) -> LoopState:
        """A state update that ends the run as failed, saying what was tried and where.

        final: only the user can change the outcome (they declined, or must answer or decide),
        so neither a retry nor a replan should try again.
        """
        result = self._failure_result(why, state)
        result.final = final
        result.report = failure_report(why, state.get("obs"), state.get("trail", []), self._spec.privacy)
        return {"result": result, "pending": None}

    def _failure_result(
        self, why: str, state: LoopState, *, steps: int | None = None, cost: float | None = None
    ) -> LoopResult:
        obs = state.get("obs")
        trail = state.get("trail", [])
        where = f"on {obs.foreground_app or 'the home screen'}, " if obs is not None else ""
        tried = f"after: {'; '.join(trail[-4:])}" if trail else "before any step"
        summary = f"{why} ({where}{tried})"
        return LoopResult(
            "failed",
            summary,
            error=why,
            steps=state.get("step", 0) if steps is None else steps,
            cost_usd=state.get("cost_usd", 0.0) if cost is None else cost,
        )

    def _reportable(self, record: StepRecord, obs: Any) -> StepRecord:
        """The step as it may leave the device: text typed on a private subtask, a secure screen,
        a screen showing sensitive data or into a password field is masked (the device got the real text)."""
        action = record.action
        shows_secret = obs.secure or screen_reason(obs, self.tiers.privacy) is not None
        private_screen = self._spec.privacy == "private" or shows_secret
        if not private_screen and self.thumbnails and obs.screenshot is not None:
            record = dataclasses.replace(record, thumbnail_png=thumbnail(obs.screenshot))
        if not isinstance(action, TypeText):
            return record
        field = obs.element(action.target.element) if action.target and action.target.element else None
        if not (private_screen or (field is not None and secret_field(field))):
            return record
        masked = action.model_copy(update={"text": REDACTED})
        return dataclasses.replace(record, action=masked, summary=describe_action(masked, obs))


def _pick(question: PendingQuestion, answer: str) -> Action | None:
    """The action an answer to a pick question chooses, by its text or its number (1-based)."""
    low = answer.strip().lower()
    for i, option in enumerate(question.options[: len(question.actions)]):
        if low in (option.lower(), str(i + 1)) or (len(low) > 3 and low in option.lower()):
            chosen: Action = question.actions[i]
            return chosen
    return None


def _after_verify(state: LoopState) -> Literal["act", "ask", "reflect", "finish"]:
    if state.get("result") is not None:
        return "finish"
    if state.get("question") is not None:
        return "ask"
    return "act" if state.get("pending") is not None else "reflect"


def _after_reflect(state: LoopState) -> Literal["recover", "decide", "finish"]:
    if state.get("result") is not None:
        return "finish"
    return "recover" if state.get("recover") else "decide"


def _after_decide(state: LoopState) -> Literal["act", "ask", "finish"]:
    if state.get("result") is not None:
        return "finish"
    return "ask" if state.get("question") is not None else "act"


def _after_ask(state: LoopState) -> Literal["act", "decide", "finish"]:
    if state.get("result") is not None:
        return "finish"
    return "act" if state.get("pending") is not None else "decide"


def _after_act(state: LoopState) -> Literal["observe", "finish"]:
    return "finish" if state.get("result") is not None else "observe"


__all__ = [
    "RULE_MIN_MARGIN",
    "RULE_MIN_SCORE",
    "SECRET",
    "TERMINAL_KINDS",
    "AskFn",
    "CloudStep",
    "GuiAgent",
    "LoopResult",
    "StepRecord",
    "SubtaskSpec",
    "cloud_messages",
    "unanswered",
]
