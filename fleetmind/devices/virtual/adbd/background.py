"""`AdbServerThread`: an `AdbServer` on its own event loop in a background thread.

For synchronous callers (adbutils, tests driving it from threads, a CLI that
has no loop of its own):

    with AdbServerThread(virtual_phones(2)) as adb:
        client = adbutils.AdbClient("127.0.0.1", adb.port)
        adb.call(lambda: adb.server.handset("emulator-5554").phone.state.settings.wifi)
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from fleetmind.devices.virtual import VirtualPhone

from .server import AdbServer

__all__ = ["AdbServerThread"]

T = TypeVar("T")


class AdbServerThread:
    """Runs an `AdbServer` in a daemon thread; a context manager.

    Takes the same arguments as `AdbServer`. start_timeout_s bounds how long
    start() waits for the port to be bound, stop_timeout_s how long stop() waits.
    """

    def __init__(
        self,
        phones: Mapping[str, VirtualPhone] | Sequence[VirtualPhone],
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        start_timeout_s: float = 10.0,
        stop_timeout_s: float = 10.0,
        **options: Any,
    ) -> None:
        self.server = AdbServer(phones, host, port, **options)
        self.start_timeout_s = start_timeout_s
        self.stop_timeout_s = stop_timeout_s
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._started: concurrent.futures.Future[None] = concurrent.futures.Future()

    @property
    def port(self) -> int:
        """The bound port (after start())."""
        return self.server.port

    @property
    def host(self) -> str:
        """The address listened on."""
        return self.server.host

    def start(self) -> AdbServerThread:
        """Start the thread and return once the server listens; re-raises a failure to bind."""
        if self._thread is not None:
            return self
        self._thread = threading.Thread(target=self._run, name="adb-server", daemon=True)
        self._thread.start()
        self._started.result(timeout=self.start_timeout_s)
        return self

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            try:
                loop.run_until_complete(self.server.start())
            except BaseException as exc:
                self._started.set_exception(exc)
                return
            self._started.set_result(None)
            loop.run_until_complete(self.server.wait_closed())
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    def call(self, fn: Callable[[], T]) -> T:
        """Run `fn` on the server's loop thread (to read or change a phone safely) and return its result."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return fn()

        async def run() -> T:
            return fn()

        return asyncio.run_coroutine_threadsafe(run(), loop).result(timeout=self.stop_timeout_s)

    def stop(self) -> None:
        """Stop the server and join the thread."""
        thread, loop = self._thread, self._loop
        if thread is None:
            return
        if loop is not None and not loop.is_closed() and thread.is_alive():
            with_stop = asyncio.run_coroutine_threadsafe(self.server.stop(), loop)
            # CancelledError / RuntimeError: the loop ended first (a client's host:kill)
            with contextlib.suppress(concurrent.futures.CancelledError, RuntimeError):
                with_stop.result(timeout=self.stop_timeout_s)
        thread.join(timeout=self.stop_timeout_s)
        self._thread = None

    def __enter__(self) -> AdbServerThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
