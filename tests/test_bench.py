"""`fleetmind bench` prints its figures with a same-run baseline; bad suites are refused."""

from typer.testing import CliRunner

from fleetmind.cli import app

runner = CliRunner()


def test_protocol_bench_prints_baseline_and_protocol_rows() -> None:
    result = runner.invoke(app, ["bench", "protocol", "--round-trips", "50"])
    assert result.exit_code == 0, result.output
    assert "bare WebSocket echo (baseline)" in result.stdout and "progress -> ack" in result.stdout


def test_unknown_suite_is_a_usage_error() -> None:
    result = runner.invoke(app, ["bench", "everything"])
    assert result.exit_code == 2 and "local-ranking" in result.output
