"""Running the MiniWoB++ suite from the command line: load the tiers as `fleetmind run` does,
run the episodes with a progress bar, print the report with the peers' figures and the
wall time, and write report.json, report.md and the plots with --out."""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ...agents.models import ChatModel
from ...embedded import UsageError, load_local_model
from ..report import Report
from ..runner import AsyncioExecutor, BenchConfig, EpisodeRecord, OnDone, run_episodes
from .suite import MAX_SECONDS, MAX_STEPS, MiniwobSuite, select_tasks
from .tasks import MiniwobMissing, html_root

__all__ = ["run_miniwob"]


def _tiers(local: ChatModel | None, cloud: ChatModel | None) -> str:
    return f"local {local.name if local else 'none (best text match)'}; cloud {cloud.name if cloud else 'none'}"


def run_miniwob(config: BenchConfig, *, cloud: ChatModel | None, out_dir: Path | None, console: Console,
                out: Console, max_steps: int | None = None, max_seconds: float | None = None) -> int:
    """Run the suite; returns the exit code (0 when it ran, whatever the success rate)."""
    try:
        html_root()
        tasks = select_tasks(config.only)
    except (MiniwobMissing, ValueError) as exc:
        raise UsageError(str(exc)) from None
    if config.policy != "agent":
        raise UsageError(f"--policy {config.policy!r}: the miniwob suite ships no reference plans; use --policy agent")
    local = None
    with console.status("loading the local model..."):
        local, problem = load_local_model(config.model_local)
    if local is None:
        if config.model_local:
            raise UsageError(f"the local model is unavailable: {problem}")
        console.print(f"[yellow]local model unavailable ({problem}); the agent runs with the best text match[/]")
    suite = MiniwobSuite(local=local, cloud=cloud, max_steps=max_steps or MAX_STEPS,
                         max_seconds=max_seconds or MAX_SECONDS)
    episodes = suite.episodes(config)
    console.print(f"miniwob: {len(tasks)} tasks, {len(episodes)} episodes, {config.parallel} browsers at a time; "
                  f"{_tiers(local, cloud)}; at most {suite.max_steps} steps and {suite.max_seconds:g} s per episode")
    began = time.perf_counter()
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.fields[last]}"), console=console, transient=False) as bar:
        job = bar.add_task("miniwob", total=len(episodes), last="")
        passed = 0

        def done(record: EpisodeRecord) -> None:
            nonlocal passed
            passed += record.success
            mark = "ok" if record.success else record.status
            bar.update(job, advance=1, description=f"miniwob {passed} ok", last=f"{record.episode}: {mark}")

        executor = AsyncioExecutor(config.parallel, suite.max_seconds + 60)
        records = asyncio.run(_run(suite, config, executor, done, local))
    wall = time.perf_counter() - began
    summary = suite.summarize(records, config, out_dir)
    meta = {
        "policy": config.policy, "tiers": _tiers(local, cloud),
        **suite.meta, "devices": f"{config.parallel} {suite.meta['devices']}",
        "seed": config.seed, "episodes": len(records), "parallel": config.parallel,
        "miniwob": _miniwob_version(),
        "command": "fleetmind " + " ".join(sys.argv[1:]), "wall_s": round(wall, 1),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    report = Report("miniwob", meta, summary, records)
    out.print(report.render())
    out.print(f"wall time {wall:.0f} s for {len(records)} episodes ({config.parallel} browsers)")
    if out_dir is not None:
        paths = report.write(out_dir)
        out.print(f"wrote {', '.join(str(p) for p in [*paths, *summary.plots])}")
    return 0


async def _run(suite: MiniwobSuite, config: BenchConfig, executor: AsyncioExecutor, done: OnDone,
               local: ChatModel | None) -> list[EpisodeRecord]:
    try:
        return await run_episodes(suite, config, executor, done)
    finally:
        if local is not None:
            await local.close()


def _miniwob_version() -> str:
    try:
        return version("miniwob")
    except PackageNotFoundError:
        return "unknown"
