"""The questions a device host's subtasks wait on, and the answers that reach them.

An answer counts for the question it names (its `corr`), or for whatever its subtask
waits on when it names none; an answer to an earlier question of the same subtask is
refused. A wait ends with the answer or, `timeout_s` after the question was asked (or
sooner, at a deadline of the subtask's own), with `unanswered(seconds waited)`, which
makes the loop fail naming the question.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from ..loop import unanswered

__all__ = ["PendingAnswers"]

log = logging.getLogger(__name__)


@dataclass
class _Waiting:
    question_id: str | None
    future: asyncio.Future[str]


class PendingAnswers:
    """Per subtask, the question it waits on; `timeout_s` bounds every wait."""

    def __init__(self, timeout_s: float) -> None:
        if not timeout_s > 0:
            raise ValueError(f"question_timeout_s={timeout_s!r}: give a positive number of seconds")
        self.timeout_s = timeout_s
        self._waiting: dict[str, _Waiting] = {}

    def expect(self, subtask_id: str, question_id: str | None) -> None:
        """From now on `subtask_id` waits on question `question_id` (None: on any answer)."""
        self._waiting[subtask_id] = _Waiting(question_id, asyncio.get_running_loop().create_future())

    def accepts(self, subtask_id: str, question_id: str | None) -> bool:
        """False for an answer naming another question than the one the subtask waits on."""
        waiting = self._waiting.get(subtask_id)
        return waiting is None or not question_id or not waiting.question_id or waiting.question_id == question_id

    def deliver(self, subtask_id: str, text: str) -> bool:
        """Hand an answer to the subtask's wait; False if it waits on nothing (or has its answer)."""
        waiting = self._waiting.get(subtask_id)
        if waiting is None or waiting.future.done():
            return False
        waiting.future.set_result(text)
        return True

    def deadline(self, asked_at: float, until: float | None = None) -> float:
        """When a question asked at `asked_at` stops waiting: `timeout_s` later, or at `until`
        if that is sooner (all Unix times, so they hold across a restart of the host)."""
        end = asked_at + self.timeout_s
        return end if until is None else min(end, until)

    async def wait(self, subtask_id: str, question: str, asked_at: float, until: float | None = None) -> str:
        """The answer to the question `subtask_id` waits on (see `expect`), or `unanswered(...)`
        once `deadline(asked_at, until)` has passed."""
        waiting = self._waiting.get(subtask_id)
        if waiting is None:
            self.expect(subtask_id, None)
            waiting = self._waiting[subtask_id]
        end = self.deadline(asked_at, until)
        try:
            async with asyncio.timeout(max(0.0, end - time.time())):
                return await waiting.future
        except TimeoutError:
            waited = round(max(0.0, end - asked_at), 1)
            log.info("subtask %s: no answer within %gs to %r", subtask_id, waited, question)
            return unanswered(waited)
        finally:
            if self._waiting.get(subtask_id) is waiting:
                del self._waiting[subtask_id]
