"""`fleetmind serve --devices phone:1 --token T` as a new user runs it: the printed URLs answer,
the UI loads, the API needs the token, a request finishes on the in-process virtual phone,
and Ctrl-C stops the whole process."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys

import httpx
from websockets.asyncio.client import connect

ENV = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "80", "PYTHONFAULTHANDLER": "1"}


def _ctrl_c_enabled() -> None:
    """Ctrl-C reaches serve as it would from a terminal: a shell that runs the tests in the background
    (`make test &`) ignores SIGINT for its jobs, and every child inherits that, so serve would too."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


async def _read_all(stream: asyncio.StreamReader, into: list[str]) -> None:
    while line := await stream.readline():
        into.append(line.decode(errors="replace"))


async def test_serve_prints_its_urls_and_runs_requests_on_its_own_virtual_phone() -> None:
    serve = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "fleetmind.cli", "serve", "--port", "0", "--devices", "phone:1", "--token", "T0k",
        env=ENV, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        preexec_fn=_ctrl_c_enabled,
    )  # fmt: skip
    assert serve.stderr is not None
    lines: list[str] = []
    try:
        async with asyncio.timeout(90):
            while not lines or not lines[-1].startswith("ready: "):
                line = (await serve.stderr.readline()).decode()
                assert line, f"serve ended early:\n{''.join(lines)}"
                lines.append(line)
        printed = "".join(lines)
        later: list[str] = []  # keep reading what serve writes, or its pipe fills and serve blocks on a write
        drain = asyncio.create_task(_read_all(serve.stderr, later))
        ui = re.search(r"web UI: (http://\S+)/#token=T0k\n", printed)
        assert ui, printed
        base = ui.group(1)
        assert f"API:    {base}/api/tasks\n" in printed and f"docs:   {base}/docs\n" in printed
        agents = base.replace("http://", "ws://") + "/agent"
        assert f"agents: {agents}\n" in printed
        # Commands to copy stay whole on one line, even at 80 columns.
        assert f"  fleetmind device virtual --connect {agents} --token T0k --count 2\n" in printed
        assert "attached phone-1\n" in printed

        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            page = await client.get("/")
            assert page.status_code == 200 and "<title>fleetmind</title>" in page.text
            assert (await client.get("/api/devices")).status_code == 401
            auth = {"Authorization": "Bearer T0k"}
            devices = (await client.get("/api/devices", headers=auth)).json()["devices"]
            assert [(d["id"], d["online"]) for d in devices] == [("phone-1", True)]
            async with asyncio.timeout(60), connect(agents.replace("/agent", "/api/events?token=T0k")) as events:
                task = (await client.post("/api/tasks", json={"text": "Turn on Bluetooth"}, headers=auth)).json()
                while (event := json.loads(await events.recv()))["kind"] != "task_finished":
                    pass
            assert event["task_id"] == task["id"] and event["data"]["status"] == "succeeded"

        serve.send_signal(signal.SIGINT)
        try:
            async with asyncio.timeout(30):
                code = await serve.wait()
        except TimeoutError:  # say where it hangs: faulthandler prints every thread's stack on SIGABRT
            serve.send_signal(signal.SIGABRT)
            await serve.wait()
            await drain
            raise AssertionError("serve did not stop on SIGINT:\n" + "".join(later)[-6000:]) from None
        assert code == 0, "".join(later)[-3000:]
        await drain
    finally:
        if serve.returncode is None:
            serve.kill()
            await serve.wait()
