"""`fleetmind bench SUITE`: benchmarks that print their figures against a same-run baseline."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ..embedded import load_local_model
from .common import app, cloud_model, console, fail, out

SUITES = ("android", "cross-device", "faults", "local-model", "local-ranking", "miniwob", "perf", "phone-tasks",
          "privacy", "protocol", "requests", "routing", "scheduler", "skills")


@app.command()
def bench(
    suite: Annotated[str, typer.Argument(help=f"One of: {', '.join(SUITES)}")],
    model_local: Annotated[str | None, typer.Option(help="Local model name or PATH.gguf")] = None,
    repeats: Annotated[int, typer.Option(min=1, help="Repeats per timing (local-model)")] = 5,
    round_trips: Annotated[int, typer.Option(min=10, help="Round trips (protocol)")] = 2000,
    policy: Annotated[str, typer.Option(
        help="auto | local-only | cloud-only (requests); agent | oracle (android, cross-device; auto = agent;"
        " faults: oracle only)"
    )] = "auto",
    model_cloud: Annotated[str | None, typer.Option(help="litellm model name (requests)")] = None,
    report_dir: Annotated[Path | None, typer.Option("--out", help="Write report.json and report.md here")] = None,
    jobs: Annotated[int, typer.Option(min=1, help="Items run side by side (requests)")] = 2,
    only: Annotated[str | None, typer.Option(help="Comma-separated item/task id prefixes")] = None,
    transport: Annotated[str, typer.Option(help="adb or direct: how virtual phones are reached")] = "adb",
    sizes: Annotated[str, typer.Option(help="Comma-separated graph sizes in subtasks (scheduler)")] = "10,1000,10000",
    devices: Annotated[str, typer.Option(help="android: phone:N or android:SERIAL (default phone:PARALLEL)")] = "",
    episodes: Annotated[int | None, typer.Option(
        min=1, help="Episodes to run (default: one per task; miniwob: per task, default 2; faults: tasks per"
                    " scenario, default 9)")] = None,
    parallel: Annotated[int, typer.Option(min=1, help="Episodes run side by side (android, cross-device)")] = 2,
    seed: Annotated[int, typer.Option(help="Seed of the tasks' random parameters")] = 0,
    wipe: Annotated[bool, typer.Option(help="android: allow erasing the data of android:SERIAL phones")] = False,
    agents: Annotated[str, typer.Option(help="Comma-separated connected-agent counts (perf)")] = "1,100,1000",
) -> None:
    """Run a benchmark suite and print its figures."""
    if suite not in SUITES:
        raise fail(f"unknown suite {suite!r}; choose one of: {', '.join(SUITES)}")
    if suite in ("android", "cross-device", "faults"):
        from ..bench.command import run_bench
        from ..bench.runner import BenchConfig
        from ..embedded import UsageError

        if transport not in ("adb", "direct"):
            raise fail(f"--transport {transport!r}: use adb or direct")
        default = "oracle" if suite == "faults" else "agent"  # faults measures the machinery, not a model
        if suite == "faults" and policy not in ("auto", "oracle"):
            raise fail(f"--policy {policy!r}: the faults suite runs the oracle policy only; leave out --policy")
        config = BenchConfig(policy=default if policy == "auto" else policy, devices=devices, episodes=episodes,
                             parallel=parallel, seed=seed, transport=transport, model_local=model_local,
                             model_cloud=model_cloud, only=only)
        try:
            code = run_bench(suite, config, cloud=cloud_model(model_cloud), out_dir=report_dir, console=console,
                             out=out, wipe=wipe)
        except UsageError as exc:
            raise fail(str(exc)) from None
        raise typer.Exit(code)
    if suite == "routing":
        from ..bench.routing import run_routing_bench

        with console.status("loading the local model..."):
            local, problem = load_local_model(model_local)
        if local is None:
            console.print(f"[yellow]local model unavailable ({problem}); auto and local-only use grounding alone[/]")
        prefixes = [p.strip() for p in (only or "").split(",") if p.strip()]
        with console.status("running the phone tasks under auto, cloud-only and local-only..."):
            report = asyncio.run(run_routing_bench(local, cloud_model(model_cloud), only=prefixes))
        out.print(report.render())
        return
    if suite == "privacy":  # the privacy gate on labelled screens: no device, no model
        from ..bench.privacy import render

        out.print(render(), markup=False)
        return
    if suite in ("miniwob", "perf"):
        raise typer.Exit(_run_miniwob_or_perf(suite, policy, model_local, model_cloud, report_dir, episodes, parallel,
                                              seed, only, round_trips, sizes, agents))
    if suite == "requests":
        from ..bench.requests.suite import run_suite
        from ..embedded import UsageError

        if policy not in ("auto", "local-only", "cloud-only") or transport not in ("adb", "direct"):
            raise fail(f"--policy {policy!r} / --transport {transport!r}: use auto|local-only|cloud-only, adb|direct")
        try:
            code = run_suite(policy=policy, model_local=model_local, cloud=cloud_model(model_cloud),  # type: ignore[arg-type]
                             out_dir=report_dir, jobs=jobs, only=only, transport=transport,  # type: ignore[arg-type]
                             console=console, out=out)
        except UsageError as exc:
            raise fail(str(exc)) from None
        raise typer.Exit(code)
    if suite == "protocol":
        from ..bench.protocol import run

        table = Table(title=f"agent protocol over loopback, {round_trips} round trips each", title_justify="left")
        for col in ("path", "round trips/s", "µs each"):
            table.add_column(col)
        for r in run(round_trips):
            table.add_row(r.name, f"{r.per_second:,.0f}", f"{r.micros_each:,.0f}")
        out.print(table)
        return
    if suite == "scheduler":
        _print_scheduler_bench(sizes)
        return
    if suite == "local-model":
        from ..local_models.probe import format_report, run_probe

        out.print(format_report(run_probe(model_local, repeats=repeats)))
        return
    with console.status("loading the local model..."):
        local, problem = load_local_model(model_local)
    if local is None:
        raise fail(f"the local model is unavailable: {problem}")
    if suite == "skills":  # first run learns, then memory alone, then skills replay
        from ..bench.skills import run_skills_bench
        from .skills import print_skills_bench

        print_skills_bench(asyncio.run(run_skills_bench(local)), local.name)
        return
    if suite == "local-ranking":
        from ..bench.ranking import POINTS, run_ranking_bench

        results = asyncio.run(run_ranking_bench(local))
        table = Table(title=f"next-action choice on {len(POINTS)} VirtualPhone decision points ({local.name})",
                      title_justify="left")
        for col in ("method", "right", "accuracy", "ms per decision"):
            table.add_column(col)
        for m in results:
            table.add_row(m.name, f"{m.right}/{m.total}", f"{m.accuracy:.0%}", f"{m.latency_ms:,.0f}")
        out.print(table)
        return
    from ..bench.phone_tasks import run_phone_tasks

    task_results = asyncio.run(run_phone_tasks(local))
    table = Table(title=f"phone tasks checked against phone state ({local.name} as the local tier)",
                  title_justify="left")
    for col in ("transport", "succeeded", "steps", "tiers", "s per task"):
        table.add_column(col)
    for t in task_results:
        tiers = ", ".join(f"{k} {v}" for k, v in sorted(t.tiers.items()))
        table.add_row(t.transport, f"{t.succeeded}/{t.total}", str(t.steps), tiers, f"{t.seconds / t.total:.2f}")
    out.print(table)
    for t in task_results:
        for failure in t.failures:
            out.print(f"[red]{t.transport} failed:[/] {failure}")


def _counts(option: str, value: str) -> tuple[int, ...]:
    try:
        counts = tuple(int(n) for n in value.split(","))
    except ValueError:
        raise fail(f"{option} takes comma-separated positive counts, like 1,100; got {value!r}") from None
    if not counts or min(counts) < 1:
        raise fail(f"{option} takes comma-separated positive counts, like 1,100; got {value!r}")
    return counts


def _run_miniwob_or_perf(suite: str, policy: str, model_local: str | None, model_cloud: str | None,
                         report_dir: Path | None, episodes: int | None, parallel: int, seed: int, only: str | None,
                         round_trips: int, sizes: str, agents: str) -> int:
    from ..embedded import UsageError

    if suite == "perf":
        from ..bench.perf.run import PerfConfig, run_perf

        config = PerfConfig(agents=_counts("--agents", agents), graph_sizes=_counts("--sizes", sizes),
                            memory_agents=tuple(n for n in _counts("--agents", agents) if n > 1) or (10,),
                            round_trips=round_trips)
        return run_perf(config, out_dir=report_dir, console=console, out=out)
    from ..bench.miniwob.run import run_miniwob
    from ..bench.runner import BenchConfig

    bench_config = BenchConfig(policy="agent" if policy == "auto" else policy, episodes=episodes, parallel=parallel,
                               seed=seed, model_local=model_local, model_cloud=model_cloud, only=only)
    try:
        return run_miniwob(bench_config, cloud=cloud_model(model_cloud), out_dir=report_dir, console=console, out=out)
    except UsageError as exc:
        raise fail(str(exc)) from None


def _print_scheduler_bench(sizes: str) -> None:
    from ..bench.scheduler import DEVICES, WIDTH, run

    try:
        counts = [int(n) for n in sizes.split(",")]
    except ValueError:
        raise fail(f"--sizes takes comma-separated subtask counts, like 10,1000; got {sizes!r}") from None
    if not counts or min(counts) < 1:
        raise fail(f"--sizes takes positive subtask counts, like 10,1000; got {sizes!r}")

    table = Table(
        title=f"task graphs of layered subtasks ({WIDTH} per layer, {DEVICES} phones), CPU time;"
        " baseline: walk the whole graph, copy it to patch",
        title_justify="left",
    )
    for col in ("subtasks", "measure", "TaskGraph", "baseline", "speed-up"):
        table.add_column(col)
    with console.status("timing the scheduler..."):
        figures = run(counts)
    for f in figures:
        baseline = _duration(f.baseline_seconds) + (f" ({f.baseline_note})" if f.baseline_note else "")
        table.add_row(f"{f.subtasks:,}", f.measure, _duration(f.seconds), baseline, f"{f.speedup:,.1f}x")
    out.print(table)


def _duration(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:,.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:,.1f} ms"
    return f"{seconds:,.2f} s"
