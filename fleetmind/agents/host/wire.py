"""The agent loop's records as protocol messages, and assignments as the loop's specs."""

from __future__ import annotations

import base64

from ...protocol.messages import Assign, Progress, Result, ResultStatus
from ..records import LoopResult, StepRecord, SubtaskSpec

__all__ = ["progress_of", "result_of", "spec_of"]


def spec_of(msg: Assign) -> SubtaskSpec:
    """What the agent loop needs of an assignment."""
    return SubtaskSpec(
        goal=msg.goal,
        inputs=msg.inputs,
        outputs=msg.outputs,
        privacy=msg.privacy,
        budget=msg.budget,
        tier_policy=msg.tier_policy,
        confirm=msg.confirm,
        hint=msg.hint,
    )


def progress_of(subtask_id: str, record: StepRecord) -> Progress:
    """One step, as reported to the orchestrator (the record is already masked where private)."""
    return Progress(
        subtask_id=subtask_id,
        step=record.step,
        action=record.action.model_dump(mode="json"),
        summary=record.summary,
        tier=record.tier,
        why=record.why,
        tokens=record.tokens,
        cost_usd=record.cost_usd,
        latency_ms=round(record.latency_ms, 1),
        thumbnail_png_b64=base64.b64encode(record.thumbnail_png).decode() if record.thumbnail_png else None,
        subgoal=record.subgoal,
    )


def result_of(subtask_id: str, result: LoopResult, status: ResultStatus) -> Result:
    """How a subtask ended, as reported to the orchestrator."""
    return Result(
        subtask_id=subtask_id,
        status=status,
        outputs=result.outputs,
        summary=result.summary,
        error=result.error,
        steps=result.steps,
        cost_usd=result.cost_usd,
        verified=result.verified,
        final=result.final,
        report=result.report,
    )
