"""The MCP server: a fleetmind fleet as tools for AI assistants (Claude Desktop, IDE agents).

Fleet tools go through the SDK to a running orchestrator (`fleetmind serve`):
`list_devices`, `submit_task` (optionally waiting for the end), `get_task`,
`list_tasks`, `answer_question`, `cancel_task`. Device tools (`device_tools.py`)
drive devices this process holds, one step at a time.

Built on the official `mcp` SDK's `MCPServer` (mcp 2.x; v1 called it FastMCP): input
schemas come from the type hints, so `Policy`, `Confirm` and the device `Action`
union reach the assistant as JSON schemas. Errors a user can fix come back as tool
errors whose text says what to do.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Any, ParamSpec, TypeVar

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from ..devices.base import Device, DeviceError
from ..sdk.client import Client
from ..sdk.errors import FleetmindError
from ..sdk.models import Confirm, Policy, Task
from .device_tools import add_device_tools

P = ParamSpec("P")
R = TypeVar("R")

INSTRUCTIONS = """\
fleetmind runs requests on a fleet of phones and browsers: each request becomes a graph
of subtasks done by GUI agents. Submit with submit_task (wait=true to get the result in
one call), follow with get_task, answer the agents' questions with answer_question (a
task whose status is running and whose `questions` is not empty waits for you). A question
with secret=true asks for a password or PIN: never guess or invent one; pass on only what the
user gives you for it, or ask the user to answer it in the web UI or at the CLI, so the value
does not pass through this conversation. Events and tasks show such an answer as •••.
Device tools (observe_screen, screenshot, act) drive a device yourself, step by step.
"""


def user_errors(fn: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """Turn the SDK's and devices' errors into MCP tool errors the assistant can read and act on."""

    @functools.wraps(fn)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await fn(*args, **kwargs)
        except (FleetmindError, DeviceError, TimeoutError) as exc:
            raise ToolError(str(exc) or type(exc).__name__) from exc

    return wrapper


def task_view(task: Task) -> dict[str, Any]:
    """What an assistant needs of a task: status, subtasks in one line each, questions, outputs, cost."""
    nodes = task.graph.get("nodes") or task.graph.get("subtasks") or []
    subtasks = []
    for node in nodes:
        result = node.get("result") or {}
        subtasks.append(
            {
                "id": node.get("id"),
                "goal": node.get("goal"),
                "status": node.get("status"),
                "device": node.get("device_id"),
                "summary": result.get("summary") or result.get("error") or "",
            }
        )
    return {
        "id": task.id,
        "request": task.request,
        "status": task.status,
        "error": task.error,
        "subtasks": subtasks,
        "questions": [q.model_dump() for q in task.questions],
        "outputs": task.outputs,
        "steps": len(task.steps),
        "cost_usd": task.cost_usd,
    }


def build_server(client: Client, devices: Sequence[Device] = (), *, name: str = "fleetmind") -> MCPServer[Any]:
    """The MCP server for the orchestrator behind `client`, with device tools for `devices`."""
    server: MCPServer[Any] = MCPServer(name, instructions=INSTRUCTIONS, log_level="WARNING")

    @server.tool()
    @user_errors
    async def list_devices() -> list[dict[str, Any]]:
        """The devices attached to the orchestrator: id, kind (phone, browser), apps, online, what each runs."""
        return [d.model_dump() for d in await client.devices()]

    @server.tool()
    @user_errors
    async def submit_task(
        text: Annotated[str, Field(description="The request in plain words, e.g. 'Turn on Wi-Fi and dark theme'.")],
        policy: Annotated[Policy, Field(description="Which model tiers may decide steps.")] = "auto",
        confirm: Annotated[
            Confirm, Field(description="ask: irreversible actions (send, delete, pay) wait for answer_question.")
        ] = "ask",
        wait: Annotated[bool, Field(description="Return only when the task ends (or timeout_s passes).")] = False,
        timeout_s: Annotated[float, Field(gt=0, le=3600, description="How long wait=true waits.")] = 300.0,
    ) -> dict[str, Any]:
        """Submit a request to the fleet; returns the task (its id, status, subtasks, questions, outputs)."""
        run = await client.submit(text, policy=policy, confirm=confirm)
        if wait:
            with contextlib.suppress(TimeoutError):  # the task goes on; "running" tells to poll get_task
                await run.wait(timeout_s)
        return task_view(await run.refresh())

    @server.tool()
    @user_errors
    async def get_task(task_id: Annotated[str, Field(description="The id submit_task returned.")]) -> dict[str, Any]:
        """A task's status now: subtasks, pending questions, outputs, steps and cost."""
        return task_view(await client.task(task_id))

    @server.tool()
    @user_errors
    async def list_tasks() -> list[dict[str, Any]]:
        """Every task the orchestrator knows, oldest first: id, request, status."""
        return [t.model_dump() for t in await client.tasks()]

    @server.tool()
    @user_errors
    async def answer_question(
        task_id: str,
        text: Annotated[str, Field(description="The answer: free text, yes/no for a confirm, an option for a choice.")],
        question_id: Annotated[str | None, Field(description="Which question; default: the oldest pending.")] = None,
    ) -> dict[str, Any]:
        """Answer a question an agent of the task asked; returns the task afterwards.

        A secret question's answer (a password, a PIN) reaches only the device that asked; only the user may
        give it: never guess one."""
        await client.answer(task_id, text, question_id)
        return task_view(await client.task(task_id))

    @server.tool()
    @user_errors
    async def cancel_task(task_id: str) -> dict[str, Any]:
        """Cancel a task; its running subtasks stop on their devices."""
        return task_view(await client.cancel(task_id))

    if devices:
        add_device_tools(server, devices, user_errors)
    return server


__all__ = ["INSTRUCTIONS", "build_server", "task_view", "user_errors"]
