"""`fleetmind bench perf`: every raw-performance figure in one bounded run on loopback.

Stages, each with a time limit (a stage that runs out says so in its table instead of
hanging the run): the one-connection protocol micro-benchmark (`bench.protocol`); round
trips and dispatch latency with 1, 100 and 1,000 connected agents beside bare
`websockets` (`wire`); memory per connected agent (`memory`); scheduler and patch
overhead per subtask on graphs of 10, 1,000 and 10,000 subtasks (`bench.scheduler`);
observation latency per device kind (`observe`).
"""

from __future__ import annotations

import asyncio
import os
import platform
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from rich.console import Console

from ...orchestrator.limits import Limits
from .. import scheduler
from ..protocol import run_protocol_bench
from .memory import measure_memory
from .observe import measure_observe
from .report import PerfReport, Section, grouped_bars
from .wire import measure_wire

__all__ = ["PerfConfig", "draw", "measure_all", "run_perf"]

T = TypeVar("T")


@dataclass(frozen=True)
class PerfConfig:
    """Sizes and limits of one perf run (the defaults are the issue's sizes)."""

    agents: tuple[int, ...] = (1, 100, 1000)
    memory_agents: tuple[int, ...] = (100, 1000)
    graph_sizes: tuple[int, ...] = scheduler.SIZES
    round_trips: int = 2000
    dispatches: int = 200
    observe_samples: int = 30
    stage_timeout_s: float = 300.0


def _ms(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:,.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:,.2f} ms"
    return f"{seconds:,.2f} s"


async def _bounded(name: str, coro: Awaitable[T], timeout_s: float, problems: list[str]) -> T | None:
    try:
        async with asyncio.timeout(timeout_s):
            return await coro
    except TimeoutError:
        problems.append(f"{name}: did not finish within {timeout_s:.0f} s")
        return None


async def measure_all(config: PerfConfig, on_stage: Callable[[str], None] = lambda _: None) -> PerfReport:
    """Run every stage; the report with its sections and raw figures (plots are drawn by `draw`)."""
    began = time.perf_counter()
    problems: list[str] = []
    report = PerfReport(meta={"config": asdict(config)})
    t = config.stage_timeout_s

    on_stage("protocol, one connection")
    single = await _bounded("protocol", run_protocol_bench(config.round_trips), t, problems) or []
    report.sections.append(Section(
        "Protocol round trips, one connection", "a progress message and its ack, beside a bare echo of the same frame",
        ["path", "round trips/s", "µs each"],
        [[r.name, f"{r.per_second:,.0f}", f"{r.micros_each:,.0f}"] for r in single]))

    on_stage(f"round trips and dispatch with {', '.join(map(str, config.agents))} agents")
    wire = await _bounded("wire", measure_wire(config.agents, config.round_trips, config.dispatches), t,
                          problems) or []
    report.data["wire"] = [asdict(w) for w in wire]
    report.sections.append(Section(
        "Round trips with N connected agents",
        f"{config.round_trips:,} in all, every agent at once: progress -> ack through the orchestrator, beside a "
        "bare WebSocket echo over as many connections (the orchestrator's per-connection rate limit, "
        f"{Limits.rate_per_s:g} frames/s by default, lifted)",
        ["agents", "fleetmind /s", "p50", "p99", "bare echo /s", "bare p50", "bare p99"],
        [[f"{w.agents:,}", f"{w.round_trips.per_second:,.0f}", f"{w.round_trips.p50_ms:.2f} ms",
          f"{w.round_trips.p99_ms:.2f} ms", f"{w.bare_round_trips.per_second:,.0f}",
          f"{w.bare_round_trips.p50_ms:.2f} ms", f"{w.bare_round_trips.p99_ms:.2f} ms"] for w in wire]))
    report.sections.append(Section(
        "Dispatch latency with N connected agents",
        f"{config.dispatches} one-subtask tasks, one at a time: submit -> assign at the agent (plan, graph, "
        "scheduler, wire), beside a bare server push down one of N connections; and submit -> result processed",
        ["agents", "dispatch p50", "dispatch p99", "bare push p50", "bare push p99", "submit->done p50",
         "submit->done p99"],
        [[f"{w.agents:,}", f"{w.dispatch.p50_ms:.2f} ms", f"{w.dispatch.p99_ms:.2f} ms", f"{w.bare_push.p50_ms:.3f} ms",
          f"{w.bare_push.p99_ms:.3f} ms", f"{w.submit_to_done.p50_ms:.2f} ms", f"{w.submit_to_done.p99_ms:.2f} ms"]
         for w in wire]))

    on_stage(f"memory with {', '.join(map(str, config.memory_agents))} agents")
    memory = await _bounded("memory", measure_memory(config.memory_agents), t, problems) or []
    report.data["memory"] = [asdict(m) for m in memory]
    report.sections.append(Section(
        "Memory per connected agent",
        "both ends in this process; tracemalloc (Python allocations) and RSS deltas after connecting N",
        ["agents", "connection", "traced KiB/agent", "RSS KiB/agent"],
        [[f"{m.agents:,}", m.what, f"{m.traced_bytes_per_agent / 1024:,.1f}", f"{m.rss_bytes_per_agent / 1024:,.1f}"]
         for m in memory]))

    on_stage(f"scheduler on graphs of {', '.join(map(str, config.graph_sizes))} subtasks")
    graph = scheduler.run(config.graph_sizes)  # CPU-bound and bounded by its own budget per size
    report.data["scheduler"] = [{**asdict(f), "speedup": f.speedup} for f in graph]
    report.sections.append(Section(
        "Scheduler and patch overhead", f"bench.scheduler: layered graphs ({scheduler.WIDTH} per layer, "
        f"{scheduler.DEVICES} phones), CPU time; baseline walks the whole graph and copies it to patch",
        ["subtasks", "measure", "TaskGraph", "baseline", "speed-up"],
        [[f"{f.subtasks:,}", f.measure, _ms(f.seconds),
          _ms(f.baseline_seconds) + (f" ({f.baseline_note})" if f.baseline_note else ""), f"{f.speedup:,.1f}x"]
         for f in graph]))

    on_stage("observation latency per device kind")
    observe = await _bounded("observe", measure_observe(config.observe_samples), t, problems) or []
    report.data["observe"] = [asdict(o) for o in observe]
    report.sections.append(Section(
        "Observation latency per device kind", f"{config.observe_samples} observe() calls each after a warm-up",
        ["device", "p50", "p95", "elements", "note"],
        [[o.device, f"{o.p50_ms:.1f} ms", f"{o.p95_ms:.1f} ms", str(o.elements), o.skipped] for o in observe]))

    if problems:
        report.sections.append(Section("Stages that did not finish", "", ["problem"], [[p] for p in problems]))
    report.meta.update({
        "command": "fleetmind " + " ".join(sys.argv[1:]), "wall_s": round(time.perf_counter() - began, 1),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "problems": problems,
    })
    return report


def draw(report: PerfReport, out_dir: Path) -> list[Path]:
    """The plots of `report` into `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    wire: Sequence[dict[str, Any]] = report.data.get("wire", [])
    if wire:
        labels = [f"{w['agents']:,} agents" for w in wire]
        paths.append(grouped_bars(out_dir / "round_trips.png", "round trips per second (loopback)", labels,
                                  {"fleetmind progress->ack": [w["round_trips"]["per_second"] for w in wire],
                                   "bare websockets echo": [w["bare_round_trips"]["per_second"] for w in wire]},
                                  "round trips / s"))
        paths.append(grouped_bars(out_dir / "dispatch_latency.png", "dispatch latency, ms (log scale)", labels,
                                  {"dispatch p50": [w["dispatch"]["p50_ms"] for w in wire],
                                   "dispatch p99": [w["dispatch"]["p99_ms"] for w in wire],
                                   "bare push p50": [w["bare_push"]["p50_ms"] for w in wire],
                                   "bare push p99": [w["bare_push"]["p99_ms"] for w in wire]}, "ms", log=True))
    memory: Sequence[dict[str, Any]] = report.data.get("memory", [])
    if memory:
        counts = sorted({m["agents"] for m in memory})
        series: dict[str, list[float]] = {}
        for m in memory:
            series.setdefault(m["what"], [0.0] * len(counts))[counts.index(m["agents"])] = (
                m["traced_bytes_per_agent"] / 1024)
        paths.append(grouped_bars(out_dir / "memory_per_agent.png", "traced KiB per connected agent",
                                  [f"{n:,} agents" for n in counts], series, "KiB"))
    observe: Sequence[dict[str, Any]] = [o for o in report.data.get("observe", []) if not o["skipped"]]
    if observe:
        paths.append(grouped_bars(out_dir / "observe_latency.png", "observe() latency per device kind, ms",
                                  [o["device"].replace(" (", "\n(").replace(", ", ",\n") for o in observe],
                                  {"p50": [o["p50_ms"] for o in observe], "p95": [o["p95_ms"] for o in observe]},
                                  "ms"))
    report.plots = paths
    return paths


def run_perf(config: PerfConfig, *, out_dir: Path | None, console: Console, out: Console) -> int:
    """Run every stage with a status line, print the tables and the wall time, write the report."""
    with console.status("perf") as status:
        report = asyncio.run(measure_all(config, lambda stage: status.update(f"perf: {stage}...")))
    out.print(report.render())
    out.print(f"wall time {report.meta['wall_s']} s")
    if out_dir is not None:
        draw(report, out_dir)
        paths = report.write(out_dir)
        out.print(f"wrote {', '.join(str(p) for p in [*paths, *report.plots])}")
    return 1 if report.meta["problems"] else 0
