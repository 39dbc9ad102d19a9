"""The device-agent host: dials an orchestrator, announces its devices, and runs each
assigned subtask with a GUI agent loop, streaming progress and returning results.

A dropped connection does not stop running subtasks: the host reconnects with its
session id and last seq, both sides replay what the other missed, and a result
produced while offline is delivered exactly once after the reconnect.

A question goes to whoever submitted the task and waits at most `question_timeout_s`
for the answer; without one the subtask fails naming the question. With a
`state_dir`, a question also outlives the host process: the session, the running
subtasks and the loops' checkpoints are on disk (state.py, ../checkpoints.py), a
restarted host resumes the session, and a subtask that waited on a question goes on
when the answer arrives, even one sent while the host was down. A subtask that was
between two steps when the host stopped is not resumed (its last action may or may
not have happened); it is reported failed, and the orchestrator may retry it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from ...devices.base import Device
from ...protocol.codec import CLOSE_PROTOCOL_VIOLATION, CLOSE_UNAUTHORIZED, CLOSE_UNSUPPORTED_VERSION, ProtocolError
from ...protocol.messages import (
    Accept,
    Ack,
    Answer,
    Assign,
    Cancel,
    DeviceProfile,
    Error,
    Hello,
    Reject,
    Result,
    Resume,
    Welcome,
)
from ...protocol.session import Session
from ...protocol.transport import MAX_FRAME_BYTES, Link, receive, send_unsequenced
from ...secrets.keeper import SecretKeeper
from ..checkpoints import sqlite_checkpointer
from ..loop import GuiAgent, LoopResult
from .key import KEY_FILE, HostCredentials, client_ssl
from .pending import PendingAnswers
from .state import DurableSession, HostState, StateMismatch
from .subtasks import SubtaskRunner

log = logging.getLogger(__name__)

FATAL_CLOSE_CODES = {CLOSE_UNAUTHORIZED, CLOSE_UNSUPPORTED_VERSION, CLOSE_PROTOCOL_VIOLATION}
DEFAULT_QUESTION_TIMEOUT_S = 600.0
"""How long a question waits for the user's answer unless the host is told otherwise."""
REFUSED = frozenset(
    {"unauthorized", "revoked", "used", "expired", "device_claimed", "session_key_mismatch", "too_many_devices"}
)
"""Refusals of a hello that stop the host (a wrong credential or identity); any other error
reply (a busy device, too many sessions) makes it wait `RETRY_S` and say hello again."""
RETRY_S = 5.0
WELCOME_TIMEOUT_S = 30.0


class _RetryLater(Exception):
    """The orchestrator refused the hello for now (a busy device, too many sessions)."""


class HostError(RuntimeError):
    """The orchestrator refused this host for good (bad token, protocol version), or its
    state directory cannot be used."""


def profile_of(device: Device) -> DeviceProfile:
    """The protocol's view of a device."""
    return DeviceProfile.model_validate(device.info.model_dump())


def default_agent_id(devices: Sequence[Device]) -> str:
    """The agent id a host announces unless given one: this machine's name and its devices."""
    return f"{socket.gethostname()}-{'+'.join(d.info.id for d in devices)}"


class DeviceAgentHost(SubtaskRunner):
    """Serves one or more devices to an orchestrator at `url`.

    question_timeout_s: how long a question waits for an answer (sent with it as its
        deadline); with none by then the subtask fails, naming the question. A question
        never waits past the subtask's own deadline (the assignment's deadline_s).
    state_dir: keep the session, the running subtasks and the agent loops' checkpoints
        there (SQLite), so a question survives a restart of the host; the same directory
        and agent id resume it. None (the default) keeps them in memory.
    credentials: the device key (file) and enrolment token to present (key.py); by
        default `token`, and the key in state_dir/device.key if there is one. ca_file: a CA
        to trust for a wss:// orchestrator.
    secrets: answers secret questions from this machine's secret store and types their
        values (secrets/keeper.py); by default the configured store, opened when first needed.
    """

    def __init__(
        self,
        url: str,
        devices: Sequence[Device],
        agent_factory: Callable[[Device], GuiAgent],
        *,
        agent_id: str | None = None,
        token: str | None = None,
        question_timeout_s: float = DEFAULT_QUESTION_TIMEOUT_S,
        state_dir: str | Path | None = None,
        credentials: HostCredentials | None = None,
        ca_file: str | Path | None = None,
        secrets: SecretKeeper | None = None,
    ) -> None:
        self.url = url
        self.secrets = secrets or SecretKeeper()
        self.retry_s = RETRY_S
        """Seconds to wait before saying hello again after a refusal that passes."""
        key_file = Path(state_dir) / KEY_FILE if state_dir is not None else None
        self.credentials = credentials or HostCredentials(token=token, key_file=key_file)
        self._ssl = client_ssl(url, ca_file)
        self.devices = {d.info.id: d for d in devices}
        self.agents = {d.info.id: agent_factory(self.secrets.device(d)) for d in devices}
        self.agent_id = agent_id or default_agent_id(devices)
        self.token = token
        self.answers = PendingAnswers(question_timeout_s)
        """The questions subtasks wait on; its timeout_s is `question_timeout_s`."""
        self.state_dir = Path(state_dir) if state_dir is not None else None
        self.state: HostState | None = None
        """The on-disk record while `run` runs with a state_dir."""
        self.link: Link | None = None
        self.connected = asyncio.Event()
        self.finished: set[str] = set()
        """Wire ids of subtasks this host has run to the end (duplicates are ignored)."""
        self._running: dict[str, asyncio.Task[None]] = {}
        self._busy: dict[str, str] = {}
        self._cancelled: set[str] = set()
        self._checkpointer: BaseCheckpointSaver[Any] | None = None
        self._restored: DurableSession | None = None
        self._ws: ClientConnection | None = None
        self.connections = 0
        """Successful hello/welcome exchanges so far (reconnects included)."""
        self._connection_made = asyncio.Condition()

    async def run(self) -> None:
        """Connect, serve, and reconnect after drops until cancelled or refused.

        With a state_dir, what a previous run left there is resumed; when this run ends,
        its subtasks stop where they are, unreported, for the next run to pick up.
        """
        async with contextlib.AsyncExitStack() as stack:
            if self.state_dir is not None:
                await self._open_state(stack, self.state_dir)
            async for ws in connect(self.url, max_size=MAX_FRAME_BYTES, open_timeout=10, ssl=self._ssl):
                self._ws = ws
                retry = False
                try:
                    await self._serve(ws)
                except ConnectionClosed:
                    pass
                except TimeoutError:
                    log.warning("no welcome from %s in %.0fs; reconnecting", self.url, WELCOME_TIMEOUT_S)
                except _RetryLater as exc:
                    log.warning("%s; trying again in %.0fs", exc, self.retry_s)
                    retry = True
                except ProtocolError as exc:  # only fatal ones leave receive(): another protocol version
                    if not self.connected.is_set():  # its first answer: a real mismatch, for good
                        raise HostError(f"orchestrator at {self.url}: {exc}") from None
                    log.warning("orchestrator sent a frame of another protocol version; reconnecting")
                    retry = True
                finally:
                    self.connected.clear()
                    if self.link:
                        self.link.detach(ws)
                    await ws.close(1001, "host stopping")  # a no-op after a drop
                if ws.close_code in FATAL_CLOSE_CODES and not retry:  # (a code we sent ourselves when retrying)
                    raise HostError(f"orchestrator closed the connection: {ws.close_reason or ws.close_code}")
                if retry:
                    await asyncio.sleep(self.retry_s)  # a back-off deadline: the device may be free by then
                log.warning("connection to %s lost; reconnecting", self.url)

    async def _open_state(self, stack: contextlib.AsyncExitStack, directory: Path) -> None:
        try:
            state = HostState(directory, self.agent_id)
        except (OSError, StateMismatch) as exc:
            raise HostError(str(exc)) from None
        stack.callback(state.close)
        checkpointer = await stack.enter_async_context(sqlite_checkpointer(state.checkpoints_path))
        stack.push_async_callback(self._halt)  # before the checkpointer closes
        for agent in self.agents.values():
            bind = getattr(agent, "use_checkpointer", None)
            if bind is None:
                log.warning("%s cannot keep its questions on disk; they end with this host", type(agent).__name__)
            else:
                bind(checkpointer)
        self.state, self._checkpointer = state, checkpointer
        self._restored = DurableSession.restore(state)
        if self._restored is not None:  # a result still on its way is a finished subtask: never run it again
            self.finished.update(m.subtask_id for m in self._restored.pending() if isinstance(m, Result))

    async def _halt(self) -> None:
        """Stop every subtask where it is, as a killed process would; the state keeps them."""
        tasks = list(self._running.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def wait_connections(self, count: int) -> None:
        """Wait until this host has connected `count` times in all."""
        async with self._connection_made:
            await self._connection_made.wait_for(lambda: self.connections >= count)

    async def drop_connection(self) -> None:
        """Close the current socket abruptly (used to test and demonstrate resume)."""
        if self._ws is not None:
            await self._ws.close(1011, "dropped")

    async def _serve(self, ws: ClientConnection) -> None:
        session = self.link.session if self.link else self._restored
        running = sorted(self._running)
        if self.link is None and self._restored is not None and self.state is not None:
            running = [s.assign.subtask_id for s in self.state.subtasks()]
        hello = Hello(
            agent_id=self.agent_id,
            token=self.credentials.present(),
            devices=[profile_of(d) for d in self.devices.values()],
            resume=Resume(session_id=session.session_id, last_seq=session.last_received) if session else None,
            running=running,
        )
        await send_unsequenced(ws, hello, session)
        async with asyncio.timeout(WELCOME_TIMEOUT_S):
            welcome = await receive(ws, None)
            while not isinstance(welcome, (Welcome, Error)):  # anything else before the welcome is noise
                log.info("expected welcome, got %s; ignored", welcome.type)
                welcome = await receive(ws, None)
        if isinstance(welcome, Error) and welcome.code in REFUSED:
            raise HostError(f"orchestrator refused the hello: {welcome.message}")
        if isinstance(welcome, Error):
            raise _RetryLater(f"orchestrator did not take the hello ({welcome.code}): {welcome.message[:200]}")
        if welcome.key:
            self.credentials.store(welcome.key)
        restoring = False
        if self.link is None or welcome.session_id != self.link.session.session_id:
            restored, self._restored = self._restored, None
            if restored is not None and welcome.session_id == restored.session_id:
                self.link, restoring = Link(restored), True
            else:
                self.link = Link(await self._start_over(welcome))
        replayed = await self.link.attach(ws, welcome.last_seq)
        if restoring:  # before reading on: a replayed answer must find its question
            await self._restore_subtasks(set(welcome.resumed))
        log.info(
            "connected to %s as %s (session %s, replayed %d)", self.url, self.agent_id, welcome.session_id, replayed
        )
        self.connected.set()
        async with self._connection_made:
            self.connections += 1
            self._connection_made.notify_all()
        while True:
            # Acknowledge only what has been acted on (and recorded), so a host killed in
            # between gets the message again after its restart.
            message = await receive(ws, self.link.session, ack=False)
            try:
                await self._on_message(message)
            except Exception:  # one bad message must not stop the host or its other subtasks
                log.exception("handling %s from the orchestrator failed", message.type)
                reply = Error(code="internal", message=f"could not handle {message.type}", corr=message.id)
                await send_unsequenced(ws, reply, self.link.session)
            if message.seq:
                await send_unsequenced(ws, Ack(), self.link.session)

    async def _start_over(self, welcome: Welcome) -> Session:
        """A new session: whatever this host ran or recorded under an old one was given up there."""
        stale = [s.assign.subtask_id for s in self.state.subtasks()] if self.state else []
        if self._running or stale:
            log.warning(
                "orchestrator started a new session; abandoning %d running subtasks", len(self._running) + len(stale)
            )
        for task in self._running.values():
            task.cancel()
        self._running.clear()
        self._busy.clear()
        for sid in stale:
            await self._forget(sid)
        if self.state is None:
            return Session(welcome.session_id)
        return DurableSession.begin(self.state, welcome.session_id)

    async def _restore_subtasks(self, still_running: set[str]) -> None:
        """Pick up the recorded subtasks the orchestrator still counts as running here."""
        assert self.state is not None
        for stored in self.state.subtasks():
            msg = stored.assign
            if msg.subtask_id not in still_running:
                log.info("recorded subtask %s ended at the orchestrator meanwhile; dropped", msg.subtask_id)
                await self._forget(msg.subtask_id)
                continue
            if msg.device_id not in self.devices or msg.device_id in self._busy:
                why = f"the device host restarted without {msg.device_id} free; not resumed"
                await self._finish(msg, LoopResult("failed", why, error=why))
                continue
            self._busy[msg.device_id] = msg.subtask_id
            if stored.question_id is not None and stored.answer is None:
                self.answers.expect(msg.subtask_id, stored.question_id)
            log.info("resuming subtask %s (waiting on a question: %s)", msg.subtask_id, stored.question or "no")
            self._running[msg.subtask_id] = asyncio.create_task(self._run(msg, stored), name=msg.subtask_id)

    async def _on_message(self, message: object) -> None:
        assert self.link is not None
        match message:
            case Assign():
                await self._on_assign(message)
            case Cancel(subtask_id=sid):
                task = self._running.get(sid)
                if task:
                    self._cancelled.add(sid)
                    task.cancel()
                if self.state is not None:  # before the ack: a restarted host must not resume it
                    self.state.forget_subtask(sid)
            case Answer(subtask_id=sid, text=text, corr=corr):
                self._on_answer(sid, text, corr)
            case Error(message=text):
                log.warning("orchestrator reports: %s", text)
            case _:
                pass

    def _on_answer(self, sid: str, text: str, question_id: str | None) -> None:
        if not self.answers.accepts(sid, question_id):
            log.info("answer to an earlier question %s of %s; ignored", question_id, sid)
            return
        recorded = self.state.answered(sid, text, question_id) if self.state else False
        if not self.answers.deliver(sid, text) and not recorded:
            log.info("answer for %s, which waits on no question here; ignored", sid)

    async def _on_assign(self, msg: Assign) -> None:
        assert self.link is not None
        if msg.subtask_id in self._running or msg.subtask_id in self.finished:
            return  # a replayed assign: it is already ours
        device = self.devices.get(msg.device_id)
        if device is None:
            await self.link.send(Reject(subtask_id=msg.subtask_id, reason=f"no device {msg.device_id} here"))
            return
        if msg.device_id in self._busy:
            await self.link.send(
                Reject(subtask_id=msg.subtask_id, reason=f"{msg.device_id} is busy with {self._busy[msg.device_id]}")
            )
            return
        if self.state is not None:
            self.state.add_subtask(msg, time.time())
        self._busy[msg.device_id] = msg.subtask_id
        await self.link.send(Accept(subtask_id=msg.subtask_id, corr=msg.id))
        self._running[msg.subtask_id] = asyncio.create_task(self._run(msg), name=msg.subtask_id)

    async def close(self) -> None:
        """Cancel running subtasks and close the devices."""
        for task in list(self._running.values()):
            task.cancel()
        for task in list(self._running.values()):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for device in self.devices.values():
            await device.close()


__all__ = ["DEFAULT_QUESTION_TIMEOUT_S", "DeviceAgentHost", "HostError", "default_agent_id", "profile_of"]
