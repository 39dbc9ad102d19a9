"""Crash recovery: every graph change goes to the store as it happens, and a restarted
orchestrator rebuilds its unfinished tasks from there.

`JournalGraph` is a `TaskGraph` that writes each applied patch (with the version it
made) and each status transition to the store's graph journal, and each attempt by
wire id. `replay` builds the same graph again from that journal, through the same
methods and so along the same `TRANSITIONS`. `recover` puts the rebuilt tasks back into
an `Orchestrator`, with their running attempts held for the agent sessions that ran
them: an agent that comes back resumes its session (its last seq taken in is stored
after each message is applied), its unacked results are replayed and accepted once by
attempt id; a session that stays away past the reconnect grace has its attempts
re-dispatched. A held attempt's assign is queued again for its session (the process may
have died between recording the attempt and sending it); a host that already has it
ignores it. Finished subtasks are never run again: they replay as finished.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from typing import TYPE_CHECKING, Any

from ..protocol.messages import Budget, DeviceProfile, Hello
from ..protocol.session import Session
from ..protocol.transport import Link
from .graph import GraphPatch, SubtaskResult, TaskGraph
from .runs import AgentSession, Attempt, TaskRun, wire_id
from .store import DurableStore, EventStore
from .subtask import TERMINAL

if TYPE_CHECKING:
    from .server import Orchestrator

log = logging.getLogger(__name__)


class ReplayMismatch(RuntimeError):
    """The journal does not replay to what it recorded (a corrupt or foreign store)."""


class JournalGraph(TaskGraph):
    """A TaskGraph whose every change is written to a `DurableStore` (none: not journaled)."""

    def __init__(self, task_id: str, request: str = "", store: DurableStore | None = None) -> None:
        super().__init__(task_id, request)
        self.store = store

    def _log(self, op: str, sid: str | None, args: dict[str, Any]) -> None:
        if self.store is not None:
            self.store.append_op(self.task_id, op, sid, self.version, args)

    def _attempt(self, sid: str, outcome: str, result: SubtaskResult | None) -> None:
        s = self.subtask(sid)
        if self.store is not None and s.attempts and s.device_id:
            wire = wire_id(self.task_id, sid, s.attempts)
            self.store.save_attempt(
                wire, self.task_id, sid, s.device_id, outcome, result.model_dump() if result else None
            )

    def apply(self, patch: GraphPatch) -> int:
        """Apply and journal a patch with the version it made."""
        version = super().apply(patch)
        self._log("apply", None, {"patch": patch.model_dump(mode="json", by_alias=True)})
        return version

    def refresh(self) -> list[str]:
        """Promote or skip pending subtasks; journal which moved."""
        changed = super().refresh()
        if changed:
            self._log("refresh", None, {"changed": changed})
        return changed

    def mark_running(self, subtask_id: str, device_id: str) -> None:
        """Start an attempt; journal it and record the attempt as running."""
        super().mark_running(subtask_id, device_id)
        self._log("mark_running", subtask_id, {"device_id": device_id})
        self._attempt(subtask_id, "running", None)

    def mark_finished(self, subtask_id: str, result: SubtaskResult) -> None:
        """Finish the running attempt; journal it with its result."""
        super().mark_finished(subtask_id, result)
        self._log("mark_finished", subtask_id, {"result": result.model_dump()})
        self._attempt(subtask_id, result.status, result)

    def retry(self, subtask_id: str, error: str) -> None:
        """Send a running subtask back to ready; journal it."""
        super().retry(subtask_id, error)
        self._log("retry", subtask_id, {"error": error})
        self._attempt(subtask_id, "retried", SubtaskResult(status="failed", error=error))

    def mark_unplaceable(self, subtask_id: str, error: str) -> None:
        """Fail a subtask no device can take; journal it."""
        super().mark_unplaceable(subtask_id, error)
        self._log("mark_unplaceable", subtask_id, {"error": error})

    def cancel(self, subtask_id: str, reason: str) -> None:
        """Cancel a subtask that has not started; journal it."""
        super().cancel(subtask_id, reason)
        self._log("cancel", subtask_id, {"reason": reason})


def durable_store(store: EventStore) -> DurableStore | None:
    """The store as a DurableStore, or None when it keeps only events."""
    return store if isinstance(store, DurableStore) else None


def new_graph(store: EventStore, task_id: str, request: str, settings: dict[str, Any]) -> JournalGraph:
    """Record a new task (request and settings) and return its journaled, empty graph."""
    durable = durable_store(store)
    if durable is not None:
        durable.save_task(task_id, request, settings)
    return JournalGraph(task_id, request, durable)


def replay(store: DurableStore, task_id: str) -> tuple[JournalGraph, Counter[tuple[str, str]]]:
    """Rebuild a task's graph from its journal; also how many attempts each (subtask, device) had."""
    record = store.task_record(task_id)
    if record is None:
        raise KeyError(f"task {task_id} is not in the store")
    graph = JournalGraph(task_id, record["request"], None)  # replaying writes nothing
    attempts: Counter[tuple[str, str]] = Counter()
    for op, sid, version, args in store.ops(task_id):
        if op == "apply":
            graph.apply(GraphPatch.model_validate(args["patch"]))
            if graph.version != version:
                raise ReplayMismatch(f"task {task_id}: patch replays to version {graph.version}, stored {version}")
        elif op == "refresh":
            changed = graph.refresh()
            if sorted(changed) != sorted(args["changed"]):
                raise ReplayMismatch(f"task {task_id}: refresh moved {changed}, stored {args['changed']}")
        elif sid is None:
            raise ReplayMismatch(f"task {task_id}: {op} without a subtask")
        elif op == "mark_running":
            graph.mark_running(sid, args["device_id"])
            attempts[(sid, args["device_id"])] += 1
        elif op == "mark_finished":
            graph.mark_finished(sid, SubtaskResult.model_validate(args["result"]))
        elif op == "retry":
            graph.retry(sid, args["error"])
        elif op == "mark_unplaceable":
            graph.mark_unplaceable(sid, args["error"])
        elif op == "cancel":
            graph.cancel(sid, args["reason"])
        else:
            raise ReplayMismatch(f"task {task_id}: unknown journal op {op!r}")
    graph.store = store
    return graph, attempts


def recover(orch: Orchestrator) -> list[str]:
    """Put every unfinished task of the store back into `orch`; returns their ids.

    Running attempts wait for their agent sessions (restored from the store, offline)
    for the reconnect grace; then they are re-dispatched like any lost device's work.
    """
    store = durable_store(orch.store)
    if store is None:
        return []
    loop = asyncio.get_running_loop()
    recovered: list[str] = []
    for task_id in store.unfinished_tasks():
        if task_id in orch.runs:
            continue
        record = store.task_record(task_id)
        try:
            graph, attempts_on = replay(store, task_id)
        except Exception as exc:  # one bad task must not keep the others down
            log.error("task %s cannot be rebuilt from the store: %s", task_id, exc)
            continue
        assert record is not None
        run = TaskRun(
            id=task_id,
            request=record["request"],
            graph=graph,
            policy=record.get("policy", "auto"),
            budget=Budget.model_validate(record.get("budget") or {}),
            confirm=record.get("confirm", "ask"),
            done=loop.create_future(),
        )
        run.attempts_on = attempts_on
        for sub in graph.subtasks():
            if sub.status == "running" and sub.device_id:
                run.running[sub.id] = attempt = Attempt(wire_id(task_id, sub.id, sub.attempts), sub.device_id)
                _arm_timeout(orch, attempt, sub.timeout_s)
        _replay_events(run, store)
        orch.runs[task_id] = run
        for sid in _unlogged_states(run, store):  # the journal and the event log are two writes apart
            orch._emit_state(run, sid)  # noqa: SLF001
        recovered.append(task_id)
        held = ", ".join(a.wire_id for a in run.running.values()) or "none"
        orch._emit(run, "log", {"message": f"rebuilt from the store after a restart; running attempts held: {held}"})  # noqa: SLF001
    _restore_sessions(orch, store)
    if recovered:
        log.warning("recovered %d unfinished tasks from the store: %s", len(recovered), ", ".join(recovered))
    return recovered


def _replay_events(run: TaskRun, store: DurableStore) -> None:
    """The steps so far, and the questions the running attempts asked and nobody answered."""
    held = {a.wire_id for a in run.running.values()}
    for event in store.events(run.id):
        if event.kind == "step_progress":
            run.steps.append(event.data)
        elif event.kind == "question" and event.data.get("wire_id") in held:
            run.questions[str(event.data["id"])] = event.data
        elif event.kind == "answered":
            run.questions.pop(str(event.data.get("id")), None)


def _unlogged_states(run: TaskRun, store: DurableStore) -> list[str]:
    """Finished subtasks whose end the event log does not show last: a process killed between
    journaling a result and logging it. Logged now, readers of the event log (the API's view of an
    old task, followers) see what the graph holds. (A missed start is logged by what comes next.)"""
    logged: dict[str, str] = {}
    for event in store.events(run.id):
        if event.kind == "subtask_state":
            logged[str(event.data.get("subtask"))] = str(event.data.get("status"))
    return [s.id for s in run.graph.subtasks() if s.status in TERMINAL and logged.get(s.id) != s.status]


def _arm_timeout(orch: Orchestrator, attempt: Attempt, timeout_s: float) -> None:
    def expire() -> None:
        failing = orch._attempt_failed_by_wire(attempt.wire_id, f"timed out after {timeout_s:.0f}s", retryable=True)  # noqa: SLF001
        orch._spawn(failing)  # noqa: SLF001

    attempt.timer = asyncio.get_running_loop().call_later(timeout_s, expire)


def _restore_sessions(orch: Orchestrator, store: DurableStore) -> None:
    """Restore, offline, the sessions whose devices hold recovered attempts; start their grace."""
    held = {a.device_id: a.wire_id for run in orch.runs.values() for a in run.running.values()}
    holders = {a.device_id: (run, sid, a) for run in orch.runs.values() for sid, a in run.running.items()}
    claimed: set[str] = set()
    for row in reversed(store.sessions()):  # newest first: a device's latest session holds it
        profiles = [DeviceProfile.model_validate(d) for d in row["devices"]]
        ids = [p.id for p in profiles if p.id not in claimed]
        claimed.update(ids)
        if not any(d in held for d in ids) or row["session_id"] in orch.sessions:
            continue
        session = Session(row["session_id"], last_received=row["last_received"])
        agent = AgentSession(row["agent_id"], Link(session), ids)
        orch.sessions[session.session_id] = agent
        _restored.add(session.session_id)
        if row.get("key_id"):  # only the key that held it may resume it (identity.decide_hello)
            orch.gate.session_keys[session.session_id] = row["key_id"]
        orch.registry.announce(session.session_id, [p for p in profiles if p.id in ids])
        for device_id in ids:
            if device_id in held:
                orch.registry[device_id].running.add(held[device_id])
                # Its assign may have died with the process: it goes again when the agent resumes (renumbered
                # by `resumed`); a host that has it already ignores it by attempt id.
                run, sid, attempt = holders[device_id]
                session.stamp(orch._assignment(run, sid, attempt, device_id))  # noqa: SLF001
        orch._lost(agent)  # noqa: SLF001 - offline until it comes back, re-dispatched after the grace
    for device_id, wire in held.items():
        if device_id not in claimed:  # no stored session drives it: only the grace can bring it back
            _arm_grace(orch, wire, device_id)


def _arm_grace(orch: Orchestrator, wire: str, device_id: str) -> None:
    def expire() -> None:
        reason = f"device {device_id} did not come back within {orch.reconnect_grace_s:.0f}s of a restart"
        orch._spawn(orch._attempt_failed_by_wire(wire, reason, retryable=True))  # noqa: SLF001

    asyncio.get_running_loop().call_later(orch.reconnect_grace_s, expire)


_restored: set[str] = set()
"""Ids of sessions restored from the store whose agent has not come back yet."""


def resumed(agent: AgentSession, peer_last_seq: int) -> None:
    """A session restored from the store numbers its messages on from the last one the
    agent says it received (what the dead process sent is gone; the agent expects no
    gap): what was queued for it meanwhile (an answer, a cancel) is renumbered."""
    session = agent.link.session
    if session.session_id not in _restored:
        return
    _restored.discard(session.session_id)
    queued = list(session._unacked.values())  # noqa: SLF001 - renumbering is the session's own business here
    session._unacked.clear()  # noqa: SLF001
    session.next_seq = peer_last_seq + 1
    for message in queued:
        session.stamp(message)


def session_opened(orch: Orchestrator, agent: AgentSession, hello: Hello) -> None:
    """Record a session with its devices' profiles and device key (so a restart can restore it)."""
    durable = durable_store(orch.store)
    if durable is not None:
        session = agent.link.session
        profiles = [d.model_dump(mode="json") for d in hello.devices]
        key_id = orch.gate.session_keys.get(session.session_id)
        durable.save_session(session.session_id, agent.agent_id, profiles, session.last_received, key_id)


def message_applied(store: EventStore, agent: AgentSession) -> None:
    """Record the last seq taken in from a session, once its message was applied."""
    durable = durable_store(store)
    if durable is not None:
        durable.note_received(agent.link.session.session_id, agent.link.session.last_received)
