"""`kill -9` of a real `fleetmind serve --db F` in the middle of a two-phone task, with the
phones and their device hosts in other processes: the restarted orchestrator rebuilds the
task from the SQLite file, the hosts resume their sessions, the finished subtask does not
run again and the waiting one finishes after the user's answer."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import adbutils
import httpx
from websockets.asyncio.client import connect

ENV = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200", "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
REQUEST = (
    "Add a contact named Ada Lovelace with phone 555 0100 on emulator-5556,"
    " and log in to the Bank on emulator-5554 and tell me my balance"
)


async def spawn(*args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "fleetmind.cli", *args,
        env=ENV, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip


async def wait_for(proc: asyncio.subprocess.Process, pattern: str) -> re.Match[str]:
    """Read the process's output until a line matches (it printing the line is the readiness)."""
    assert proc.stderr is not None
    seen: list[str] = []
    while True:
        line = (await proc.stderr.readline()).decode()
        assert line, f"process ended before printing {pattern!r}:\n{''.join(seen)}"
        seen.append(line)
        if match := re.search(pattern, line):
            return match


async def drain(proc: asyncio.subprocess.Process) -> None:
    """Keep reading a process's output so it never blocks on a full pipe."""
    assert proc.stderr is not None
    while await proc.stderr.readline():
        pass


async def next_event(events: object, task_id: str, kind: str, **match: str) -> dict[str, object]:
    while True:
        event = json.loads(await events.recv())  # type: ignore[attr-defined]
        if (
            event["task_id"] == task_id
            and event["kind"] == kind
            and all(event["data"].get(k) == v for k, v in match.items())
        ):
            return event  # type: ignore[no-any-return]


def contacts_named(adb_port: int, serial: str, name: str) -> int:
    device = adbutils.AdbClient(host="127.0.0.1", port=adb_port).device(serial)
    rows = device.shell("content query --uri content://com.android.contacts/contacts")
    return sum(name in line for line in str(rows).splitlines())


async def serve(db: Path, port: int) -> tuple[asyncio.subprocess.Process, str]:
    proc = await spawn("serve", "--db", str(db), "--port", str(port))
    base = (await wait_for(proc, r"API:\s+(http://\S+)/api/tasks"))[1]
    await wait_for(proc, r"^ready: ")
    return proc, base


async def test_kill_9_of_serve_mid_task_loses_nothing_and_repeats_nothing(tmp_path: Path) -> None:
    db = tmp_path / "orch.db"
    procs: list[asyncio.subprocess.Process] = []
    drains: list[asyncio.Task[None]] = []
    try:
        async with asyncio.timeout(90):
            phones = await spawn("device", "virtual", "--adb-port", "0", "--count", "2")
            procs.append(phones)
            adb_port = int((await wait_for(phones, r"ADB server on 127\.0\.0\.1:(\d+)"))[1])
            drains.append(asyncio.create_task(drain(phones)))
            first, base = await serve(db, 0)
            procs.append(first)
            drains.append(asyncio.create_task(drain(first)))
            port = int(base.rsplit(":", 1)[1])
            agents = base.replace("http://", "ws://") + "/agent"
            for serial in ("emulator-5554", "emulator-5556"):
                host = await spawn(
                    "device", "android", "--connect", agents, "--adb-port", str(adb_port),
                    "--serial", serial, "--state-dir", str(tmp_path / serial),
                )  # fmt: skip
                procs.append(host)
                await wait_for(host, r"^attached ")
                drains.append(asyncio.create_task(drain(host)))

            async with httpx.AsyncClient(base_url=base, timeout=10) as client:
                async with connect(base.replace("http://", "ws://") + "/api/events") as events:
                    task = (await client.post("/api/tasks", json={"text": REQUEST})).json()
                    tid = task["id"]
                    asked: dict[str, object] = {}
                    s1_done = False
                    while not (asked and s1_done):  # in either order
                        event = json.loads(await events.recv())
                        if event["task_id"] == tid and event["kind"] == "question":
                            asked = event["data"]
                        s1_done |= event["kind"] == "subtask_state" and event["data"] == {
                            **event["data"],
                            "subtask": "s1",
                            "status": "succeeded",
                        }
                before = (await client.get(f"/api/tasks/{tid}")).json()
            assert contacts_named(adb_port, "emulator-5556", "Ada Lovelace") == 1

            first.send_signal(signal.SIGKILL)
            await first.wait()
            second, base = await serve(db, port)
            procs.append(second)
            drains.append(asyncio.create_task(drain(second)))

            async with httpx.AsyncClient(base_url=base, timeout=10) as client:
                after = (await client.get(f"/api/tasks/{tid}")).json()  # no 404: rebuilt from the store
                assert after["status"] == "running"
                assert after["graph"] == before["graph"]  # the same graph, the same version
                assert [q["id"] for q in after["questions"]] == [asked["id"]]
                async with connect(base.replace("http://", "ws://") + "/api/events?after=0") as events:
                    answer = {"question_id": asked["id"], "text": "2468"}
                    assert (await client.post(f"/api/tasks/{tid}/answer", json=answer)).status_code == 200
                    finished = await next_event(events, tid, "task_finished")
                assert finished["data"]["status"] == "succeeded", finished
                detail = (await client.get(f"/api/tasks/{tid}")).json()
            assert detail["status"] == "succeeded"
            attempts = {s["id"]: s["attempts"] for s in detail["graph"]["nodes"]}
            assert attempts == {"s1": 1, "s2": 1}  # nothing ran twice
            assert contacts_named(adb_port, "emulator-5556", "Ada Lovelace") == 1  # and nothing repeated
            assert "$2,450.75" in json.dumps(finished["data"]["summary"]["outputs"])
    finally:
        for proc in procs:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        for task in drains:
            task.cancel()
        await asyncio.gather(*drains, return_exceptions=True)
