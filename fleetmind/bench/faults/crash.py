"""The crash scenario: the orchestrator in its own process, killed with SIGKILL mid-subtask and restarted.

The phones and their device-agent hosts stay in this process; the orchestrator is
`python -m fleetmind.bench.faults.served` on a SQLite file. Right after the n-th action
of the target subtask the bench sends SIGKILL and starts the same command again on the
same port and file; the restarted orchestrator rebuilds the task from the store (crash
recovery), the hosts dial again and resume their sessions. The bench follows the task
in the store's event log (it is another process's), and checks the phones at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ...agents.host import DeviceAgentHost
from ...embedded import parse_devices
from ...orchestrator.store import SQLiteStore
from ..crossdevice.spec import Fleet, XTask, reference_plan
from .devices import FaultyDevice, device_rows, virtual_phones
from .fleet import FaultRun, finished_by_subtask, oracle_factory, prepare, target_of
from .relay import FaultyRelay, Injected, message_type

__all__ = ["run_crash"]

GRACE_S = 30.0
"""How long the restarted orchestrator holds a running attempt for its agent before re-dispatching it."""
START_TIMEOUT_S = 30.0


async def _start(db: Path, plan: Path, port: int, devices: int, log: Path) -> tuple[asyncio.subprocess.Process, str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    with log.open("ab") as err:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "fleetmind.bench.faults.served", "--db", str(db), "--plan", str(plan),
            "--port", str(port), "--devices", str(devices), "--grace", str(GRACE_S),
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err, env=env)
    url = await _line(proc, r"^agents: (\S+)")
    return proc, url


async def _line(proc: asyncio.subprocess.Process, pattern: str) -> str:
    """The first group of the first output line matching `pattern` (printing it is the readiness)."""
    assert proc.stdout is not None
    async with asyncio.timeout(START_TIMEOUT_S):
        while line := (await proc.stdout.readline()).decode():
            if m := re.search(pattern, line):
                return m.group(1)
    raise RuntimeError(f"the orchestrator process ended (code {proc.returncode}) before printing {pattern!r}")


async def _follow(db: Path, task_id: str, timeout_s: float) -> tuple[str, str | None]:
    """Wait for the task's end in the store; its status and error (or 'timed out')."""
    store = SQLiteStore(db)
    try:
        async with asyncio.timeout(timeout_s):
            while True:
                ends = [e for e in store.events(task_id) if e.kind == "task_finished"]
                if ends:
                    return str(ends[-1].data.get("status")), ends[-1].data.get("error")
                await asyncio.sleep(0.2)  # another process writes the file: poll it
    except TimeoutError:
        return "timed out", f"no end after {timeout_s:.0f}s"
    finally:
        store.close()


async def run_crash(task: XTask, *, seed: int, timeout_s: float, at: str = "action", delay_s: float = 0.0) -> FaultRun:
    """Run `task` once, killing and restarting the orchestrator; check the phones afterwards.

    at: 'action' kills right after the target subtask's n-th action; 'result' the moment the first
    subtask result has been passed on to the orchestrator (the hosts then dial through relays), or
    `delay_s` later (a few milliseconds move the kill across applying it, logging it, dispatching
    the next subtask).
    """
    count = parse_devices(task.devices).get("phone", 0)
    with tempfile.TemporaryDirectory(prefix="fleetmind-faults-") as tmp:
        work = Path(tmp)
        db, plan, log = work / "orchestrator.db", work / "plan.json", work / "orchestrator.log"
        plan.write_text(json.dumps({"request": task.request,
                                    "patch": reference_plan(task).model_dump(mode="json", by_alias=True)}))
        async with virtual_phones(count, seed) as phones:
            before = await prepare(task, phones)
            target, after_action = target_of(task)
            seen: list[tuple[str, str, float]] = []
            injected: list[Injected] = []
            procs: list[asyncio.subprocess.Process] = []
            hosts: list[tuple[DeviceAgentHost, asyncio.Task[None]]] = []
            restarted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            first, url = await _start(db, plan, 0, count, log)
            procs.append(first)
            port = int(url.rsplit(":", 1)[1].split("/", 1)[0])

            async def restart() -> None:
                try:
                    await first.wait()
                    again, _ = await _start(db, plan, port, count, log)
                    procs.append(again)
                    restarted.set_result(None)
                except Exception as exc:  # the follow below must not wait for a restart that failed
                    restarted.set_exception(exc)

            relays: list[FaultyRelay] = []
            timed: list[asyncio.TimerHandle] = []
            restarting: list[asyncio.Task[None]] = []

            async def crash() -> None:
                if injected:
                    return
                first.send_signal(signal.SIGKILL)
                when = f"{delay_s * 1000:.1f} ms after the first result" if at == "result" else (
                    f"after action {after_action} of {target.id}")
                injected.append(Injected("crash", "orchestrator", time.time(), f"SIGKILL {when}, then restarted"))
                restarting.append(asyncio.get_running_loop().create_task(restart()))

            async def on_frame(direction: str, frame: str | bytes) -> None:
                if direction == "agent->orchestrator" and message_type(frame) == "result" and not timed:
                    timed.append(asyncio.get_running_loop().call_later(delay_s, lambda: restarting.append(
                        asyncio.get_running_loop().create_task(crash()))))

            try:
                for name, device in phones.devices.items():
                    hit = name == target.device and at == "action"
                    faulty = FaultyDevice(device, trigger_after=after_action if hit else 0,
                                          trigger=crash if hit else None)
                    dial = url
                    if at == "result":
                        relays.append(FaultyRelay(url, name, on_frame=on_frame))
                        dial = await relays[-1].start()
                    host = DeviceAgentHost(dial, [faulty], oracle_factory(task, seen), agent_id=f"agent-{name}")
                    hosts.append((host, asyncio.create_task(host.run(), name=f"host-{name}")))
                task_id = await _line(first, r"^task: (\S+)")
                began = time.monotonic()
                status, error = await _follow(db, task_id, timeout_s)
                seconds = time.monotonic() - began
                if not injected:
                    error = f"{error or 'the task ended'} before the crash came (at {at}); nothing was tested"
                elif restarted.done() and restarted.exception() is not None:
                    error = f"the orchestrator did not restart: {restarted.exception()}"
                store = SQLiteStore(db)
                events = [e.model_dump() for e in store.events(task_id)]
                store.close()
            finally:
                for timer in timed:
                    timer.cancel()
                for host, running in hosts:
                    running.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await running
                    await host.close()
                for relay in relays:
                    await relay.close()
                await asyncio.gather(*restarting, return_exceptions=True)
                for proc in procs:
                    if proc.returncode is None:
                        proc.kill()
                        await proc.wait()
            after = await device_rows(phones.shells)
            success = await task.check(Fleet(phones.shells), task.params)
            return FaultRun(success, status, error, seconds, events, injected, before, after,
                            finished_by_subtask(task, seen))

