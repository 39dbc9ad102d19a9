"""The CLI for real fleets: `fleetmind submit` to a running orchestrator (exit codes, JSON,
questions without a terminal, clear errors), `fleetmind run --devices android:all` over an adb
server, and a step table whose reasons stay whole at 80 columns."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator

import pytest
from rich.console import Console

from fleetmind.cli.follow import steps_table, summary_view
from fleetmind.sdk.local import LocalFleet, local_fleet

ENV = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "100"}


@pytest.fixture
async def fleet() -> AsyncIterator[LocalFleet]:
    async with asyncio.timeout(60), local_fleet("phone:2") as f:
        yield f


async def cli(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "fleetmind.cli", *args, env=env or ENV,
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(120):
            out, err = await proc.communicate()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    return proc.returncode or 0, out.decode(), " ".join(err.decode().split())  # rich wraps long lines


async def test_submit_follows_a_task_to_the_end(fleet: LocalFleet) -> None:
    assert fleet.token
    code, out, err = await cli("submit", "--url", fleet.url, "--token", fleet.token, "--json",
                               "Turn on Wi-Fi and dark theme, then turn on Bluetooth")
    assert code == 0, err
    data = json.loads(out)
    assert data["status"] == "succeeded"
    assert data["outputs"] == {"s1": {"result": "Wi-Fi on"}, "s2": {"result": "Dark theme on"},
                               "s3": {"result": "Bluetooth on"}}
    assert data["summary"]["subtasks"] == {"succeeded": 3}

    # The same with the report on the terminal, token from the environment.
    code, out, err = await cli("submit", "--url", fleet.url, "Turn on airplane mode",
                               env={**ENV, "FLEETMIND_TOKEN": fleet.token})
    assert code == 0, err
    assert "status succeeded" in err and "s1.result Airplane mode on" in err


async def test_submit_exit_codes_and_questions_without_a_terminal(fleet: LocalFleet) -> None:
    assert fleet.token
    # Sending asks for confirmation; without a terminal nobody answers it, so nothing is sent.
    code, out, err = await cli("submit", "--url", fleet.url, "--token", fleet.token,
                               "Send an SMS to 555 0100 saying hello")
    assert code == 1, err
    assert "asks: Send SMS" in err and "[yes / no]" in err and "not answered" in err
    code, _, err = await cli("submit", "--url", fleet.url, "--token", "wrong", "Turn on Bluetooth")
    assert code == 2 and "wrong or missing token: pass token= or set FLEETMIND_TOKEN" in err
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code, _, err = await cli("submit", "--url", f"http://127.0.0.1:{port}", "Turn on Bluetooth")
    assert code == 2 and "is `fleetmind serve` running there" in err
    code, _, err = await cli("submit", "--url", fleet.url, "--policy", "sometimes", "x")
    assert code == 2 and "--policy" in err


def test_step_reasons_wrap_whole_at_80_columns() -> None:
    why = ("the goal names it (score 2.0, margin 2.0); the local model ranked 8 candidates and chose"
           " the one whose label matches the contact the request names, Ada Lovelace")
    steps = [{"subtask": "s1", "step": 12, "tier": "local", "summary": "tap 'Ada Lovelace' in the contact list",
              "why": why}]
    console = Console(width=80, record=True, color_system=None)
    console.print(summary_view("succeeded", {"subtasks": {"succeeded": 1}, "steps": 1}, steps, None))
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= 80
    assert " ".join(text.split()).count("Ada Lovelace") == 2  # action and reason, neither cut
    flat = " ".join(text.split())
    for word in why.split():
        assert word in flat
    assert steps_table(steps).columns[4].header == "why"


async def test_run_drives_adb_devices_named_android_all(monkeypatch: pytest.MonkeyPatch) -> None:
    from fleetmind.devices.virtual.adbd import AdbServer, virtual_phones
    from fleetmind.embedded import UsageError, fleet_devices, parse_devices

    assert parse_devices("android:emulator-5554,android:10.0.0.5:5555,phone:1") == {
        "android:emulator-5554": 1, "android:10.0.0.5:5555": 1, "phone": 1}
    async with AdbServer(virtual_phones(2)) as server:  # two phones behind a real ADB-protocol server
        env = {**ENV, "ANDROID_ADB_SERVER_PORT": str(server.port)}
        code, out, err = await cli("run", "--devices", "android:all", "--json", "Turn on Wi-Fi and dark theme",
                                   env=env)
        assert code == 0, err
        data = json.loads(out)
        assert data["status"] == "succeeded"
        assert {s["device_id"] for s in data["subtasks"]} == set(server.serials)  # side by side on both
        monkeypatch.setenv("ANDROID_ADB_SERVER_PORT", str(server.port))
        async with fleet_devices(parse_devices(f"android:{server.serials[1]},phone:1")) as devices:
            assert [d.info.id for d in devices] == ["phone-1", server.serials[1]]
    with pytest.raises(UsageError, match="cannot ask the adb server"):
        async with fleet_devices(parse_devices("android:all")):
            pass
