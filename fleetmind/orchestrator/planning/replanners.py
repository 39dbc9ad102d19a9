"""Replanners: patch a running graph after subtasks fail.

- `RetryReplanner` needs no model: one fresh try of a failed subtask as a remediation branch.
- `ModelReplanner` asks a model for a patch, validated in code with bounded repairs; the
  model sees what private subtasks found masked (`cloud_safe_snapshot`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from ..graph import AddEdge, AddSubtask, GraphPatch, Ref, RemoveEdge, TaskGraph, UpdateSubtask
from .base import ReplanEvent, StructuredModel, validate_patch
from .model_planner import PLAN_SYSTEM

log = logging.getLogger(__name__)


class RetryReplanner:
    """Without a model: give a failed subtask one fresh try as a remediation subtask.

    The new subtask starts from the home screen, hangs off the failed one by an
    `on_failure` edge, and takes over its dependents (edges and data references),
    so the rest of the graph can still run.
    """

    async def replan(self, graph: TaskGraph, events: Sequence[ReplanEvent]) -> GraphPatch | None:
        ops: list[Any] = []
        for event in events:
            if event.kind != "failed" or event.subtask_id.endswith("-fix"):
                continue
            failed = graph.subtask(event.subtask_id)
            fix_id = f"{failed.id}-fix"
            if fix_id in graph:
                continue
            spec = failed.spec.model_copy(
                update={
                    "id": fix_id,
                    # The goal stays word for word: the agent reads values out of it, and an error
                    # message appended to it once got typed into a note as if it were the content.
                    "goal": failed.goal,
                    "max_attempts": 1,
                }
            )
            ops.append(AddSubtask(subtask=spec))
            ops.append(AddEdge(src=failed.id, dst=fix_id, kind="on_failure"))
            for succ in graph.successors(failed.id):
                kind = dict(graph.predecessors(succ))[failed.id]
                if kind == "on_failure" or graph.subtask(succ).status not in ("pending", "ready"):
                    continue
                ops.append(RemoveEdge(src=failed.id, dst=succ))
                ops.append(AddEdge(src=fix_id, dst=succ, kind=kind))
                inputs = {
                    k: (
                        Ref.model_validate({"from": fix_id, "output": v.output})
                        if isinstance(v, Ref) and v.subtask == failed.id
                        else v
                    )
                    for k, v in graph.subtask(succ).inputs.items()
                }
                ops.append(UpdateSubtask(id=succ, inputs=inputs))
        if not ops:
            return None
        return GraphPatch(ops=ops, reason="retry failed subtasks as remediation branches")


def cloud_safe_snapshot(graph: TaskGraph) -> dict[str, Any]:
    """The graph as a cloud model may see it: what private subtasks found is masked."""
    snap = graph.snapshot()
    for sub in snap["subtasks"]:
        if graph.effective_privacy(sub["id"]) == "private" and sub.get("result"):
            result = sub["result"]
            result["outputs"] = {k: "[private]" for k in result.get("outputs", {})}
            result["summary"] = "[private]"
    return snap


class ModelReplanner:
    """Asks a model for a patch after failures; validates it, with bounded repairs."""

    def __init__(self, model: StructuredModel, *, max_repairs: int = 1) -> None:
        self.model = model
        self.max_repairs = max_repairs

    async def replan(self, graph: TaskGraph, events: Sequence[ReplanEvent]) -> GraphPatch | None:
        failed = [e for e in events if e.kind == "failed"]
        if not failed:
            return None
        messages = [
            {
                "role": "system",
                "content": PLAN_SYSTEM + "\nNow a subtask failed. Return a"
                " GraphPatch: ops (add_subtask, update_subtask, remove_subtask, add_edge,"
                " remove_edge) that works around the failure, or empty ops to accept it."
                " Running and finished subtasks cannot be changed.",
            },
            {
                "role": "user",
                "content": json.dumps(
                    {
                        "graph": cloud_safe_snapshot(graph),
                        "events": [
                            {**e.__dict__, "error": "[private]"}
                            if graph.effective_privacy(e.subtask_id) == "private"
                            else e.__dict__
                            for e in failed
                        ],
                    },
                    default=str,
                ),
            },
        ]
        for _ in range(self.max_repairs + 1):
            completion = await self.model.complete(messages, schema=GraphPatch)
            try:
                patch = (
                    completion.parsed
                    if isinstance(completion.parsed, GraphPatch)
                    else (GraphPatch.model_validate_json(completion.text))
                )
            except ValidationError as exc:
                reasons = [str(exc)]
            else:
                if not patch.ops:
                    return None
                reasons = validate_patch(patch, graph)
                if not reasons:
                    return patch
            messages.append({"role": "user", "content": "Invalid patch:\n" + "\n".join(reasons)})
        log.warning("replanner gave no valid patch; accepting the failure")
        return None
