"""The SDK without asyncio: the same client, run on an event loop in a background thread.

    with fleetmind.connect_sync("http://127.0.0.1:8765") as fm:
        run = fm.submit("Turn on Bluetooth")
        for event in run.events():
            print(event.kind)
        print(run.wait().status)
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Iterator
from typing import Any, TypeVar

from .client import Client, Run
from .models import Confirm, DeviceStatus, Event, Policy, RunResult, Task, TaskSummary

T = TypeVar("T")


class _LoopThread:
    """An event loop running in a daemon thread; coroutines are handed to it and awaited from outside."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="fleetmind-sdk", daemon=True)
        self._thread.start()

    def call(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)
        self.loop.close()


class SyncRun:
    """A `Run` for code without asyncio."""

    def __init__(self, runner: _LoopThread, run: Run) -> None:
        self._runner = runner
        self._run = run
        self.id = run.id

    @property
    def task(self) -> Task:
        """The latest state fetched."""
        return self._run.task

    def events(self) -> Iterator[Event]:
        """The task's events from the start, until it finishes."""
        stream = self._run.__aiter__()
        try:
            while True:
                try:
                    yield self._runner.call(anext(stream))
                except StopAsyncIteration:
                    return
        finally:
            self._runner.call(stream.aclose())

    def answer(self, text: str, question_id: str | None = None) -> None:
        """Answer the pending question (or the one named)."""
        self._runner.call(self._run.answer(text, question_id))

    def cancel(self) -> None:
        """Cancel the task."""
        self._runner.call(self._run.cancel())

    def refresh(self) -> Task:
        """Fetch the task's state now."""
        return self._runner.call(self._run.refresh())

    def wait(self, timeout_s: float | None = None) -> RunResult:
        """Block until the task ends."""
        return self._runner.call(self._run.wait(timeout_s))


class SyncClient:
    """`Client` for code without asyncio; use it as a context manager or call `close()`."""

    def __init__(self, url: str | None = None, *, token: str | None = None, timeout_s: float = 30.0) -> None:
        self._runner = _LoopThread()

        async def make() -> Client:  # httpx binds its pool to the loop that first uses it
            return Client(url, token=token, timeout_s=timeout_s)

        self._client = self._runner.call(make())
        self.url = self._client.url

    def __enter__(self) -> SyncClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections and stop the background loop."""
        self._runner.call(self._client.close())
        self._runner.stop()

    def submit(
        self,
        text: str,
        *,
        devices: str | None = None,
        policy: Policy = "auto",
        confirm: Confirm = "ask",
        max_steps: int | None = None,
        max_cost_usd: float | None = None,
    ) -> SyncRun:
        """Send a request; returns its run at once."""
        run = self._runner.call(
            self._client.submit(
                text, devices=devices, policy=policy, confirm=confirm, max_steps=max_steps, max_cost_usd=max_cost_usd
            )
        )
        return SyncRun(self._runner, run)

    def run(self, task_id: str) -> SyncRun:
        """The run of an existing task."""
        return SyncRun(self._runner, self._runner.call(self._client.run(task_id)))

    def task(self, task_id: str) -> Task:
        """A task's state now."""
        return self._runner.call(self._client.task(task_id))

    def tasks(self) -> list[TaskSummary]:
        """Every task the orchestrator knows."""
        return self._runner.call(self._client.tasks())

    def devices(self) -> list[DeviceStatus]:
        """The devices attached to the orchestrator."""
        return self._runner.call(self._client.devices())


def connect_sync(url: str | None = None, *, token: str | None = None, timeout_s: float = 30.0) -> SyncClient:
    """A blocking client: `with fleetmind.connect_sync(url, token=...) as fm: fm.submit(...).wait()`."""
    return SyncClient(url, token=token, timeout_s=timeout_s)


__all__ = ["SyncClient", "SyncRun", "connect_sync"]
