"""Every example in examples/ runs as a user runs it, against an embedded orchestrator with
virtual phones; the custom agent also attaches from another process with `--agent`."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import fleetmind
from fleetmind.api.server import ApiServer
from fleetmind.orchestrator.planner import ClausePlanner, RetryReplanner
from fleetmind.orchestrator.server import Orchestrator

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
ENV = {**os.environ, "PYTHONUNBUFFERED": "1", "LITELLM_LOCAL_MODEL_COST_MAP": "True"}


async def run_example(name: str, *args: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(EXAMPLES / name), *args, env=ENV,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        async with asyncio.timeout(120):
            out, _ = await proc.communicate()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    return proc.returncode or 0, out.decode()


async def test_submit_and_follow() -> None:
    code, out = await run_example("submit_and_follow.py")
    assert code == 0, out
    assert "devices: phone-1, phone-2" in out
    assert "s3 step 1 [rule] open Contacts" in out
    assert "finished: succeeded" in out
    assert "s3.result = saved: Ada Lovelace, 555 0100" in out


async def test_custom_agent() -> None:
    code, out = await run_example("custom_agent.py")
    assert code == 0, out
    assert "s1 #1 [rule] done: Paris: 18°C, light rain  (WeatherAgent called the forecast tool for Paris)" in out
    assert "type 'Paris: 18°C, light rain' into 'Body'" in out  # the GUI agent used the agent's output


async def test_custom_skill() -> None:
    code, out = await run_example("custom_skill.py", "Save a note titled Packing saying passport and charger")
    assert code == 0, out
    lines = [line for line in out.splitlines() if line.startswith("s1 #")]
    assert [line.split("  (")[1] for line in lines] == ["skill save_note)"] * 5
    assert "type 'passport and charger' into 'Body'" in out
    assert "succeeded: {'s1': {'result': \"saved note 'Packing'\"}}" in out


async def test_custom_agent_attaches_from_another_process_with_the_agent_option() -> None:
    orch = Orchestrator(ClausePlanner(), RetryReplanner(), token="t0k")
    async with ApiServer(orch) as api:
        device = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "fleetmind.cli", "device", "virtual", "--connect", api.agent_url, "--token", "t0k",
            "--agent", f"{EXAMPLES / 'custom_agent.py'}:WeatherAgent", env=ENV,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        try:
            async with asyncio.timeout(60):
                await orch.wait_for_devices(1, timeout_s=60)
                async with fleetmind.connect(api.url, token="t0k") as fm:
                    run = await fm.submit("Look up the weather in Rome, then turn on Bluetooth")
                    result = await run.wait()
            assert result.ok, result.summary
            assert result.outputs["s1"] == {"weather": "Rome: 24°C, sunny"}
            assert result.outputs["s2"] == {"result": "Bluetooth on"}  # the GUI agent, same device
        finally:
            device.terminate()
            _, err = await device.communicate()
        assert "custom agents first: WeatherAgent" in err.decode()
