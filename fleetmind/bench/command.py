"""`fleetmind bench android|cross-device`: load the tiers, run the suite with a progress bar, report.

The suites plug in here by name (`SUITES`); each is built with the model tiers the
command loaded, run by the shared runner with an `AsyncioExecutor`, and summarised
into `report.json`, `report.md` and PNG plots in `--out`.
"""

from __future__ import annotations

import asyncio
import json
import shlex
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..agents.models import ChatModel
from ..embedded import UsageError, load_local_model
from .report import Report, Summary
from .runner import AsyncioExecutor, BenchConfig, EpisodeRecord, Suite, run_episodes

__all__ = ["SUITES", "run_bench"]


class SummarizingSuite(Suite, Protocol):
    """A suite that also turns its records into figures and says which devices it used."""

    meta: dict[str, Any]

    def summarize(self, records: list[EpisodeRecord], config: BenchConfig, out_dir: Path | None) -> Summary:
        """Figures, groups, peers, and plots written into out_dir."""
        ...


def _android(local: ChatModel | None, cloud: ChatModel | None, wipe: bool) -> SummarizingSuite:
    from .android.suite import AndroidSuite

    return AndroidSuite(local=local, cloud=cloud, wipe=wipe)


def _cross_device(local: ChatModel | None, cloud: ChatModel | None, wipe: bool) -> SummarizingSuite:
    from .crossdevice.suite import CrossDeviceSuite

    return CrossDeviceSuite(local=local, cloud=cloud)


def _faults(local: ChatModel | None, cloud: ChatModel | None, wipe: bool) -> SummarizingSuite:
    from .faults.suite import FaultsSuite

    return FaultsSuite(local=local, cloud=cloud)


def _miniwob(local: ChatModel | None, cloud: ChatModel | None, wipe: bool) -> SummarizingSuite:
    from .miniwob.suite import MiniwobSuite

    return MiniwobSuite(local=local, cloud=cloud)


SUITES: dict[str, Callable[[ChatModel | None, ChatModel | None, bool], SummarizingSuite]] = {
    "android": _android,
    "cross-device": _cross_device,
    "faults": _faults,
    "miniwob": _miniwob,
}
"""Suite name -> how to build it from the loaded tiers (and --wipe)."""


def _tiers(policy: str, local: ChatModel | None, cloud: ChatModel | None, suite: str) -> str:
    if policy == "oracle":
        planner = "; reference plans (no planner)" if suite in ("cross-device", "faults") else ""
        return f"none: the oracle replays each task's reference plan{planner}"
    planner = ""
    if suite == "cross-device":
        planner = f"; planner {'model (' + cloud.name + ')' if cloud else 'clause planner (offline)'}"
    local_name = local.name if local else "none (best text match)"
    return f"local {local_name}; cloud {cloud.name if cloud else 'none'}{planner}"


def run_bench(
    suite_name: str, config: BenchConfig, *, cloud: ChatModel | None, out_dir: Path | None, console: Console,
    out: Console, wipe: bool = False,
) -> int:
    """Run one suite and report it; the exit code (0 when every episode succeeded, else 1)."""
    if suite_name not in SUITES:
        raise UsageError(f"unknown suite {suite_name!r}; choose one of: {', '.join(SUITES)}")
    if config.policy not in ("agent", "oracle"):
        raise UsageError(f"--policy {config.policy!r}: the {suite_name} suite takes agent or oracle")
    local = None
    if config.policy == "agent":
        with console.status("loading the local model..."):
            local, problem = load_local_model(config.model_local)
        if local is None:
            if config.model_local:
                raise UsageError(f"the local model is unavailable: {problem}")
            console.print(f"[yellow]local model unavailable ({problem}); the agent runs with the best text match[/]")
    suite = SUITES[suite_name](local, cloud, wipe)
    episodes = suite.episodes(config)
    executor = AsyncioExecutor(parallel=config.parallel, timeout_s=config.episode_timeout_s)
    began = time.perf_counter()
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[passed]} passed"), TimeElapsedColumn(), console=console) as progress:
        bar = progress.add_task(f"{suite_name} ({config.policy})", total=len(episodes), passed=0)
        passed = 0

        if out_dir is not None:  # every record is kept as it comes, so a crash later loses nothing
            out_dir.mkdir(parents=True, exist_ok=True)
            (out_dir / "episodes.jsonl").write_text("")

        def done(record: EpisodeRecord) -> None:
            nonlocal passed
            passed += record.success
            progress.update(bar, advance=1, passed=passed)
            if out_dir is not None:
                with (out_dir / "episodes.jsonl").open("a") as f:
                    f.write(json.dumps(record.to_json(), ensure_ascii=False) + "\n")

        try:
            records = asyncio.run(run_episodes(suite, config, executor, done))
        finally:
            if local is not None:
                asyncio.run(local.close())
    meta: dict[str, Any] = {
        "suite": suite_name,
        "policy": config.policy,
        "tiers": _tiers(config.policy, local, cloud, suite_name),
        "local_model": local.name if local else None,
        "cloud_model": cloud.name if cloud else None,
        "devices": suite.meta.get("devices", config.devices),
        "transport": config.transport,
        "seed": config.seed,
        "episodes": len(records),
        "parallel": config.parallel,
        "only": config.only,
        "wall_s": round(time.perf_counter() - began, 1),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "fleetmind " + " ".join(shlex.quote(a) for a in sys.argv[1:]),
        **{k: v for k, v in suite.meta.items() if k != "devices"},
    }
    summary = suite.summarize(records, config, out_dir)
    report = Report(suite_name, meta, summary, records)
    out.print(report.render())
    if out_dir is not None:
        for path in [*report.write(out_dir), *summary.plots]:
            console.print(f"wrote {path}")
    return 0 if records and all(r.success for r in records) else 1
