"""`fleetmind doctor`: what on this machine is ready, what is not, and the command that fixes it.

Each check returns `Check`s; nothing here changes the machine.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

Status = Literal["ok", "warn", "fail"]
CLOUD_KEYS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "AZURE_API_KEY", "OPENROUTER_API_KEY")


@dataclass(frozen=True)
class Check:
    """One finding."""

    area: str
    status: Status
    detail: str
    fix: str = ""


def check_python() -> list[Check]:
    version = ".".join(map(str, sys.version_info[:3]))
    return [Check("python", "ok", f"Python {version} at {sys.executable}")]


def check_adb(host: str = "127.0.0.1", port: int = 5037, timeout_s: float = 3.0) -> list[Check]:
    """The adb server, and each device it knows: state, authorisation, uiautomator2."""
    from .devices.android.link import _Client

    binary = shutil.which("adb")
    found: list[Check] = []
    if binary is None:
        found.append(Check("adb", "warn", "no adb binary on PATH (only needed for real phones)",
                           "apt-get install adb"))
    client = _Client(host, port, timeout_s)
    try:
        version = client.server_version()
    except Exception as exc:  # adbutils raises several kinds; all mean the same to the user
        start = "adb start-server" if binary else "apt-get install adb && adb start-server"
        found.append(Check("adb", "warn", f"no adb server at {host}:{port} ({type(exc).__name__})",
                           f"{start}   (or: fleetmind device virtual --adb-port {port})"))
        return found
    found.append(Check("adb", "ok", f"adb server {host}:{port}, protocol version {version}"))
    try:
        infos = client.list(extended=True)
    except Exception as exc:
        return [*found, Check("adb", "fail", f"listing devices failed: {exc}", "adb kill-server && adb start-server")]
    if not infos:
        found.append(Check("adb devices", "warn", "no devices attached",
                           "plug a phone in with USB debugging on, or: adb connect HOST:PORT"))
    for info in infos:
        found.append(_device_check(client, info.serial, info.state))
    return found


def _device_check(client: object, serial: str, state: str) -> Check:
    area = f"device {serial}"
    if state == "unauthorized":
        return Check(area, "fail", "unauthorized", "accept the 'Allow USB debugging?' prompt on the phone")
    if state == "offline":
        return Check(area, "fail", "offline", f"adb -s {serial} reconnect   (or unplug and plug it in again)")
    if state != "device":
        return Check(area, "warn", f"state {state}", f"adb -s {serial} wait-for-device")
    try:
        packages = client.device(serial).shell("pm list packages com.github.uiautomator", timeout=5)  # type: ignore[attr-defined]
    except Exception as exc:
        return Check(area, "warn", f"ready, but shell failed: {exc}", f"adb -s {serial} shell echo ok")
    if "com.github.uiautomator" in str(packages):
        return Check(area, "ok", "ready, uiautomator2 installed (fast path)")
    return Check(area, "ok", "ready over plain adb; uiautomator2 not installed (slower hierarchy dumps)",
                 f"python -m uiautomator2 init --serial {serial}   (optional)")


def check_browser() -> list[Check]:
    from .devices.browser import INSTALL_COMMAND, find_chromium

    found: list[Check] = []
    path = find_chromium()
    if path is None:
        found.append(Check("chromium", "fail", "Debian's Chromium is not installed", INSTALL_COMMAND))
    else:
        found.append(Check("chromium", "ok", str(path)))
    if importlib.util.find_spec("playwright") is None:
        found.append(Check("playwright", "fail", "the playwright package is missing", "make install"))
    return found


def check_ocr() -> list[Check]:
    """Tesseract, which reads screens whose element tree is empty or useless (canvas pages, games)."""
    from .agents.perception import tesseract_status

    version, why = tesseract_status()
    if version is None:
        return [Check("ocr", "warn", f"{why}; canvas pages and games stay unreadable to the agent",
                      "apt-get install tesseract-ocr tesseract-ocr-eng   (or: sh scripts/install-system-deps.sh)")]
    return [Check("ocr", "ok", f"{version} reads screens without an element tree")]


def check_local_model(spec: str | None = None) -> list[Check]:
    from .local_models.registry import problem, resolve_model

    why = problem(spec)
    if why:
        return [Check("local model", "fail", why, "make install")]
    return [Check("local model", "ok", str(resolve_model(spec)))]


def check_cloud() -> list[Check]:
    if importlib.util.find_spec("litellm") is None:
        return [Check("cloud", "warn", "litellm is not installed", "make install")]
    keys = [k for k in CLOUD_KEYS if os.environ.get(k)]
    if not keys:
        return [Check("cloud", "warn", "no cloud API key set: every step runs on the device",
                      "export OPENAI_API_KEY=...   then: fleetmind run --model-cloud gpt-4o-mini ...")]
    return [Check("cloud", "ok", "keys set: " + ", ".join(keys))]


def check_orchestrator(url: str, timeout_s: float = 3.0) -> list[Check]:
    from websockets.asyncio.client import connect

    async def probe() -> None:
        async with asyncio.timeout(timeout_s), connect(url, open_timeout=timeout_s):
            pass

    try:
        asyncio.run(probe())
    except Exception as exc:
        return [Check("orchestrator", "fail", f"{url} unreachable ({type(exc).__name__}: {exc})",
                      "fleetmind serve --port PORT   (then use its agent URL)")]
    return [Check("orchestrator", "ok", f"{url} accepts agent connections")]


def run_checks(*, adb_host: str, adb_port: int, url: str | None, model: str | None) -> list[Check]:
    """Every check, in the order a user would fix things."""
    checks: list[Callable[[], list[Check]]] = [
        check_python,
        lambda: check_local_model(model),
        check_cloud,
        lambda: check_adb(adb_host, adb_port),
        check_browser,
        check_ocr,
    ]
    if url:
        checks.append(lambda: check_orchestrator(url))
    return [c for check in checks for c in check()]
