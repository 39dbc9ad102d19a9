"""The perf suite at tiny sizes: every stage produces its numbers, beside its baseline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console

from fleetmind.bench.perf.memory import measure_memory
from fleetmind.bench.perf.run import PerfConfig, run_perf
from fleetmind.bench.perf.wire import Latency, measure_wire, percentile


def test_percentiles_are_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert (percentile(values, 50), percentile(values, 99), percentile(values, 100)) == (50.0, 99.0, 100.0)
    assert percentile([], 50) == 0.0
    figure = Latency.of([0.001, 0.002, 0.003], wall_s=0.006)
    assert (figure.count, figure.per_second, figure.p50_ms, figure.p99_ms) == (3, 500.0, 2.0, 3.0)


async def test_round_trips_and_dispatch_with_1_and_10_agents_beside_bare_websockets() -> None:
    figures = await measure_wire((1, 10), round_trips=40, dispatches=12)
    assert [f.agents for f in figures] == [1, 10]
    for f in figures:
        assert f.round_trips.count == f.bare_round_trips.count == 40  # 40 in all, spread over the agents
        assert f.dispatch.count == f.bare_push.count == f.submit_to_done.count == 12
        for latency in (f.round_trips, f.bare_round_trips, f.dispatch, f.bare_push, f.submit_to_done):
            assert latency.per_second > 0 and 0 < latency.p50_ms <= latency.p99_ms
        assert f.dispatch.p50_ms <= f.submit_to_done.p50_ms  # the assign arrives before the result is in


async def test_memory_per_agent_for_fleetmind_and_bare_connections() -> None:
    figures = await measure_memory((10,))
    assert [(m.agents, m.what.split()[0]) for m in figures] == [(10, "bare"), (10, "fleetmind")]
    assert all(m.traced_bytes_per_agent > 1000 for m in figures)  # a connection costs at least its buffers


def test_the_whole_suite_at_tiny_sizes_writes_its_report_and_plots(tmp_path: Path) -> None:
    config = PerfConfig(agents=(1, 3), memory_agents=(3,), graph_sizes=(10,), round_trips=20, dispatches=5,
                        observe_samples=2, stage_timeout_s=60)
    quiet = Console(file=open(tmp_path / "console.txt", "w"))  # noqa: SIM115 - closed with the test's files
    assert run_perf(config, out_dir=tmp_path, console=quiet, out=quiet) == 0
    report = json.loads((tmp_path / "report.json").read_text())
    assert [w["agents"] for w in report["figures"]["wire"]] == [1, 3]
    assert {s["title"] for s in report["tables"]} >= {
        "Protocol round trips, one connection", "Round trips with N connected agents",
        "Dispatch latency with N connected agents", "Memory per connected agent", "Scheduler and patch overhead",
        "Observation latency per device kind"}
    assert [f["measure"] for f in report["figures"]["scheduler"]] == [
        "build", "scheduling, per subtask", "one-subtask patch"]
    observed = {o["device"]: o for o in report["figures"]["observe"]}
    assert len(observed) == 3
    for o in observed.values():
        assert o["skipped"] or (o["samples"] == 2 and o["p50_ms"] > 0 and o["elements"] > 0)
    for plot in ("round_trips.png", "dispatch_latency.png", "memory_per_agent.png"):
        assert (tmp_path / plot).read_bytes().startswith(b"\x89PNG")
    assert "Dispatch latency with N connected agents" in (tmp_path / "report.md").read_text()


@pytest.mark.parametrize("bad", [0])
def test_latency_of_nothing_is_zero(bad: int) -> None:
    assert Latency.of([], wall_s=bad) == Latency(0, 0.0, 0.0, 0.0, 0.0)
