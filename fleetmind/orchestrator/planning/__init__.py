"""Planners turn a request into a GraphPatch; replanners patch a running graph.

- `ModelPlanner` (model_planner) asks a model for a structured plan, checks it in code
  (graph invariants, real devices) and repairs it from its errors, boundedly.
- `ClausePlanner` (clause_planner) needs no model: clauses, device addressing
  (devices), people, pronouns and data edges (references). The offline default.
- `RetryReplanner` / `ModelReplanner` (replanners) react to failed subtasks.
"""

from .base import (
    BadRequest,
    Plan,
    PlanEdge,
    Planner,
    PlanningFailed,
    ReplanEvent,
    Replanner,
    StructuredModel,
    UnknownDevice,
    validate_patch,
)
from .clause_planner import ClausePlanner
from .model_planner import ModelPlanner
from .replanners import ModelReplanner, RetryReplanner, cloud_safe_snapshot

__all__ = [
    "BadRequest",
    "ClausePlanner",
    "ModelPlanner",
    "ModelReplanner",
    "Plan",
    "PlanEdge",
    "Planner",
    "PlanningFailed",
    "ReplanEvent",
    "Replanner",
    "RetryReplanner",
    "StructuredModel",
    "UnknownDevice",
    "cloud_safe_snapshot",
    "validate_patch",
]
