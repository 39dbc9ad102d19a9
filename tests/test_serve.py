"""`fleetmind serve` as a user runs it: prints where to attach, takes requests at its prompt,
answers the API; devices attach from another process."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sqlite3
import subprocess
import sys
import urllib.request
from pathlib import Path

ENV = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}


async def read_until(stream: asyncio.StreamReader, pattern: str, lines: list[str]) -> re.Match[str]:
    while True:
        line = (await stream.readline()).decode()
        if not line:
            raise AssertionError(f"stream ended before {pattern!r}; got:\n{''.join(lines)}")
        lines.append(line)
        if m := re.search(pattern, line):
            return m


async def read_to_end(stream: asyncio.StreamReader, lines: list[str]) -> None:
    """Read a child's output until it closes, so a full pipe never blocks the child."""
    while line := await stream.readline():
        lines.append(line.decode())


async def test_serve_takes_requests_from_its_prompt_and_serves_the_api(tmp_path: Path) -> None:
    db = tmp_path / "events.sqlite"
    serve = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "fleetmind.cli", "serve", "--port", "0", "--db", str(db), env=ENV,
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    device = None
    drain: asyncio.Task[None] | None = None
    seen: list[str] = []
    device_seen: list[str] = []
    try:
        async with asyncio.timeout(90):
            assert serve.stderr is not None and serve.stdin is not None
            url = (await read_until(serve.stderr, r"agents: (ws://\S+)", seen)).group(1)
            await read_until(serve.stderr, r"^ready: ", seen)  # its readiness line, printed last
            device = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "fleetmind.cli", "device", "virtual", "--connect", url, "--count", "1",
                env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            assert device.stderr is not None
            await read_until(device.stderr, r"^attached phone-1 to ", device_seen)  # its readiness line
            drain = asyncio.create_task(read_to_end(device.stderr, device_seen))
            api = url.replace("ws://", "http://").removesuffix("/agent") + "/api"
            devices = await asyncio.to_thread(lambda: json.load(urllib.request.urlopen(api + "/devices")))
            assert [d["id"] for d in devices["devices"]] == ["phone-1"]  # attached means registered
            serve.stdin.write(b"Turn on Bluetooth\n")
            await serve.stdin.drain()
            await read_until(serve.stderr, r"status\s+succeeded", seen)
            tasks = await asyncio.to_thread(lambda: json.load(urllib.request.urlopen(api + "/tasks")))
            assert [t["request"] for t in tasks["tasks"]] == ["Turn on Bluetooth"]
            assert tasks["tasks"][0]["status"] == "succeeded"
        with sqlite3.connect(db) as conn:  # the event log outlives the process
            kinds = [k for (k,) in conn.execute("SELECT kind FROM events ORDER BY seq")]
        assert kinds[0] == "graph_created" and kinds[-1] == "task_finished"
    finally:
        for proc in (device, serve):
            if proc is not None and proc.returncode is None:
                proc.terminate()
                await proc.wait()
        if drain is not None:
            await drain  # the device's stderr ended with it
