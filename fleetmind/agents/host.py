"""The device-agent host: dials an orchestrator, announces its devices, and runs each
assigned subtask with a GUI agent loop, streaming progress and returning results.

A dropped connection does not stop running subtasks: the host reconnects with its
session id and last seq, both sides replay what the other missed, and a result
produced while offline is delivered exactly once after the reconnect.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Callable, Sequence

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from ..devices.base import Device, DeviceError
from ..protocol.codec import CLOSE_PROTOCOL_VIOLATION, CLOSE_UNAUTHORIZED, CLOSE_UNSUPPORTED_VERSION
from ..protocol.messages import (
    Accept,
    Answer,
    Assign,
    Cancel,
    DeviceProfile,
    Error,
    Hello,
    Progress,
    Question,
    Reject,
    Result,
    Resume,
    Welcome,
)
from ..protocol.session import Session
from ..protocol.transport import MAX_FRAME_BYTES, Link, receive, send_unsequenced
from .loop import GuiAgent, LoopResult, StepRecord, SubtaskSpec
from .questions import PendingQuestion

log = logging.getLogger(__name__)

FATAL_CLOSE_CODES = {CLOSE_UNAUTHORIZED, CLOSE_UNSUPPORTED_VERSION, CLOSE_PROTOCOL_VIOLATION}


class HostError(RuntimeError):
    """The orchestrator refused this host for good (bad token, protocol version)."""


def profile_of(device: Device) -> DeviceProfile:
    """The protocol's view of a device."""
    return DeviceProfile.model_validate(device.info.model_dump())


class DeviceAgentHost:
    """Serves one or more devices to an orchestrator at `url`."""

    def __init__(
        self,
        url: str,
        devices: Sequence[Device],
        agent_factory: Callable[[Device], GuiAgent],
        *,
        agent_id: str | None = None,
        token: str | None = None,
    ) -> None:
        self.url = url
        self.devices = {d.info.id: d for d in devices}
        self.agents = {d.info.id: agent_factory(d) for d in devices}
        self.agent_id = agent_id or f"{socket.gethostname()}-{'+'.join(self.devices)}"
        self.token = token
        self.link: Link | None = None
        self.connected = asyncio.Event()
        self.finished: set[str] = set()
        """Wire ids of subtasks this host has run to the end (duplicates are ignored)."""
        self._running: dict[str, asyncio.Task[None]] = {}
        self._busy: dict[str, str] = {}
        self._answers: dict[str, asyncio.Future[str]] = {}
        self._ws: ClientConnection | None = None
        self.connections = 0
        """Successful hello/welcome exchanges so far (reconnects included)."""
        self._connection_made = asyncio.Condition()

    async def run(self) -> None:
        """Connect, serve, and reconnect after drops until cancelled or refused."""
        async for ws in connect(self.url, max_size=MAX_FRAME_BYTES, open_timeout=10):
            self._ws = ws
            try:
                await self._serve(ws)
            except ConnectionClosed:
                pass
            finally:
                self.connected.clear()
                if self.link:
                    self.link.detach(ws)
            if ws.close_code in FATAL_CLOSE_CODES:
                raise HostError(f"orchestrator closed the connection: {ws.close_reason or ws.close_code}")
            log.warning("connection to %s lost; reconnecting", self.url)

    async def wait_connections(self, count: int) -> None:
        """Wait until this host has connected `count` times in all."""
        async with self._connection_made:
            await self._connection_made.wait_for(lambda: self.connections >= count)

    async def drop_connection(self) -> None:
        """Close the current socket abruptly (used to test and demonstrate resume)."""
        if self._ws is not None:
            await self._ws.close(1011, "dropped")

    async def _serve(self, ws: ClientConnection) -> None:
        session = self.link.session if self.link else None
        hello = Hello(
            agent_id=self.agent_id,
            token=self.token,
            devices=[profile_of(d) for d in self.devices.values()],
            resume=Resume(session_id=session.session_id, last_seq=session.last_received) if session else None,
            running=sorted(self._running),
        )
        await send_unsequenced(ws, hello, session)
        welcome = await receive(ws, None)
        if isinstance(welcome, Error):
            raise HostError(f"orchestrator refused the hello: {welcome.message}")
        if not isinstance(welcome, Welcome):
            raise HostError(f"expected welcome, got {welcome.type}")
        if self.link is None or welcome.session_id != self.link.session.session_id:
            if self.link is not None:
                log.warning("orchestrator started a new session; abandoning %d running subtasks", len(self._running))
                for task in self._running.values():
                    task.cancel()
            self.link = Link(Session(welcome.session_id))
        replayed = await self.link.attach(ws, welcome.last_seq)
        log.info(
            "connected to %s as %s (session %s, replayed %d)", self.url, self.agent_id, welcome.session_id, replayed
        )
        self.connected.set()
        async with self._connection_made:
            self.connections += 1
            self._connection_made.notify_all()
        while True:
            message = await receive(ws, self.link.session)
            await self._on_message(message)

    async def _on_message(self, message: object) -> None:
        assert self.link is not None
        match message:
            case Assign():
                await self._on_assign(message)
            case Cancel(subtask_id=sid):
                task = self._running.get(sid)
                if task:
                    task.cancel()
            case Answer(subtask_id=sid, text=text):
                future = self._answers.pop(sid, None)
                if future and not future.done():
                    future.set_result(text)
            case Error(message=text):
                log.warning("orchestrator reports: %s", text)
            case _:
                pass

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
        await self.link.send(Accept(subtask_id=msg.subtask_id, corr=msg.id))
        self._busy[msg.device_id] = msg.subtask_id
        self._running[msg.subtask_id] = asyncio.create_task(self._run(msg), name=msg.subtask_id)

    async def _run(self, msg: Assign) -> None:
        assert self.link is not None
        link = self.link
        spec = SubtaskSpec(
            goal=msg.goal,
            inputs=msg.inputs,
            outputs=msg.outputs,
            privacy=msg.privacy,
            budget=msg.budget,
            tier_policy=msg.tier_policy,
            confirm=msg.confirm,
        )

        async def on_step(record: StepRecord) -> None:
            await link.send(
                Progress(
                    subtask_id=msg.subtask_id,
                    step=record.step,
                    action=record.action.model_dump(mode="json"),
                    summary=record.summary,
                    tier=record.tier,
                    why=record.why,
                    tokens=record.tokens,
                    cost_usd=record.cost_usd,
                    latency_ms=round(record.latency_ms, 1),
                )
            )

        async def ask(question: PendingQuestion) -> str:
            future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
            self._answers[msg.subtask_id] = future
            await link.send(
                Question(
                    subtask_id=msg.subtask_id, question=question.text, kind=question.kind, options=question.options
                )
            )
            return await future

        agent = self.agents[msg.device_id]
        try:
            async with asyncio.timeout(msg.deadline_s):
                result = await agent.run(spec, on_step=on_step, ask=ask, thread_id=msg.subtask_id)
        except asyncio.CancelledError:
            result = LoopResult("failed", "cancelled", error="cancelled by the orchestrator")
            await self._finish(msg, result, cancelled=True)
            raise
        except TimeoutError:
            result = LoopResult("failed", "deadline passed", error=f"deadline of {msg.deadline_s}s passed")
        except (DeviceError, OSError) as exc:
            result = LoopResult("failed", "device error", error=f"{msg.device_id}: {exc}")
        except Exception as exc:  # report, never die silently: the orchestrator decides what next
            log.exception("subtask %s crashed", msg.subtask_id)
            result = LoopResult("failed", "agent error", error=f"{type(exc).__name__}: {exc}")
        await self._finish(msg, result)

    async def _finish(self, msg: Assign, result: LoopResult, *, cancelled: bool = False) -> None:
        assert self.link is not None
        self._running.pop(msg.subtask_id, None)
        self._busy.pop(msg.device_id, None)
        self.finished.add(msg.subtask_id)
        status = "cancelled" if cancelled else result.status
        with contextlib.suppress(Exception):
            await self.link.send(
                Result(
                    subtask_id=msg.subtask_id,
                    status=status,
                    outputs=result.outputs,
                    summary=result.summary,
                    error=result.error,
                    steps=result.steps,
                    cost_usd=result.cost_usd,
                    verified=result.verified,
                    final=result.final,
                )
            )

    async def close(self) -> None:
        """Cancel running subtasks and close the devices."""
        for task in list(self._running.values()):
            task.cancel()
        for task in list(self._running.values()):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for device in self.devices.values():
            await device.close()


__all__ = ["DeviceAgentHost", "HostError", "profile_of"]
