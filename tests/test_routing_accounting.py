"""Per-task accounting: tokens, cost, cloud calls and per-tier usage in the summary, the CLI report
and the API's task view."""

from __future__ import annotations

from rich.console import Console

from fleetmind.api.views import detail_from_events
from fleetmind.cli.follow import summary_view
from fleetmind.orchestrator.store import Event
from fleetmind.orchestrator.usage import usage_of

STEPS = [
    {"subtask": "s1", "step": 1, "tier": "rule", "tokens": 0, "cost_usd": 0.0, "latency_ms": 2.0},
    {"subtask": "s1", "step": 2, "tier": "local", "tokens": 300, "cost_usd": 0.0, "latency_ms": 900.0},
    {"subtask": "s1", "step": 3, "tier": "local", "tokens": 100, "cost_usd": 0.0, "latency_ms": 500.0},
    {"subtask": "s2", "step": 1, "tier": "cloud", "tokens": 1200, "cost_usd": 0.0021, "latency_ms": 1500.0},
]


def test_usage_totals_per_task_and_tier() -> None:
    used = usage_of(STEPS)
    assert used["tokens"] == 1600 and used["cloud_calls"] == 1
    assert used["by_tier"]["local"] == {"steps": 2, "tokens": 400, "cost_usd": 0.0, "latency_ms": 700.0}
    assert used["by_tier"]["cloud"]["cost_usd"] == 0.0021


def test_the_api_task_view_shows_cloud_calls_and_usage() -> None:
    events = [Event(task_id="t", kind="step_progress", data=s, seq=i + 1, ts=float(i)) for i, s in enumerate(STEPS)]
    detail = detail_from_events("t", events)
    assert detail is not None
    assert detail.tokens == 1600 and detail.cloud_calls == 1 and detail.cost_usd == 0.0021
    assert detail.usage["local"].steps == 2 and detail.usage["local"].latency_ms == 700.0


def test_the_cli_report_shows_tokens_and_cloud_calls() -> None:
    summary = {"steps": 4, "tiers": {"rule": 1, "local": 2, "cloud": 1}, "cost_usd": 0.0021, **usage_of(STEPS)}
    console = Console(width=200, record=True)
    console.print(summary_view("succeeded", summary, STEPS, None))
    text = console.export_text()
    assert "$0.0021 (1 cloud calls)" in text
    assert "1,600 (mean step time: rule 2 ms, local 700 ms, cloud 1500 ms)" in text
