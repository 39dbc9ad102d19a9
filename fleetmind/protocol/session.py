"""Session bookkeeping for one side of an agent link: numbering, acks, replay. No I/O.

Each side numbers the messages it sends (`seq` 1, 2, 3 ...) and keeps them in a
replay buffer until the peer acknowledges them (`ack` on any later message, or a
bare `ack` message). When a connection drops and a new one is made, each side
tells the other the last `seq` it received; the other replays everything after it.
A message received twice (its `seq` is not above the last one seen) is dropped, so
a replayed `assign` or `result` never acts twice.

A message whose `seq` skips ahead (one before it was lost) is not taken in:
`receive` raises `SequenceGap`. The lost message is still in the sender's replay
buffer (acks are cumulative, so nothing after the gap was acknowledged), and the
resume path delivers it: the transport closes the connection with
`CLOSE_SEQUENCE_GAP`, the agent reconnects with its session and last seq, and
both sides replay what the other has not received, in order.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from .messages import UNSEQUENCED, Message


class ReplayOverflow(RuntimeError):
    """More unacknowledged messages than the buffer holds; the peer is gone for good."""


class SequenceGap(RuntimeError):
    """The peer's message skipped sequence numbers: the ones before it were lost.

    Nothing is taken in; reconnecting with resume replays from `expected` on.
    """

    def __init__(self, session_id: str, expected: int, got: int) -> None:
        super().__init__(f"session {session_id}: expected seq {expected}, got {got}; messages were lost")
        self.session_id = session_id
        self.expected = expected
        self.got = got


@dataclass
class Session:
    """Sequence state of one direction pair. `max_unacked` bounds memory."""

    session_id: str
    max_unacked: int = 10_000
    next_seq: int = 1
    last_received: int = 0
    _unacked: OrderedDict[int, Message] = field(default_factory=OrderedDict)

    def stamp(self, message: Message) -> Message:
        """Number an outgoing message, piggyback our ack, and keep it for replay."""
        update: dict[str, int] = {"ack": self.last_received, "seq": 0}
        if message.type not in UNSEQUENCED:
            if len(self._unacked) >= self.max_unacked:
                raise ReplayOverflow(f"session {self.session_id}: {self.max_unacked} messages unacknowledged")
            update["seq"] = self.next_seq
            self.next_seq += 1
        stamped = message.model_copy(update=update)
        if stamped.seq:
            self._unacked[stamped.seq] = stamped
        return stamped

    def receive(self, message: Message) -> bool:
        """Take in the peer's message. Returns False for a duplicate that must be ignored.

        Raises `SequenceGap` when messages before this one are missing; the message
        is then not taken in (its ack still counts: acks are cumulative).
        """
        self.acknowledge(message.ack)
        if message.type in UNSEQUENCED or message.seq == 0:
            return True
        if message.seq <= self.last_received:
            return False
        if message.seq != self.last_received + 1:
            raise SequenceGap(self.session_id, self.last_received + 1, message.seq)
        self.last_received = message.seq
        return True

    def acknowledge(self, ack: int) -> None:
        """Forget sent messages the peer has confirmed."""
        while self._unacked and next(iter(self._unacked)) <= ack:
            self._unacked.popitem(last=False)

    def replay_after(self, peer_last_received: int) -> list[Message]:
        """Messages to send again on a new connection, refreshed with our current ack."""
        self.acknowledge(peer_last_received)
        return [m.model_copy(update={"ack": self.last_received}) for m in self._unacked.values()]

    def oldest_unacked(self) -> Message | None:
        """The earliest sent message the peer has not confirmed, refreshed with our current ack."""
        oldest = next(iter(self._unacked.values()), None)
        return None if oldest is None else oldest.model_copy(update={"ack": self.last_received})

    def pending(self) -> list[Message]:
        """The sent messages still waiting for the peer's ack, oldest first."""
        return list(self._unacked.values())

    @property
    def unacked(self) -> int:
        """How many sent messages wait for the peer's ack."""
        return len(self._unacked)
