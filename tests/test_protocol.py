"""The agent protocol: codec, session bookkeeping, and the websockets transport over loopback."""

from __future__ import annotations

import asyncio
import json
import typing
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from fleetmind.protocol.codec import CLOSE_UNSUPPORTED_VERSION, ProtocolError, decode, encode
from fleetmind.protocol.messages import (
    PROTOCOL_VERSION,
    Accept,
    Ack,
    Answer,
    Assign,
    Budget,
    Cancel,
    DeviceProfile,
    Error,
    Hello,
    Message,
    Progress,
    Question,
    Reject,
    Result,
    Resume,
    Welcome,
)
from fleetmind.protocol.session import ReplayOverflow, Session
from fleetmind.protocol.transport import Link, receive, send_unsequenced

TIMEOUT_S = 10.0

# --- codec -----------------------------------------------------------------


def _union_types() -> set[str]:
    """Every `type` tag in the `Message` union, read from the union itself."""
    union = typing.get_args(Message)[0]
    return {cls.model_fields["type"].default for cls in typing.get_args(union)}


PHONE = DeviceProfile(
    id="pixel-7",
    kind="phone",
    platform="android-14",
    screen_width=1080,
    screen_height=2400,
    capabilities=["camera", "sms"],
    apps=["com.android.chrome", "com.whatsapp"],
)

HELLO = Hello(
        agent_id="agent-1",
        token="s3cret",
        devices=[PHONE, DeviceProfile(id="chromium-1", kind="browser")],
        resume=Resume(session_id="sess-42", last_seq=17),
        running=["st-3"],
)
ASSIGN = Assign(
    subtask_id="st-1",
    task_id="task-9",
    device_id="pixel-7",
    goal="Send Anna my ETA on WhatsApp",
    inputs={"eta": "18:40"},
    outputs=["sent_at"],
    privacy="private",
    budget=Budget(max_steps=20, max_cost_usd=0.1),
    deadline_s=120.0,
    tier_policy="local-only",
    attempt=2,
    seq=7,
    ack=3,
)

EXAMPLES: list[Message] = [
    HELLO,
    Accept(subtask_id="st-1", seq=1, ack=0, corr="assign-msg-id"),
    Reject(subtask_id="st-2", reason="device busy", seq=2),
    Progress(
        subtask_id="st-1",
        seq=3,
        ack=1,
        step=4,
        action={"kind": "tap", "target": {"x": 540, "y": 1200}},
        summary="tap the Send button",
        tier="local",
        why="routine step, confidence 0.91",
        tokens=812,
        cost_usd=0.0,
        latency_ms=412.5,
        thumbnail_png_b64="iVBORw0KGgo=",
    ),
    Question(subtask_id="st-1", question="Which Anna: Anna Berg or Anna Lind?", seq=4),
    Result(
        subtask_id="st-1",
        status="succeeded",
        outputs={"eta": "18:40", "address": "Kungsgatan 1, Stockholm"},
        summary="sent the ETA",
        steps=9,
        cost_usd=0.0123,
        seq=5,
    ),
    Result(subtask_id="st-2", status="failed", error="app crashed", seq=6),
    Ack(ack=12),
    Welcome(session_id="sess-42", resumed=["st-3"], last_seq=5, corr="hello-id"),
    ASSIGN,
    Cancel(subtask_id="st-1", reason="user cancelled", seq=8),
    Answer(subtask_id="st-1", text="Anna Berg", corr="question-id", seq=9),
    Error(code="invalid_field", message="field 'step' ...", field="step", corr="bad-id"),
]


def test_examples_cover_every_message_type() -> None:
    # A new message type without an example here fails this test.
    assert {m.type for m in EXAMPLES} == _union_types()


@pytest.mark.parametrize("message", EXAMPLES, ids=lambda m: m.type)
def test_round_trip(message: Message) -> None:
    frame = encode(message)
    assert json.loads(frame)["v"] == PROTOCOL_VERSION
    decoded = decode(frame)
    assert type(decoded) is type(message)
    assert decoded == message
    assert decode(frame.encode()) == message  # a binary frame decodes the same


def test_encode_omits_none() -> None:
    frame = json.loads(encode(Ack()))
    assert "corr" not in frame
    assert frame["type"] == "ack"


def _frame(**fields: object) -> str:
    return json.dumps(fields)


GOOD_PROGRESS = {
    "type": "progress",
    "id": "m-1",
    "subtask_id": "st-1",
    "step": 1,
    "action": {"kind": "wait"},
    "tier": "rule",
}


def _decode_error(frame: str | bytes) -> ProtocolError:
    with pytest.raises(ProtocolError) as info:
        decode(frame)
    return info.value


@pytest.mark.parametrize("frame", ["{not json", "", b"\xff\xfe\x00garbage"])
def test_malformed_json(frame: str | bytes) -> None:
    err = _decode_error(frame)
    assert err.code == "bad_json"
    assert not err.fatal


@pytest.mark.parametrize("frame", ["[1, 2]", '"hello"', "42", "null"])
def test_non_object_is_bad_envelope(frame: str) -> None:
    err = _decode_error(frame)
    assert err.code == "bad_envelope"
    assert not err.fatal


def test_missing_type_is_bad_envelope() -> None:
    err = _decode_error(_frame(id="m-1", seq=1))
    assert (err.code, err.field, err.message_id) == ("bad_envelope", "type", "m-1")


@pytest.mark.parametrize("tag", ["teleport", 5, None, "Progress"])
def test_unknown_type(tag: object) -> None:
    err = _decode_error(_frame(type=tag, id="m-7"))
    assert (err.code, err.field, err.fatal) == ("unknown_type", "type", False)
    assert err.message_id == "m-7"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"step": "x"}, "step"),
        ({"step": 0}, "step"),  # ge=1
        ({"tier": "gpu"}, "tier"),
        ({"action": "tap"}, "action"),
        ({"seq": -1}, "seq"),
        ({"subtask_id": None}, "subtask_id"),
        ({"surprise": 1}, "surprise"),  # extra fields are forbidden
    ],
)
def test_invalid_progress_field_is_named(overrides: dict[str, object], field: str) -> None:
    err = _decode_error(json.dumps({**GOOD_PROGRESS, **overrides}))
    assert (err.code, err.field, err.fatal) == ("invalid_field", field, False)
    assert err.message_id == "m-1"
    assert field in str(err)


def test_missing_required_field_is_named() -> None:
    raw = {k: v for k, v in GOOD_PROGRESS.items() if k != "subtask_id"}
    err = _decode_error(json.dumps(raw))
    assert (err.code, err.field) == ("invalid_field", "subtask_id")


@pytest.mark.parametrize(
    ("message", "path", "value", "field"),
    [
        (ASSIGN, ("budget", "max_steps"), "x", "budget.max_steps"),
        (ASSIGN, ("budget", "max_steps"), 0, "budget.max_steps"),
        (HELLO, ("devices", 1, "kind"), "tv", "devices.1.kind"),
        (HELLO, ("resume", "last_seq"), -3, "resume.last_seq"),
    ],
)
def test_invalid_nested_field_is_named_by_dotted_path(
    message: Message, path: tuple[str | int, ...], value: object, field: str
) -> None:
    raw = json.loads(encode(message))
    target = raw
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    err = _decode_error(json.dumps(raw))
    assert (err.code, err.field) == ("invalid_field", field)


@pytest.mark.parametrize("version", [0, 2, 99, "1", None])
def test_unknown_version_is_fatal(version: object) -> None:
    err = _decode_error(json.dumps({**GOOD_PROGRESS, "v": version}))
    assert (err.code, err.field, err.fatal) == ("unsupported_version", "v", True)
    assert err.message_id == "m-1"
    # The version is checked before anything else, even before the type.
    assert _decode_error(_frame(v=7, type="teleport")).code == "unsupported_version"


def test_missing_version_means_current() -> None:
    assert decode(json.dumps(GOOD_PROGRESS)).v == PROTOCOL_VERSION


# --- session ---------------------------------------------------------------


def _progress(step: int) -> Progress:
    return Progress(subtask_id="st-1", step=step, action={"kind": "wait"}, tier="local")


def test_stamp_numbers_sequenced_messages_only() -> None:
    s = Session("sess")
    a, b = s.stamp(_progress(1)), s.stamp(_progress(2))
    hello = s.stamp(Hello(agent_id="a", devices=[PHONE]))
    ack = s.stamp(Ack())
    c = s.stamp(Result(subtask_id="st-1", status="succeeded"))
    assert [a.seq, b.seq, c.seq] == [1, 2, 3]
    assert hello.seq == 0 and ack.seq == 0
    assert s.next_seq == 4
    assert s.unacked == 3  # connection-level messages are not kept for replay


def test_stamp_piggybacks_last_received_and_leaves_the_original_alone() -> None:
    s = Session("sess")
    s.receive(Assign(subtask_id="st-1", task_id="t", device_id="d", goal="g", seq=1))
    s.receive(Cancel(subtask_id="st-1", seq=2))
    original = _progress(1)
    stamped = s.stamp(original)
    assert (stamped.seq, stamped.ack) == (1, 2)
    assert (original.seq, original.ack) == (0, 0)
    assert stamped.id == original.id


def test_acknowledge_trims_replay_buffer() -> None:
    s = Session("sess")
    for step in range(1, 6):
        s.stamp(_progress(step))
    s.acknowledge(2)
    assert s.unacked == 3
    assert [m.seq for m in s.replay_after(2)] == [3, 4, 5]
    s.acknowledge(1)  # a stale ack changes nothing
    assert s.unacked == 3
    # An ack piggybacked on any incoming message trims too, even an unsequenced one.
    s.receive(Ack(ack=4))
    assert [m.seq for m in s.replay_after(0)] == [5]
    s.receive(Cancel(subtask_id="st-1", seq=1, ack=5))
    assert s.unacked == 0


def test_duplicates_are_dropped() -> None:
    s = Session("sess")
    first = Assign(subtask_id="st-1", task_id="t", device_id="d", goal="g", seq=1)
    second = Cancel(subtask_id="st-1", seq=2)
    assert s.receive(first)
    assert s.receive(second)
    assert not s.receive(second)
    assert not s.receive(first)
    assert s.last_received == 2
    # Unsequenced messages are never duplicates.
    assert s.receive(Ack(ack=0))
    assert s.receive(Ack(ack=0))
    assert s.receive(Welcome(session_id="sess"))
    assert s.last_received == 2


class Wire:
    """A lossy one-way channel: delivers what it carries unless it is cut."""

    def __init__(self, receiver: Session) -> None:
        self.receiver = receiver
        self.up = True
        self.delivered: list[Message] = []

    def send(self, message: Message) -> None:
        if self.up and self.receiver.receive(message):
            self.delivered.append(message)


def test_replay_after_reconnect_in_both_directions() -> None:
    agent, orch = Session("sess"), Session("sess")
    to_orch, to_agent = Wire(orch), Wire(agent)

    to_orch.send(agent.stamp(Accept(subtask_id="st-1")))
    to_agent.send(orch.stamp(Answer(subtask_id="st-1", text="yes")))
    # The connection drops: both sides keep sending into the void ...
    to_orch.up = to_agent.up = False
    to_orch.send(agent.stamp(_progress(1)))
    to_orch.send(agent.stamp(_progress(2)))
    to_agent.send(orch.stamp(Cancel(subtask_id="st-2")))
    # ... and stamp more while disconnected (a Link with no socket only stamps).
    agent.stamp(Result(subtask_id="st-1", status="succeeded", outputs={"x": "1"}))
    orch.stamp(Assign(subtask_id="st-3", task_id="t", device_id="d", goal="g"))

    # Reconnect: hello.resume.last_seq and welcome.last_seq tell each side what to replay.
    hello_last, welcome_last = agent.last_received, orch.last_received
    assert (hello_last, welcome_last) == (1, 1)
    to_orch.up = to_agent.up = True
    agent_replay = agent.replay_after(welcome_last)
    orch_replay = orch.replay_after(hello_last)
    assert [m.seq for m in agent_replay] == [2, 3, 4]
    assert [m.seq for m in orch_replay] == [2, 3]
    # Replayed messages carry the sender's current ack, and keep their ids.
    assert {m.ack for m in agent_replay} == {1}
    for m in agent_replay:
        to_orch.send(m)
    for m in orch_replay:
        to_agent.send(m)

    assert [m.type for m in to_orch.delivered] == ["accept", "progress", "progress", "result"]
    assert [m.seq for m in to_orch.delivered] == [1, 2, 3, 4]
    assert [m.type for m in to_agent.delivered] == ["answer", "cancel", "assign"]
    assert [m.seq for m in to_agent.delivered] == [1, 2, 3]

    # Replaying again (a second reconnect racing the first) delivers nothing twice.
    for m in agent.replay_after(0):
        to_orch.send(m)
    assert len(to_orch.delivered) == 4

    # Once each side acks, nothing is left to replay.
    to_agent.send(orch.stamp(Ack()))
    to_orch.send(agent.stamp(Ack()))
    assert agent.unacked == orch.unacked == 0
    assert agent.replay_after(0) == [] == orch.replay_after(0)


def test_replay_overflow() -> None:
    s = Session("sess", max_unacked=3)
    for step in range(1, 4):
        s.stamp(_progress(step))
    with pytest.raises(ReplayOverflow, match="sess"):
        s.stamp(_progress(4))
    assert s.next_seq == 4  # the refused message took no number
    s.stamp(Ack())  # connection-level messages still go out
    s.acknowledge(1)
    assert s.stamp(_progress(4)).seq == 4
    with pytest.raises(ReplayOverflow):
        s.stamp(_progress(5))


# --- transport over loopback websockets -------------------------------------

Handler = Callable[[ServerConnection], Awaitable[None]]


@asynccontextmanager
async def serving(handler: Handler) -> AsyncIterator[str]:
    """A real websockets server on 127.0.0.1, an ephemeral port; yields its URL."""
    async with serve(handler, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        yield f"ws://127.0.0.1:{port}"


async def _recv_message(ws: ClientConnection) -> Message:
    return decode(await ws.recv())


async def test_malformed_frame_gets_error_reply_and_connection_survives() -> None:
    received: asyncio.Queue[Message] = asyncio.Queue()
    server_errors: list[BaseException] = []

    async def handler(ws: ServerConnection) -> None:
        session = Session("orch")
        try:
            while True:
                await received.put(await receive(ws, session))
        except ConnectionClosed:
            pass
        except BaseException as exc:  # surfaced by the test below
            server_errors.append(exc)
            raise

    async with asyncio.timeout(TIMEOUT_S), serving(handler) as url, connect(url) as ws:
        client = Session("agent")
        bad = {**json.loads(encode(_progress(1))), "id": "bad-1", "step": "x"}
        await ws.send(json.dumps(bad))
        err = await _recv_message(ws)
        assert isinstance(err, Error)
        assert (err.code, err.field, err.corr) == ("invalid_field", "step", "bad-1")
        assert err.seq == 0

        await ws.send("{oops")
        err = await _recv_message(ws)
        assert isinstance(err, Error) and err.code == "bad_json"

        await ws.send(json.dumps({**bad, "type": "teleport"}))
        err = await _recv_message(ws)
        assert isinstance(err, Error) and (err.code, err.field) == ("unknown_type", "type")

        # The same connection still carries valid messages, and they are acked.
        good = client.stamp(_progress(1))
        await ws.send(encode(good))
        assert await received.get() == good
        ack = await _recv_message(ws)
        assert isinstance(ack, Ack) and ack.ack == 1
        # A duplicate is dropped silently: the next message through is the new one.
        await ws.send(encode(good))
        following = client.stamp(_progress(2))
        await ws.send(encode(following))
        assert await received.get() == following
        assert received.empty()
    assert server_errors == []


async def test_unsupported_version_closes_with_4002() -> None:
    outcome: asyncio.Future[BaseException] = asyncio.get_running_loop().create_future()

    async def handler(ws: ServerConnection) -> None:
        try:
            await receive(ws, Session("orch"))
        except BaseException as exc:
            outcome.set_result(exc)

    async with asyncio.timeout(TIMEOUT_S), serving(handler) as url, connect(url) as ws:
        await ws.send(_frame(v=PROTOCOL_VERSION + 1, type="ack", id="old-1"))
        err = await _recv_message(ws)
        assert isinstance(err, Error)
        assert (err.code, err.field, err.corr) == ("unsupported_version", "v", "old-1")
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == CLOSE_UNSUPPORTED_VERSION == 4002
        raised = await outcome
        assert isinstance(raised, ProtocolError) and raised.fatal


@pytest.mark.parametrize("trust_welcome", [True, False], ids=["resume", "replay-from-zero"])
async def test_link_reconnect_delivers_every_message_once_in_order(trust_welcome: bool) -> None:
    total, drop_after = 10, 3
    orch = Session("sess-1")  # the receiver's session outlives its connections
    got: list[Message] = []
    all_in = asyncio.Event()
    connections = 0
    server_errors: list[BaseException] = []

    async def handler(ws: ServerConnection) -> None:
        nonlocal connections
        connections += 1
        first = connections == 1
        try:
            hello = await receive(ws, orch)
            assert isinstance(hello, Hello)
            await send_unsequenced(
                ws, Welcome(session_id=orch.session_id, last_seq=orch.last_received), orch
            )
            while True:
                got.append(await receive(ws, orch))
                if first and len(got) == drop_after:
                    ws.transport.abort()  # the network goes away mid-stream
                    return
                if len(got) == total:
                    all_in.set()
        except ConnectionClosed:
            pass
        except BaseException as exc:
            server_errors.append(exc)
            raise

    link = Link(Session("sess-1"))

    async def dial(url: str) -> tuple[ClientConnection, int]:
        ws = await connect(url)
        resume = Resume(session_id="sess-1", last_seq=link.session.last_received)
        await send_unsequenced(ws, Hello(agent_id="a", devices=[PHONE], resume=resume), None)
        if trust_welcome:
            welcome = await receive(ws, link.session, ack=False)
            assert isinstance(welcome, Welcome)
            replayed = await link.attach(ws, welcome.last_seq)
        else:
            # Ignore what the peer says it has: replay everything; its session drops repeats.
            welcome = await receive(ws, None)
            replayed = await link.attach(ws, 0)
        assert link.connected
        return ws, replayed

    async with asyncio.timeout(TIMEOUT_S), serving(handler) as url:
        ws1, replayed = await dial(url)
        assert replayed == 0
        for step in range(1, 6):
            await link.send(_progress(step))
        await ws1.wait_closed()  # the server dropped us after `drop_after` messages

        # Disconnected: sends are numbered and kept. The first one notices the dead socket.
        for step in range(6, 9):
            sent = await link.send(_progress(step))
            assert sent.seq == step
            assert not link.connected

        ws2, replayed = await dial(url)
        if trust_welcome:
            assert replayed == total - 2 - drop_after  # 4..8
        else:
            assert replayed == total - 2  # 1..8; 1..3 arrive twice
        for step in range(9, total + 1):
            await link.send(_progress(step))
        await all_in.wait()
        await ws2.close()

    assert server_errors == []
    assert connections == 2
    assert [m.seq for m in got] == list(range(1, total + 1))
    assert [m.step for m in got if isinstance(m, Progress)] == list(range(1, total + 1))
    assert orch.last_received == total
