"""Replanners: patch a running graph after subtasks fail, or succeed with outputs that matter.

- `RetryReplanner` needs no model: a failed subtask gets one fresh try as a remediation branch
  when its failure report says a try can help (`reports.retry_decision`: on another device for
  a missing app or a lost device, relaunching the app for a stuck run, none when only the user
  can help); a branch whose condition turned out false is cancelled (`conditions`).
- `ModelReplanner` asks a model for a patch, validated in code with bounded repairs; it sees
  the failure reports and what private subtasks found masked (`cloud_safe_snapshot`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from ...privacy.guard import redacting
from ...privacy.redaction import mask_values
from ..graph import AddEdge, AddSubtask, GraphPatch, Ref, RemoveEdge, TaskGraph, UpdateSubtask
from .base import ReplanEvent, ReplanPatch, StructuredModel, validate_patch
from .conditions import NOT_RUN, ConditionCheck, check_conditions
from .model_planner import PLAN_SYSTEM
from .reports import cloud_safe_report, retry_decision

log = logging.getLogger(__name__)


class RetryReplanner:
    """Without a model: give a failed subtask one fresh try as a remediation subtask, when its
    report says a try can help; cancel a branch whose condition turned out false.

    The new subtask hangs off the failed one by an `on_failure` edge, takes over its dependents
    (edges and data references), so the rest of the graph can still run, and may run on another
    device or carry a hint on how to start (`reports.retry_decision`).
    """

    wants_successes = False
    """Successes only matter when a branch waits on a condition (the runtime knows when)."""

    async def replan(self, graph: TaskGraph, events: Sequence[ReplanEvent]) -> GraphPatch | None:
        ops: list[Any] = []
        reasons: list[str] = []
        cancel: dict[str, str] = {}
        for event in events:
            if event.kind == "succeeded":
                for check in check_conditions(graph, event.subtask_id, dict(event.outputs)):
                    if check.holds is not True:
                        cancel[check.subtask_id] = _not_run(check)
                    reasons.append(check.reason)
                continue
            if event.subtask_id.endswith("-fix"):
                continue
            failed = graph.subtask(event.subtask_id)
            fix_id = f"{failed.id}-fix"
            if fix_id in graph:
                continue
            decision = retry_decision(event, failed)
            reasons.append(decision.reason)
            if not decision.retry:
                continue
            update: dict[str, Any] = {
                "id": fix_id,
                # The goal stays word for word: the agent reads values out of it, and an error
                # message appended to it once got typed into a note as if it were the content.
                # How to start differently rides beside it, in `hint`.
                "goal": failed.goal,
                "max_attempts": 1,
                "hint": decision.hint,
            }
            if decision.device is not None:
                update["device"] = decision.device
            ops.append(AddSubtask(subtask=failed.spec.model_copy(update=update)))
            ops.append(AddEdge(src=failed.id, dst=fix_id, kind="on_failure"))
            ops += _hand_over(graph, failed.id, fix_id)
        if not ops and not cancel:
            return ReplanPatch(reason="; ".join(reasons)) if reasons else None
        why = "; ".join(reasons) or "retry failed subtasks as remediation branches"
        return ReplanPatch(ops=ops, cancel=cancel, reason=why)


async def judge_conditions_offline(graph: TaskGraph, events: Sequence[ReplanEvent]) -> GraphPatch | None:
    """What the offline replanner makes of the successes among `events`: the fallback when a model
    replanner gives no answer, so that no branch runs with its condition unjudged."""
    return await RetryReplanner().replan(graph, [e for e in events if e.kind == "succeeded"])


def _not_run(check: ConditionCheck) -> str:
    """Why a conditional subtask is cancelled, for the user."""
    if check.holds is None:
        return f"{NOT_RUN}{check.reason}; it runs only when the condition clearly holds"
    return NOT_RUN + check.reason


def _hand_over(graph: TaskGraph, failed_id: str, fix_id: str) -> list[Any]:
    """Ops that make the remediation `fix_id` stand in for `failed_id` towards its dependents."""
    ops: list[Any] = []
    for succ in graph.successors(failed_id):
        kind = dict(graph.predecessors(succ))[failed_id]
        if kind == "on_failure" or graph.subtask(succ).status not in ("pending", "ready"):
            continue
        ops.append(RemoveEdge(src=failed_id, dst=succ))
        ops.append(AddEdge(src=fix_id, dst=succ, kind=kind))
        inputs = {
            k: (
                Ref.model_validate({"from": fix_id, "output": v.output})
                if isinstance(v, Ref) and v.subtask == failed_id
                else v
            )
            for k, v in graph.subtask(succ).inputs.items()
        }
        ops.append(UpdateSubtask(id=succ, inputs=inputs))
    return ops


def cloud_safe_snapshot(graph: TaskGraph) -> dict[str, Any]:
    """The graph as a cloud model may see it: what private subtasks were given (wherever it occurs),
    what they found, and how they failed, is masked."""
    snap = graph.snapshot()
    given: list[str] = []
    for sub in snap["subtasks"]:
        if graph.effective_privacy(sub["id"]) == "private":
            given += [v for v in sub.get("inputs", {}).values() if isinstance(v, str)]
        if graph.effective_privacy(sub["id"]) == "private" and sub.get("result"):
            result = sub["result"]
            result["outputs"] = {k: "[private]" for k in result.get("outputs", {})}
            result["summary"] = "[private]"
            result["error"] = "[private]" if result.get("error") else None
            report = graph.subtask(sub["id"]).result
            result["report"] = cloud_safe_report(report.report if report else None, private=True)
    masked: dict[str, Any] = mask_values(snap, given)
    return masked


def cloud_safe_event(graph: TaskGraph, event: ReplanEvent) -> dict[str, Any]:
    """An event as a cloud model may see it: a private subtask's error, report and outputs masked."""
    private = graph.effective_privacy(event.subtask_id) == "private"
    out: dict[str, Any] = {"kind": event.kind, "subtask_id": event.subtask_id}
    if event.kind == "succeeded":
        out["outputs"] = {k: "[private]" if private else v for k, v in event.outputs.items()}
        return out
    out["error"] = "[private]" if private else event.error
    out["report"] = cloud_safe_report(event.report, private=private)
    out["final"] = event.final
    out["other_devices"] = list(event.other_devices)
    return out


_FAILED_PROMPT = (
    "\nNow a subtask failed; each event carries its failure report (kind, the steps tried, where it"
    " got stuck, the last screen as text). Return a patch: ops (add_subtask, update_subtask,"
    " remove_subtask, add_edge, remove_edge) that works around the failure, or empty ops to accept it."
    " A retry on another device pins one of other_devices; a retry that should start differently says"
    " so in the subtask's hint, never in its goal. Do not retry a failure of kind needs_user."
)
_SUCCEEDED_PROMPT = (
    "\nNow a subtask succeeded with the outputs shown. If that changes what the rest of the graph should"
    " do, return a patch: ops to add or change subtasks, and cancel: {subtask id: why} for subtasks that"
    " should no longer run (e.g. their condition turned out false). Otherwise return empty ops and cancel."
)


class ModelReplanner:
    """Asks a model for a patch after failures, and after successes with outputs; validates it,
    with bounded repairs.

    A condition the simple checks can decide (`conditions.judge`) is decided without the model,
    so a private subtask's outputs can cancel a branch without leaving the orchestrator; the
    model sees what they cannot decide.
    """

    wants_successes = True
    """Any output may change the plan: the runtime consults it on every success with outputs."""

    def __init__(self, model: StructuredModel, *, max_repairs: int = 1) -> None:
        self.model: StructuredModel = redacting(model)  # sensitive values in the graph never reach a cloud
        self.max_repairs = max_repairs

    async def replan(self, graph: TaskGraph, events: Sequence[ReplanEvent]) -> GraphPatch | None:
        failed = [e for e in events if e.kind == "failed"]
        succeeded = [e for e in events if e.kind == "succeeded"]
        decided: dict[str, str] = {}
        undecided: dict[str, str] = {}
        for event in succeeded:
            for check in check_conditions(graph, event.subtask_id, dict(event.outputs)):
                if check.holds is False:
                    decided[check.subtask_id] = _not_run(check)
                elif check.holds is None:
                    undecided[check.subtask_id] = _not_run(check)
        ops: list[Any] = []
        cancel: dict[str, str] = {}
        reasons: list[str] = []
        if failed and (patch := await self._ask(graph, failed, _FAILED_PROMPT)) is not None:
            ops, reasons = list(patch.ops), [patch.reason]
            cancel.update(patch.cancel)
        if succeeded:
            told = await self._ask(graph, succeeded, _SUCCEEDED_PROMPT)
            if told is None:  # no valid answer: a condition that cannot be told does not run
                cancel.update(undecided)
            else:
                if not validate_patch(GraphPatch(ops=[*ops, *told.ops]), graph):
                    ops += told.ops
                    reasons.append(told.reason)
                cancel.update(told.cancel)
            cancel.update(decided)  # where the simple checks decide, they win
        if not ops and not cancel:
            return None
        return ReplanPatch(ops=ops, cancel=cancel, reason="; ".join(r for r in reasons if r) or "replanned")

    async def _ask(self, graph: TaskGraph, events: list[ReplanEvent], instruction: str) -> ReplanPatch | None:
        """The model's patch for these events, validated; empty when it changes nothing, None when no
        valid one came within the repairs."""
        messages = [
            {
                "role": "system",
                "content": PLAN_SYSTEM + instruction + " Running and finished subtasks cannot be changed.",
            },
            {
                "role": "user",
                "content": json.dumps(
                    {"graph": cloud_safe_snapshot(graph), "events": [cloud_safe_event(graph, e) for e in events]},
                    default=str,
                ),
            },
        ]
        for _ in range(self.max_repairs + 1):
            completion = await self.model.complete(messages, schema=ReplanPatch)
            try:
                patch = (
                    completion.parsed
                    if isinstance(completion.parsed, ReplanPatch)
                    else ReplanPatch.model_validate_json(completion.text)
                )
            except ValidationError as exc:
                reasons = [str(exc)]
            else:
                reasons = validate_patch(patch, graph) + [
                    f"cannot cancel {sid!r}: no such subtask" for sid in patch.cancel if sid not in graph
                ]
                if not reasons:
                    return patch
            messages.append({"role": "user", "content": "Invalid patch:\n" + "\n".join(reasons)})
        log.warning("replanner gave no valid patch; accepting the outcome")
        return None
