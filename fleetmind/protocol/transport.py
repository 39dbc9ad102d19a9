"""The thin I/O shell around the protocol: `websockets` connections carrying sessions.

`Link` is a session whose WebSocket can be swapped when a connection drops and a
new one is made; `receive` reads the next valid, new message from a WebSocket and
answers malformed frames with an `error` message instead of dropping the link.

A lost message (a `seq` that skips ahead) closes the connection with
`CLOSE_SEQUENCE_GAP`. That is the whole recovery: the agent reconnects with
resume as after any drop, and both sides replay what the other has not received.
The protocol has no message to ask for a resend, and needs none: a message still
unacknowledged after `RESEND_AFTER_S` is sent again on the same connection (a frame
lost with nothing after it to reveal the gap is delivered anyway), and the peer, which
drops it if it had it, acknowledges it either way.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import NoReturn, Protocol

from websockets.exceptions import ConnectionClosed

from .codec import CLOSE_UNSUPPORTED_VERSION, ProtocolError, decode, encode, frame_limit
from .messages import Ack, Error, Message
from .session import SequenceGap, Session

log = logging.getLogger(__name__)

MAX_FRAME_BYTES = 2**20
"""Largest WebSocket message accepted at all (a larger one closes the connection with 1009).

Each message type has its own, smaller limit (`codec.FRAME_LIMITS`): a frame over that
gets an `error` reply and the connection goes on. Progress thumbnails are small;
screenshots are never sent whole."""
RESEND_AFTER_S = 2.0
"""Seconds a sent message may wait for its ack before it is sent again (oldest first, one at a time)."""
PING_INTERVAL_S = 20.0
PING_TIMEOUT_S = 20.0

CLOSE_SEQUENCE_GAP = 4004
"""Close code: a message arrived with earlier ones missing. Not fatal: reconnect with resume.

The close reason names the expected and the received `seq`. Either side may close
with it; the agent answers by reconnecting at once, its `hello` carrying its session
and last seq, and the replays on both sides deliver the lost messages in order.
"""


class FrameSocket(Protocol):
    """What the protocol needs of a WebSocket: text frames in and out, and a close with a code.

    A `websockets` connection is one; `fleetmind.api` adapts Starlette's WebSocket to
    it. A connection that has ended raises `websockets.exceptions.ConnectionClosed`.
    """

    async def send(self, message: str) -> None: ...
    async def recv(self) -> str | bytes: ...
    async def close(self, code: int = 1000, reason: str = "") -> None: ...


class Link:
    """One side's session plus the WebSocket it currently talks over (if any).

    Messages sent while no socket is attached are numbered and kept; they go out
    when `attach` replays what the peer has not received. The oldest message left
    unacknowledged for `resend_after_s` goes out again (None: never).
    """

    def __init__(self, session: Session, *, resend_after_s: float | None = RESEND_AFTER_S) -> None:
        self.session = session
        self.ws: FrameSocket | None = None
        self.resend_after_s = resend_after_s
        self.resent = 0
        """Messages sent again because no ack came in time."""
        self._lock = asyncio.Lock()
        self._resend_timer: asyncio.TimerHandle | None = None
        self._resending: asyncio.Task[None] | None = None

    @property
    def connected(self) -> bool:
        return self.ws is not None

    async def send(self, message: Message) -> Message:
        """Number, keep and (if connected) send a message; returns it as sent.

        A message larger than its type's frame limit raises `ProtocolError` (too_large) and is
        neither numbered nor kept: the peer would refuse it, and a numbered message it cannot
        take would leave a gap that resuming replays forever.
        """
        size = len(encode(message).encode("utf-8", "surrogatepass")) + 64  # room for the seq and ack
        if size > frame_limit(message.type):
            raise ProtocolError(
                "too_large", f"not sending a {message.type} of {size} bytes: the limit is {frame_limit(message.type)}"
            )
        async with self._lock:
            stamped = self.session.stamp(message)
            await self._write(stamped)
        if stamped.seq:
            self._arm_resend()
        return stamped

    async def attach(self, ws: FrameSocket, peer_last_received: int) -> int:
        """Use `ws` from now on and replay what the peer missed; returns how many."""
        async with self._lock:
            self.ws = ws
            pending = self.session.replay_after(peer_last_received)
            for message in pending:
                await self._write(message)
        if pending:
            self._arm_resend()
        return len(pending)

    def detach(self, ws: FrameSocket | None = None) -> None:
        """Forget the socket (only if it is still `ws`, when given)."""
        if ws is None or self.ws is ws:
            self.ws = None

    def _arm_resend(self) -> None:
        """Check back in `resend_after_s` whether the oldest unacknowledged message is still so."""
        oldest = self.session.oldest_unacked()
        if self.resend_after_s is None or self._resend_timer is not None or oldest is None:
            return
        loop = asyncio.get_running_loop()
        self._resend_timer = loop.call_later(self.resend_after_s, self._resend_due, oldest.seq)

    def _resend_due(self, seq: int) -> None:
        self._resend_timer = None
        if self._resending is None or self._resending.done():
            self._resending = asyncio.get_running_loop().create_task(self._resend(seq))

    async def _resend(self, seq: int) -> None:
        """Send the oldest unacknowledged message again if it is still `seq` (no ack came meanwhile)."""
        async with self._lock:
            oldest = self.session.oldest_unacked()
            if oldest is not None and oldest.seq == seq and self.ws is not None:
                log.info("no ack for %s seq=%d in %.1fs; sending it again", oldest.type, seq, self.resend_after_s)
                self.resent += 1
                await self._write(oldest)
        if self.ws is not None:  # detached: attach replays everything and checks again
            self._arm_resend()

    async def _write(self, message: Message) -> None:
        ws = self.ws
        if ws is None:
            return
        try:
            await ws.send(encode(message))
        except ConnectionClosed:
            # Kept in the replay buffer; it goes out again after the peer reconnects.
            self.detach(ws)


async def send_unsequenced(ws: FrameSocket, message: Message, session: Session | None) -> None:
    """Send a connection-level message (hello, welcome, ack, error), acking what we got."""
    if session is not None:
        message = session.stamp(message)
    await ws.send(encode(message))


async def receive(
    ws: FrameSocket,
    session: Session | None,
    *,
    ack: bool = True,
) -> Message:
    """The next valid message from `ws` that is new to `session`.

    Malformed frames get an `error` reply naming the field and are skipped; an
    unsupported protocol version closes the connection with code 4002. Duplicates
    (already-seen `seq`) are dropped, not returned. A `seq` that skips ahead closes the
    connection with `CLOSE_SEQUENCE_GAP` (4004) so the peers resume. With `ack`, every
    new sequenced message is acknowledged at once; without, the caller acknowledges it
    once acted on. A duplicate is acknowledged either way (it was acted on the first
    time). Raises `ConnectionClosed` when the socket ends, whichever side ended it.
    """
    while True:
        frame = await ws.recv()
        try:
            message = decode(frame)
        except ProtocolError as exc:
            log.info("protocol error from peer: %s", exc)  # the peer is told; a flood must not flood the log
            reply = Error(code=exc.code, message=str(exc), field=exc.field, corr=exc.message_id)
            await send_unsequenced(ws, reply, session)
            if exc.fatal:
                await ws.close(CLOSE_UNSUPPORTED_VERSION, exc.code)
                raise
            continue
        if session is None:
            return message
        try:
            fresh = session.receive(message)
        except SequenceGap as gap:
            await _close_for_gap(ws, gap)  # raises ConnectionClosed, like any other end
        if not fresh:
            # Taken in (and, in the one reader, acted on) before: say so again, or a sender
            # whose ack was lost keeps sending it.
            log.debug("dropping duplicate %s seq=%d", message.type, message.seq)
            await send_unsequenced(ws, Ack(), session)
            continue
        if ack and message.seq:
            await send_unsequenced(ws, Ack(), session)
        return message


async def _close_for_gap(ws: FrameSocket, gap: SequenceGap) -> NoReturn:
    """Close `ws` with CLOSE_SEQUENCE_GAP and raise the resulting `ConnectionClosed`."""
    log.warning("%s; closing the connection (code %d) so both sides resume", gap, CLOSE_SEQUENCE_GAP)
    await ws.close(CLOSE_SEQUENCE_GAP, f"sequence gap: expected seq {gap.expected}, got {gap.got}; resume")
    # Frames still queued behind the gap are discarded: the resume replays them, in order.
    while True:
        await ws.recv()


Handler = Callable[[Message], Awaitable[None]]
