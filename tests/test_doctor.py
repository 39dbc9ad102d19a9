"""`fleetmind doctor` on a machine with and without adb devices."""

from __future__ import annotations

import socket

from typer.testing import CliRunner

from fleetmind.cli import app
from fleetmind.devices.virtual.adbd import AdbServerThread, virtual_phones
from fleetmind.doctor import check_adb

runner = CliRunner()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_no_adb_server_says_how_to_start_one() -> None:
    port = free_port()
    checks = check_adb(port=port, timeout_s=1)
    server = next(c for c in checks if "server" in c.detail)
    assert server.status == "warn" and f"127.0.0.1:{port}" in server.detail
    assert "start-server" in server.fix and f"--adb-port {port}" in server.fix


def test_devices_on_an_adb_server_are_listed_with_their_state() -> None:
    with AdbServerThread(virtual_phones(2)) as server:
        server.server.handset("emulator-5556").adb_state = "unauthorized"
        checks = check_adb(port=server.port, timeout_s=2)
    by_area = {c.area: c for c in checks}
    assert by_area["device emulator-5554"].status == "ok"
    unauthorized = by_area["device emulator-5556"]
    assert unauthorized.status == "fail" and "USB debugging" in unauthorized.fix


def test_doctor_command_reports_and_sets_exit_code() -> None:
    port = free_port()
    result = runner.invoke(app, ["doctor", "--adb-port", str(port), "--url", f"ws://127.0.0.1:{port}/agent"])
    assert result.exit_code == 1  # the orchestrator URL is unreachable
    assert "orchestrator" in result.stdout and "fleetmind serve" in result.stdout
    assert "local model" in result.stdout
