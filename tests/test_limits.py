"""Bounds: the pure parts (token bucket, clipping, finite numbers, pruning, bounded event
queues), the hardened codec, and the same over real loopback connections: oversized,
nested and non-finite frames get error replies, a flood is slowed and stays bounded, a
slow event client is dropped with a reason, finished runs leave memory but not the store."""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import Sequence
from pathlib import Path

import httpx
import pytest
from test_security_support import PhonePlanner, TinyAgent, served
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from fleetmind.orchestrator.graph import GraphPatch
from fleetmind.orchestrator.limits import (
    Limits,
    Subscription,
    TokenBucket,
    clip,
    finite,
    small_action,
    step_record,
)
from fleetmind.orchestrator.store import Event
from fleetmind.orchestrator.subtask import DeviceRequirement, SubtaskSpec
from fleetmind.protocol.codec import MAX_DEPTH, ProtocolError, decode, encode
from fleetmind.protocol.messages import Assign, DeviceProfile, Error, Progress, Welcome
from fleetmind.protocol.session import Session
from fleetmind.protocol.transport import Link

TIMEOUT_S = 30
NESTED = "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)


# --- pure ---------------------------------------------------------------------------


def test_token_bucket_allows_a_burst_then_the_rate() -> None:
    bucket = TokenBucket(rate=10, burst=5)
    assert [bucket.take(0.0) for _ in range(6)] == [True] * 5 + [False]
    assert bucket.wait_s(0.0) == pytest.approx(0.1)
    assert not bucket.take(0.05) and bucket.take(0.1)  # one token per 0.1 s
    assert [bucket.take(100.0) for _ in range(6)].count(True) == 5  # never more than the burst
    assert not bucket.take(99.0)  # a clock going backwards refills nothing


def test_text_and_numbers_are_clipped_and_finite() -> None:
    assert clip("short", 10) == "short" and clip("x" * 50, 10) == "x" * 9 + "…"
    assert finite(math.nan, 5) == 0 and finite(-3, 5) == 0 and finite(math.inf, 5) == 5 and finite(2.5, 5) == 2.5
    assert small_action({"kind": "tap", "element": "e1"}, 100) == {"kind": "tap", "element": "e1"}
    assert small_action({"kind": "type_text", "text": "x" * 5000}, 100) == {"kind": "type_text", "truncated": True}
    progress = Progress(
        subtask_id="t/s#1", step=1, action={"kind": "wait"}, tier="rule", summary="y" * 9000, cost_usd=1e300
    )
    step = step_record(progress, "phone-1", "s", Limits(step_text_chars=100, max_cost_usd_per_step=2.0))
    assert len(step["summary"]) == 100 and step["summary"].endswith("…") and step["cost_usd"] == 2.0


def test_a_subscription_that_overflows_drops_its_backlog_for_one_marker() -> None:
    queue = Subscription(maxsize=3)
    for seq in range(1, 10):
        queue.put_nowait(Event(task_id="t", kind="log", seq=seq))
    assert queue.overflowed and queue.qsize() == 1
    assert queue.get_nowait().kind == "stream_overflow"


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ('{"type": "ack", "ts": NaN}', "bad_number"),
        ('{"type": "ack", "ts": Infinity}', "bad_number"),
        ('{"type": "ack", "ts": 1e999}', "bad_number"),
        ('{"type": "ack", "seq": ' + "9" * 5000 + "}", "bad_number"),
        ("[" * 100_000 + "]" * 100_000, "too_deep"),
        (
            json.dumps({"type": "progress", "action": json.loads("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))}),
            "too_deep",
        ),
        (json.dumps({"type": "error", "code": "x", "message": "y" * 20_000}), "too_large"),
        (json.dumps({"type": "hello", "agent_id": "a" * 70_000, "devices": []}), "too_large"),
        (b"\xff\xfe\x00\x01", "bad_json"),
    ],
)
def test_the_codec_refuses_hostile_frames_with_a_short_quote(frame: str | bytes, code: str) -> None:
    with pytest.raises(ProtocolError) as err:
        decode(frame)
    assert err.value.code == code
    assert len(str(err.value)) < 300  # never the whole input back


def test_an_error_quotes_at_most_a_short_prefix_of_a_bad_value() -> None:
    bad = {"type": "progress", "id": "m", "subtask_id": "s", "step": "z" * 10_000, "action": {}, "tier": "rule"}
    with pytest.raises(ProtocolError) as err:
        decode(json.dumps(bad))
    assert err.value.field == "step" and len(str(err.value)) < 300 and "…" in str(err.value)


# --- over loopback -------------------------------------------------------------------


async def test_hostile_frames_get_error_replies_and_the_connection_goes_on(tmp_path: Path) -> None:
    async with (
        asyncio.timeout(TIMEOUT_S),
        served(tmp_path / "fleet.db", planner=PhonePlanner(device="phone-1")) as (orch, server),
    ):
        agent = TinyAgent(server.agent_url, "phone-1", auto=False)
        assert isinstance(await agent.hello(), Welcome)
        run = await orch.submit("x")
        wire = (await agent.next(Assign)).subtask_id
        good = json.loads(encode(Progress(subtask_id=wire, step=1, action={"kind": "wait"}, tier="rule")))
        hostile = {
            "too_large": json.dumps({**good, "thumbnail_png_b64": "A" * 600_000}),
            "too_deep": json.dumps({**good, "action": json.loads("[" * 40 + "]" * 40)}),
            "bad_number": json.dumps(good).replace('"cost_usd": 0.0', '"cost_usd": NaN'),
            "bad_json": json.dumps(good)[:-7],  # truncated
        }
        for code, frame in hostile.items():
            if code == "bad_number":
                assert "NaN" in frame
            reply = await agent.raw_reply(frame)
            assert isinstance(reply, Error) and reply.code == code and len(reply.message) < 300
        assert run.steps == []
        # A huge but finite cost is clipped, and the totals stay finite and serialisable.
        events = orch.subscribe()
        await agent.send(Progress(subtask_id=wire, step=1, action={"kind": "wait"}, tier="rule", cost_usd=1e308))
        await agent.send(Progress(subtask_id=wire, step=2, action={"kind": "wait"}, tier="rule", cost_usd=1e308))
        while (await events.get()).data.get("step") != 2:
            pass
        async with httpx.AsyncClient(base_url=server.url) as client:
            task = (await client.get(f"/api/tasks/{run.id}")).json()
        assert math.isfinite(task["cost_usd"]) and task["cost_usd"] <= 2 * Limits().max_cost_usd_per_step
        # Another protocol version still closes the connection, with its own code.
        await agent.raw(json.dumps({**good, "v": 2}))
        assert agent.ws is not None
        await agent.ws.wait_closed()
        assert agent.ws.close_code == 4002


async def test_a_flood_is_slowed_to_the_rate_and_memory_stays_bounded(tmp_path: Path) -> None:
    limits = Limits(rate_per_s=500, burst=50, steps_kept_per_run=50)
    async with (
        asyncio.timeout(TIMEOUT_S),
        # In memory: a file store fsyncs every event (~7 ms here), which would measure the disk, not the limit.
        served(None, planner=PhonePlanner(device="phone-1"), limits=limits) as (orch, server),
    ):
        agent = TinyAgent(server.agent_url, "phone-1", auto=False)
        assert isinstance(await agent.hello(), Welcome)
        run = await orch.submit("x")
        wire = (await agent.next(Assign)).subtask_id
        count = 400
        events = orch.subscribe()
        started = time.monotonic()
        for i in range(count):
            await agent.send(Progress(subtask_id=wire, step=i + 1, action={"kind": "wait"}, tier="rule"))
        # The orchestrator takes them no faster than its rate: (count - burst) / rate seconds at least.
        while (await events.get()).data.get("step") != count:
            pass
        elapsed = time.monotonic() - started
        assert elapsed >= (count - limits.burst) / limits.rate_per_s * 0.9
        assert len(run.steps) == limits.steps_kept_per_run  # memory: bounded; the store has every step
        assert len([e for e in orch.store.events(run.id) if e.kind == "step_progress"]) == count
        await agent.drop()


async def test_a_slow_event_client_is_dropped_with_a_reason_to_resume(tmp_path: Path) -> None:
    async with (
        asyncio.timeout(TIMEOUT_S),
        served(tmp_path / "fleet.db", limits=Limits(subscriber_queue=20)) as (orch, server),
    ):
        run = await orch.submit("x")  # no device: it waits
        ws_url = server.url.replace("http", "ws", 1) + "/api/events"
        async with connect(ws_url) as events:
            await asyncio.sleep(0.1)  # the stream subscribes after the handshake; give it a moment
            for i in range(60):  # a burst faster than any client: all in one go on the loop
                orch._emit(run, "log", {"message": f"line {i}"})  # noqa: SLF001
            with pytest.raises(ConnectionClosed) as closed:
                while True:
                    await events.recv()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4008
        assert "too slow" in closed.value.rcvd.reason and "after=" in closed.value.rcvd.reason


async def test_finished_runs_leave_memory_and_are_read_from_the_store(tmp_path: Path) -> None:
    async with (
        asyncio.timeout(TIMEOUT_S),
        served(tmp_path / "fleet.db", limits=Limits(finished_runs_kept=2)) as (orch, server),
    ):
        agent = TinyAgent(server.agent_url, "phone-1")  # auto: every subtask succeeds at once
        assert isinstance(await agent.hello(), Welcome)
        runs = [await orch.run(f"task {i}") for i in range(5)]
        assert all(r.status == "succeeded" for r in runs)
        assert set(orch.runs) == {runs[-2].id, runs[-1].id}
        async with httpx.AsyncClient(base_url=server.url) as client:
            first = (await client.get(f"/api/tasks/{runs[0].id}")).json()
            listed = (await client.get("/api/tasks")).json()["tasks"]
        assert first["status"] == "succeeded" and first["outputs"] == {"s0": {"result": "phone-1: task 0 #0"}}
        assert [t["status"] for t in listed] == ["succeeded"] * 5
        await agent.drop()


async def test_too_many_sessions_are_refused_until_one_goes(tmp_path: Path) -> None:
    async with (
        asyncio.timeout(TIMEOUT_S),
        served(tmp_path / "fleet.db", limits=Limits(max_sessions=3), reconnect_grace_s=0.2) as (orch, server),
    ):
        agents = [TinyAgent(server.agent_url, f"phone-{i}") for i in range(3)]
        for agent in agents:
            assert isinstance(await agent.hello(), Welcome)
        extra = TinyAgent(server.agent_url, "phone-9")
        refused = await extra.hello()
        assert isinstance(refused, Error) and refused.code == "too_many_sessions"
        await agents[0].drop()
        while len(orch.sessions) > 2:  # the session goes when its grace has passed
            await asyncio.sleep(0.05)
        assert orch.registry.get("phone-0") is None  # and its idle device with it
        assert isinstance(await extra.hello(), Welcome)
        for agent in [*agents[1:], extra]:
            await agent.drop()


async def test_a_message_over_its_frame_limit_is_not_sent_nor_numbered() -> None:
    link = Link(Session("s"))
    huge = Progress(subtask_id="t/s#1", step=1, action={"kind": "wait"}, tier="rule", thumbnail_png_b64="A" * 600_000)
    with pytest.raises(ProtocolError) as err:
        await link.send(huge)
    assert err.value.code == "too_large" and link.session.next_seq == 1 and link.session.unacked == 0


class HugeInputPlanner(PhonePlanner):
    """One subtask whose literal input is larger than an assignment frame may be."""

    async def plan(self, request: str, devices: Sequence[DeviceProfile]) -> GraphPatch:
        spec = SubtaskSpec(
            id="s0", goal=request, device=DeviceRequirement(kind="phone"), inputs={"blob": "x" * 300_000}
        )
        return GraphPatch.from_specs([spec])


async def test_an_assignment_too_large_to_send_fails_at_once_instead_of_looping(tmp_path: Path) -> None:
    async with (
        asyncio.timeout(TIMEOUT_S),
        served(tmp_path / "fleet.db", planner=HugeInputPlanner()) as (orch, server),
    ):
        agent = TinyAgent(server.agent_url, "phone-1", auto=False)
        assert isinstance(await agent.hello(), Welcome)
        run = await orch.run("paste it")
        assert run.status == "failed" and "could not assign it" in (run.error or "") and "limit" in (run.error or "")
        assert not any(isinstance(m, Assign) for m in list(agent.inbox._queue))  # noqa: SLF001 - nothing reached it
        await agent.drop()
