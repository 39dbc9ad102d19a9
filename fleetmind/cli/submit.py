"""`fleetmind submit`: send a request to a running orchestrator and follow it like `run` does.

It talks to the orchestrator's client API through the SDK: the DAG live, questions
answered at the terminal, the same report at the end, exit code 0 / 1 / 2.
"""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any

import typer
from rich.live import Live

from .common import ConfigOpt, app, console, fail, load_settings, out, setup_logging
from .follow import DagView, ask_user, summary_view


async def _follow(
    url: str | None,
    token: str | None,
    request: str,
    policy: Any,
    confirm: Any,
    max_steps: int | None,
    max_cost: float | None,
    as_json: bool,
    started: list[str],
) -> int:
    from ..sdk import ApiError, Client, QuestionAsked, TaskFinished

    view = DagView()
    finished: TaskFinished | None = None
    async with Client(url, token=token) as fm:
        run = await fm.submit(request, policy=policy, confirm=confirm, max_steps=max_steps, max_cost_usd=max_cost)
        started.append(run.id)
        if not as_json:
            console.print(f"task {run.id} on {fm.url}")
        with Live(view.render(), console=console, refresh_per_second=8, transient=as_json) as live:
            async for event in run:
                view.update(event)
                live.update(view.render())
                if isinstance(event, QuestionAsked):
                    live.stop()  # the prompt needs the terminal
                    answer = await ask_user(event.subtask, event.question, event.options, secret=event.secret)
                    try:  # nobody at a terminal: an empty answer, so the subtask stops naming the question
                        await run.answer(answer or "", event.question_id)
                    except ApiError as exc:  # answered meanwhile elsewhere (web UI), or the subtask moved on
                        console.print(f"[yellow]answer not taken: {exc}[/]")
                    live.start()
                elif isinstance(event, TaskFinished):
                    finished = event
        task = await run.refresh()
    if as_json:
        body = {**task.model_dump(), "summary": finished.summary if finished else {}}
        out.print_json(json.dumps(body, default=str))
    else:
        console.print()
        summary = finished.summary if finished else {}
        console.print(summary_view(str(task.status), summary, task.steps, task.error))
    return 0 if task.status == "succeeded" else 1


@app.command()
def submit(
    request: Annotated[str, typer.Argument(help="What to do, in plain words.")],
    url: Annotated[
        str | None, typer.Option(help="Orchestrator URL (default $FLEETMIND_URL or http://127.0.0.1:8765)")
    ] = None,
    token: Annotated[
        str | None, typer.Option(help="Client token (default: the config's orchestrator.token_file, $FLEETMIND_TOKEN)")
    ] = None,
    policy: Annotated[str | None, typer.Option(help="auto | local-only | cloud-only (default: auto)")] = None,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Pre-approve irreversible actions (send, delete, pay)")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON on stdout")] = False,
    max_steps: Annotated[int | None, typer.Option(min=1, help="Step budget of each subtask")] = None,
    max_cost: Annotated[float | None, typer.Option(min=0, help="Cloud budget of each subtask, USD")] = None,
    config: ConfigOpt = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Send a request to a running orchestrator (`fleetmind serve`) and follow it to the end."""
    setup_logging(verbose)
    from ..sdk import ApiError, FleetmindError, TaskNotFound

    if policy is not None and policy not in ("auto", "local-only", "cloud-only"):
        raise fail(f"--policy {policy!r}: use auto, local-only or cloud-only")
    loaded = load_settings(
        config,
        {
            "orchestrator.url": ("--url", url),
            "orchestrator.token": ("--token", token),
            "routing.policy": ("--policy", policy),
            "budget.max_steps": ("--max-steps", max_steps),
            "budget.max_cost_usd": ("--max-cost", max_cost),
        },
    )
    settings = loaded.settings
    try:
        token = settings.orchestrator.resolved_token()
    except ValueError as exc:
        raise fail(f"configuration: {exc}") from None
    url, policy = settings.orchestrator.url, settings.routing.policy
    # Budgets the configuration does not set are the orchestrator's to choose.
    max_steps = settings.budget.max_steps if loaded.source_of("budget.max_steps").kind != "default" else None
    max_cost = settings.budget.max_cost_usd if loaded.source_of("budget.max_cost_usd").kind != "default" else None
    started: list[str] = []
    confirm = "allow" if yes else "ask"
    try:
        code = asyncio.run(_follow(url, token, request, policy, confirm, max_steps, max_cost, as_json, started))
    except KeyboardInterrupt:
        if started:
            console.print(f"[yellow]stopped following; task {started[0]} goes on at the orchestrator[/]")
        raise typer.Exit(1) from None
    except TaskNotFound as exc:
        raise fail(str(exc), 1) from None
    except ApiError as exc:
        if exc.status == 422:  # the orchestrator could not plan the request: the task failed
            raise fail(str(exc), 1) from None
        raise fail(str(exc)) from None
    except FleetmindError as exc:  # unreachable, wrong token, refused request: fix the command or the server
        raise fail(str(exc)) from None
    raise typer.Exit(code)
