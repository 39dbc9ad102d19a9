"""The SDK against a real client API on loopback: submit, follow, answer, cancel, wait; errors;
the sync wrapper; a custom agent registered through the SDK receiving and finishing a subtask."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest

import fleetmind
from fleetmind.sdk import (
    Agent,
    AgentRegistry,
    AskFn,
    ConnectionFailed,
    LoopResult,
    NoPendingQuestion,
    OnStep,
    QuestionAsked,
    StepProgress,
    SubtaskSpec,
    SubtaskState,
    TaskFinished,
    TaskNotFound,
    Unauthorized,
    connect_sync,
)
from fleetmind.sdk.local import LocalFleet, local_fleet


@pytest.fixture
async def fleet() -> AsyncIterator[LocalFleet]:
    async with asyncio.timeout(60), local_fleet("phone:2") as f:
        yield f


async def test_submit_follow_and_wait(fleet: LocalFleet) -> None:
    async with asyncio.timeout(60), fleetmind.connect(fleet.url, token=fleet.token) as fm:
        assert sorted(d.id for d in await fm.devices()) == ["phone-1", "phone-2"]
        run = await fm.submit("Turn on Wi-Fi and dark theme")
        kinds = [type(event) async for event in run]
        assert kinds[-1] is TaskFinished
        assert StepProgress in kinds and SubtaskState in kinds
        result = await run.wait()
        assert result.ok and result.status == "succeeded"
        assert result.outputs == {"s1": {"result": "Wi-Fi on"}, "s2": {"result": "Dark theme on"}}
        assert "s1: succeeded - Wi-Fi on" in result.summary
        assert len(result.steps) >= 4 and result.cost_usd == 0.0
        again = [e.seq async for e in run]  # a run replays from its first event
        assert again == sorted(again) and len(again) == len(kinds)
        assert [t.id for t in await fm.tasks()] == [run.id]


async def test_questions_are_answered_by_default_to_the_pending_one_and_cancel_stops_the_task(
    fleet: LocalFleet,
) -> None:
    async with asyncio.timeout(60), fleetmind.connect(fleet.url, token=fleet.token) as fm:
        # Sending is irreversible: with confirm="ask" the agent asks before it taps Send.
        run = await fm.submit("Send an SMS to 555 0100 saying the build is green", confirm="ask")
        with pytest.raises(NoPendingQuestion):
            await fm.answer(run.id, "yes")  # nothing asked yet
        asked = None
        async for event in run:
            if isinstance(event, QuestionAsked):
                asked = event
                break
        assert asked is not None and asked.question_kind == "confirm"
        assert [q.id for q in (await run.refresh()).questions] == [asked.question_id]
        await run.cancel()
        result = await run.wait()
        assert result.status == "cancelled"


async def test_errors_say_what_to_do(fleet: LocalFleet) -> None:
    async with asyncio.timeout(30):
        async with fleetmind.connect(fleet.url, token="wrong") as fm:
            with pytest.raises(Unauthorized, match="wrong or missing token: pass token= or set FLEETMIND_TOKEN"):
                await fm.devices()
            with pytest.raises(Unauthorized):
                async for _ in fm.events():
                    pass
        async with fleetmind.connect(fleet.url, token=fleet.token) as fm:
            with pytest.raises(TaskNotFound, match="no task 'nope'"):
                await fm.task("nope")
        with socket.socket() as s:  # a port nothing listens on
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        async with fleetmind.connect(f"http://127.0.0.1:{port}") as fm:
            with pytest.raises(ConnectionFailed, match="is `fleetmind serve` running there"):
                await fm.tasks()


async def test_the_sync_client(fleet: LocalFleet) -> None:
    def use() -> tuple[str, list[str]]:
        with connect_sync(fleet.url, token=fleet.token) as fm:
            run = fm.submit("Turn on Bluetooth")
            kinds = [e.kind for e in run.events()]
            return run.wait(timeout_s=30).status, kinds

    async with asyncio.timeout(60):
        status, kinds = await asyncio.to_thread(use)  # the fleet runs on this loop meanwhile
    assert status == "succeeded"
    assert kinds[0] == "graph_created" and kinds[-1] == "task_finished"


class Echo(Agent):
    """Finishes any goal naming the Echo app with the word after "repeat", in one step."""

    apps = ("Echo",)
    seen: list[str] = []

    async def run(
        self,
        spec: SubtaskSpec,
        *,
        on_step: OnStep | None = None,
        ask: AskFn | None = None,
        thread_id: str | None = None,
    ) -> LoopResult:
        Echo.seen.append(f"{self.device.info.id}: {spec.goal}")
        steps = self.steps(on_step)
        from fleetmind.devices.base import Done

        word = spec.goal.split()[spec.goal.lower().split().index("repeat") + 1]
        await steps.report(Done(answer=word), why="echoed")
        return self.succeeded(word, spec, steps=steps.count)


async def test_a_custom_agent_registered_through_the_sdk_receives_and_finishes_a_subtask() -> None:
    registry = AgentRegistry()
    registry.register(Echo, kind="phone")
    Echo.seen.clear()
    async with (
        asyncio.timeout(60),
        local_fleet("phone:1", agents=registry) as f,
        fleetmind.connect(f.url, token=f.token) as fm,
    ):
        run = await fm.submit("Repeat marmalade in Echo, then turn on Bluetooth")
        result = await run.wait()
    assert result.ok, result.summary
    assert Echo.seen == ["phone-1: Repeat marmalade in Echo"]  # the GUI agent took the other subtask
    steps = {(s["subtask"], s["why"]) for s in result.steps}
    assert ("s1", "echoed") in steps
    assert result.outputs["s1"] == {"result": "marmalade"}
    assert result.outputs["s2"] == {"result": "Bluetooth on"}


class Proxy:
    """A loopback TCP proxy whose connections the test can cut, as a network drop would."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.writers: list[asyncio.StreamWriter] = []

    async def __aenter__(self) -> str:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def __aexit__(self, *exc: object) -> None:
        self.drop()
        self.server.close()
        await self.server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.port)
        self.writers += [writer, up_writer]

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except OSError:
                pass
            finally:
                dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    def drop(self) -> None:
        for w in self.writers:
            w.transport.abort()
        self.writers.clear()


async def test_the_event_stream_resumes_after_a_drop_without_gaps_or_duplicates(
    fleet: LocalFleet, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fleetmind.sdk import client

    opened: list[str] = []
    real_connect = client.ws_connect

    def counting_connect(url: str, **kwargs: object) -> object:
        opened.append(url.split("after=", 1)[1].split("&", 1)[0])
        return real_connect(url, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(client, "ws_connect", counting_connect)
    port = int(fleet.url.rsplit(":", 1)[1])
    proxy = Proxy(port)
    async with asyncio.timeout(60), proxy as url, fleetmind.connect(url, token=fleet.token) as fm:
        # The agent waits for the confirmation, so every later event happens after the drop.
        run = await fm.submit("Send an SMS to 555 0100 saying hello", confirm="ask")
        seen = []
        async for event in run:
            seen.append(event.seq)
            if isinstance(event, QuestionAsked):
                proxy.drop()  # the client reconnects and asks for what came after this event
                async with fleetmind.connect(fleet.url, token=fleet.token) as other:
                    await other.answer(run.id, "yes", event.question_id)
                assert (await fm.task(run.id)).questions == []  # a read through the cut proxy is retried
        stored = (await fm.task(run.id)).model_extra or {}
    async with fleetmind.connect(fleet.url, token=fleet.token) as direct:
        everything = [e.seq async for e in (await direct.run(run.id))]
    # The first stream, one resume asking for what came after the question, and the replay above.
    assert len(opened) == 3 and opened[0] == opened[2] == "0" and int(opened[1]) in seen[:-1]
    assert seen == everything  # the same events, in order, none twice, none lost
    assert stored.get("last_seq", seen[-1]) == seen[-1]
