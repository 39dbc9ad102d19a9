"""Shared by test_security*.py and test_limits*.py (no tests here): a served orchestrator
on loopback with a real SQLite file, a planner that needs no model, and `TinyAgent`, a
device agent written against the protocol directly over a real WebSocket."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from fleetmind.api.server import ApiServer
from fleetmind.orchestrator.graph import GraphPatch
from fleetmind.orchestrator.identity import DeviceKeys
from fleetmind.orchestrator.server import Orchestrator
from fleetmind.orchestrator.store import SQLiteStore
from fleetmind.orchestrator.subtask import DeviceRequirement, SubtaskSpec
from fleetmind.protocol.messages import (
    Accept,
    Assign,
    DeviceProfile,
    Error,
    Hello,
    Message,
    Result,
    Resume,
    Welcome,
)
from fleetmind.protocol.session import Session
from fleetmind.protocol.transport import Link, receive, send_unsequenced

M = TypeVar("M")


class PhonePlanner:
    """Plans every request as `subtasks` phone subtasks (on `device` when given), no model needed."""

    def __init__(self, subtasks: int = 1, device: str | None = None, max_attempts: int = 2) -> None:
        self.subtasks, self.device, self.max_attempts = subtasks, device, max_attempts

    async def plan(self, request: str, devices: Sequence[DeviceProfile]) -> GraphPatch:
        need = DeviceRequirement(device_id=self.device) if self.device else DeviceRequirement(kind="phone")
        specs = [
            SubtaskSpec(
                id=f"s{i}", goal=f"{request} #{i}", device=need, outputs=["result"], max_attempts=self.max_attempts
            )
            for i in range(self.subtasks)
        ]
        return GraphPatch.from_specs(specs)


@contextlib.asynccontextmanager
async def served(
    db: Path | None = None, planner: Any = None, **orchestrator: Any
) -> AsyncIterator[tuple[Orchestrator, ApiServer]]:
    """An orchestrator served by ApiServer on 127.0.0.1 (its events and keys in `db`, a real file)."""
    store = SQLiteStore(db) if db else SQLiteStore()
    keys = orchestrator.pop("keys", None) or (DeviceKeys(db) if db else None)
    orch = Orchestrator(planner or PhonePlanner(), store=store, keys=keys, **orchestrator)
    async with ApiServer(orch) as server:
        yield orch, server


class TinyAgent:
    """A device agent over the real protocol, small enough to run twenty of.

    With `auto`, it accepts every assignment and reports it succeeded at once; otherwise
    the test drives it (`send`, `next`). Everything the orchestrator sends lands in `inbox`.
    """

    def __init__(
        self, url: str, *device_ids: str, token: str | None = None, agent_id: str = "tiny", auto: bool = True
    ) -> None:
        self.url, self.device_ids, self.token, self.agent_id, self.auto = url, device_ids, token, agent_id, auto
        self.inbox: asyncio.Queue[Message] = asyncio.Queue()
        self.link: Link | None = None
        self.ws: ClientConnection | None = None
        self.welcome: Welcome | None = None
        self.closed = asyncio.Event()
        self._reader: asyncio.Task[None] | None = None

    async def hello(
        self, *, resume: bool = False, running: Sequence[str] = (), headers: dict[str, str] | None = None
    ) -> Welcome | Error:
        """Dial, say hello and return the reply; on a welcome, start reading."""
        await self.drop()
        self.ws = await connect(self.url, additional_headers=headers, open_timeout=10)
        session = self.link.session if self.link and resume else None
        hello = Hello(
            agent_id=self.agent_id,
            token=self.token,
            devices=[DeviceProfile(id=d, kind="phone") for d in self.device_ids],
            resume=Resume(session_id=session.session_id, last_seq=session.last_received) if session else None,
            running=list(running),
        )
        await send_unsequenced(self.ws, hello, session)
        reply = await receive(self.ws, None)
        if isinstance(reply, Welcome):
            self.welcome = reply
            if self.link is None or self.link.session.session_id != reply.session_id:
                self.link = Link(Session(reply.session_id))
            await self.link.attach(self.ws, reply.last_seq)
            self.closed.clear()
            self._reader = asyncio.create_task(self._read(self.ws))
        assert isinstance(reply, (Welcome, Error)), reply
        return reply

    async def _read(self, ws: ClientConnection) -> None:
        assert self.link is not None
        try:
            while True:
                message = await receive(ws, self.link.session)
                if not self.auto:  # an auto agent keeps nothing: twenty of them soak for minutes
                    await self.inbox.put(message)
                if self.auto and isinstance(message, Assign):
                    await self.link.send(Accept(subtask_id=message.subtask_id, corr=message.id))
                    outputs = {name: f"{message.device_id}: {message.goal}" for name in message.outputs}
                    await self.link.send(Result(subtask_id=message.subtask_id, status="succeeded", outputs=outputs))
        except ConnectionClosed:
            pass
        finally:
            self.closed.set()

    async def send(self, message: Message) -> Message:
        """Send a sequenced message on the session."""
        assert self.link is not None
        return await self.link.send(message)

    async def next(self, kind: type[M], timeout_s: float = 10.0) -> M:
        """The next message of this kind (others are skipped)."""
        async with asyncio.timeout(timeout_s):
            while True:
                message = await self.inbox.get()
                if isinstance(message, kind):
                    return message

    async def raw(self, frame: str | bytes) -> None:
        """Send a frame as is."""
        assert self.ws is not None
        await self.ws.send(frame)

    async def raw_reply(self, frame: str | bytes, timeout_s: float = 10.0) -> Message:
        """Send a frame as is and return the next error the orchestrator answers with."""
        await self.raw(frame)
        return await self.next(Error, timeout_s)

    async def drop(self) -> None:
        """Close the connection (the session stays, for a resume)."""
        if self.ws is not None:
            await self.ws.close()
            if self._reader is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await self._reader
            self.ws = None
