"""REST routes for tasks and devices: submit, list, inspect, cancel, answer, page events."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, status

from ..orchestrator.planner import PlanningFailed
from ..orchestrator.server import Orchestrator
from ..protocol.codec import ProtocolError
from ..protocol.messages import Budget
from .auth import orchestrator, require_token
from .models import AnswerRequest, ApiError, DeviceList, EventPage, SubmitRequest, TaskDetail, TaskList
from .views import detail_from_events, detail_from_run, device_statuses, is_live, task_summaries

router = APIRouter(
    prefix="/api",
    dependencies=[Depends(require_token)],
    responses={401: {"model": ApiError, "description": "Missing or wrong token"}},
)
Orch = Annotated[Orchestrator, Depends(orchestrator)]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ApiError, "description": "No such task"}}
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": ApiError, "description": "The task is not in a state that allows this"}
}


def _unknown(task_id: str) -> HTTPException:
    return HTTPException(
        status.HTTP_404_NOT_FOUND, f"no task {task_id}; GET /api/tasks lists the tasks this orchestrator knows"
    )


def _detail(orch: Orchestrator, task_id: str) -> TaskDetail:
    events = orch.store.events(task_id)
    run = orch.runs.get(task_id)
    if run is not None:
        return detail_from_run(run, events)
    detail = detail_from_events(task_id, events)
    if detail is None:
        raise _unknown(task_id)
    return detail


@router.post(
    "/tasks",
    tags=["tasks"],
    status_code=status.HTTP_201_CREATED,
    response_model=TaskDetail,
    responses={422: {"model": ApiError, "description": "Invalid request, or it could not be planned"}},
)
async def submit_task(body: SubmitRequest, orch: Orch) -> TaskDetail:
    """Plan a request into a task graph and start running it on the connected devices."""
    defaults = Budget()
    budget = Budget(
        max_steps=body.max_steps if body.max_steps is not None else defaults.max_steps,
        max_cost_usd=body.max_cost_usd if body.max_cost_usd is not None else defaults.max_cost_usd,
    )
    try:
        run = await orch.submit(body.text, policy=body.policy, budget=budget, confirm=body.confirm)
    except PlanningFailed as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"could not plan the request: {exc}") from None
    return _detail(orch, run.id)


@router.get("/tasks", tags=["tasks"], response_model=TaskList)
async def list_tasks(orch: Orch) -> TaskList:
    """Every task in the event log, oldest first (with `serve --db FILE`, earlier runs' too)."""
    return TaskList(tasks=task_summaries(orch.store.tasks(), orch))


@router.get("/tasks/{task_id}", tags=["tasks"], response_model=TaskDetail, responses=NOT_FOUND)
async def get_task(task_id: str, orch: Orch) -> TaskDetail:
    """One task: graph, steps, pending questions, outputs, cost, tokens and time."""
    return _detail(orch, task_id)


@router.post("/tasks/{task_id}/cancel", tags=["tasks"], response_model=TaskDetail, responses={**NOT_FOUND, **CONFLICT})
async def cancel_task(task_id: str, orch: Orch) -> TaskDetail:
    """Cancel a running task; its running subtasks are cancelled on their devices."""
    detail = _detail(orch, task_id)
    if not is_live(orch.runs.get(task_id)):
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"task {task_id} is {detail.status}, not running; there is nothing to cancel"
        )
    await orch.cancel(task_id)
    return _detail(orch, task_id)


@router.post("/tasks/{task_id}/answer", tags=["tasks"], response_model=TaskDetail, responses={**NOT_FOUND, **CONFLICT})
async def answer_question(task_id: str, body: AnswerRequest, orch: Orch) -> TaskDetail:
    """Answer one of the task's pending questions; the agent that asked goes on."""
    detail = _detail(orch, task_id)
    run = orch.runs.get(task_id)
    question = run.questions.get(body.question_id) if run is not None and is_live(run) else None
    if question is None:
        pending = ", ".join(q.id for q in detail.questions) or "none"
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"no pending question {body.question_id} on task {task_id} (pending: {pending});"
            f" GET /api/tasks/{task_id} lists its questions",
        )
    try:
        await orch.answer(question["wire_id"], body.text, body.question_id)
    except KeyError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc.args[0]) if exc.args else str(exc)) from None
    except ProtocolError as exc:  # larger than an answer frame may be
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, f"{exc}; send a shorter answer") from None
    return _detail(orch, task_id)


@router.get("/tasks/{task_id}/events", tags=["tasks"], response_model=EventPage, responses=NOT_FOUND)
async def task_events(
    task_id: str,
    orch: Orch,
    after: Annotated[int, Query(ge=0, description="Return events numbered after this one.")] = 0,
    limit: Annotated[int, Query(ge=1, le=5000, description="At most this many events.")] = 1000,
) -> EventPage:
    """A page of the task's event log, oldest first."""
    events = orch.store.events(task_id, after=after)
    if not events and task_id not in orch.runs and not orch.store.events(task_id):
        raise _unknown(task_id)
    return EventPage(events=events[:limit], more=len(events) > limit)


@router.get("/devices", response_model=DeviceList, tags=["devices"])
async def list_devices(orch: Orch) -> DeviceList:
    """Every device that has connected: profile, online, what it runs, its latest step and thumbnail."""
    return DeviceList(devices=device_statuses(orch))


@router.api_route("/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
async def unknown_route(path: str) -> None:
    """Any other /api path: a JSON 404 that says where the routes are listed."""
    raise HTTPException(status.HTTP_404_NOT_FOUND, f"no API route /api/{path}; the routes are listed at /docs")
