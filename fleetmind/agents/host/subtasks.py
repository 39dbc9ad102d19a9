"""Running one assigned subtask on its device's agent loop: progress and questions out, the
answers in, the result back exactly once; and going on with a subtask a previous run of the host
recorded (resumed at its question, or reported failed when it stopped between two steps)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver

from ...devices.base import DeviceError
from ...protocol.codec import ProtocolError
from ...protocol.messages import Assign, Question
from ...protocol.transport import Link
from ...secrets.keeper import SAVE_QUESTION, SecretKeeper
from ..loop import AskFn, GuiAgent, LoopResult, OnStep, StepRecord
from ..questions import PendingQuestion
from .pending import PendingAnswers
from .state import HostState, StoredSubtask
from .wire import progress_of, result_of, spec_of

log = logging.getLogger(__name__)

REPORT_MARGIN_S = 10.0
"""A question stops waiting this long (at most a tenth of the subtask's time) before the
subtask's own deadline, so the host's "no answer" reaches the orchestrator before its timer."""


class SubtaskRunner:
    """The device host's subtasks, from assignment to result (`DeviceAgentHost` sets these up)."""

    link: Link | None
    state: HostState | None
    answers: PendingAnswers
    secrets: SecretKeeper
    agents: dict[str, GuiAgent]
    finished: set[str]
    _running: dict[str, asyncio.Task[None]]
    _busy: dict[str, str]
    _cancelled: set[str]
    _checkpointer: BaseCheckpointSaver[Any] | None

    async def _run(self, msg: Assign, resumed: StoredSubtask | None = None) -> None:
        assert self.link is not None
        link = self.link
        sid = msg.subtask_id

        async def on_step(record: StepRecord) -> None:
            await link.send(progress_of(sid, record))

        started = resumed.started_at if resumed else time.time()
        until = None
        if msg.deadline_s is not None:
            until = started + msg.deadline_s - min(REPORT_MARGIN_S, msg.deadline_s / 10)

        # A secret question still open when the host stopped is awaited again, through the secret
        # keeper like any secret answer: its answer was never on disk, and the user sees one question.
        reopened = resumed if resumed is not None and resumed.secret and resumed.question_id else None

        async def ask(question: PendingQuestion) -> str:
            nonlocal reopened
            if reopened is not None and question.purpose == "secret":
                stored, reopened = reopened, None
                return await self.answers.wait(sid, question.text, stored.asked_at or time.time(), until)
            reopened = None
            asked_at = time.time()
            asked = Question(
                subtask_id=sid,
                question=question.text,
                kind=question.kind,
                options=question.options,
                secret=question.purpose == "secret",
                deadline_s=round(self.answers.deadline(asked_at, until) - asked_at, 1),
            )
            self.answers.expect(sid, asked.id)
            await link.send(asked)
            if self.state is not None:
                self.state.asked(sid, asked.id, question.text, asked_at, secret=asked.secret)
            return await self.answers.wait(sid, question.text, asked_at, until)

        agent = self.agents[msg.device_id]
        ask_secrets = self.secrets.asker(ask, msg.device_id)  # a stored secret answers without asking anyone
        deadline = None if msg.deadline_s is None else max(0.0, msg.deadline_s - (time.time() - started))
        try:
            async with asyncio.timeout(deadline):
                if resumed is None:
                    result = await agent.run(spec_of(msg), on_step=on_step, ask=ask_secrets, thread_id=sid)
                else:
                    result = await self._resume(agent, msg, resumed, on_step, ask_secrets, until)
        except asyncio.CancelledError:
            if sid in self._cancelled or self.state is None:
                result = LoopResult("failed", "cancelled", error="cancelled by the orchestrator")
                await self._finish(msg, result, cancelled=True)
            elif self._running.get(sid) is asyncio.current_task():
                # The host is stopping: the state keeps the subtask for the next run.
                self._running.pop(sid, None)
                self._busy.pop(msg.device_id, None)
            raise
        except TimeoutError:
            result = LoopResult("failed", "deadline passed", error=f"deadline of {msg.deadline_s}s passed")
        except (DeviceError, OSError) as exc:
            result = LoopResult("failed", "device error", error=f"{msg.device_id}: {exc}")
        except Exception as exc:  # report, never die silently: the orchestrator decides what next
            log.exception("subtask %s crashed", sid)
            result = LoopResult("failed", "agent error", error=f"{type(exc).__name__}: {exc}")
        await self._finish(msg, result)

    async def _resume(
        self, agent: GuiAgent, msg: Assign, stored: StoredSubtask, on_step: OnStep, ask: AskFn, until: float | None
    ) -> LoopResult:
        """Go on with a subtask a previous run of this host recorded."""
        sid = msg.subtask_id
        resume = getattr(agent, "resume", None)
        if resume is None:
            why = f"the device host restarted and {type(agent).__name__} cannot resume a run; try again"
            return LoopResult("failed", why, error=why)
        answer: str | None = None
        # "save it as secret ...?" outlived the secret it was about (kept in memory only): ask for it again;
        # a secret question is never answered from disk: the loop asks it again, through the secret keeper
        from_disk = not stored.secret and not (stored.question or "").startswith(SAVE_QUESTION)
        if stored.question_id is not None and from_disk:
            answer = stored.answer
            if answer is None:
                asked_at = stored.asked_at or time.time()
                answer = await self.answers.wait(sid, stored.question or "", asked_at, until)
        try:
            result: LoopResult = await resume(spec_of(msg), sid, answer=answer, on_step=on_step, ask=ask)
        except LookupError:
            why = (
                "the device host restarted while this subtask was between steps; its last action may or may not "
                "have happened, so it was not resumed"
            )
            return LoopResult("failed", why, error=why)
        return result

    async def _finish(self, msg: Assign, result: LoopResult, *, cancelled: bool = False) -> None:
        assert self.link is not None
        self.secrets.forget(msg.device_id)
        self._running.pop(msg.subtask_id, None)
        if self._busy.get(msg.device_id) == msg.subtask_id:
            del self._busy[msg.device_id]
        self._cancelled.discard(msg.subtask_id)
        self.finished.add(msg.subtask_id)
        status = "cancelled" if cancelled else result.status
        with contextlib.suppress(Exception):
            try:
                await self.link.send(result_of(msg.subtask_id, result, status))
            except ProtocolError as exc:  # outputs too large for one frame: say so rather than nothing
                why = f"the result could not be sent: {exc}"
                await self.link.send(result_of(msg.subtask_id, LoopResult("failed", why, error=why), "failed"))
        # The result is in the replay buffer (on disk too): nothing else needs to outlive us.
        await self._forget(msg.subtask_id)

    async def _forget(self, sid: str) -> None:
        if self.state is not None:
            self.state.forget_subtask(sid)
        if self._checkpointer is not None:
            with contextlib.suppress(Exception):
                await self._checkpointer.adelete_thread(sid)
