"""Traces of a real task to an in-memory exporter, and /metrics scraped over loopback."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from fleetmind.api.server import ApiServer
from fleetmind.devices.virtual import VirtualPhone
from fleetmind.embedded import EmbeddedFleet
from fleetmind.orchestrator.planning import ClausePlanner
from fleetmind.orchestrator.server import Orchestrator
from fleetmind.orchestrator.telemetry import setup_tracing, telemetry_for


async def test_a_task_traces_its_subtasks_and_steps_with_their_tier_and_outcome() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    phones = [VirtualPhone(device_id=f"phone-{i + 1}") for i in range(2)]
    async with asyncio.timeout(60), EmbeddedFleet(phones) as fleet:
        telemetry = telemetry_for(fleet.orchestrator, provider)
        run = await fleet.orchestrator.run("Turn on Bluetooth and airplane mode")
    assert run.status == "succeeded", run.error
    spans = exporter.get_finished_spans()
    tasks = [s for s in spans if s.name == "task"]
    subtasks = [s for s in spans if s.name == "subtask"]
    steps = [s for s in spans if s.name == "step"]
    assert len(tasks) == 1 and tasks[0].attributes["fleetmind.outcome"] == "succeeded"  # type: ignore[index]
    task_ctx = tasks[0].context
    assert task_ctx is not None
    assert len(subtasks) == 2
    assert {s.attributes["fleetmind.device"] for s in subtasks} == {"phone-1", "phone-2"}  # type: ignore[index]
    assert all(s.parent is not None and s.parent.span_id == task_ctx.span_id for s in subtasks)
    assert len(steps) == len(run.steps) > 0
    sub_ids = {s.context.span_id for s in subtasks if s.context}
    assert all(s.parent is not None and s.parent.span_id in sub_ids for s in steps)
    assert {s.attributes["fleetmind.tier"] for s in steps} == {"rule"}  # type: ignore[index]
    assert {"fleetmind.tokens", "fleetmind.latency_ms", "fleetmind.model", "fleetmind.outcome"} <= set(
        steps[0].attributes or {}
    )
    text = telemetry.metrics_text().decode()
    assert f'fleetmind_steps_total{{tier="rule"}} {float(len(run.steps))}' in text
    assert 'fleetmind_tasks_finished_total{status="succeeded"} 1.0' in text
    assert 'fleetmind_subtasks_finished_total{status="succeeded"} 2.0' in text


async def test_metrics_are_scraped_over_loopback_in_prometheus_format() -> None:
    orch = Orchestrator(ClausePlanner())
    async with (
        asyncio.timeout(30),
        ApiServer(orch) as server,
        httpx.AsyncClient(base_url=server.url, timeout=10) as client,
    ):
        reply = await client.get("/metrics")
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/plain")
    for name in ("fleetmind_devices_connected 0.0", "fleetmind_subtasks_ready 0.0", "fleetmind_step_latency_seconds"):
        assert name in reply.text


def test_tracing_is_off_without_an_otlp_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", raising=False)
    assert setup_tracing() is False
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")
    monkeypatch.setenv("OTEL_SDK_DISABLED", "true")
    assert setup_tracing() is False
