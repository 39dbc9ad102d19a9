"""A lost message is a sequence gap: the session refuses it, the transport closes with
CLOSE_SEQUENCE_GAP, and the resume path delivers everything exactly once, in order.

Pure tests on `Session`, one on the transport, and a whole run through a relay that
loses frames in transit between real loopback WebSockets.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from fleetmind.agents.host import DeviceAgentHost
from fleetmind.agents.loop import GuiAgent
from fleetmind.agents.models import ScriptedModel
from fleetmind.devices.virtual import VirtualPhone
from fleetmind.orchestrator.planner import ModelPlanner
from fleetmind.orchestrator.server import Orchestrator
from fleetmind.protocol.codec import encode
from fleetmind.protocol.messages import Ack, Message, Progress
from fleetmind.protocol.session import SequenceGap, Session
from fleetmind.protocol.transport import CLOSE_SEQUENCE_GAP, receive

TIMEOUT_S = 60


def _progress(step: int) -> Progress:
    return Progress(subtask_id="st-1", step=step, action={"kind": "wait"}, tier="rule")


# --- Session, no sockets ------------------------------------------------------------


def test_a_skipped_seq_raises_and_is_not_taken_in() -> None:
    sender, receiver = Session("s"), Session("s")
    first, lost, third = (sender.stamp(_progress(i)) for i in (1, 2, 3))
    assert receiver.receive(first)
    with pytest.raises(SequenceGap, match="expected seq 2, got 3") as gap:
        receiver.receive(third)
    assert (gap.value.expected, gap.value.got) == (2, 3)
    assert receiver.last_received == 1  # the message after the gap was not taken in
    # The lost message waits in the sender's buffer: nothing after the gap was acked.
    sender.receive(receiver.stamp(Ack()))
    assert sender.unacked == 2
    # Resuming from what the receiver has replays the lost one first, then the rest.
    delivered = [m for m in sender.replay_after(receiver.last_received) if receiver.receive(m)]
    assert [m.seq for m in delivered] == [2, 3]
    assert delivered[0].id == lost.id


def test_a_gap_still_honours_the_piggybacked_ack() -> None:
    ours, peer = Session("s"), Session("s")
    for i in (1, 2):
        ours.stamp(_progress(i))
    # The peer got both of ours; its messages 1 and 2 then go missing, 3 arrives.
    peer.last_received = 2
    for i in (1, 2):
        peer.stamp(_progress(i))
    with pytest.raises(SequenceGap):
        ours.receive(peer.stamp(_progress(3)))
    assert ours.unacked == 0  # acks are cumulative: true whatever was lost


# A link's life as in test_properties, plus "lose": the wire drops the next frame
# in flight. Delivering a frame after a loss raises SequenceGap, which closes the
# connection (everything in flight is gone) until the next resume.
OPS = st.lists(st.sampled_from(["send", "deliver", "duplicate", "lose", "ack", "drop", "resume"]), max_size=80)


@settings(max_examples=300, deadline=None)
@given(OPS)
def test_lost_frames_are_recovered_by_resume_exactly_once_in_order(ops: list[str]) -> None:
    sender, receiver = Session("a"), Session("b")
    wire: list[Progress] = []
    received: list[int] = []
    sent = 0
    connected = True
    lost_any = gaps = 0

    def deliver(msg: Progress) -> None:
        nonlocal connected, wire, gaps
        try:
            if receiver.receive(msg):
                received.append(msg.step)
        except SequenceGap:
            gaps += 1
            connected, wire = False, []

    for op in ops:
        if op == "send":
            sent += 1
            msg = sender.stamp(_progress(sent))
            if connected:
                wire.append(msg)  # type: ignore[arg-type]
        elif op == "deliver" and wire:
            deliver(wire.pop(0))
        elif op == "duplicate" and wire:
            deliver(wire[0])
        elif op == "lose" and wire:
            wire.pop(0)
            lost_any += 1
        elif op == "ack" and connected:
            sender.receive(receiver.stamp(Ack()))
        elif op == "drop":
            connected, wire = False, []
        elif op == "resume":
            connected = True
            wire = list(sender.replay_after(receiver.last_received))  # type: ignore[arg-type]
    for msg in sender.replay_after(receiver.last_received):
        deliver(msg)  # type: ignore[arg-type]
    assert received == list(range(1, sent + 1))
    assert gaps <= lost_any  # a gap is only ever reported after a real loss


# --- the transport closes with CLOSE_SEQUENCE_GAP ----------------------------------------


async def test_transport_closes_on_a_gap_with_a_named_code() -> None:
    session = Session("orch")
    outcome: asyncio.Future[BaseException] = asyncio.get_running_loop().create_future()
    got: list[int] = []

    async def handler(ws: ServerConnection) -> None:
        try:
            while True:
                got.append((await receive(ws, session)).seq)
        except BaseException as exc:
            outcome.set_result(exc)

    sender = Session("agent")
    async with asyncio.timeout(TIMEOUT_S), serve(handler, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        async with connect(f"ws://127.0.0.1:{port}") as ws:
            first, _lost, third, fourth = (sender.stamp(_progress(i)) for i in range(1, 5))
            for message in (first, third, fourth):
                await ws.send(encode(message))
            with pytest.raises(ConnectionClosed) as closed:
                while True:
                    await ws.recv()  # acks, then the close
        raised = await outcome
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == CLOSE_SEQUENCE_GAP == 4004
    assert "expected seq 2, got 3" in closed.value.rcvd.reason
    assert isinstance(raised, ConnectionClosed)  # what callers already handle as a drop
    assert isinstance(raised.__context__, SequenceGap)
    assert got == [1] and session.last_received == 1


# --- a whole run through a relay that loses frames ------------------------------------------


class LossyRelay:
    """Forwards WebSocket frames between agents and an orchestrator, losing chosen ones.

    `lose` maps a direction ("up": agent to orchestrator, "down") to message types; the
    first frame of each is lost, once. A close on one side is passed on with its code.
    """

    def __init__(self, upstream: str, lose: dict[str, set[str]]) -> None:
        self.upstream = upstream
        self.to_lose = {(d, t) for d, types in lose.items() for t in types}
        self.lost: list[tuple[str, str, int]] = []
        self.closed_first: list[tuple[str, int | None]] = []
        """Per connection: the side that closed first ("up": the agent) and its code."""
        self.url = ""

    @asynccontextmanager
    async def running(self) -> AsyncIterator[LossyRelay]:
        async with serve(self._handle, "127.0.0.1", 0) as server:
            port = server.sockets[0].getsockname()[1]
            self.url = f"ws://127.0.0.1:{port}/agent"
            yield self

    async def _handle(self, agent_ws: ServerConnection) -> None:
        closes: list[tuple[str, int | None]] = []
        async with connect(self.upstream) as orch_ws:
            await asyncio.gather(
                self._pump(agent_ws, orch_ws, "up", closes), self._pump(orch_ws, agent_ws, "down", closes)
            )
        self.closed_first.append(closes[0])

    async def _pump(self, src: Any, dst: Any, direction: str, closes: list[tuple[str, int | None]]) -> None:
        try:
            async for frame in src:
                data = json.loads(frame)
                key = (direction, data["type"])
                if key in self.to_lose:
                    self.to_lose.discard(key)
                    self.lost.append((direction, data["type"], data["seq"]))
                    continue
                await dst.send(frame)
        except ConnectionClosed:
            pass
        code = src.close_code
        closes.append((direction, code))
        # 1006 (no close frame) cannot be sent on; anything else is passed through.
        await dst.close(code if code is not None and code != 1006 else 1011, src.close_reason or "")


def _cloud(calls: dict[str, int]) -> Callable[[list[dict[str, str]], object], dict[str, Any]]:
    """Stands in for a cloud LLM: two `wait` steps, then `done`, for every goal."""

    def reply(messages: list[dict[str, str]], _schema: object) -> dict[str, Any]:
        goal = re.search(r"Goal: (.*)", messages[-1]["content"]).group(1)  # type: ignore[union-attr]
        calls[goal] = calls.get(goal, 0) + 1
        if calls[goal] < 3:
            return {"thought": "", "action": {"kind": "wait", "seconds": 0}}
        return {"thought": "", "action": {"kind": "done", "answer": goal.split()[-1], "outputs": {}}}

    return reply


PLAN = {
    "subtasks": [
        {"id": "a", "goal": "produce alpha", "device": {"kind": "phone"}, "outputs": ["x"]},
        {"id": "b", "goal": "produce beta", "device": {"kind": "phone"}, "outputs": ["y"]},
    ],
    "edges": [],
}
ORCH_TO_AGENT = {"assign", "cancel", "answer"}  # the sequenced types; the rest go up


async def test_a_run_survives_frames_lost_in_transit_both_ways(monkeypatch: pytest.MonkeyPatch) -> None:
    # Watch what each session takes in (and passes on to its side), in order.
    delivered: dict[str, list[int]] = {"up": [], "down": []}
    original = Session.receive

    def watching(self: Session, message: Message) -> bool:
        fresh = original(self, message)
        if fresh and message.seq:
            delivered["down" if message.type in ORCH_TO_AGENT else "up"].append(message.seq)
        return fresh

    monkeypatch.setattr(Session, "receive", watching)

    calls: dict[str, int] = {}
    cloud = ScriptedModel(_cloud(calls))
    orch = Orchestrator(ModelPlanner(ScriptedModel([PLAN])), reconnect_grace_s=30)
    url = await orch.start()
    # Lost: the first assign (the second, sent right after, reveals the gap to the
    # agent) and the first progress (later progress reveals it to the orchestrator).
    relay = LossyRelay(url, {"down": {"assign"}, "up": {"progress"}})
    host_task: asyncio.Task[None] | None = None
    try:
        async with asyncio.timeout(TIMEOUT_S), relay.running():
            phones = [VirtualPhone(device_id=f"phone-{i}", seed=i) for i in (1, 2)]
            host = DeviceAgentHost(relay.url, phones, lambda d: GuiAgent(d, cloud=cloud), agent_id="agent")
            host_task = asyncio.create_task(host.run())
            await orch.wait_for_devices(2)
            run = await orch.run("two things", policy="cloud-only")
            assert host.link is not None and len(orch.sessions) == 1
            agent_sent = host.link.session.next_seq - 1
            orch_sent = next(iter(orch.sessions.values())).link.session.next_seq - 1
            assert host.connections == 3  # each loss cost one reconnect
    finally:
        await orch.stop()
        if host_task is not None:
            host_task.cancel()
            await asyncio.gather(host_task, return_exceptions=True)

    assert run.status == "succeeded", run.error
    assert [(d, t) for d, t, _ in relay.lost] == [("down", "assign"), ("up", "progress")]
    # Each gap was seen by its receiver, which closed with the named code: first the
    # agent (it missed an assign), then the orchestrator (it missed a progress).
    assert relay.closed_first[:2] == [("up", CLOSE_SEQUENCE_GAP), ("down", CLOSE_SEQUENCE_GAP)]
    # Every sequenced message reached the other side's session once, in order.
    assert delivered["down"] == list(range(1, orch_sent + 1))
    assert delivered["up"] == list(range(1, agent_sent + 1))
    # ... and the application saw it so: one attempt each, steps 1-2-3, no repeats.
    for sid in ("a", "b"):
        assert run.graph.subtask(sid).attempts == 1
        assert [s["step"] for s in run.steps if s["subtask"] == sid] == [1, 2, 3]
    assert calls == {"produce alpha": 3, "produce beta": 3}

