"""WebSocket routes: the client event stream (`/api/events`) and the agent endpoint (`/agent`).

The event stream sends every event as one JSON text frame, `{"seq", "task_id",
"kind", "data", "ts"}`: first the stored events numbered after `?after=N` (0: all),
then each new one as it happens, so a client that drops resumes from the last
`seq` it saw without a gap or a duplicate. Without `after`, only new events come
(as before `after` existed). `?task=ID` keeps one task's events.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Annotated

from fastapi import APIRouter, Query, WebSocket
from starlette.websockets import WebSocketDisconnect

from ..orchestrator.limits import OVERFLOW
from ..orchestrator.server import Orchestrator
from ..orchestrator.store import Event
from .agent_socket import serve_agent
from .auth import CLOSE_UNAUTHORIZED, orchestrator, token_problem

router = APIRouter()
CLOSE_TOO_SLOW = 4008
"""Close code: the client fell too far behind the events; reconnect with ?after=<last seq>."""


def stored_events(orch: Orchestrator, after: int, task: str | None) -> list[Event]:
    """Events numbered after `after`, of one task or of all, in order."""
    if task is not None:
        return orch.store.events(task, after=after)
    merged = [e for row in orch.store.tasks() for e in orch.store.events(row["task_id"], after=after)]
    return sorted(merged, key=lambda e: e.seq)


@router.websocket("/api/events")
async def event_stream(
    ws: WebSocket,
    after: Annotated[
        int | None, Query(ge=0, description="Replay stored events numbered after this one first; absent: none.")
    ] = None,
    task: Annotated[str | None, Query(description="Only this task's events.")] = None,
) -> None:
    """Stream events as JSON text frames; token by header or `?token=`."""
    await ws.accept()
    problem = token_problem(ws, allow_query=True)
    if problem is not None:
        await ws.close(CLOSE_UNAUTHORIZED, problem[:123])
        return
    orch = orchestrator(ws)
    queue = orch.subscribe()  # before reading the store: nothing falls between the two
    client = asyncio.ensure_future(ws.receive())  # resolves when the client leaves
    try:
        last = after or 0
        for event in stored_events(orch, after, task) if after is not None else []:
            await ws.send_text(event.model_dump_json())
            last = event.seq
        while True:
            getter = asyncio.ensure_future(queue.get())
            await asyncio.wait([getter, client], return_when=asyncio.FIRST_COMPLETED)
            if getter.done():
                event = getter.result()
                if event.kind == OVERFLOW and not event.task_id:  # fell behind: drop it, it resumes
                    behind = event.data.get("dropped_after")
                    reason = f"too slow: fell {behind} events behind; reconnect with ?after={last}"
                    await ws.close(CLOSE_TOO_SLOW, reason[:123])
                    return
                if event.seq > last and (task is None or event.task_id == task):
                    await ws.send_text(event.model_dump_json())
                    last = event.seq
            else:
                getter.cancel()  # a cancelled Queue.get() loses no item
            if client.done():
                if client.result()["type"] == "websocket.disconnect":
                    return
                client = asyncio.ensure_future(ws.receive())  # clients have nothing to say; ignore it
    except (WebSocketDisconnect, OSError, RuntimeError):
        pass  # the client went away mid-send
    finally:
        client.cancel()
        orch.unsubscribe(queue)
        with contextlib.suppress(Exception):
            await ws.close()


@router.websocket("/agent")
async def agent_endpoint(ws: WebSocket) -> None:
    """The agent protocol (hello/welcome, seq/ack, resume); see `fleetmind.protocol`."""
    await serve_agent(ws, orchestrator(ws))
