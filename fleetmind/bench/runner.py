"""The shared bench runner: episodes in, per-episode records out, run by an executor over a device pool.

A suite (android, cross-device, ...) says which episodes there are and how one runs;
the runner does the rest the same way for every suite: it hands the episodes to an
`Executor`, shows a progress bar, and collects one `EpisodeRecord` per episode, in
episode order. A failing episode is a record with `status="error"`, never an exception
that stops the others.

The executor is the seam for running elsewhere. `AsyncioExecutor` runs K episodes at a
time in this process (each takes a device from a `DevicePool` for its duration). A
cluster executor (Ray) would implement the same `Executor.run`: episodes are plain,
picklable data (`Episode`), so a remote worker can rebuild the suite by name, start its
own devices and run `Suite.run_episode` there.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Generic, Protocol, TypeVar

__all__ = [
    "AsyncioExecutor",
    "BenchConfig",
    "DevicePool",
    "Episode",
    "EpisodeRecord",
    "Executor",
    "OnDone",
    "Peer",
    "Suite",
    "run_episodes",
]

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Episode:
    """One run of one task with one seed: what to run, never how (plain data, picklable)."""

    id: str
    task: str
    seed: int
    index: int = 0
    params: dict[str, Any] = field(default_factory=dict)
    """The task's parameters drawn from the seed (names, times, texts)."""


@dataclass
class EpisodeRecord:
    """How one episode went, as the report keeps it.

    success comes from the suite's check of device state, never from the agent's word;
    status is how the policy itself ended (succeeded / failed / error / timed out).
    """

    episode: str
    task: str
    seed: int
    success: bool
    status: str
    seconds: float = 0.0
    steps: int = 0
    tiers: dict[str, int] = field(default_factory=dict)
    device: str = ""
    error: str | None = None
    goal: str = ""
    groups: dict[str, Any] = field(default_factory=dict)
    """What the report groups by (difficulty, apps, tags, device count)."""
    metrics: dict[str, Any] = field(default_factory=dict)
    """Suite-specific figures (subtask completion, makespans, critical path ...)."""

    def to_json(self) -> dict[str, Any]:
        """The record as JSON-ready data."""
        return asdict(self)


@dataclass(frozen=True)
class BenchConfig:
    """What every suite shares from the command line."""

    policy: str = "oracle"
    """oracle: replay the task's reference plan; agent: the real agent with the configured tiers."""
    devices: str = ""
    """--devices as given ('' = the suite's virtual default)."""
    episodes: int | None = None
    """How many episodes (None: one per task)."""
    parallel: int = 2
    seed: int = 0
    transport: str = "adb"
    model_local: str | None = None
    model_cloud: str | None = None
    episode_timeout_s: float = 180.0
    only: str | None = None


@dataclass(frozen=True)
class Peer:
    """A published figure of a peer system, set beside ours where the work is comparable."""

    metric: str
    system: str
    value: str
    source: str
    note: str = ""


class Suite(Protocol):
    """A benchmark suite the runner can drive."""

    name: str

    def episodes(self, config: BenchConfig) -> list[Episode]:
        """The episodes to run (task templates instantiated from the seed)."""
        ...

    def session(self, config: BenchConfig) -> contextlib.AbstractAsyncContextManager[Callable[[Episode], Awaitable[
            EpisodeRecord]]]:
        """Start what episodes need (devices, models) and yield the function that runs one episode."""
        ...


class DevicePool(Generic[T]):
    """Devices (or whole fleets) lent to one episode at a time."""

    def __init__(self, items: Sequence[T]) -> None:
        if not items:
            raise ValueError("a device pool needs at least one device")
        self.items = list(items)
        self._free: asyncio.Queue[T] = asyncio.Queue()
        for item in items:
            self._free.put_nowait(item)

    @contextlib.asynccontextmanager
    async def lease(self) -> AsyncIterator[T]:
        """Borrow a free device for the block; waits while all are busy."""
        item = await self._free.get()
        try:
            yield item
        finally:
            self._free.put_nowait(item)


OnDone = Callable[[EpisodeRecord], None]


class Executor(Protocol):
    """Runs episodes; how and where is the executor's business."""

    async def run(
        self, episodes: Sequence[Episode], work: Callable[[Episode], Awaitable[EpisodeRecord]], on_done: OnDone
    ) -> list[EpisodeRecord]:
        """Every episode's record, in episode order; on_done is called as each finishes."""
        ...


@dataclass
class AsyncioExecutor:
    """Up to `parallel` episodes at a time in this process's event loop, each bounded by `timeout_s`."""

    parallel: int = 2
    timeout_s: float = 180.0

    async def run(
        self, episodes: Sequence[Episode], work: Callable[[Episode], Awaitable[EpisodeRecord]], on_done: OnDone
    ) -> list[EpisodeRecord]:
        """See `Executor.run`."""
        if self.parallel < 1:
            raise ValueError(f"parallel={self.parallel}: run at least one episode at a time")
        gate = asyncio.Semaphore(self.parallel)
        records: list[EpisodeRecord | None] = [None] * len(episodes)

        async def one(i: int, episode: Episode) -> None:
            async with gate:
                began = time.perf_counter()
                try:
                    async with asyncio.timeout(self.timeout_s):
                        record = await work(episode)
                except TimeoutError:
                    record = _failed(episode, "timed out", f"no end after {self.timeout_s:.0f}s", began)
                except Exception as exc:  # one broken episode must not stop the others
                    log.exception("episode %s could not run", episode.id)
                    record = _failed(episode, "error", f"{type(exc).__name__}: {exc}", began)
            records[i] = record
            on_done(record)

        async with asyncio.TaskGroup() as group:
            for i, episode in enumerate(episodes):
                group.create_task(one(i, episode), name=f"episode-{episode.id}")
        return [r for r in records if r is not None]


def _failed(episode: Episode, status: str, error: str, began: float) -> EpisodeRecord:
    return EpisodeRecord(episode.id, episode.task, episode.seed, success=False, status=status, error=error,
                         seconds=round(time.perf_counter() - began, 3))


async def run_episodes(
    suite: Suite, config: BenchConfig, executor: Executor, on_done: OnDone | None = None
) -> list[EpisodeRecord]:
    """Run the suite's episodes with `executor`; the records in episode order."""
    episodes = suite.episodes(config)
    async with suite.session(config) as work:
        return await executor.run(episodes, work, on_done or (lambda _: None))
