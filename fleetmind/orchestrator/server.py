"""The orchestrator's asyncio runtime: agents dial in over WebSocket, tasks become
graphs, ready subtasks go to devices, results flow along edges.

The decisions live in pure modules (graph, scheduler, planner); this file wires
them to sockets and timers. All graph mutation happens on the event loop's thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from ..protocol.codec import CLOSE_PROTOCOL_VIOLATION, ProtocolError
from ..protocol.messages import (
    Ack,
    Answer,
    Assign,
    Budget,
    Cancel,
    ConfirmPolicy,
    DeviceProfile,
    Error,
    FailureKind,
    FailureReport,
    Hello,
    Message,
    Progress,
    Question,
    Reject,
    Result,
    TierPolicy,
    Welcome,
    new_id,
)
from ..protocol.session import Session
from ..protocol.transport import MAX_FRAME_BYTES, FrameSocket, Link, receive, send_unsequenced
from . import durable, gateway, telemetry
from .graph import EDITABLE, GraphPatch, SubtaskResult
from .identity import BrowserPolicy, DeviceKeys, Gatekeeper
from .limits import Limits, Subscription, Throttled, TokenBucket, clip, finished_to_prune, finite, step_record
from .planner import Planner, ReplanEvent, Replanner, RetryReplanner
from .planning.base import ReplanPatch
from .planning.conditions import not_taken, succeeded_as_asked, waits_on_condition
from .planning.replanners import judge_conditions_offline
from .planning.reports import other_devices, stuck_line
from .registry import Registry
from .runs import AgentSession, Attempt, TaskRun, parse_wire_id, wire_id
from .scheduler import ReadySubtask, capable_devices, decide_dispatch, decide_failure
from .store import Event, EventStore, SQLiteStore
from .usage import usage_of

log = logging.getLogger(__name__)

MASKED_ANSWER = "•••"
"""What events, the store and the API show for the answer to a secret question (a password, a PIN)."""


class Orchestrator:
    """Runs tasks on the devices of every agent that dials in.

    Limits are named parameters: `max_concurrent` subtasks at once across the fleet,
    `replan_timeout_s` for one replanner decision (dispatch of that task waits
    meanwhile), `reconnect_grace_s` before a silent agent's subtasks count as
    failed, `no_device_timeout_s` before a subtask no device can take fails,
    `heartbeat_s` between WebSocket pings (a peer silent for as long again is lost),
    `limits` for every bound on memory and rate (see `limits.Limits`).

    Identity: `keys` holds device keys and enrolment tokens; `require_enrolment` demands
    one on every hello (any non-loopback deployment); without it, devices connect freely
    (presenting `token` when one is set) until the key store holds a key. `browser` says
    which Origin and Host headers browsers may send to the agent endpoint.
    """

    def __init__(
        self,
        planner: Planner,
        replanner: Replanner | None = None,
        store: EventStore | None = None,
        *,
        token: str | None = None,
        max_concurrent: int = 8,
        replan_timeout_s: float = 30.0,
        reconnect_grace_s: float = 60.0,
        no_device_timeout_s: float = 30.0,
        keys: DeviceKeys | None = None,
        require_enrolment: bool = False,
        limits: Limits | None = None,
        heartbeat_s: float = 20.0,
        browser: BrowserPolicy | None = None,
    ) -> None:
        self.planner = planner
        self.replanner = replanner
        self.store: EventStore = store or SQLiteStore()
        self.token = token
        self.max_concurrent = max_concurrent
        self.replan_timeout_s = replan_timeout_s
        self.reconnect_grace_s = reconnect_grace_s
        self.no_device_timeout_s = no_device_timeout_s
        self.limits = limits or Limits()
        self.heartbeat_s = heartbeat_s
        self.browser = browser or BrowserPolicy()
        self._browser_given = browser is not None
        self.gate = Gatekeeper(keys, required=require_enrolment, shared_token=token)
        self.registry = Registry()
        self.sessions: dict[str, AgentSession] = {}
        self.runs: dict[str, TaskRun] = {}
        self._subscribers: list[asyncio.Queue[Event]] = []
        self._wake = asyncio.Event()
        self._devices_changed = asyncio.Event()
        self._server: Server | None = None
        self._loop_task: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[Any]] = set()
        self.url = ""

    # lifecycle -------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Listen for agents on a listener of our own; returns its URL (ws://host:port/agent).

        It serves the agent protocol only. `fleetmind.api.ApiServer` serves the same
        endpoint beside the client API and the web UI, and calls `start_runtime` instead.
        """
        self.listen_on(host)
        self._server = await serve(
            self._handle,
            host,
            port,
            process_request=self._agents_only,
            max_size=MAX_FRAME_BYTES,
            ping_interval=self.heartbeat_s,
            ping_timeout=self.heartbeat_s,
        )
        sock = next(iter(self._server.sockets))
        bound_host, bound_port = sock.getsockname()[:2]
        self.start_runtime(f"ws://{bound_host}:{bound_port}/agent")
        return self.url

    def listen_on(self, host: str) -> None:
        """Fit the browser policy to the interface served, unless one was given (identity.BrowserPolicy)."""
        if not self._browser_given:
            self.browser = BrowserPolicy.listening_on(host)

    def start_runtime(self, agent_url: str) -> None:
        """Start scheduling; agents reach `handle_agent` at `agent_url` through whoever serves it."""
        self.url = agent_url
        for task_id in durable.recover(self):  # unfinished tasks in the store run on (see durable.py)
            self._rejudge_conditions(self.runs[task_id])
        self._loop_task = asyncio.create_task(self._schedule_loop(), name="scheduler")
        if self.gate.keys is not None:
            self._spawn(gateway.watch_revocations(self, self.heartbeat_s))
        log.info("orchestrator listening on %s", self.url)

    async def handle_agent(self, ws: FrameSocket) -> None:
        """Serve one agent connection (hello, welcome, then its messages) until it closes."""
        await self._handle(ws)

    async def stop(self) -> None:
        """Stop serving; running tasks are cancelled."""
        for run in list(self.runs.values()):
            if not run.done.done():
                await self.cancel(run.id, "orchestrator stopping")
        if self._loop_task:
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task
        for task in list(self._background):
            task.cancel()
        if self._server:
            self._server.close()
            await self._server.wait_closed()

    # client API --------------------------------------------------------------------

    def subscribe(self) -> asyncio.Queue[Event]:
        """A queue that receives every event from now on (a `Subscription`: bounded; a reader
        that falls `limits.subscriber_queue` events behind finds it `overflowed`)."""
        queue: asyncio.Queue[Event] = Subscription(self.limits.subscriber_queue)
        self._subscribers.append(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[Event]) -> None:
        with contextlib.suppress(ValueError):
            self._subscribers.remove(queue)

    def devices(self) -> list[DeviceProfile]:
        """Profiles of the devices online now."""
        return self.registry.profiles()

    async def wait_for_devices(self, count: int, timeout_s: float = 30.0) -> list[DeviceProfile]:
        """Wait until at least `count` devices are online."""
        async with asyncio.timeout(timeout_s):
            while len(self.devices()) < count:
                self._devices_changed.clear()
                await self._devices_changed.wait()
        return self.devices()

    async def submit(
        self,
        request: str,
        *,
        policy: TierPolicy = "auto",
        budget: Budget | None = None,
        confirm: ConfirmPolicy = "ask",
    ) -> TaskRun:
        """Plan `request` into a graph and start running it (PlanningFailed if it cannot).

        confirm: "ask" makes agents ask the user before irreversible actions (send, delete,
        pay, ...); "allow" pre-approves them (the CLI's --yes).
        """
        task_id = uuid.uuid4().hex[:8]
        patch = await self.planner.plan(request, self.devices())
        settings = {"policy": policy, "budget": (budget or Budget()).model_dump(), "confirm": confirm}
        graph = durable.new_graph(self.store, task_id, request, settings)  # journaled to the store
        graph.apply(patch)
        run = TaskRun(
            id=task_id,
            request=request,
            graph=graph,
            policy=policy,
            budget=budget or Budget(),
            confirm=confirm,
            done=asyncio.get_running_loop().create_future(),
        )
        self.runs[task_id] = run
        self._emit(run, "graph_created", {**graph.snapshot(), "metrics": graph.metrics().model_dump()})
        self._wake.set()
        return run

    async def run(self, request: str, **kwargs: Any) -> TaskRun:
        """Submit and wait for the task to finish."""
        run = await self.submit(request, **kwargs)
        return await run.done

    async def cancel(self, task_id: str, reason: str = "cancelled by the user") -> None:
        """Cancel a task: its running subtasks are cancelled on their devices."""
        run = self.runs[task_id]
        for sid in run.graph.cancel_all(reason):
            attempt = run.running.pop(sid, None)
            if attempt:
                await self._release(attempt)
                await self._send_to_device(attempt.device_id, Cancel(subtask_id=attempt.wire_id, reason=reason))
        self._finish(run)

    async def answer(self, wire_subtask_id: str, text: str, question_id: str | None = None) -> None:
        """Pass the user's answer to the agent that asked."""
        task_id, sid, _ = parse_wire_id(wire_subtask_id)
        run = self.runs[task_id]
        attempt = run.running.get(sid)
        if attempt is None:
            raise KeyError(f"subtask {wire_subtask_id} is not running; nothing to answer")
        await self._send_to_device(attempt.device_id, Answer(subtask_id=wire_subtask_id, text=text, corr=question_id))
        matched: list[dict[str, Any]] = []
        for q, asked in list(run.questions.items()):
            if q == question_id or (question_id is None and asked["wire_id"] == wire_subtask_id):
                matched.append(run.questions.pop(q))
        # Only the device that asked gets a password's text; a question no longer known may have been one.
        secret = not matched or any(asked.get("secret") for asked in matched)
        shown = MASKED_ANSWER if secret else text
        self._emit(run, "answered", {"subtask": sid, "wire_id": wire_subtask_id, "id": question_id, "text": shown})

    # agent connections ---------------------------------------------------------------

    async def _handle(self, ws: FrameSocket) -> None:
        ws = Throttled(ws, TokenBucket(self.limits.rate_per_s, self.limits.burst))  # a flood is slowed, not buffered
        try:
            async with asyncio.timeout(10):
                first = await receive(ws, None)
        except (TimeoutError, ConnectionClosed, ProtocolError):
            return  # receive() already told the peer what was wrong
        if not isinstance(first, Hello):
            await send_unsequenced(
                ws, Error(code="expected_hello", message=f"first message must be hello, got {first.type}"), None
            )
            await ws.close(CLOSE_PROTOCOL_VIOLATION, "expected hello")
            return
        admitted = await gateway.admit(self, ws, first)
        if admitted is None:
            return
        key_id, new_key = admitted
        agent, peer_last = self._session_for(first)
        self.gate.session_keys[agent.link.session.session_id] = key_id
        self.registry.announce(agent.link.session.session_id, first.devices)
        agent.devices = [d.id for d in first.devices]
        agent.lost_at = None
        session = agent.link.session
        await send_unsequenced(
            ws,
            Welcome(
                session_id=session.session_id,
                last_seq=session.last_received,
                resumed=[a.wire_id for a in self._attempts_on(agent.devices)],
                key=new_key,
            ),
            session,
        )
        durable.session_opened(self, agent, first)
        replayed = await agent.link.attach(ws, peer_last)
        await gateway.cancel_stale(self, agent, first.running)
        log.info(
            "agent %s connected (session %s, %d devices, replayed %d)",
            first.agent_id,
            session.session_id,
            len(first.devices),
            replayed,
        )
        self._devices_changed.set()
        self._wake.set()
        try:
            while True:
                message = await receive(ws, session, ack=False)  # acknowledged below, once applied
                if not await gateway.screen(self, ws, agent, message):
                    await self._applied(ws, agent, message)
                    continue
                try:
                    await self._on_message(agent, message)
                except Exception:  # one bad message must not end the connection, nor the server
                    log.exception("agent %s: handling %s failed", agent.agent_id, message.type)
                    await send_unsequenced(
                        ws, Error(code="internal", message=f"could not handle {message.type}", corr=message.id), session
                    )
                await self._applied(ws, agent, message)
        except ConnectionClosed:
            pass
        finally:
            agent.link.detach(ws)
            if agent.link.ws is None:
                self._lost(agent)

    async def _applied(self, ws: FrameSocket, agent: AgentSession, message: Message) -> None:
        """Record and acknowledge a message only after applying it: an orchestrator killed in
        between has not acknowledged it, so the agent sends it again after the restart."""
        durable.message_applied(self.store, agent)  # after applying: a replay of it is harmless
        if message.seq:
            await send_unsequenced(ws, Ack(), agent.link.session)

    def _session_for(self, hello: Hello) -> tuple[AgentSession, int]:
        if hello.resume and hello.resume.session_id in self.sessions:
            agent = self.sessions[hello.resume.session_id]
            durable.resumed(agent, hello.resume.last_seq)
            return agent, hello.resume.last_seq
        if hello.resume:
            log.warning(
                "agent %s resumes unknown session %s; starting a new one", hello.agent_id, hello.resume.session_id
            )
        # A new session for a device we think is busy means the agent restarted:
        # whatever it was running is gone.
        for attempt in self._attempts_on([d.id for d in hello.devices]):
            restarted = self._attempt_failed_by_wire(
                attempt.wire_id, "the agent restarted", retryable=True, kind="device_lost"
            )
            self._spawn(restarted)
        session = Session(new_id())
        agent = AgentSession(hello.agent_id, Link(session), [])
        self.sessions[session.session_id] = agent
        return agent, 0

    def _lost(self, agent: AgentSession) -> None:
        lost_at = agent.lost_at = time.monotonic()
        self.registry.set_online(agent.link.session.session_id, False)
        busy = self._attempts_on(agent.devices)
        # An idle agent leaving is ordinary; one leaving with work in hand is worth a warning.
        log.log(
            logging.WARNING if busy else logging.INFO,
            "agent %s disconnected with %d running subtasks; waiting %.0fs for it to come back",
            agent.agent_id,
            len(busy),
            self.reconnect_grace_s,
        )

        async def expire() -> None:
            await asyncio.sleep(self.reconnect_grace_s)  # a deadline, not a wait for an event
            # Only this absence counts: an agent that came back and left again has its own timer.
            if agent.lost_at == lost_at and agent.link.ws is None:
                for attempt in self._attempts_on(agent.devices):
                    await self._attempt_failed_by_wire(
                        attempt.wire_id,
                        f"device {attempt.device_id} vanished (agent {agent.agent_id} gone"
                        f" for {self.reconnect_grace_s:.0f}s)",
                        retryable=False,
                        kind="device_lost",
                    )
                gateway.forget_session(self, agent)

        self._spawn(expire())

    def _attempts_on(self, device_ids: Sequence[str]) -> list[Attempt]:
        return [a for run in self.runs.values() for a in run.running.values() if a.device_id in device_ids]

    async def _on_message(self, agent: AgentSession, message: Message) -> None:
        match message:
            case Progress():
                self._on_progress(message)
            case Result():
                await self._on_result(message)
            case Reject():
                await self._attempt_failed_by_wire(message.subtask_id, f"rejected: {message.reason}", retryable=False)
            case Question():
                run, sid = self._locate(message.subtask_id)
                if run:
                    asked = {
                        "subtask": sid,
                        "wire_id": message.subtask_id,
                        "question": clip(message.question, 4 * self.limits.step_text_chars),
                        "id": message.id,
                        "kind": message.kind,
                        "options": message.options,
                        "secret": message.secret,  # its answer is never recorded or shown (see `answer`)
                    }
                    run.questions[message.id] = asked
                    self._emit(run, "question", asked)
            case Error():
                log.warning("agent %s reports an error: %s", agent.agent_id, message.message)
            case _:
                pass  # accept, ack: bookkeeping already done by the session

    def _locate(self, wire: str) -> tuple[TaskRun | None, str]:
        try:
            task_id, sid, _ = parse_wire_id(wire)
        except ValueError:
            return None, ""
        run = self.runs.get(task_id)
        attempt = run.running.get(sid) if run else None
        if run is None or attempt is None or attempt.wire_id != wire:
            return None, sid  # stale: a cancelled or superseded attempt
        return run, sid

    def _on_progress(self, message: Progress) -> None:
        run, sid = self._locate(message.subtask_id)
        if run is None:
            return
        device = run.running[sid].device_id
        if message.thumbnail_png_b64:
            run.thumbnails[device] = message.thumbnail_png_b64
        step = step_record(message, device, sid, self.limits)  # text clipped, numbers finite
        if len(run.steps) < self.limits.steps_kept_per_run:
            run.steps.append(step)
        self._emit(run, "step_progress", step)

    async def _on_result(self, message: Result) -> None:
        run, sid = self._locate(message.subtask_id)
        if run is None:
            log.info("ignoring result for stale attempt %s", message.subtask_id)
            return
        attempt = run.running.pop(sid)
        await self._release(attempt)
        if message.status == "succeeded":
            run.graph.mark_finished(
                sid,
                SubtaskResult(
                    status="succeeded",
                    outputs=message.outputs,
                    summary=clip(message.summary, 4 * self.limits.step_text_chars),
                    steps=message.steps,
                    cost_usd=finite(message.cost_usd, self.limits.max_cost_usd_per_step * max(1, message.steps)),
                    verified=message.verified,
                ),
            )
            self._emit_state(run, sid)
            consult = getattr(self.replanner, "wants_successes", False) and not run.graph.finished
            if waits_on_condition(run.graph, sid) or (message.outputs and consult):
                self._queue_replan(run, ReplanEvent("succeeded", sid, outputs=dict(message.outputs)))
            self._wake.set()
            return
        # The summary says what was tried and where, after the error itself.
        error = message.error or message.summary or "failed"
        detail = message.summary if message.error and message.summary.startswith(message.error) else error
        report = message.report
        elsewhere = report is not None and report.kind == "missing_app"  # another device may have the app
        if message.final and not elsewhere:  # the user declined or must decide: trying again cannot help
            result = SubtaskResult(status="failed", error=detail, summary=message.summary, report=report)
            run.graph.mark_finished(sid, result)
            self._emit(run, "log", {"subtask": sid, "message": f"{detail}; not retried: only the user can change this"})
            self._emit_state(run, sid)
            self._wake.set()
            return
        retryable = message.status != "cancelled" and not message.final
        await self._attempt_failed(run, sid, attempt, detail, retryable=retryable, report=report, final=message.final)

    # failures and replanning -----------------------------------------------------------

    async def _attempt_failed_by_wire(
        self, wire: str, error: str, *, retryable: bool, kind: FailureKind = "other"
    ) -> None:
        run, sid = self._locate(wire)
        if run is None:
            return
        attempt = run.running.pop(sid)
        await self._release(attempt)
        await self._send_to_device(attempt.device_id, Cancel(subtask_id=wire, reason=error))
        report = FailureReport(kind=kind, reason=error, stuck_at=f"device {attempt.device_id}")
        await self._attempt_failed(run, sid, attempt, error, retryable=retryable, report=report)

    async def _attempt_failed(
        self,
        run: TaskRun,
        sid: str,
        attempt: Attempt,
        error: str,
        *,
        retryable: bool,
        report: FailureReport | None = None,
        final: bool = False,
    ) -> None:
        graph = run.graph
        sub = graph.subtask(sid)
        entry = self.registry.get(attempt.device_id)
        decision = decide_failure(
            attempts_on_device=run.attempts_on[(sid, attempt.device_id)],
            max_attempts=sub.max_attempts,
            device_id=attempt.device_id,
            device_online=bool(entry and entry.online),
            tried=sub.tried_devices,
            capable=capable_devices(sub.device, self.registry.views()),
            retryable=retryable,
        )
        log.info("task %s subtask %s failed on %s (%s): %s", run.id, sid, attempt.device_id, error, decision.reason)
        self._emit(run, "log", {"subtask": sid, "message": f"{error}; {decision.reason}"})
        if decision.action == "retry_same":
            graph.retry(sid, error)
            run.pins[sid] = attempt.device_id
        elif decision.action == "redispatch":
            graph.retry(sid, error)
            run.pins.pop(sid, None)
            run.avoid[sid] = set(sub.tried_devices)
        else:
            graph.mark_finished(sid, SubtaskResult(status="failed", error=error, report=report))
            if self.replanner is not None:
                others = other_devices(sub.device, sub.tried_devices, self.registry, report)
                self._queue_replan(run, ReplanEvent("failed", sid, error, report, final, others))
        self._emit_state(run, sid)
        self._wake.set()

    def _rejudge_conditions(self, run: TaskRun) -> None:
        """After a restart, a branch still waiting on a condition is judged again on what was found:
        the judgement in flight when the orchestrator stopped is not in the store."""
        waiting = [sub.id for sub in run.graph.subtasks() if sub.condition and sub.status in EDITABLE]
        for producer in sorted({p for sid in waiting for p, _ in run.graph.predecessors(sid)}):
            result = run.graph.subtask(producer).result
            if result is not None and result.status == "succeeded":
                self._queue_replan(run, ReplanEvent("succeeded", producer, outputs=dict(result.outputs)))

    def _queue_replan(self, run: TaskRun, event: ReplanEvent) -> None:
        """Hand `event` to the replanner; dispatch of the task waits until it has decided."""
        run.replan_events.append(event)
        if not run.replanning:
            run.replanning = True
            self._spawn(self._replan(run))

    async def _replan(self, run: TaskRun) -> None:
        # Without a replanner, conditions on a branch are still judged (offline, no model).
        replanner = self.replanner or RetryReplanner()
        try:
            while run.replan_events and not run.done.done():
                events, run.replan_events = run.replan_events, []
                try:
                    async with asyncio.timeout(self.replan_timeout_s):
                        patch = await replanner.replan(run.graph, events)
                except TimeoutError:
                    self._emit(run, "log", {"message": f"replanner gave no answer in {self.replan_timeout_s:.0f}s"})
                    patch = await judge_conditions_offline(run.graph, events)  # no branch runs unjudged
                except Exception as exc:  # a broken replanner must not take the task down
                    log.exception("replanner failed")
                    self._emit(run, "log", {"message": f"replanner failed: {exc}"})
                    patch = await judge_conditions_offline(run.graph, events)
                cancel = patch.cancel if isinstance(patch, ReplanPatch) else {}
                if patch is None or not (patch.ops or cancel):
                    if patch is not None and patch.reason:  # e.g. why a failure is not retried
                        self._emit(run, "log", {"message": patch.reason})
                    continue
                try:
                    ops = GraphPatch(ops=patch.ops, reason=patch.reason)
                    version = run.graph.apply(ops) if ops.ops else run.graph.version
                except ValueError as exc:
                    self._emit(run, "log", {"message": f"replanner's patch rejected: {exc}"})
                    continue
                for sid, why in cancel.items():  # a branch that must not run (its condition is false)
                    if sid in run.graph and run.graph.subtask(sid).status in EDITABLE:
                        run.graph.cancel(sid, why)
                        self._emit_state(run, sid)
                self._emit(run, "graph_patched", {**run.graph.snapshot(), "reason": patch.reason, "version": version})
        finally:
            run.replanning = False
            self._wake.set()

    # dispatch ------------------------------------------------------------------------

    async def _schedule_loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                await self._dispatch_ready()
            except Exception:  # keep scheduling other tasks; the error is logged with context
                log.exception("scheduler pass failed")

    async def _dispatch_ready(self) -> None:
        candidates: list[ReadySubtask] = []
        owners: dict[str, TaskRun] = {}
        views = self.registry.views()
        now = time.monotonic()
        for run in [r for r in self.runs.values() if not r.done.done()]:
            if run.replanning:
                continue
            for sid in run.graph.refresh():
                self._emit_state(run, sid)
            if run.graph.finished:
                self._finish(run)
                continue
            for sub in run.graph.ready():
                key = f"{run.id}/{sub.id}"
                if not capable_devices(sub.device, views):
                    since = run.unplaceable_since.setdefault(sub.id, now)
                    if now - since >= self.no_device_timeout_s:
                        await self._fail_unplaceable(run, sub.id)
                    else:
                        asyncio.get_running_loop().call_later(self.no_device_timeout_s, self._wake.set)
                    continue
                run.unplaceable_since.pop(sub.id, None)
                pin = run.pins.get(sub.id)
                pin_entry = self.registry.get(pin) if pin else None
                candidates.append(
                    ReadySubtask(
                        id=key,
                        requirement=sub.device,
                        pinned_device=pin if pin_entry and pin_entry.online else None,
                        avoid=frozenset(run.avoid.get(sub.id, ())),
                    )
                )
                owners[key] = run
        running_total = sum(len(r.running) for r in self.runs.values())
        for d in decide_dispatch(candidates, views, running_total=running_total, max_concurrent=self.max_concurrent):
            run = owners[d.subtask_id]
            await self._assign(run, d.subtask_id.split("/", 1)[1], d.device_id)

    async def _fail_unplaceable(self, run: TaskRun, sid: str) -> None:
        sub = run.graph.subtask(sid)
        error = (
            f"no device can run subtask {sid}: it needs {sub.device.describe()}; attach one"
            f" (fleetmind device {sub.device.kind or 'virtual'} --connect {self.url})"
        )
        run.graph.mark_unplaceable(sid, error)
        self._emit_state(run, sid)
        self._wake.set()

    async def _assign(self, run: TaskRun, sid: str, device_id: str) -> None:
        graph = run.graph
        graph.mark_running(sid, device_id)
        sub = graph.subtask(sid)
        attempt = Attempt(wire_id(run.id, sid, sub.attempts), device_id)
        run.running[sid] = attempt
        run.attempts_on[(sid, device_id)] += 1
        entry = self.registry[device_id]
        entry.running.add(attempt.wire_id)
        entry.assigned_total += 1
        attempt.timer = asyncio.get_running_loop().call_later(
            sub.timeout_s,
            lambda: self._spawn(
                self._attempt_failed_by_wire(attempt.wire_id, f"timed out after {sub.timeout_s:.0f}s", retryable=True)
            ),
        )
        self._emit_state(run, sid)
        try:
            await self._send_to_device(device_id, self._assignment(run, sid, attempt, device_id))
        except ProtocolError as exc:  # e.g. inputs too large for one frame: no device could take it
            await self._attempt_failed_by_wire(attempt.wire_id, f"could not assign it: {exc}", retryable=False)

    def _assignment(self, run: TaskRun, sid: str, attempt: Attempt, device_id: str) -> Assign:
        graph, sub = run.graph, run.graph.subtask(sid)
        return Assign(
            subtask_id=attempt.wire_id,
            task_id=run.id,
            device_id=device_id,
            goal=sub.goal,
            inputs=graph.resolve_inputs(sid),
            outputs=sub.outputs,
            privacy=graph.effective_privacy(sid),
            budget=run.budget,
            deadline_s=sub.timeout_s,
            tier_policy=run.policy,
            confirm=run.confirm,
            attempt=sub.attempts,
            hint=sub.hint,
        )

    async def _release(self, attempt: Attempt) -> None:
        if attempt.timer:
            attempt.timer.cancel()
        entry = self.registry.get(attempt.device_id)
        if entry:
            entry.running.discard(attempt.wire_id)

    async def _send_to_device(self, device_id: str, message: Message) -> None:
        entry = self.registry.get(device_id)
        agent = self.sessions.get(entry.session_id) if entry else None
        if agent is None:
            log.warning("no session for device %s; dropping %s", device_id, message.type)
            return
        await agent.link.send(message)

    # events ----------------------------------------------------------------------------

    def _finish(self, run: TaskRun) -> None:
        if run.done.done():
            return
        run.status = (
            "succeeded"
            if run.graph.succeeded or succeeded_as_asked(run.graph)
            else ("cancelled" if all(s.status == "cancelled" for s in run.graph.subtasks()) else "failed")
        )
        failed = [s for s in run.graph.subtasks() if s.status == "failed"]
        run.error = "; ".join(f"{s.id}: {s.result.error if s.result else 'failed'}" for s in failed) or None
        self._emit(run, "task_finished", {"status": run.status, "error": run.error, "summary": self.summary(run)})
        run.done.set_result(run)
        for old in finished_to_prune(self.runs.values(), self.limits.finished_runs_kept):
            del self.runs[old]  # the store keeps it; the API reads it from there
        self._wake.set()

    def summary(self, run: TaskRun) -> dict[str, Any]:
        """Counts for the end of a task: subtasks by status, steps by tier, cost, tokens, cloud calls
        and per-tier usage (`usage.usage_of`), time."""
        return {
            "subtasks": dict(Counter(s.status for s in run.graph.subtasks())),
            "steps": len(run.steps),
            "tiers": dict(Counter(s["tier"] for s in run.steps)),
            "cost_usd": round(sum(s["cost_usd"] for s in run.steps), 6),
            **usage_of(run.steps),
            "elapsed_s": round(run.elapsed_s, 2),
            "graph_version": run.graph.version,
            "graph": run.graph.metrics().model_dump(),
            "outputs": {s.id: s.result.outputs for s in run.graph.subtasks() if s.result and s.result.outputs},
            "stuck": {s.id: stuck_line(s.result.report) for s in run.graph.subtasks() if s.result and s.result.report},
            "not_run": {s.id: s.result.error for s in run.graph.subtasks() if not_taken(s) and s.result},
        }

    def _emit_state(self, run: TaskRun, sid: str) -> None:
        sub = run.graph.subtask(sid)
        if sub.status != "running":  # whoever asked is gone: its questions cannot be answered
            run.questions = {q: data for q, data in run.questions.items() if data["subtask"] != sid}
        self._emit(
            run,
            "subtask_state",
            {
                "subtask": sid,
                "status": sub.status,
                "device": sub.device_id,
                "attempts": sub.attempts,
                "result": sub.result.model_dump() if sub.result else None,
            },
        )

    def _emit(self, run: TaskRun, kind: str, data: dict[str, Any]) -> None:
        event = self.store.append(Event(task_id=run.id, kind=kind, data=data))
        telemetry.observe(self, event)  # spans and metrics (telemetry.py); no-op spans unless tracing is set up
        for queue in self._subscribers:
            queue.put_nowait(event)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _agents_only(self, connection: ServerConnection, request: Request) -> Response | None:
        """The own listener serves the agent endpoint (browsers only from allowed origins)."""
        return _agents_only(connection, request, self.browser)


def _agents_only(connection: ServerConnection, request: Request, browser: BrowserPolicy) -> Response | None:
    """The own listener serves the agent endpoint; the client API lives in fleetmind.api."""
    problem = browser.problem(request.headers.get("Host"), request.headers.get("Origin"))
    if problem is not None:
        return connection.respond(HTTPStatus.FORBIDDEN, problem + "\n")
    if request.path.split("?", 1)[0] == "/agent":
        return None
    return connection.respond(
        HTTPStatus.NOT_FOUND, "only the agent endpoint /agent is here; fleetmind serve serves the client API\n"
    )
