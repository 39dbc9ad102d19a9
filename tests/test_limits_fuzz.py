"""Hypothesis throws malformed, truncated, out-of-order and duplicated frames at both ends of
the protocol over real loopback WebSockets: the orchestrator and the device host (the
receive path of `fleetmind device virtual`). Neither dies; every bad frame that is read
gets a short error reply; sessions and devices do not pile up.

Each side runs on an event loop in a background thread, so hypothesis (synchronous)
drives it through plain sockets and thread-safe futures.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import itertools
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_security_support import PhonePlanner
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect as sync_connect

from fleetmind.agents.host import DeviceAgentHost
from fleetmind.agents.records import LoopResult
from fleetmind.devices.virtual import VirtualPhone
from fleetmind.orchestrator.limits import Limits
from fleetmind.orchestrator.server import Orchestrator
from fleetmind.protocol.codec import decode, encode
from fleetmind.protocol.messages import DeviceProfile, Error, Hello, Welcome

EXAMPLES = 40
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
TO_ORCHESTRATOR = [
    {"type": "progress", "subtask_id": "t/s0#1", "step": 1, "action": {"kind": "wait"}, "tier": "rule"},
    {"type": "result", "subtask_id": "t/s0#1", "status": "succeeded", "outputs": {"result": "x"}},
    {"type": "reject", "subtask_id": "t/s0#1", "reason": "no"},
    {"type": "question", "subtask_id": "t/s0#1", "question": "which?"},
    {"type": "accept", "subtask_id": "t/s0#1"},
    {"type": "ack"},
    {"type": "error", "code": "x", "message": "y"},
    {"type": "hello", "agent_id": "again", "devices": []},
]
TO_HOST = [
    {"type": "assign", "subtask_id": "t/s0#1", "task_id": "t", "device_id": "phone-1", "goal": "open settings"},
    {"type": "assign", "subtask_id": "t/s1#1", "task_id": "t", "device_id": "phone-404", "goal": "x"},
    {"type": "cancel", "subtask_id": "t/s0#1", "reason": "stop"},
    {"type": "answer", "subtask_id": "t/s0#1", "text": "yes"},
    {"type": "welcome", "session_id": "other"},
    {"type": "ack"},
    {"type": "error", "code": "x", "message": "y"},
]


def frames(templates: list[dict[str, Any]]) -> st.SearchStrategy[list[str | bytes]]:
    """Frames built from valid messages, then broken: fields replaced by any JSON (NaN and
    infinities included), seq numbers out of order or repeated, cut short, or plain noise."""

    @st.composite
    def one(draw: st.DrawFn) -> str | bytes:
        message = dict(draw(st.sampled_from(templates)))
        message["seq"] = draw(st.integers(0, 6) | st.integers(-5, 2**70))
        if draw(st.booleans()):
            message[draw(st.sampled_from([*message, "v", "id", "ack", "ts", "extra"]))] = draw(JSON)
        text = json.dumps(message, allow_nan=True)
        how = draw(st.sampled_from(["as is", "as is", "cut", "nest", "noise", "bytes"]))
        if how == "cut":
            return text[: draw(st.integers(0, max(0, len(text) - 1)))]
        if how == "nest":
            depth = draw(st.integers(30, 3000))
            return text[:-1] + ', "deep": ' + "[" * depth + "]" * depth + "}"
        if how == "noise":
            return draw(st.text(max_size=60))
        if how == "bytes":
            return draw(st.binary(max_size=60))
        return text

    return st.lists(one(), min_size=1, max_size=12).flatmap(
        lambda xs: st.sampled_from([xs, xs + xs[:2], list(reversed(xs))])  # duplicated, out of order
    )


@contextlib.contextmanager
def background_loop() -> Iterator[asyncio.AbstractEventLoop]:
    """An event loop running in its own thread."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="fuzz-loop", daemon=True)
    thread.start()
    try:
        yield loop
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


def on(loop: asyncio.AbstractEventLoop, coro: Any, timeout_s: float = 20) -> Any:
    return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout_s)


PROBE = itertools.count()


def probe() -> tuple[str, str]:
    """A frame every peer must answer with an error quoting its id: an unknown message type."""
    pid = f"probe-{next(PROBE)}"
    return pid, json.dumps({"type": "teleport", "id": pid})


# --- against the orchestrator -------------------------------------------------------------


@pytest.fixture(scope="module")
def orchestrator() -> Iterator[tuple[asyncio.AbstractEventLoop, Orchestrator, str]]:
    with background_loop() as loop:

        async def start() -> tuple[Orchestrator, str]:
            orch = Orchestrator(PhonePlanner(), reconnect_grace_s=0.05, limits=Limits(max_sessions=64))
            return orch, await orch.start()

        orch, url = on(loop, start())
        yield loop, orch, url
        on(loop, orch.stop())


COUNTER = itertools.count()


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(frames(TO_ORCHESTRATOR))
def test_the_orchestrator_answers_any_frames_and_lives(
    orchestrator: tuple[asyncio.AbstractEventLoop, Orchestrator, str], sent: list[str | bytes]
) -> None:
    _loop, orch, url = orchestrator
    device = f"fz-{next(COUNTER)}"
    with sync_connect(url, open_timeout=10) as ws:
        ws.send(encode(Hello(agent_id="fuzz", devices=[DeviceProfile(id=device, kind="phone")])))
        assert isinstance(decode(ws.recv(timeout=10)), Welcome)
        pid, probe_frame = probe()
        replies = []
        with contextlib.suppress(ConnectionClosed):
            for frame in sent:
                ws.send(frame)
            ws.send(probe_frame)
            while True:
                reply = decode(ws.recv(timeout=10))  # whatever it sends is a valid message
                replies.append(reply)
                if isinstance(reply, Error) and reply.corr == pid:
                    break
        for reply in replies:
            assert not isinstance(reply, Error) or len(reply.message) < 400  # short quotes only
        errors = [r for r in replies if isinstance(r, Error) and r.corr != pid]
        assert len(errors) <= len(sent)
        if ws.close_code is not None:  # it may close, but only with a protocol code
            assert ws.close_code in (1000, 4002, 4003, 4004), ws.close_code
    # Still serving: a new agent is welcomed.
    with sync_connect(url, open_timeout=10) as ws:
        ws.send(encode(Hello(agent_id="after", devices=[DeviceProfile(id=device + "-ok", kind="phone")])))
        assert isinstance(decode(ws.recv(timeout=10)), Welcome)
    assert len(orch.sessions) <= orch.limits.max_sessions


# --- against the device host -------------------------------------------------------------


class Done:
    """A stand-in agent loop: every subtask ends at once."""

    def __init__(self, _device: Any) -> None:
        pass

    async def run(self, *_args: Any, **_kwargs: Any) -> LoopResult:
        return LoopResult("succeeded", "done")


class FakeOrchestrator:
    """Welcomes the host, then sends each batch of frames the test hands it, then a probe."""

    def __init__(self) -> None:
        self.batches: asyncio.Queue[tuple[list[str | bytes], concurrent.futures.Future[str]]] = asyncio.Queue()
        self.hellos = 0
        self.handlers: set[asyncio.Task[Any]] = set()

    async def handler(self, ws: ServerConnection) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.handlers.add(task)
        try:
            await self._serve(ws)
        finally:
            self.handlers.discard(task)

    async def _serve(self, ws: ServerConnection) -> None:
        hello = decode(await ws.recv())
        assert isinstance(hello, Hello)
        self.hellos += 1
        await ws.send(encode(Welcome(session_id="fuzz-session", last_seq=0)))
        while True:
            batch, outcome = await self.batches.get()
            pid, probe_frame = probe()
            try:
                for frame in batch:
                    await ws.send(frame)
                await ws.send(probe_frame)
                while True:
                    reply = decode(await ws.recv())
                    assert not isinstance(reply, Error) or len(reply.message) < 400
                    if isinstance(reply, Error) and reply.corr == pid:
                        outcome.set_result("answered")
                        break
            except ConnectionClosed:
                outcome.set_result(f"closed {ws.close_code}")
                return


@pytest.fixture(scope="module")
def host() -> Iterator[tuple[asyncio.AbstractEventLoop, FakeOrchestrator, DeviceAgentHost, Any]]:
    with background_loop() as loop:
        fake = FakeOrchestrator()

        async def start() -> tuple[DeviceAgentHost, Any, Any]:
            server = await serve(fake.handler, "127.0.0.1", 0)
            port = server.sockets[0].getsockname()[1]
            agent_host = DeviceAgentHost(
                f"ws://127.0.0.1:{port}/agent",
                [VirtualPhone(device_id="phone-1")],
                Done,  # type: ignore[arg-type]
                agent_id="fuzzed",
            )
            agent_host.retry_s = 0.05
            task = asyncio.create_task(agent_host.run())
            await agent_host.wait_connections(1)
            return agent_host, task, server

        agent_host, task, server = on(loop, start())
        yield loop, fake, agent_host, task

        async def stop() -> None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await agent_host.close()
            for handler in list(fake.handlers):  # each waits on the next batch forever
                handler.cancel()
            await asyncio.gather(*fake.handlers, return_exceptions=True)
            server.close()
            await server.wait_closed()

        on(loop, stop())


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(frames(TO_HOST))
def test_the_device_host_answers_any_frames_and_lives(
    host: tuple[asyncio.AbstractEventLoop, FakeOrchestrator, DeviceAgentHost, Any], sent: list[str | bytes]
) -> None:
    loop, fake, agent_host, task = host
    connections = agent_host.connections
    outcome: concurrent.futures.Future[str] = concurrent.futures.Future()
    loop.call_soon_threadsafe(fake.batches.put_nowait, (sent, outcome))
    result = outcome.result(20)
    assert not task.done(), task.exception() if task.done() and not task.cancelled() else "host stopped"
    if result != "answered":  # it closed (a sequence gap, a version): it must come back on its own
        assert result.split()[1] in ("1000", "1001", "4002", "4004", "None"), result
        on(loop, agent_host.wait_connections(connections + 1))
    assert len(agent_host._running) <= 1  # noqa: SLF001 - one device, at most one subtask
