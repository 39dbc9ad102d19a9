"""`fleetmind bench scheduler`: figures for each size beside the baseline, on small graphs here."""

from typer.testing import CliRunner

from fleetmind.bench.scheduler import WalkingGraph, insertion_patch, layered_patch, measure, run_to_completion
from fleetmind.cli import app
from fleetmind.orchestrator.graph import TaskGraph

runner = CliRunner()


def test_layered_graphs_run_to_completion_on_both_sides() -> None:
    plan = layered_patch(35)
    graph, walking = TaskGraph("b"), WalkingGraph()
    graph.apply(plan)
    walking.apply(plan)
    assert len(graph) == 35 and graph.predecessors("L1.0") == [("L0.0", "on_success"), ("L0.9", "on_completion")]
    assert run_to_completion(graph)[0] == run_to_completion(walking)[0] == 35
    assert graph.succeeded


def test_insertion_patch_goes_between_two_middle_layers() -> None:
    graph = TaskGraph("b")
    graph.apply(layered_patch(50))
    graph.apply(insertion_patch(50, 0))
    assert graph.predecessors("extra-0") == [("L2.0", "on_success")]
    assert ("extra-0", "on_success") in graph.predecessors("L3.0")


def test_every_measure_has_a_baseline() -> None:
    figures = measure(20)
    assert [f.measure for f in figures] == ["build", "scheduling, per subtask", "one-subtask patch"]
    assert all(f.seconds > 0 and f.baseline_seconds > 0 and not f.baseline_note for f in figures)


def test_cli_prints_the_table() -> None:
    result = runner.invoke(app, ["bench", "scheduler", "--sizes", "10,40"])
    assert result.exit_code == 0, result.output
    assert "scheduling, per subtask" in result.output and "40" in result.output
    assert runner.invoke(app, ["bench", "scheduler", "--sizes", "ten"]).exit_code == 2
