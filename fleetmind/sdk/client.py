"""Drive a running orchestrator from Python: submit requests, follow their events, answer, cancel.

    async with fleetmind.connect("http://127.0.0.1:8765", token="T") as fm:
        run = await fm.submit("Turn on Wi-Fi and dark theme")
        async for event in run:
            print(event.kind)
        result = await run.wait()

HTTP goes through httpx, the event stream through a `websockets` connection to
`/api/events`, resumed from the last event number after a dropped connection.
"""

from __future__ import annotations

import asyncio
import json
import os
import ssl
from collections.abc import AsyncGenerator, AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

import httpx
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from .errors import ApiError, ConnectionFailed, FleetmindError, NoPendingQuestion, TaskNotFound, Unauthorized
from .models import (
    DEVICES,
    FINISHED,
    TASKS,
    Confirm,
    DeviceStatus,
    Event,
    Policy,
    QuestionAnswered,
    QuestionAsked,
    RunResult,
    Task,
    TaskFinished,
    TaskSummary,
    parse_event,
)

DEFAULT_URL = "http://127.0.0.1:8765"
"""Where `fleetmind serve` listens unless told otherwise."""
RECONNECTS = 5
"""How often an event stream reconnects after a drop before giving up."""
CLOSE_UNAUTHORIZED = 4001
"""The close code of an event stream refused for its token."""


def base_url(url: str | None) -> str:
    """The orchestrator's HTTP base URL from what a user may type: http(s)://, ws(s)://, with /agent or /api."""
    url = (url or os.environ.get("FLEETMIND_URL") or DEFAULT_URL).strip()
    if "://" not in url:
        url = "http://" + url
    parts = urlsplit(url)
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme, parts.scheme)
    if scheme not in ("http", "https") or not parts.netloc:
        raise FleetmindError(f"cannot use {url!r} as an orchestrator URL; write http://HOST:PORT")
    path = parts.path.rstrip("/")
    for suffix in ("/agent", "/api"):
        path = path.removesuffix(suffix)
    return urlunsplit((scheme, parts.netloc, path, "", ""))


class Client:
    """An async connection to one orchestrator's client API. Use `fleetmind.connect(...)`.

    `url` defaults to $FLEETMIND_URL, then http://127.0.0.1:8765. The token: `token`, else
    the first line of `token_file`, else $FLEETMIND_TOKEN, else $FLEETMIND_TOKEN_FILE's file.
    `ca_file` (or $FLEETMIND_CA_FILE): a CA to trust for an https:// orchestrator with a
    self-signed or private certificate. `timeout_s` bounds each HTTP request (not a whole task).
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        token: str | None = None,
        timeout_s: float = 30.0,
        token_file: str | Path | None = None,
        ca_file: str | Path | None = None,
    ) -> None:
        self.url = base_url(url)
        self.token = token if token is not None else _token_from(token_file)
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        self._ssl = _ssl_context(ca_file or os.environ.get("FLEETMIND_CA_FILE") or None)
        verify: ssl.SSLContext | bool = self._ssl if self._ssl is not None else True
        self._http = httpx.AsyncClient(base_url=self.url, headers=headers, timeout=timeout_s, verify=verify)

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the HTTP connections."""
        await self._http.aclose()

    # requests ------------------------------------------------------------------------

    async def _request(self, method: str, path: str, *, task_id: str | None = None, **kwargs: Any) -> Any:
        try:
            try:
                response = await self._http.request(method, path, **kwargs)
            except (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError):
                if method != "GET":
                    raise  # the server may have acted on it: never send a command twice
                # A kept-alive connection the network dropped meanwhile: a read is safe to send again.
                response = await self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise ConnectionFailed(
                f"cannot reach the orchestrator at {self.url} ({str(exc) or type(exc).__name__}); is `fleetmind"
                " serve` running there? Pass its URL (url= or $FLEETMIND_URL)"
            ) from None
        if response.status_code == 401:
            raise Unauthorized(self.url)
        if response.status_code == 404 and task_id is not None:
            raise TaskNotFound(task_id, self.url)
        if response.status_code >= 400:
            raise ApiError(response.status_code, _detail(response))
        try:
            return response.json()
        except ValueError:
            raise FleetmindError(
                f"{self.url}{path} answered something that is not JSON; is this a fleetmind orchestrator's URL?"
            ) from None

    async def submit(
        self,
        text: str,
        *,
        devices: str | None = None,
        policy: Policy = "auto",
        confirm: Confirm = "ask",
        max_steps: int | None = None,
        max_cost_usd: float | None = None,
    ) -> Run:
        """Send a request; returns its `Run` at once (the task plans and runs on the orchestrator)."""
        body = {
            "text": text,
            "devices": devices,
            "policy": policy,
            "confirm": confirm,
            "max_steps": max_steps,
            "max_cost_usd": max_cost_usd,
        }
        task = Task.model_validate(await self._request("POST", "/api/tasks", json=body))
        return Run(self, task)

    async def task(self, task_id: str) -> Task:
        """A task's state now (graph, steps, pending questions, outputs, cost)."""
        return Task.model_validate(await self._request("GET", f"/api/tasks/{quote(task_id, safe='')}", task_id=task_id))

    async def run(self, task_id: str) -> Run:
        """The `Run` of a task submitted earlier (by anyone), to follow, answer or cancel it."""
        return Run(self, await self.task(task_id))

    async def tasks(self) -> list[TaskSummary]:
        """Every task the orchestrator knows, oldest first."""
        return TASKS.validate_python((await self._request("GET", "/api/tasks"))["tasks"])

    async def devices(self) -> list[DeviceStatus]:
        """The devices attached to the orchestrator."""
        return DEVICES.validate_python((await self._request("GET", "/api/devices"))["devices"])

    async def cancel(self, task_id: str) -> Task:
        """Cancel a task; its running subtasks stop on their devices."""
        data = await self._request("POST", f"/api/tasks/{quote(task_id, safe='')}/cancel", task_id=task_id)
        return Task.model_validate(data) if isinstance(data, dict) and "id" in data else await self.task(task_id)

    async def answer(self, task_id: str, text: str, question_id: str | None = None) -> None:
        """Answer a task's question; without `question_id`, the oldest one pending."""
        if question_id is None:
            pending = (await self.task(task_id)).questions
            if not pending:
                raise NoPendingQuestion(f"task {task_id} has no question waiting for an answer")
            question_id = pending[0].id
        body = {"question_id": question_id, "text": text}
        await self._request("POST", f"/api/tasks/{quote(task_id, safe='')}/answer", task_id=task_id, json=body)

    async def events(self, task_id: str | None = None, *, after: int = 0) -> AsyncIterator[Event]:
        """Events after number `after` (of one task, or all), then live ones, until the caller stops.

        A dropped connection is resumed from the last event seen; only `RECONNECTS`
        drops in a row end the stream with `ConnectionFailed`.
        """
        failures = 0
        while True:
            query = {"after": str(after), **({"task": task_id} if task_id else {})}
            ws_url = self.url.replace("http", "ws", 1) + "/api/events?" + urlencode(query)
            headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
            try:
                tls = self._ssl if ws_url.startswith("wss://") else None
                async with ws_connect(
                    ws_url, additional_headers=headers, open_timeout=10, max_size=2**24, ssl=tls
                ) as ws:
                    failures = 0
                    async for frame in ws:
                        event = parse_event(json.loads(frame))
                        after = max(after, event.seq)
                        yield event
                return  # the server closed the stream cleanly
            except InvalidStatus as exc:
                status = exc.response.status_code
                if status == 401:
                    raise Unauthorized(self.url) from None
                if status == 404 and task_id:
                    raise TaskNotFound(task_id, self.url) from None
                raise ApiError(status, f"event stream refused: {exc}") from None
            except ConnectionClosed as exc:
                if exc.rcvd is not None and exc.rcvd.code == CLOSE_UNAUTHORIZED:
                    raise Unauthorized(self.url) from None
                failures += 1
                if failures > RECONNECTS:
                    raise ConnectionFailed(f"event stream from {self.url} keeps dropping ({exc})") from None
                await asyncio.sleep(min(0.2 * 2**failures, 3.0))  # back off before resuming
            except (OSError, TimeoutError) as exc:
                failures += 1
                if failures > RECONNECTS:
                    raise ConnectionFailed(f"event stream from {self.url} keeps dropping ({exc})") from None
                await asyncio.sleep(min(0.2 * 2**failures, 3.0))  # back off before resuming


class Run:
    """One submitted task: iterate it for events, answer its questions, cancel it, wait for it.

    `async for event in run` replays the task's events from the start and ends after
    `task_finished`; iterating again replays them again.
    """

    def __init__(self, client: Client, task: Task) -> None:
        self.client = client
        self.task = task
        """The latest state fetched from the orchestrator (refreshed by `refresh()` and `wait()`)."""
        self.id = task.id
        self.pending: dict[str, QuestionAsked] = {}
        """Questions seen while iterating and not answered through this `Run`."""

    def __repr__(self) -> str:
        return f"Run({self.id!r}, status={self.task.status!r})"

    async def __aiter__(self) -> AsyncGenerator[Event, None]:
        async for event in self.client.events(self.id):
            if isinstance(event, QuestionAsked):
                self.pending[event.question_id] = event
            elif isinstance(event, QuestionAnswered):
                self.pending.pop(event.question_id, None)
            yield event
            if isinstance(event, TaskFinished):
                return

    async def refresh(self) -> Task:
        """Fetch the task's state now."""
        self.task = await self.client.task(self.id)
        return self.task

    async def answer(self, text: str, question_id: str | None = None) -> None:
        """Answer a question the task asks; without `question_id`, the one it is waiting on."""
        if question_id is None:
            pending = (await self.refresh()).questions
            if not pending:
                raise NoPendingQuestion(f"task {self.id} has no question waiting for an answer")
            question_id = pending[0].id
        await self.client.answer(self.id, text, question_id)
        self.pending.pop(question_id, None)

    async def cancel(self) -> None:
        """Cancel the task."""
        self.task = await self.client.cancel(self.id)

    async def wait(self, timeout_s: float | None = None) -> RunResult:
        """Wait until the task ends and return how it ended (TimeoutError after `timeout_s`)."""
        async with asyncio.timeout(timeout_s):
            if (await self.refresh()).status not in FINISHED:
                async for _event in self:
                    pass
            task = await self.refresh()
        if task.status not in FINISHED:
            raise ConnectionFailed(f"the event stream from {self.client.url} ended before task {self.id} did")
        return RunResult.of(task)


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:300] or response.reason_phrase
    if isinstance(body, dict):
        detail = body.get("detail") or body.get("error") or body
        return detail if isinstance(detail, str) else json.dumps(detail)
    return str(body)


def _token_from(token_file: str | Path | None) -> str | None:
    """The token from `token_file`, $FLEETMIND_TOKEN or $FLEETMIND_TOKEN_FILE (None: no token)."""
    path = token_file or (None if os.environ.get("FLEETMIND_TOKEN") else os.environ.get("FLEETMIND_TOKEN_FILE"))
    if not path:
        return os.environ.get("FLEETMIND_TOKEN") or None
    try:
        lines = [line.strip() for line in Path(path).expanduser().read_text().splitlines() if line.strip()]
    except OSError as exc:
        raise FleetmindError(f"cannot read the token file {path} ({exc.strerror or exc})") from None
    if not lines:
        raise FleetmindError(f"the token file {path} is empty; put the token on its first line")
    return lines[0]


def _ssl_context(ca_file: str | Path | None) -> ssl.SSLContext | None:
    if ca_file is None:
        return None
    try:
        return ssl.create_default_context(cafile=str(Path(ca_file).expanduser()))
    except (OSError, ssl.SSLError) as exc:
        raise FleetmindError(f"cannot use {ca_file} as a CA file ({exc})") from None


def connect(
    url: str | None = None,
    *,
    token: str | None = None,
    timeout_s: float = 30.0,
    token_file: str | Path | None = None,
    ca_file: str | Path | None = None,
) -> Client:
    """A client of the orchestrator at `url`; use it as `async with fleetmind.connect(url, token=...) as fm:`.

    `token_file` holds the token on its first line; `ca_file` is a CA to trust for https://.
    """
    return Client(url, token=token, timeout_s=timeout_s, token_file=token_file, ca_file=ca_file)


__all__ = ["DEFAULT_URL", "Client", "Run", "base_url", "connect"]
