"""Running the app: uvicorn on this event loop, with the orchestrator it serves.

`async with ApiServer(orchestrator, host, port) as server:` binds the port (raising
`OSError` when it cannot), starts the orchestrator's scheduler with the agent
endpoint's URL, and returns once uvicorn accepts connections; leaving the block
cancels running tasks and stops serving. `fleetmind serve` and the tests use it.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator
from types import TracebackType

import uvicorn

from ..orchestrator.server import Orchestrator
from ..protocol.transport import MAX_FRAME_BYTES
from .app import create_app


class _Uvicorn(uvicorn.Server):
    """uvicorn's server, telling when it listens (`ready`) instead of only logging it, and
    leaving signals to the program that runs it (which stops it with `ApiServer.close`)."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = asyncio.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if not self.should_exit:
            self.ready.set()

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # Ctrl-C is the program's: it stops devices and tasks in order, then this server


def _bind(host: str, port: int) -> socket.socket:
    family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    return socket.create_server(address[:2], family=family)


class ApiServer:
    """Serves `orchestrator` (UI, API, docs, agent endpoint) on `host:port` with uvicorn.

    `port=0` picks a free port; `url` and `agent_url` say where it ended up.
    `shutdown_timeout_s` bounds how long stopping waits for open connections.
    `tls_cert` and `tls_key` (PEM files) serve https:// and wss:// instead of plain HTTP.
    WebSocket pings go every `orchestrator.heartbeat_s`; a peer silent that long again is dropped.
    """

    def __init__(
        self,
        orchestrator: Orchestrator,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        log_level: str = "warning",
        shutdown_timeout_s: float = 5.0,
        tls_cert: str | None = None,
        tls_key: str | None = None,
    ) -> None:
        self.orchestrator = orchestrator
        self.host = host
        self.port = port
        self.log_level = log_level
        self.shutdown_timeout_s = shutdown_timeout_s
        self.tls_cert = tls_cert
        self.tls_key = tls_key
        self.url = ""
        self._server: _Uvicorn | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def agent_url(self) -> str:
        """Where device agents dial: ws://host:port/agent (wss:// with TLS)."""
        return self.url.replace("http", "ws", 1) + "/agent"

    async def __aenter__(self) -> ApiServer:
        sock = _bind(self.host, self.port)
        bound_host, bound_port = sock.getsockname()[:2]
        scheme = "https" if self.tls_cert else "http"
        self.url = f"{scheme}://{f'[{bound_host}]' if ':' in bound_host else bound_host}:{bound_port}"
        self.orchestrator.listen_on(self.host)
        self.orchestrator.start_runtime(self.agent_url)
        config = uvicorn.Config(
            create_app(self.orchestrator),
            log_config=None,  # the program's logging setup stays as it is
            log_level=self.log_level,
            access_log=False,
            lifespan="off",
            ws="websockets-sansio",
            ws_max_size=MAX_FRAME_BYTES,
            ws_ping_interval=self.orchestrator.heartbeat_s,
            ws_ping_timeout=self.orchestrator.heartbeat_s,
            ssl_certfile=self.tls_cert,
            ssl_keyfile=self.tls_key,
            timeout_graceful_shutdown=int(self.shutdown_timeout_s),
        )
        self._server = _Uvicorn(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]), name="uvicorn")
        ready = asyncio.ensure_future(self._server.ready.wait())
        await asyncio.wait([ready, self._task], return_when=asyncio.FIRST_COMPLETED)
        if not ready.done():
            ready.cancel()
            await self.orchestrator.stop()
            sock.close()
            self._task.result()  # raises what stopped uvicorn
            raise RuntimeError(f"the API server on {self.url} stopped while starting")
        return self

    async def wait_closed(self) -> None:
        """Return when uvicorn stops (a signal, or `close`)."""
        if self._task is not None:
            await asyncio.shield(self._task)

    async def close(self) -> None:
        """Cancel running tasks, close connections and stop listening."""
        await self.orchestrator.stop()
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()
