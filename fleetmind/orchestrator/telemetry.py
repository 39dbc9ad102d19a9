"""Observability from the orchestrator's event stream: OpenTelemetry traces (a span per
task, per subtask attempt and per agent step) and Prometheus metrics for `/metrics`.

Both read the events `Orchestrator._emit` already produces, so the runtime is not
threaded with tracing calls. Traces are off by default: without an SDK tracer provider
the OpenTelemetry API hands out non-recording spans (a few attribute writes per event).
`setup_tracing()` turns them on from the standard `OTEL_*` variables (an OTLP/HTTP
exporter to `OTEL_EXPORTER_OTLP_ENDPOINT`, service name from `OTEL_SERVICE_NAME`).
"""

from __future__ import annotations

import os
import time
import weakref
from typing import TYPE_CHECKING, Any

from opentelemetry import trace
from opentelemetry.trace import Span, Status, StatusCode, TracerProvider
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from .store import Event

if TYPE_CHECKING:
    from .server import Orchestrator

_TERMINAL = {"succeeded", "failed", "cancelled", "skipped"}


class Telemetry:
    """Spans and metrics of one orchestrator, fed its events by `observe`."""

    def __init__(self, orch: Orchestrator, tracer_provider: TracerProvider | None = None) -> None:
        self._tracer = trace.get_tracer("fleetmind.orchestrator", tracer_provider=tracer_provider)
        self._tasks: dict[str, Span] = {}
        self._subtasks: dict[tuple[str, str], Span] = {}
        self.registry = CollectorRegistry()
        r = self.registry
        self.steps = Counter("fleetmind_steps", "Agent steps by tier", ["tier"], registry=r)
        self.step_latency = Histogram(
            "fleetmind_step_latency_seconds", "Agent step latency by tier", ["tier"], registry=r,
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
        )  # fmt: skip
        self.tokens = Counter("fleetmind_tokens", "Model tokens spent by agent steps", ["tier"], registry=r)
        self.subtasks = Counter("fleetmind_subtasks_finished", "Subtasks finished by outcome", ["status"], registry=r)
        self.errors = Counter("fleetmind_errors", "Failed attempts and failed tasks", ["kind"], registry=r)
        self.tasks = Counter("fleetmind_tasks_finished", "Tasks finished by outcome", ["status"], registry=r)
        devices = Gauge("fleetmind_devices_connected", "Devices online now", registry=r)
        devices.set_function(lambda: sum(1 for e in orch.registry.entries() if e.online))
        ready = Gauge("fleetmind_subtasks_ready", "Subtasks waiting for a device (queue depth)", registry=r)
        ready.set_function(lambda: sum(s.status == "ready" for run in _live(orch) for s in run.graph.subtasks()))
        running = Gauge("fleetmind_subtasks_running", "Subtask attempts running now", registry=r)
        running.set_function(lambda: sum(len(run.running) for run in _live(orch)))
        live = Gauge("fleetmind_tasks_running", "Tasks not finished", registry=r)
        live.set_function(lambda: len(_live(orch)))
        sessions = Gauge("fleetmind_agent_sessions", "Agent sessions held (connected or in their grace)", registry=r)
        sessions.set_function(lambda: len(orch.sessions))

    def metrics_text(self) -> bytes:
        """The metrics in Prometheus' text format."""
        return generate_latest(self.registry)

    def observe(self, event: Event) -> None:
        """Turn one orchestrator event into spans and metric updates."""
        data, task_id = event.data, event.task_id
        if event.kind == "graph_created":
            span = self._tracer.start_span("task", attributes={"fleetmind.task_id": task_id})
            span.set_attribute("fleetmind.request", str(data.get("request", ""))[:200])
            span.set_attribute("fleetmind.subtasks", len(data.get("subtasks", [])))
            self._tasks[task_id] = span
        elif event.kind == "subtask_state":
            self._subtask_state(task_id, data)
        elif event.kind == "step_progress":
            self._step(task_id, data)
        elif event.kind == "task_finished":
            status = str(data.get("status", ""))
            self.tasks.labels(status).inc()
            if status != "succeeded":
                self.errors.labels("task_" + status).inc()
            for key in [k for k in self._subtasks if k[0] == task_id]:
                self._subtasks.pop(key).end()
            task_span = self._tasks.pop(task_id, None)
            if task_span is not None:
                task_span.set_attribute("fleetmind.outcome", status)
                if status != "succeeded":
                    task_span.set_status(Status(StatusCode.ERROR, str(data.get("error") or status)[:200]))
                task_span.end()

    def _subtask_state(self, task_id: str, data: dict[str, Any]) -> None:
        sid, status = str(data.get("subtask")), str(data.get("status"))
        key = (task_id, sid)
        if status == "running":
            parent = self._tasks.get(task_id)
            context = trace.set_span_in_context(parent) if parent is not None else None
            span = self._tracer.start_span("subtask", context=context)
            span.set_attribute("fleetmind.task_id", task_id)
            span.set_attribute("fleetmind.subtask", sid)
            span.set_attribute("fleetmind.device", str(data.get("device")))
            span.set_attribute("fleetmind.attempt", int(data.get("attempts") or 0))
            self._subtasks[key] = span
            return
        ended = self._subtasks.get(key)
        self._subtasks.pop(key, None)
        result = data.get("result") or {}
        if status in _TERMINAL:
            self.subtasks.labels(status).inc()
        if status == "failed" or (status == "ready" and ended is not None):  # a failed attempt, retried
            self.errors.labels("attempt_failed").inc()
        if ended is not None:
            ended.set_attribute("fleetmind.outcome", "retried" if status == "ready" else status)
            ended.set_attribute("fleetmind.steps", int(result.get("steps") or 0))
            if status != "succeeded":
                ended.set_status(Status(StatusCode.ERROR, str(result.get("error") or status)[:200]))
            ended.end()

    def _step(self, task_id: str, data: dict[str, Any]) -> None:
        tier = str(data.get("tier", ""))
        latency_s = float(data.get("latency_ms") or 0.0) / 1000
        tokens = int(data.get("tokens") or 0)
        self.steps.labels(tier).inc()
        self.step_latency.labels(tier).observe(latency_s)
        if tokens:
            self.tokens.labels(tier).inc(tokens)
        parent = self._subtasks.get((task_id, str(data.get("subtask"))))
        context = trace.set_span_in_context(parent) if parent is not None else None
        end = time.time_ns()
        span = self._tracer.start_span("step", context=context, start_time=end - int(latency_s * 1e9))
        action = data.get("action") or {}
        span.set_attribute("fleetmind.tier", tier)
        span.set_attribute("fleetmind.model", str(data.get("model") or tier))
        span.set_attribute("fleetmind.tokens", tokens)
        span.set_attribute("fleetmind.latency_ms", latency_s * 1000)
        span.set_attribute("fleetmind.cost_usd", float(data.get("cost_usd") or 0.0))
        span.set_attribute("fleetmind.step", int(data.get("step") or 0))
        span.set_attribute("fleetmind.outcome", str(action.get("kind", "")) if isinstance(action, dict) else "")
        span.end(end_time=end)


def _live(orch: Orchestrator) -> list[Any]:
    return [run for run in list(orch.runs.values()) if not run.done.done()]


_attached: weakref.WeakKeyDictionary[Orchestrator, Telemetry] = weakref.WeakKeyDictionary()


def telemetry_for(orch: Orchestrator, tracer_provider: TracerProvider | None = None) -> Telemetry:
    """The orchestrator's Telemetry, made on first use (a given provider applies then only)."""
    found = _attached.get(orch)
    if found is None:
        found = _attached[orch] = Telemetry(orch, tracer_provider)
    return found


def observe(orch: Orchestrator, event: Event) -> None:
    """Feed one event to the orchestrator's telemetry (what `_emit` calls)."""
    telemetry_for(orch).observe(event)


def setup_tracing() -> bool:
    """Export spans over OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` (or its traces variant)
    is set and `OTEL_SDK_DISABLED` is not true; returns whether tracing is on."""
    wanted = os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    if not wanted or os.environ.get("OTEL_SDK_DISABLED", "").lower() == "true":
        return False
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider as SdkTracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    resource = Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", "fleetmind")})
    provider = SdkTracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))  # reads the OTEL_* variables
    trace.set_tracer_provider(provider)
    return True
