"""The cross-device suite: each task run twice through the orchestrator, side by side and one at a time.

An episode runs its task on a fresh fleet with the orchestrator's default concurrency,
then again on another fresh fleet with `max_concurrent=1` (the same plan, one subtask at
a time). It reports task success (the devices' state afterwards), subtask completion,
the parallel width (measured subtask time over the measured critical path, UFO³
Galaxy's parallelism ratio), and the makespan against the sequential run and against
the critical path.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from ...agents.models import ChatModel
from ...embedded import UsageError
from .. import plots
from ..report import Figure, Summary, group_rows, rate
from ..runner import BenchConfig, Episode, EpisodeRecord, Peer
from .fleet import run_task
from .spec import XTask
from .tasks import build_tasks

__all__ = ["PEERS", "CrossDeviceSuite"]

PARALLEL = 8
"""The orchestrator's concurrency in the side-by-side run (its default)."""

PEERS = [
    Peer("subtask completion", "UFO³ Galaxy (NebulaBench)", "83.3%", "arXiv 2511.11332", "55 tasks on 5 machines"),
    Peer("task success", "UFO³ Galaxy (NebulaBench)", "70.9%", "arXiv 2511.11332", "dataset not released"),
    Peer("average parallel width", "UFO³ Galaxy (NebulaBench)", "1.72", "arXiv 2511.11332",
         "definition not published; ours: measured work / measured critical path"),
    Peer("latency vs sequential", "UFO³ Galaxy (NebulaBench)", "-31%", "arXiv 2511.11332", "end to end"),
    Peer("task completion", "CRAB, GPT-4o single agent (Ubuntu + Android)", "38.01%", "arXiv 2407.01511", ""),
]


class CrossDeviceSuite:
    """`fleetmind bench cross-device` (see the module docstring)."""

    name = "cross-device"

    def __init__(self, *, local: ChatModel | None = None, cloud: ChatModel | None = None) -> None:
        self.local = local
        self.cloud = cloud
        self.meta: dict[str, Any] = {}
        self._tasks: dict[str, XTask] = {}

    def episodes(self, config: BenchConfig) -> list[Episode]:
        """One episode per task (cycling, new parameters each round, with --episodes N)."""
        if config.devices:
            raise UsageError("the cross-device suite brings its own virtual fleet per task; leave out --devices")
        tasks = build_tasks(config.seed)
        if config.only:
            prefixes = [p.strip() for p in config.only.split(",") if p.strip()]
            tasks = [t for t in tasks if any(t.id.startswith(p) for p in prefixes)]
            if not tasks:
                raise UsageError(f"--only {config.only!r} matches no cross-device task")
        count = config.episodes or len(tasks)
        out = []
        for i in range(count):
            rnd = i // len(tasks)
            task = tasks[i % len(tasks)] if rnd == 0 else _reseed(tasks[i % len(tasks)], config.seed + rnd)
            self._tasks[f"{task.id}@{rnd}"] = task
            out.append(Episode(f"{task.id}@{rnd}", task.id, config.seed + rnd, i, {"request": task.request}))
        return out

    @contextlib.asynccontextmanager
    async def session(self, config: BenchConfig) -> AsyncIterator[Callable[[Episode], Awaitable[EpisodeRecord]]]:
        """Nothing shared between episodes: each builds its own fleets."""
        if config.policy not in ("oracle", "agent"):
            raise UsageError(f"--policy {config.policy!r}: the cross-device suite takes oracle or agent")
        self.meta["devices"] = "a fresh virtual fleet per run: 1-5 VirtualPhones behind an ADB server (+ Chromium " \
                               "on VirtualWeb)"

        async def work(episode: Episode) -> EpisodeRecord:
            return await self.run_episode(episode, config)

        yield work

    async def run_episode(self, episode: Episode, config: BenchConfig) -> EpisodeRecord:
        """The task side by side, then one subtask at a time; one record with both."""
        task = self._tasks[episode.id]
        kw: dict[str, Any] = {"policy": config.policy, "local": self.local, "cloud": self.cloud, "seed": episode.seed,
                              "timeout_s": max(30.0, (config.episode_timeout_s - 30) / 2)}
        par = await run_task(task, max_concurrent=PARALLEL, **kw)
        seq = await run_task(task, max_concurrent=1, **kw)
        subtasks = par.graph.subtasks() if par.graph else []
        done = sum(s.status == "succeeded" for s in subtasks)
        critical = par.timing.critical_path_s(par.graph) if par.graph else 0.0
        metrics = {
            "subtasks": len(subtasks), "subtasks_succeeded": done,
            "makespan_s": round(par.timing.makespan_s, 3), "sequential_makespan_s": round(seq.timing.makespan_s, 3),
            "critical_path_s": round(critical, 3), "busy_s": round(par.timing.busy_s(), 3),
            "width": round(par.timing.busy_s() / critical, 3) if critical > 0 else 0.0,
            "peak_width": par.timing.peak_width(), "graph_width": par.graph.metrics().width if par.graph else 0,
            "sequential_success": seq.success, "sequential_status": seq.status,
        }
        return EpisodeRecord(
            episode.id, task.id, episode.seed, success=par.success, status=par.status,
            seconds=round(par.timing.makespan_s, 3), steps=par.steps, tiers=par.tiers, device=task.devices,
            error=None if par.success else (par.error or "the check failed"), goal=task.request,
            groups={"category": task.category, "devices": f"{task.device_count} devices"}, metrics=metrics,
        )

    def summarize(self, records: list[EpisodeRecord], config: BenchConfig, out_dir: Path | None) -> Summary:
        """Task success, subtask completion, width, makespan against sequential and critical path."""
        for r in records:  # an episode the executor gave up on has no groups yet
            if not r.groups and r.episode in self._tasks:
                task = self._tasks[r.episode]
                r.groups = {"category": task.category, "devices": f"{task.device_count} devices"}
            r.groups.setdefault("category", "unknown")
            r.groups.setdefault("devices", "unknown")
        n = len(records)
        ok = sum(r.success for r in records)
        subs = sum(r.metrics.get("subtasks", 0) for r in records)
        subs_ok = sum(r.metrics.get("subtasks_succeeded", 0) for r in records)
        both = [r for r in records if r.success and r.metrics.get("sequential_success")]
        par = sum(r.metrics.get("makespan_s", 0.0) for r in both)
        seq = sum(r.metrics.get("sequential_makespan_s", 0.0) for r in both)
        crit = sum(r.metrics.get("critical_path_s", 0.0) for r in both)
        widths = [r.metrics["width"] for r in records if r.metrics.get("width")]
        figures = [
            Figure("task success", rate(ok, n), "every device's state checked after the side-by-side run"),
            Figure("subtask completion", f"{subs_ok}/{subs} = {subs_ok / max(1, subs):.1%}",
                   "subtasks of the planned graphs that succeeded"),
            Figure("average parallel width", f"{sum(widths) / max(1, len(widths)):.2f}",
                   "per task: measured subtask time / measured critical path, averaged"),
            Figure("makespan vs sequential", f"{(par / seq - 1) if seq else 0:+.0%} ({par:.1f} s vs {seq:.1f} s)",
                   f"sum over the {len(both)} tasks both runs completed; sequential = the same request with "
                   "max_concurrent=1, measured in this run"),
            Figure("makespan vs critical path", f"{par / crit:.2f}x ({par:.1f} s vs {crit:.1f} s)" if crit else "n/a",
                   "the critical path of measured subtask durations is the floor"),
            Figure("sequential task success", rate(sum(bool(r.metrics.get("sequential_success")) for r in records), n),
                   "the one-at-a-time run, checked the same way"),
            Figure("tasks", f"{n} on {sorted({r.groups['devices'] for r in records})}", "phones and a browser"),
        ]
        groups = {
            "category": group_rows(records, lambda r: [r.groups["category"]]),
            "device count": group_rows(records, lambda r: [r.groups["devices"]]),
        }
        summary = Summary(figures, groups, list(PEERS))
        if out_dir is not None:
            out_dir.mkdir(parents=True, exist_ok=True)
            label = f"policy {config.policy}"
            ordered = sorted(records, key=lambda r: r.metrics.get("sequential_makespan_s", 0.0))
            summary.plots = [
                plots.bars(out_dir / "success_by_category.png", f"cross-device: success by category ({label})",
                           groups["category"], reference=("UFO³ task success 70.9%", 70.9)),
                plots.bars(out_dir / "success_by_devices.png", f"cross-device: success by device count ({label})",
                           groups["device count"]),
                plots.paired_bars(out_dir / "makespan.png", f"cross-device: makespan per task ({label})",
                                  [r.task for r in ordered], {
                                      "side by side": [r.metrics.get("makespan_s", 0.0) for r in ordered],
                                      "one at a time": [r.metrics.get("sequential_makespan_s", 0.0) for r in ordered],
                                      "critical path": [r.metrics.get("critical_path_s", 0.0) for r in ordered]},
                                  "seconds"),
            ]
        return summary


def _reseed(task: XTask, seed: int) -> XTask:
    """The same task with parameters from another seed (for --episodes beyond one round)."""
    again = {t.id: t for t in build_tasks(seed)}
    return again.get(task.id, task)
