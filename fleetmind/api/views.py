"""What the client API shows, built from the orchestrator's runtime or from the event log.

A task this orchestrator is working on is read from its `TaskRun`; a task from an
earlier process (`serve --db FILE`) exists only as events, and is rebuilt by folding
them in order. Both give the same `TaskDetail`. No I/O here beyond reading what is
passed in.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from ..orchestrator.runs import TaskRun, parse_wire_id
from ..orchestrator.server import Orchestrator
from ..orchestrator.store import Event
from ..orchestrator.usage import usage_of
from .models import (
    DeviceStatus,
    GraphView,
    LatestStep,
    PendingQuestion,
    Step,
    TaskDetail,
    TaskStatus,
    TaskSummary,
)

_FINISHED_STATUSES = frozenset({"succeeded", "failed", "cancelled"})


def is_live(run: TaskRun | None) -> bool:
    """True when `run` exists and has not finished."""
    return run is not None and not run.done.done()


def task_status(stored: str, live: bool) -> TaskStatus:
    """The status to show for a task whose event log says `stored` ('running' when it has no end)."""
    if stored in _FINISHED_STATUSES:
        return stored  # type: ignore[return-value]
    return "running" if live else "interrupted"


def _usage(steps: Sequence[Step]) -> dict[str, Any]:
    """Cloud calls and per-tier usage of the steps (orchestrator.usage)."""
    used = usage_of(s.model_dump() for s in steps)
    return {"cloud_calls": used["cloud_calls"], "usage": used["by_tier"]}


def _totals(steps: Sequence[Step]) -> tuple[float, int, dict[str, int]]:
    return (
        round(sum(s.cost_usd for s in steps), 6),
        sum(s.tokens for s in steps),
        dict(Counter(s.tier for s in steps)),
    )


def detail_from_run(run: TaskRun, events: Sequence[Event]) -> TaskDetail:
    """A task this orchestrator holds, as the API shows it (`events`: its event log)."""
    elapsed = run.elapsed_s
    finished = [e for e in events if e.kind == "task_finished"]
    if finished and not is_live(run):  # the run's clock goes on; the task's stopped when it ended
        elapsed = float(finished[-1].data.get("summary", {}).get("elapsed_s", elapsed))
    snapshot = run.graph.snapshot()
    steps = [Step.model_validate(s) for s in run.steps]
    cost, tokens, tiers = _totals(steps)
    return TaskDetail(
        id=run.id,
        request=run.request,
        status=task_status(run.status, is_live(run)),
        error=run.error,
        live=is_live(run),
        policy=run.policy,
        confirm=run.confirm,
        graph=GraphView(
            version=snapshot["version"],
            nodes=list(run.graph.subtasks()),
            edges=snapshot["edges"],
            metrics=run.graph.metrics(),
        ),
        steps=steps,
        questions=[PendingQuestion.model_validate(q) for q in run.questions.values()],
        outputs={s.id: s.result.outputs for s in run.graph.subtasks() if s.result and s.result.outputs},
        cost_usd=cost,
        tokens=tokens,
        elapsed_s=round(elapsed, 2),
        tiers=tiers,
        **_usage(steps),
        last_seq=events[-1].seq if events else 0,
    )


def detail_from_events(task_id: str, events: Sequence[Event]) -> TaskDetail | None:
    """A task rebuilt from its event log alone (None when it has no events)."""
    if not events:
        return None
    request = ""
    graph: dict[str, Any] = {"version": 0, "edges": [], "metrics": None}
    nodes: dict[str, dict[str, Any]] = {}
    steps: list[Step] = []
    questions: dict[str, dict[str, Any]] = {}
    stored_status, error = "running", None
    elapsed = events[-1].ts - events[0].ts
    for event in events:
        data = event.data
        if event.kind in ("graph_created", "graph_patched"):
            request = data.get("request", request)
            nodes = {s["id"]: dict(s) for s in data.get("subtasks", [])}
            graph.update(version=data.get("version", graph["version"]), edges=data.get("edges", []))
            graph["metrics"] = data.get("metrics", graph["metrics"])
        elif event.kind == "subtask_state" and data.get("subtask") in nodes:
            node = nodes[data["subtask"]]
            node.update(status=data["status"], device_id=data.get("device"), result=data.get("result"))
            node["attempts"] = data.get("attempts", node.get("attempts", 0))
            if data["status"] != "running":
                questions = {k: q for k, q in questions.items() if q.get("subtask") != data["subtask"]}
        elif event.kind == "step_progress":
            steps.append(Step.model_validate(data))
        elif event.kind == "question":
            questions[data["id"]] = data
        elif event.kind == "answered":
            questions.pop(str(data.get("id")), None)
        elif event.kind == "task_finished":
            stored_status, error = str(data.get("status", "failed")), data.get("error")
            elapsed = float(data.get("summary", {}).get("elapsed_s", elapsed))
    cost, tokens, tiers = _totals(steps)
    view = GraphView.model_validate({**graph, "nodes": list(nodes.values())})
    return TaskDetail(
        id=task_id,
        request=request,
        status=task_status(stored_status, live=False),
        error=error,
        live=False,
        graph=view,
        steps=steps,
        questions=[],  # no agent is left to answer them
        outputs={n.id: n.result.outputs for n in view.nodes if n.result and n.result.outputs},
        cost_usd=cost,
        tokens=tokens,
        elapsed_s=round(elapsed, 2),
        tiers=tiers,
        **_usage(steps),
        last_seq=events[-1].seq,
    )


def task_summaries(rows: Iterable[dict[str, Any]], orch: Orchestrator) -> list[TaskSummary]:
    """The store's task rows, with each status as this orchestrator sees it."""
    out = []
    for row in rows:
        run = orch.runs.get(row["task_id"])
        live = is_live(run)
        out.append(
            TaskSummary(
                id=row["task_id"],
                request=row["request"],
                status=task_status(row["status"], live),
                started=row["started"],
                updated=row["updated"],
                live=live,
            )
        )
    return out


def device_statuses(orch: Orchestrator) -> list[DeviceStatus]:
    """Every device the orchestrator knows, with what it runs and what it did last."""
    latest: dict[str, LatestStep] = {}
    thumbnails: dict[str, str] = {}
    for run in sorted(orch.runs.values(), key=lambda r: r.started):
        for step in run.steps:
            if step.get("device"):
                latest[step["device"]] = LatestStep.model_validate({**step, "task_id": run.id})
        thumbnails.update(run.thumbnails)
    out = []
    for entry in orch.registry.entries():
        running = sorted(entry.running)
        busy = None
        if running:
            task_id, subtask, _ = parse_wire_id(running[0])
            busy = f"{task_id}/{subtask}"
        out.append(
            DeviceStatus(
                **entry.profile.model_dump(),
                online=entry.online,
                running=running,
                busy=busy,
                latest=latest.get(entry.profile.id),
                thumbnail_png_b64=thumbnails.get(entry.profile.id),
            )
        )
    return out
