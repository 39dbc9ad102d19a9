"""The command line as a user runs it: exit codes, JSON output, devices from another process."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

from typer.testing import CliRunner

from fleetmind.cli import app
from fleetmind.orchestrator.planner import ClausePlanner, RetryReplanner
from fleetmind.orchestrator.server import Orchestrator

runner = CliRunner()
REQUEST = "Turn on Wi-Fi and dark theme, then add a contact named Ada Lovelace with phone 555 0100"


def test_run_embedded_fleet_prints_json_result() -> None:
    result = runner.invoke(app, ["run", "--devices", "phone:2", "--json", REQUEST])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["status"] == "succeeded"
    subtasks = {s["id"]: s for s in data["subtasks"]}
    assert set(subtasks) == {"s1", "s2", "s3"}
    assert {s["device_id"] for s in subtasks.values()} == {"phone-1", "phone-2"}  # s1 and s2 ran side by side
    assert subtasks["s3"]["result"]["outputs"]["result"] == "saved: Ada Lovelace, 555 0100"
    assert data["summary"]["steps"] == len(data["steps"]) > 0


def test_bad_usage_exits_2_with_a_clear_message() -> None:
    bad_devices = runner.invoke(app, ["run", "--devices", "tablet:3", "x"])
    assert bad_devices.exit_code == 2 and "kind:count" in bad_devices.output
    no_cloud = runner.invoke(app, ["run", "--policy", "cloud-only", "x"])
    assert no_cloud.exit_code == 2 and "--model-cloud" in no_cloud.output
    bad_policy = runner.invoke(app, ["run", "--policy", "sometimes", "x"])
    assert bad_policy.exit_code == 2


def test_cloud_planner_through_litellm_offline(monkeypatch: object) -> None:
    plan = {
        "subtasks": [{"id": "wifi", "goal": "Turn off Wi-Fi", "device": {"kind": "phone"}, "outputs": ["result"]}],
        "edges": [],
        "reason": "one step",
    }
    env = {"FLEETMIND_MOCK_RESPONSE": json.dumps(plan)}
    result = runner.invoke(
        app,
        ["run", "--devices", "phone:1", "--json", "--model-cloud", "gpt-4o-mini", "please switch the wifi off"],
        env=env,
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [s["id"] for s in data["subtasks"]] == ["wifi"]  # the plan came from the (mocked) cloud model
    assert data["subtasks"][0]["result"]["outputs"] == {"result": "Wi-Fi off"}


async def test_virtual_phones_attach_from_another_process() -> None:
    orch = Orchestrator(ClausePlanner(), RetryReplanner())
    url = await orch.start()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "fleetmind.cli",
        "device",
        "virtual",
        "--connect",
        url,
        "--count",
        "2",
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(60):
            devices = await orch.wait_for_devices(2, timeout_s=60)
            assert sorted(d.id for d in devices) == ["phone-1", "phone-2"]
            run = await orch.run("Turn on Bluetooth and airplane mode")
        assert run.status == "succeeded", run.error
        assert {s.device_id for s in run.graph.subtasks()} == {"phone-1", "phone-2"}
    finally:
        proc.terminate()
        await proc.wait()
        await orch.stop()
