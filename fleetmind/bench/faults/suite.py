"""`fleetmind bench faults`: the cross-device suite with faults injected, and what they cost.

Each scenario (scenarios.py) runs on the same sample of cross-device phone tasks (one
per template first; `--episodes N` takes N tasks per scenario; `--only` picks scenarios
by name or name prefix), with the oracle policy, so the figures are the machinery's (protocol,
orchestrator, crash recovery, device hosts), not a model's. Per scenario the report
gives completion (the task's own check of the phones), the time from each fault to the
next progress in the orchestrator's event log, the work lost and the work repeated
(ledger.py: from the event log and the phones' rows, never from what an agent said).
"""

from __future__ import annotations

import contextlib
import random
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from ...agents.models import ChatModel
from ...embedded import UsageError
from .. import plots
from ..crossdevice.spec import XTask
from ..crossdevice.tasks import build_tasks
from ..report import Figure, Summary, group_rows, rate
from ..runner import BenchConfig, Episode, EpisodeRecord
from .crash import run_crash
from .fleet import FaultRun, run_in_process, target_of
from .ledger import Ledger, ended_after, progress_after, repeated_effects
from .scenarios import SCENARIOS, Scenario

__all__ = ["FaultsSuite", "measure", "sample_tasks"]

TASK_TIMEOUT_S = 90.0
"""The longest one faulted task may take (a dropped frame costs ~2 s, a lost device the grace and more)."""


def sample_tasks(seed: int, n: int | None) -> list[XTask]:
    """Phone-only cross-device tasks, one per template before a second of any; the first n (default: one
    per template)."""
    families: dict[str, list[XTask]] = {}
    for task in build_tasks(seed):
        if "browser" not in task.devices:
            families.setdefault(re.sub(r"-\d+(#\d+)?$", "", task.id), []).append(task)
    rounds = max(len(f) for f in families.values())
    ordered = [f[i] for i in range(rounds) for f in families.values() if i < len(f)]
    return ordered[: n or len(families)]


def measure(task: XTask, scenario: Scenario, run: FaultRun) -> dict[str, Any]:
    """The figures of one faulted run, from its event log and the phones' rows."""
    ledger = Ledger.from_events(run.events)
    if scenario.fault == "vanish":  # nothing can progress in its place: how long until the task says so
        recoveries = [ended_after(run.events, f.at) for f in run.injected]
    else:
        recoveries = [progress_after(run.events, f.at) for f in run.injected if f.kind != "slow"]
    measured = [r for r in recoveries if r is not None]
    target, _ = target_of(task)
    lost = ledger.lost(run.finished)
    twice = ledger.executed_twice()
    effects = repeated_effects(run.before, run.after)
    return {
        "scenario": scenario.name,
        "faults": len(run.injected),
        "fault_kinds": sorted({f.kind for f in run.injected}),
        "fault_details": [f"{f.kind} {f.device}: {f.detail}" for f in run.injected][:20],
        "target": f"{target.id} on {target.device}",
        "recover_s": round(sum(measured) / len(measured), 3) if measured else None,
        "recover_max_s": round(max(measured), 3) if measured else None,
        "unrecovered_faults": len(recoveries) - len(measured),
        "lost": lost,
        "executed_twice": twice,
        "effects_repeated": effects,
        "steps_applied_twice": ledger.steps_applied_twice(),
        "subtasks": len(ledger.final),
        "subtasks_succeeded": sum(s == "succeeded" for s in ledger.final.values()),
        "attempts": sum(len(a) for a in ledger.attempts.values()),
        "popups_dismissed": run.dismissed,
        "says_why": bool(run.error and target.device in run.error) if scenario.fault == "vanish" else None,
    }


class FaultsSuite:
    """`fleetmind bench faults` (see the module docstring)."""

    name = "faults"

    def __init__(self, *, local: ChatModel | None = None, cloud: ChatModel | None = None) -> None:
        self.meta: dict[str, Any] = {}
        self._tasks: dict[str, XTask] = {}
        self._scenarios = {s.name: s for s in SCENARIOS}

    def episodes(self, config: BenchConfig) -> list[Episode]:
        """Every chosen scenario on every sampled task."""
        if config.policy != "oracle":
            raise UsageError(f"--policy {config.policy!r}: the faults suite measures the machinery with the oracle "
                             "policy only; leave out --policy")
        if config.devices:
            raise UsageError("the faults suite brings its own virtual phones per task; leave out --devices")
        scenarios = SCENARIOS
        if config.only:
            prefixes = [p.strip() for p in config.only.split(",") if p.strip()]
            names = {s.name for s in SCENARIOS}  # a whole name picks that one ('crash', not 'crash-result')
            scenarios = [s for s in SCENARIOS
                         if any(s.name == p or (p not in names and s.name.startswith(p)) for p in prefixes)]
            if not scenarios:
                raise UsageError(f"--only {config.only!r} names no scenario; choose from "
                                 f"{', '.join(s.name for s in SCENARIOS)}")
        tasks = sample_tasks(config.seed, config.episodes)
        self._tasks = {t.id: t for t in tasks}
        out: list[Episode] = []
        for scenario in scenarios:
            for task in tasks:
                out.append(Episode(f"{scenario.name}/{task.id}", task.id, config.seed, len(out),
                                   {"scenario": scenario.name, "request": task.request}))
        self.meta.update({
            "devices": "a fresh set of 2-5 VirtualPhones behind an ADB server per episode, one device-agent host "
                       "each, dialling through its own loopback relay (the crash scenario: straight to the "
                       "orchestrator process)",
            "scenarios": {s.name: s.what for s in scenarios},
            "tasks": [t.id for t in tasks],
        })
        return out

    @contextlib.asynccontextmanager
    async def session(self, config: BenchConfig) -> AsyncIterator[Callable[[Episode], Awaitable[EpisodeRecord]]]:
        """Nothing shared between episodes: each builds its own phones, orchestrator and hosts."""
        async def work(episode: Episode) -> EpisodeRecord:
            return await self.run_episode(episode)

        yield work

    async def run_episode(self, episode: Episode) -> EpisodeRecord:
        """One task under one scenario; the record carries the figures (`measure`)."""
        task = self._tasks[episode.task]
        scenario = self._scenarios[episode.params["scenario"]]
        if scenario.fault == "crash":
            delay = 0.0
            if scenario.crash_at == "result":  # the kill lands while the result is applied, logged, acted on
                delay = random.Random(f"{episode.seed}/{task.id}").uniform(0.0, 0.01)
            run = await run_crash(task, seed=episode.seed, timeout_s=TASK_TIMEOUT_S, at=scenario.crash_at,
                                  delay_s=delay)
        else:
            run = await run_in_process(task, scenario, seed=episode.seed, timeout_s=TASK_TIMEOUT_S)
        metrics = measure(task, scenario, run)
        steps = sum(e["kind"] == "step_progress" for e in run.events)
        return EpisodeRecord(
            episode.id, task.id, episode.seed, success=run.success, status=run.status, seconds=round(run.seconds, 3),
            steps=steps, tiers={"oracle": steps}, device=task.devices,
            error=None if run.success else (run.error or "the check failed"), goal=task.request,
            groups={"scenario": scenario.name, "category": task.category}, metrics=metrics)

    def summarize(self, records: list[EpisodeRecord], config: BenchConfig, out_dir: Path | None) -> Summary:
        """Per scenario: completion, time to recover, work lost and repeated; totals first."""
        for r in records:  # an episode the executor gave up on has no groups yet
            r.groups.setdefault("scenario", r.episode.split("/", 1)[0])
            r.groups.setdefault("category", "unknown")
        lost = sum(len(r.metrics.get("lost", [])) for r in records)
        twice = sum(len(r.metrics.get("executed_twice", [])) for r in records)
        effects = sum(r.metrics.get("effects_repeated", 0) for r in records)
        applied = sum(r.metrics.get("steps_applied_twice", 0) for r in records)
        figures = [
            Figure("work lost", str(lost), "subtasks an agent finished (or the log marked succeeded) whose result "
                   "the orchestrator then lost or ran again; target 0"),
            Figure("work repeated", f"{twice} subtasks run twice, {effects} side effects twice, {applied} steps "
                   "applied twice", "from the event log (attempts reaching the last step; a step logged twice) and "
                   "the phones' rows (a contact, text, note ... added twice); target 0"),
        ]
        baseline = _mean([r.seconds for r in records if r.groups["scenario"] == "baseline" and r.success])
        for scenario in [s for s in SCENARIOS if any(r.groups["scenario"] == s.name for r in records)]:
            mine = [r for r in records if r.groups["scenario"] == scenario.name]
            figures.append(Figure(scenario.name, _line(scenario, mine, baseline), scenario.what))
        groups = {"scenario": group_rows(records, lambda r: [r.groups["scenario"]], [s.name for s in SCENARIOS])}
        summary = Summary(figures, groups)
        if out_dir is not None:
            out_dir.mkdir(parents=True, exist_ok=True)
            timed = [s for s in SCENARIOS if any(r.groups["scenario"] == s.name and r.metrics.get("recover_s")
                                                 is not None for r in records)]
            summary.plots = [plots.bars(out_dir / "completion_by_scenario.png",
                                        "faults: tasks completed by scenario (oracle policy)", groups["scenario"])]
            if timed:
                summary.plots.append(plots.paired_bars(
                    out_dir / "recovery_by_scenario.png", "faults: fault -> next progress (vanish: -> the failure)",
                    [s.name for s in timed],
                    {"mean": [_recovery(records, s.name, "recover_s", mean=True) for s in timed],
                     "max": [_recovery(records, s.name, "recover_max_s", mean=False) for s in timed]}, "seconds"))
        return summary


def _recovery(records: list[EpisodeRecord], scenario: str, key: str, *, mean: bool) -> float:
    values = [float(r.metrics[key]) for r in records
              if r.groups["scenario"] == scenario and r.metrics.get(key) is not None]
    if not values:
        return 0.0
    return sum(values) / len(values) if mean else max(values)


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _line(scenario: Scenario, records: list[EpisodeRecord], baseline: float | None) -> str:
    """'completed 9/9 = 100% (...); recover 0.07 s mean, 0.2 s max; lost 0; repeated 0; ...'."""
    m = [r.metrics for r in records]
    parts = [f"completed {rate(sum(r.success for r in records), len(records))}"]
    rec = [x["recover_s"] for x in m if x.get("recover_s") is not None]
    worst = [x["recover_max_s"] for x in m if x.get("recover_max_s") is not None]
    if rec:
        what = "failed honestly after" if scenario.fault == "vanish" else "recover"
        parts.append(f"{what} {sum(rec) / len(rec):.2f} s mean, {max(worst):.2f} s max")
    unrecovered = sum(x.get("unrecovered_faults", 0) for x in m)
    if unrecovered:
        parts.append(f"{unrecovered} faults with no progress after them")
    parts.append(f"lost {sum(len(x.get('lost', [])) for x in m)}")
    parts.append(f"repeated {sum(len(x.get('executed_twice', [])) for x in m)} subtasks / "
                 f"{sum(x.get('effects_repeated', 0) for x in m)} effects / "
                 f"{sum(x.get('steps_applied_twice', 0) for x in m)} steps")
    parts.append(f"{sum(x.get('faults', 0) for x in m)} faults injected")
    if scenario.fault == "vanish":
        parts.append(f"failed saying which device went: {sum(bool(x.get('says_why')) for x in m)}/{len(m)}")
    if scenario.fault == "popup":
        parts.append(f"pop-ups dismissed {sum(x.get('popups_dismissed', 0) for x in m)}")
    mean = _mean([r.seconds for r in records if r.success])
    if mean is not None:
        vs = f" (baseline {baseline:.2f} s)" if baseline and scenario.name != "baseline" else ""
        parts.append(f"mean makespan {mean:.2f} s{vs}")
    return "; ".join(parts)
