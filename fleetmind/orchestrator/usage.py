"""What a task's steps used, summed: tokens, cost, cloud calls, and steps, tokens, cost and
latency per tier. Pure: the orchestrator's summary and the client API both read it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["usage_of"]


def usage_of(steps: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Totals of `steps` (progress records with tier, tokens, cost_usd, latency_ms).

    Returns {"tokens", "cloud_calls", "by_tier": {tier: {"steps", "tokens", "cost_usd", "latency_ms"}}};
    `latency_ms` per tier is the mean decision time of that tier's steps.
    """
    by_tier: dict[str, dict[str, Any]] = {}
    for step in steps:
        row = by_tier.setdefault(
            str(step.get("tier", "")), {"steps": 0, "tokens": 0, "cost_usd": 0.0, "latency_ms": 0.0}
        )
        row["steps"] += 1
        row["tokens"] += int(step.get("tokens") or 0)
        row["cost_usd"] += float(step.get("cost_usd") or 0.0)
        row["latency_ms"] += float(step.get("latency_ms") or 0.0)
    for row in by_tier.values():
        row["cost_usd"] = round(row["cost_usd"], 6)
        row["latency_ms"] = round(row["latency_ms"] / row["steps"], 1)
    return {
        "tokens": sum(row["tokens"] for row in by_tier.values()),
        "cloud_calls": by_tier.get("cloud", {}).get("steps", 0),
        "by_tier": by_tier,
    }
