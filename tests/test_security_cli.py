"""Enrolment as a user does it, with the real commands: `fleetmind serve --require-enrolment
--token-file` prints a one-time token, `fleetmind device virtual` enrols with it from the
environment and keeps its key in a 0600 file, `fleetmind keys list | revoke` manage the
keys in the same SQLite file, and a revoked host is refused with exit code 2."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from test_serve import read_to_end, read_until

ENV = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}
NO_MODEL = ("--model-local", "/nonexistent/none.gguf")  # text grounding only: no model to load, faster start


def fleetmind(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fleetmind.cli", *args], env=env or ENV, capture_output=True, text=True, timeout=60
    )


async def test_enrol_a_device_host_list_and_revoke_its_key(tmp_path: Path) -> None:
    db, token_file = tmp_path / "fleet.db", tmp_path / "token"
    token_file.write_text("client-secret\n")
    token_file.chmod(0o600)
    device_env = {**ENV, "XDG_DATA_HOME": str(tmp_path / "data")}
    serve = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "fleetmind.cli", "serve", "--port", "0", "--db", str(db), "--require-enrolment",
        "--token-file", str(token_file), "--heartbeat-s", "2", "--reconnect-grace-s", "1",
        env=ENV, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    device = None
    seen: list[str] = []
    device_seen: list[str] = []
    try:
        async with asyncio.timeout(90):
            assert serve.stderr is not None
            url = (await read_until(serve.stderr, r"agents: (ws://\S+)", seen)).group(1)
            enrolment = (await read_until(serve.stderr, r"FLEETMIND_ENROL=(fme_\S+)", seen)).group(1)
            await read_until(serve.stderr, r"^ready: ", seen)
            assert not any("process list" in line for line in seen)  # the token came from a file
            device = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "fleetmind.cli", "device", "virtual", "--connect", url, *NO_MODEL,
                env={**device_env, "FLEETMIND_ENROL": enrolment}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            )  # fmt: skip
            assert device.stderr is not None
            await read_until(device.stderr, r"^attached phone-1 to ", device_seen)
            device.terminate()
            await read_to_end(device.stderr, device_seen)
            await device.wait()
            key_files = list((tmp_path / "data").rglob("device.key"))
            assert len(key_files) == 1 and key_files[0].stat().st_mode & 0o777 == 0o600
            listed = json.loads((await asyncio.to_thread(fleetmind, "keys", "list", "--db", str(db), "--json")).stdout)
            [key] = listed["keys"]
            assert key["devices"] == ["phone-1"] and key["revoked"] is None
            # Restarted without the (used up) token, the host attaches with its key alone.
            device = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "fleetmind.cli", "device", "virtual", "--connect", url, *NO_MODEL,
                env=device_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            )  # fmt: skip
            assert device.stderr is not None
            await read_until(device.stderr, r"^attached phone-1 to ", device_seen)
            device.terminate()
            await read_to_end(device.stderr, device_seen)
            await device.wait()
            revoked = await asyncio.to_thread(fleetmind, "keys", "revoke", key["id"], "--db", str(db))
            assert revoked.returncode == 0 and "revoked key" in revoked.stderr
            refused = await asyncio.to_thread(
                fleetmind, "device", "virtual", "--connect", url, *NO_MODEL, env=device_env
            )
            assert refused.returncode == 2 and re.search(r"revoked", refused.stderr), refused.stderr
    finally:
        for proc in (device, serve):
            if proc is not None and proc.returncode is None:
                proc.terminate()
                await proc.wait()
