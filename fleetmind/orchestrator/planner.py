"""Planners and replanners; the code lives in `fleetmind.orchestrator.planning`.

This module keeps the names other layers import (`from fleetmind.orchestrator.planner import ...`).
"""

from .planning import (
    BadRequest,
    ClausePlanner,
    ModelPlanner,
    ModelReplanner,
    Plan,
    PlanEdge,
    Planner,
    PlanningFailed,
    ReplanEvent,
    Replanner,
    RetryReplanner,
    StructuredModel,
    UnknownDevice,
    cloud_safe_snapshot,
    validate_patch,
)

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
