"""`fleetmind run`: one request on an embedded fleet, with the DAG shown live."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Annotated, Any

import typer
from rich.console import Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from ..embedded import EmbeddedFleet, UsageError, load_local_model, parse_devices, virtual_devices
from ..orchestrator.planner import PlanningFailed
from ..orchestrator.runs import TaskRun
from ..orchestrator.server import Orchestrator
from ..orchestrator.store import Event
from ..protocol.messages import Budget, TierPolicy
from .common import STATUS_STYLE, TIER_STYLE, app, cloud_model, console, fail, out, setup_logging


class DagView:
    """The live table of a task's subtasks, fed by orchestrator events."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, Any]] = {}
        self.order: list[str] = []
        self.deps: dict[str, list[str]] = {}
        self.request = ""
        self.version = 0

    def update(self, event: Event) -> None:
        d = event.data
        if event.kind in ("graph_created", "graph_patched"):
            self.request, self.version = d.get("request", self.request), d.get("version", self.version)
            self.deps = {}
            for e in d["edges"]:
                self.deps.setdefault(e["dst"], []).append(
                    e["src"] + ("" if e["kind"] == "on_success" else f" ({e['kind']})")
                )
            for s in d["subtasks"]:
                row = self.rows.setdefault(s["id"], {"steps": 0, "last": ""})
                row.update(goal=s["goal"], status=s["status"], device=s.get("device_id") or "")
                if s["id"] not in self.order:
                    self.order.append(s["id"])
        elif event.kind == "subtask_state":
            row = self.rows.setdefault(d["subtask"], {"steps": 0, "last": "", "goal": ""})
            row.update(status=d["status"], device=d.get("device") or "")
            if d.get("result") and d["result"].get("error") and d["status"] in ("failed", "ready"):
                row["last"] = "error: " + d["result"]["error"]
        elif event.kind == "step_progress" and (step_row := self.rows.get(d["subtask"])) is not None:
            step_row["steps"] += 1
            step_row["last"] = f"[{d['tier']}] {d['summary']}"

    def render(self) -> Table:
        table = Table(title=f"{self.request}  (graph v{self.version})", expand=False, title_justify="left")
        for col in ("subtask", "goal", "after", "device", "status", "steps", "last step"):
            table.add_column(col, overflow="fold")
        for sid in self.order:
            r = self.rows[sid]
            table.add_row(
                sid,
                r.get("goal", ""),
                ", ".join(self.deps.get(sid, [])),
                r.get("device", ""),
                Text(r.get("status", ""), style=STATUS_STYLE.get(r.get("status", ""), "")),
                str(r["steps"]),
                Text(r.get("last", "")[:70]),  # Text: "[rule]" is not a style
            )
        return table


def summary_table(orch: Orchestrator, run: TaskRun) -> Group:
    """The end-of-task report: steps with their tiers, then totals and outputs."""
    s = orch.summary(run)
    t = Table(show_header=False, box=None)
    t.add_row("status", Text(run.status, style=STATUS_STYLE.get(run.status, "")))
    t.add_row("subtasks", ", ".join(f"{k} {v}" for k, v in s["subtasks"].items()))
    t.add_row("steps", f"{s['steps']} ({', '.join(f'{k} {v}' for k, v in s['tiers'].items()) or 'none'})")
    t.add_row("cloud cost", f"${s['cost_usd']:.4f}")
    t.add_row("time", f"{s['elapsed_s']:.1f}s")
    g = s["graph"]
    t.add_row("graph", f"{g['subtasks']} subtasks, width {g['width']}, critical path "
              f"{' -> '.join(g['critical_path'])}, parallelism {g['parallelism']:.2f}, v{s['graph_version']}")
    for sid, outputs in s["outputs"].items():
        for k, v in outputs.items():
            if v:
                t.add_row(f"{sid}.{k}", v)
    if run.error:
        t.add_row("error", Text(run.error, style="red"))
    steps = Table(title="steps", title_justify="left", box=None, show_edge=False)
    for col in ("subtask", "#", "tier", "action", "why"):
        steps.add_column(col, overflow="fold")
    for st in run.steps:
        steps.add_row(st["subtask"], str(st["step"]), Text(st["tier"], style=TIER_STYLE.get(st["tier"], "")),
                      Text(st["summary"]), Text(st["why"][:60], style="dim"))
    return Group(steps, Text(""), t)


async def _run(
    request: str,
    devices: str,
    policy: TierPolicy,
    model_local: str | None,
    model_cloud: str | None,
    as_json: bool,
    seed: int,
    transport: str,
    budget: Budget,
) -> int:
    counts = parse_devices(devices)
    cloud = cloud_model(model_cloud)
    local = None
    if policy != "cloud-only":
        with console.status("loading the local model..."):
            local, problem = load_local_model(model_local)
        if local is None:
            if policy == "local-only" or model_local:
                raise UsageError(f"the local model is unavailable: {problem}")
            console.print(
                f"[yellow]local model unavailable ({problem}); steps the text grounding cannot"
                " settle will use the best text match[/]"
            )
    if policy == "cloud-only" and cloud is None:
        raise UsageError("--policy cloud-only needs --model-cloud LITELLM_MODEL")
    view = DagView()
    async with (
        virtual_devices(counts, seed=seed, transport=transport) as fleet_devices,  # type: ignore[arg-type]
        EmbeddedFleet(fleet_devices, local=local, cloud=cloud) as fleet,
    ):
        orch = fleet.orchestrator
        events = orch.subscribe()
        try:
            run = await orch.submit(request, policy=policy, budget=budget)
        except PlanningFailed as exc:
            console.print(f"[red]planning failed:[/] {exc}")
            return 1
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
                        answer = await _ask_user(event.data["subtask"], event.data["question"])
                        await orch.answer(event.data["wire_id"], answer, event.data["id"])
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


NO_ANSWER = "(no answer: fleetmind runs without a terminal; decide without the user)"


async def _ask_user(subtask: str, question: str) -> str:
    """Ask at the terminal; without one, say so instead of waiting forever."""
    if not sys.stdin.isatty():
        console.print(f"[yellow]{subtask} asks: {question}[/] {NO_ANSWER}")
        return NO_ANSWER
    return await asyncio.to_thread(console.input, f"[bold]{subtask} asks:[/] {question} ")


@app.command()
def run(
    request: Annotated[str, typer.Argument(help="What to do, in plain words.")],
    devices: Annotated[str, typer.Option(help="Virtual devices: kind:count,... e.g. phone:2,browser:1")] = "phone:2",
    policy: Annotated[str, typer.Option(help="auto | local-only | cloud-only")] = "auto",
    model_local: Annotated[str | None, typer.Option(help="Local model name or PATH.gguf")] = None,
    model_cloud: Annotated[str | None, typer.Option(help="litellm model name, e.g. gpt-4o-mini")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON on stdout")] = False,
    seed: Annotated[int, typer.Option(help="Seed of the virtual devices")] = 0,
    transport: Annotated[
        str, typer.Option(help="How virtual phones are reached: adb (an ADB server on loopback) or direct")
    ] = "adb",
    max_steps: Annotated[int, typer.Option(min=1, help="Step budget of each subtask")] = 15,
    max_cost: Annotated[float, typer.Option(min=0, help="Cloud budget of each subtask, USD")] = 0.05,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Run one request on an embedded fleet: orchestrator, virtual devices and their agents."""
    setup_logging(verbose)
    if policy not in ("auto", "local-only", "cloud-only"):
        raise fail(f"--policy {policy!r}: use auto, local-only or cloud-only")
    if transport not in ("adb", "direct"):
        raise fail(f"--transport {transport!r}: use adb or direct")
    try:
        code = asyncio.run(
            _run(
                request, devices, policy, model_local, model_cloud, as_json, seed, transport,  # type: ignore[arg-type]
                Budget(max_steps=max_steps, max_cost_usd=max_cost),
            )
        )
    except UsageError as exc:
        raise fail(str(exc)) from None
    raise typer.Exit(code)
