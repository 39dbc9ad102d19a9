"""`fleetmind run`: one request on an embedded fleet, with the DAG shown live."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any

import typer
from rich.console import Group
from rich.live import Live
from rich.markup import escape

from ..config import Settings
from ..embedded import EmbeddedFleet, UsageError, fleet_devices, load_local_model, parse_devices
from ..orchestrator.planner import PlanningFailed
from ..orchestrator.runs import TaskRun
from ..orchestrator.server import Orchestrator
from ..orchestrator.store import Event
from ..protocol.messages import Budget
from .common import ConfigOpt, app, console, fail, load_settings, out, setup_logging
from .follow import DagView, summary_view
from .follow import ask_user as _ask_user


def summary_table(orch: Orchestrator, run: TaskRun) -> Group:
    """The end-of-task report of a run on this orchestrator (see `follow.summary_view`)."""
    return summary_view(run.status, orch.summary(run), run.steps, run.error)


async def _run(
    request: str,
    devices: str,
    settings: Settings,
    as_json: bool,
    seed: int,
    transport: str,
    yes: bool = False,
) -> int:
    from ..config.runtime import agent_factory, build_models, planner_for, replanner_for, sensitive_apps

    counts = parse_devices(devices)
    policy = settings.routing.policy
    budget = Budget(max_steps=settings.budget.max_steps, max_cost_usd=settings.budget.max_cost_usd)
    models = build_models(settings)
    cloud = models.operator
    local = None
    if policy != "cloud-only":
        model_local, threads = settings.models.local.model, settings.models.local.threads
        with console.status("loading the local model..."):
            local, problem = load_local_model(model_local, threads=threads)
        if local is None:
            if model_local or (policy == "local-only" and models.private is None):
                raise UsageError(f"the local model is unavailable: {problem}")
            console.print(
                f"[yellow]local model unavailable ({problem}); steps the text grounding cannot"
                f" settle will use {'the private endpoint' if models.private else 'the best text match'}[/]"
            )
    if policy == "cloud-only" and cloud is None:
        raise UsageError("--policy cloud-only needs --model-cloud LITELLM_MODEL (or models.operator in the config)")
    view = DagView()
    async with (
        fleet_devices(
            counts, seed=seed, transport=transport, sensitive_apps=sensitive_apps(settings)  # type: ignore[arg-type]
        ) as devices_,
        EmbeddedFleet(
            devices_,
            local=local,
            cloud=cloud,
            planner=planner_for(models),
            replanner=replanner_for(models),
            agent_factory=agent_factory(settings, models, local),
        ) as fleet,
    ):
        orch = fleet.orchestrator
        events = orch.subscribe()
        try:
            run = await orch.submit(request, policy=policy, budget=budget, confirm="allow" if yes else "ask")
        except PlanningFailed as exc:
            console.print(f"[red]planning failed:[/] {escape(str(exc))}")
            return 2 if exc.bad_request else 1  # a request naming a device there is not is bad usage
        live = Live(view.render(), console=console, refresh_per_second=8, transient=as_json)
        with live:
            while not (run.done.done() and events.empty()):
                getter: asyncio.Future[Event] = asyncio.ensure_future(events.get())
                finished: asyncio.Future[Any] = run.done
                done, _ = await asyncio.wait([getter, finished], return_when=asyncio.FIRST_COMPLETED)
                if getter in done:
                    event = getter.result()
                    if event.task_id == run.id:
                        view.update(event)
                        live.update(view.render())
                    if event.task_id == run.id and event.kind == "question":
                        live.stop()  # the prompt needs the terminal
                        answer = await _ask_user(
                            event.data["subtask"],
                            event.data["question"],
                            event.data.get("options", []),
                            secret=bool(event.data.get("secret")),
                        )
                        # nobody at a terminal: an empty answer, so the subtask stops naming the question
                        await orch.answer(event.data["wire_id"], answer or "", event.data["id"])
                        live.start()
                else:
                    getter.cancel()
        if not as_json:
            console.print()  # the live table's last frame does not end its line everywhere
        if as_json:
            out.print_json(
                json.dumps(
                    {
                        **run.graph.snapshot(),
                        "status": run.status,
                        "error": run.error,
                        "summary": orch.summary(run),
                        "steps": run.steps,
                    },
                    default=str,
                )
            )
        else:
            console.print(summary_table(orch, run))
        if local is not None:
            await local.close()
        return 0 if run.status == "succeeded" else 1


@app.command()
def run(
    request: Annotated[str, typer.Argument(help="What to do, in plain words.")],
    devices: Annotated[
        str, typer.Option(help="Virtual kind:count (phone:2,browser:1); real phones android:SERIAL or android:all")
    ] = "phone:2",
    policy: Annotated[str | None, typer.Option(help="auto | local-only | cloud-only (default: auto)")] = None,
    model_local: Annotated[str | None, typer.Option(help="Local model name or PATH.gguf")] = None,
    model_cloud: Annotated[str | None, typer.Option(help="litellm model name, e.g. gpt-4o-mini")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON on stdout")] = False,
    seed: Annotated[int, typer.Option(help="Seed of the virtual devices")] = 0,
    transport: Annotated[
        str, typer.Option(help="How virtual phones are reached: adb (an ADB server on loopback) or direct")
    ] = "adb",
    max_steps: Annotated[int | None, typer.Option(min=1, help="Step budget of each subtask (default 15)")] = None,
    max_cost: Annotated[
        float | None, typer.Option(min=0, help="Cloud budget of each subtask, USD (default 0.05)")
    ] = None,
    yes: Annotated[
        bool,
        typer.Option(
            "--yes", "-y", help="Pre-approve irreversible actions (send, delete, pay ...) instead of confirming each"
        ),
    ] = False,
    config: ConfigOpt = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Run one request on an embedded fleet: orchestrator, virtual devices and their agents.

    Settings come from the configuration file and FLEETMIND_* variables (`fleetmind config show`);
    the flags given here override them.
    """
    setup_logging(verbose)
    if policy is not None and policy not in ("auto", "local-only", "cloud-only"):
        raise fail(f"--policy {policy!r}: use auto, local-only or cloud-only")
    if transport not in ("adb", "direct"):
        raise fail(f"--transport {transport!r}: use adb or direct")
    loaded = load_settings(
        config,
        {
            "routing.policy": ("--policy", policy),
            "models.local.model": ("--model-local", model_local),
            "models.operator": ("--model-cloud", model_cloud),
            "models.planner": ("--model-cloud", model_cloud),
            "budget.max_steps": ("--max-steps", max_steps),
            "budget.max_cost_usd": ("--max-cost", max_cost),
        },
    )
    try:
        code = asyncio.run(_run(request, devices, loaded.settings, as_json, seed, transport, yes))
    except UsageError as exc:
        raise fail(str(exc)) from None
    raise typer.Exit(code)
