"""The user of the requests bench: follows one task's events, answers its questions with
the item's scripted replies, and notes what was asked and what had changed by then.

A question event carries {subtask, wire_id, question, id, kind, options}; the reply
goes back through `Orchestrator.answer`. A yes/no confirmation gets the item's
`confirm` (or, when the item scripts none, "yes" to what the user asked for and "no"
on a request that must be refused); any other question gets the item's `reply`, or,
when it scripts none, no answer at all (`UNSCRIPTED`): a question the request gave no
reason for (a bank password while changing a setting) is one a user leaves unanswered,
and an agent must then stop and say why (a made-up reply would only be typed somewhere).
The fleet's state is snapshotted the moment a question arrives, while the agent waits:
a question must come before anything changed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ...orchestrator.runs import TaskRun
from ...orchestrator.server import Orchestrator
from ...orchestrator.store import Event
from .spec import Item
from .world import Change, diff

__all__ = ["UNSCRIPTED", "Asked", "Answerer", "SubtaskEnd", "reply_for"]

log = logging.getLogger(__name__)

UNSCRIPTED = ""
"""The reply to a question the item did not expect: none (the agent's "no answer" case)."""

MAX_QUESTIONS = 6
"""More questions than this in one item means the agent is stuck asking; the task is cancelled."""


@dataclass(frozen=True)
class Asked:
    """One question the task asked, the reply it got, and the changes made before it was asked."""

    subtask: str
    kind: str
    question: str
    options: tuple[str, ...]
    answer: str
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class SubtaskEnd:
    """How a subtask ended, as the orchestrator reported it."""

    subtask: str
    status: str
    summary: str
    error: str | None
    outputs: dict[str, str]
    verified: bool | None


def reply_for(item: Item, kind: str, options: tuple[str, ...] = ()) -> str:
    """What the user answers to a question of this kind."""
    if kind == "confirm":
        return item.confirm or ("no" if item.expect == "refusal" else "yes")
    if item.reply is None:
        return UNSCRIPTED
    if options:  # a choice: the option that names the scripted reply, when there is one
        wanted = item.reply.casefold()
        return next((o for o in options if wanted in o.casefold()), item.reply)
    return item.reply


@dataclass
class Answerer:
    """Answers one task's questions; `follow(run)` returns when the task has finished."""

    orchestrator: Orchestrator
    item: Item
    snapshot: Callable[[], dict[str, Any]]
    start: dict[str, Any]
    queue: asyncio.Queue[Event]
    asked: list[Asked] = field(default_factory=list)
    ends: dict[str, SubtaskEnd] = field(default_factory=dict)

    async def follow(self, run: TaskRun) -> None:
        """Handle the task's events until it is done, then read the ones still queued."""
        while not run.done.done():
            getter: asyncio.Future[Event] = asyncio.ensure_future(self.queue.get())
            finished: asyncio.Future[Any] = run.done
            done, _ = await asyncio.wait([getter, finished], return_when=asyncio.FIRST_COMPLETED)
            if getter in done:
                await self._on_event(run, getter.result())
            else:
                getter.cancel()
        while not self.queue.empty():
            await self._on_event(run, self.queue.get_nowait())

    async def _on_event(self, run: TaskRun, event: Event) -> None:
        if event.task_id != run.id:
            return
        data = event.data
        if event.kind == "subtask_state" and data.get("result"):
            result = data["result"]
            self.ends[data["subtask"]] = SubtaskEnd(
                subtask=data["subtask"],
                status=str(data.get("status", result.get("status", ""))),
                summary=str(result.get("summary") or ""),
                error=result.get("error"),
                outputs={str(k): str(v) for k, v in (result.get("outputs") or {}).items()},
                verified=result.get("verified"),
            )
        elif event.kind == "question" and not run.done.done():
            await self._answer(run, data)

    async def _answer(self, run: TaskRun, data: dict[str, Any]) -> None:
        kind = str(data.get("kind") or "question")
        options = tuple(str(o) for o in data.get("options") or ())
        changes = tuple(diff(self.start, self.snapshot()))
        text = reply_for(self.item, kind, options)
        question = str(data.get("question", ""))
        self.asked.append(Asked(str(data.get("subtask", "")), kind, question, options, text, changes))
        log.info("item %s: %s asks (%s) %r -> %r", self.item.id, data.get("subtask"), kind, data.get("question"), text)
        if len(self.asked) > MAX_QUESTIONS:
            await self.orchestrator.cancel(run.id, f"asked more than {MAX_QUESTIONS} questions")
            return
        try:
            await self.orchestrator.answer(str(data["wire_id"]), text, data.get("id"))
        except KeyError as exc:  # the attempt ended meanwhile: nothing is waiting for the reply
            log.info("item %s: answer not delivered: %s", self.item.id, exc)
