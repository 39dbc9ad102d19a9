"""Every bound the orchestrator keeps, so its memory stays bounded under any input.

`Limits` names each one with its default. The parts are small and mostly pure:
`TokenBucket` (a per-connection rate limit, decided from explicit times), `clip` and
`step_record` (step text and numbers as the runtime keeps them), `finished_to_prune`
(which finished runs leave memory; the store keeps them), `Subscription` (an event
queue that drops a slow client instead of growing) and `Throttled` (a socket whose
reads wait for the bucket: a flooding peer is slowed, not buffered).
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .store import Event

if TYPE_CHECKING:
    from ..protocol.messages import Progress
    from ..protocol.transport import FrameSocket
    from .runs import TaskRun

ELLIPSIS = "…"


@dataclass(frozen=True)
class Limits:
    """The orchestrator's bounds, each with its default.

    max_sessions: agent sessions held at once (connected or within their reconnect grace);
        a new one beyond it is refused with "try again later".
    max_devices_per_hello: devices one agent may announce.
    max_running_listed: subtask ids a hello may list as still running.
    rate_per_s, burst: frames per second one connection may send, and the burst above
        that (a token bucket); a faster peer is slowed down (its frames wait unread).
    subscriber_queue: events waiting for one event-stream client; a client that falls
        this far behind is disconnected, told to resume from its last event.
    finished_runs_kept: finished tasks kept in memory; older ones are read from the store.
    step_text_chars: longest summary / why / question text kept; longer is cut with "…".
    action_chars: largest step action (as JSON) kept; a larger one is kept as its kind.
    steps_kept_per_run: progress steps kept in memory per task (the store has them all).
    max_cost_usd_per_step: a step reporting more cost than this counts as this much.
    """

    max_sessions: int = 256
    max_devices_per_hello: int = 32
    max_running_listed: int = 256
    rate_per_s: float = 200.0
    burst: int = 400
    subscriber_queue: int = 2000
    finished_runs_kept: int = 100
    step_text_chars: int = 500
    action_chars: int = 2000
    steps_kept_per_run: int = 5000
    max_cost_usd_per_step: float = 100.0


@dataclass
class TokenBucket:
    """`rate` tokens a second up to `burst`; each frame takes one. Pure: callers pass the time."""

    rate: float
    burst: float
    tokens: float = field(init=False)
    stamp: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        self.tokens = self.burst
        self.stamp = -math.inf

    def _refill(self, now: float) -> None:
        if self.stamp == -math.inf:
            self.stamp = now
        self.tokens = min(self.burst, self.tokens + max(0.0, now - self.stamp) * self.rate)
        self.stamp = max(self.stamp, now)

    def take(self, now: float) -> bool:
        """Take one token if there is one; False means the caller is over its rate."""
        self._refill(now)
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False

    def wait_s(self, now: float) -> float:
        """Seconds until a token is there (0 when one is there now)."""
        self._refill(now)
        return 0.0 if self.tokens >= 1.0 else (1.0 - self.tokens) / self.rate


class Throttled:
    """A `FrameSocket` whose `recv` takes a token per frame, waiting for one when the peer
    sends faster than its bucket allows (the unread frames push back through TCP)."""

    def __init__(self, ws: FrameSocket, bucket: TokenBucket, clock: Callable[[], float] = time.monotonic) -> None:
        self._ws = ws
        self._bucket = bucket
        self._clock = clock
        self.throttled = 0
        """How many frames had to wait for their token."""

    async def recv(self) -> str | bytes:
        """The next frame, after its token is available."""
        while not self._bucket.take(self._clock()):
            self.throttled += 1
            await asyncio.sleep(self._bucket.wait_s(self._clock()))  # a refill deadline, not an event
        return await self._ws.recv()

    async def send(self, message: str) -> None:
        """Send a text frame."""
        await self._ws.send(message)

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the underlying socket."""
        await self._ws.close(code, reason)


def clip(text: str, limit: int) -> str:
    """`text` at most `limit` characters long, cut with an ellipsis when it was longer."""
    return text if len(text) <= limit else text[: max(0, limit - 1)] + ELLIPSIS


def finite(value: float, high: float) -> float:
    """`value` as a number between 0 and `high` (NaN and negatives count as 0)."""
    if not math.isfinite(value) or value < 0:
        return 0.0 if math.isnan(value) or value < 0 else high
    return min(value, high)


def small_action(action: dict[str, Any], limit: int) -> dict[str, Any]:
    """The step's action, or only its kind when its JSON is longer than `limit`."""
    try:
        size = len(json.dumps(action, default=str))
    except (TypeError, ValueError, RecursionError):
        size = limit + 1
    if size <= limit:
        return action
    kind = action.get("kind")
    return {"kind": clip(kind, 40) if isinstance(kind, str) else "unknown", "truncated": True}


def step_record(message: Progress, device: str, subtask: str, limits: Limits) -> dict[str, Any]:
    """One progress step as the runtime keeps and emits it: text clipped, numbers finite."""
    return {
        "subtask": subtask,
        "device": device,
        "step": message.step,
        "summary": clip(message.summary, limits.step_text_chars),
        "tier": message.tier,
        "why": clip(message.why, limits.step_text_chars),
        "subgoal": clip(message.subgoal, limits.step_text_chars),
        "tokens": max(0, min(message.tokens, 10**9)),
        "cost_usd": finite(message.cost_usd, limits.max_cost_usd_per_step),
        "latency_ms": finite(message.latency_ms, 86_400_000.0),
        "action": small_action(message.action, limits.action_chars),
    }


def finished_to_prune(runs: Iterable[TaskRun], keep: int) -> list[str]:
    """Ids of the finished runs beyond the newest `keep`, oldest first: they leave memory."""
    finished = sorted((r for r in runs if r.done.done()), key=lambda r: r.started)
    return [r.id for r in finished[: max(0, len(finished) - keep)]]


OVERFLOW = "stream_overflow"
"""The kind of the last event a dropped subscriber receives."""


class Subscription(asyncio.Queue[Event]):
    """An event queue of bounded size that never blocks or raises on `put_nowait`.

    When the client reading it falls `maxsize` events behind, the queued events are
    dropped, one `stream_overflow` event takes their place (so the reader wakes up), and
    `overflowed` is set: the reader closes the stream and the client resumes from the
    last event it saw (`?after=SEQ`), reading the rest from the store.
    """

    def __init__(self, maxsize: int) -> None:
        super().__init__(maxsize=maxsize)
        self.overflowed = False

    def put_nowait(self, item: Event) -> None:
        """Queue `item`, or mark the subscription overflowed when it is full."""
        if self.overflowed:
            return
        if self.full():
            self.overflowed = True
            while not self.empty():
                self.get_nowait()
            item = Event(task_id="", kind=OVERFLOW, data={"dropped_after": self.maxsize})
        super().put_nowait(item)
