"""The embedded default: an orchestrator on loopback plus virtual devices and their
agents, all in one process. `fleetmind run` and the tests use it; nothing in it is
special-cased: agents dial the orchestrator over real WebSockets like remote ones.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import socket
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from .agents.host import DeviceAgentHost
from .agents.loop import GuiAgent
from .agents.models import ChatModel, ModelUnavailable
from .devices.base import Device
from .orchestrator.planner import ClausePlanner, ModelPlanner, Planner, Replanner, RetryReplanner
from .orchestrator.server import Orchestrator
from .orchestrator.store import EventStore

log = logging.getLogger(__name__)


class UsageError(ValueError):
    """Bad command-line input or configuration (exit code 2)."""


def parse_devices(spec: str) -> dict[str, int]:
    """'phone:2,browser:1' -> {'phone': 2, 'browser': 1}.

    Real phones over adb: 'android:SERIAL' -> {'android:SERIAL': 1}; 'android:all' (every
    device `adb devices` lists) -> {'android:all': 1}. See `fleet_devices`.
    """
    out: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        if part.startswith("android:") and len(part) > len("android:"):
            out[part] = 1
            continue
        m = re.fullmatch(r"(phone|browser)(?::(\d+))?", part)
        if not m:
            raise UsageError(
                f"--devices: cannot read {part!r}; write kind:count, e.g. phone:2,browser:1,"
                " or android:SERIAL / android:all for real phones"
            )
        out[m.group(1)] = out.get(m.group(1), 0) + int(m.group(2) or 1)
    if not out or sum(out.values()) == 0:
        raise UsageError("--devices names no device; e.g. --devices phone:2")
    return out


Transport = Literal["adb", "direct"]

SAMPLE_CONTACTS = [
    {"name": "Ada Lovelace", "phone": "555 0100", "email": "ada@example.org"},
    {"name": "Alan Turing", "phone": "555 0142"},
    {"name": "Katherine Johnson", "phone": "555 0177"},
    {"name": "Tim Berners-Lee", "phone": "555 0189", "email": "tim@example.org"},
]
"""The address book every virtual phone of an embedded fleet starts with."""


@contextlib.asynccontextmanager
async def virtual_devices(
    counts: dict[str, int],
    *,
    seed: int = 0,
    transport: Transport = "adb",
    sensitive_apps: Sequence[str] | None = None,
) -> AsyncIterator[list[Device]]:
    """Start the virtual devices of an embedded fleet; closes them on exit.

    Phones are VirtualPhones. With `transport="adb"` (the default) they sit behind
    an ADB-protocol server on loopback and are driven by `AndroidDevice` through
    adbutils, the code path of a real phone; `"direct"` drives them in process.
    Browsers are Debian's Chromium through Playwright, starting at a VirtualWeb
    site on loopback (weather, encyclopedia, contact form). Each phone holds the same
    small address book (`SAMPLE_CONTACTS`), as a person's phones do, so requests that
    name people have someone to reach. sensitive_apps: package patterns whose screens
    AndroidDevice never captures (default: its built-in list).
    """
    from .devices.virtual.adbd import AdbServer, virtual_phones

    apps: dict[str, Any] = {} if sensitive_apps is None else {"sensitive_apps": tuple(sensitive_apps)}
    async with contextlib.AsyncExitStack() as stack:
        devices: list[Device] = []
        phones = virtual_phones(counts.get("phone", 0), seed=seed) if counts.get("phone") else {}
        for phone in phones.values():
            phone.seed(contacts=SAMPLE_CONTACTS)
        if phones and transport == "adb":
            from .devices.android import AndroidDevice

            server = await stack.enter_async_context(AdbServer(phones))
            for i, serial in enumerate(server.serials):
                device = AndroidDevice(
                    serial, adb_port=server.port, use_uiautomator2=False, device_id=f"phone-{i + 1}", **apps
                )
                devices.append(await device.connect())
                stack.push_async_callback(device.close)
        else:
            for i, phone in enumerate(phones.values()):
                phone.device_id = f"phone-{i + 1}"
                devices.append(phone)
        if counts.get("browser"):
            from .devices.browser import INSTALL_COMMAND, BrowserDevice, find_chromium

            if find_chromium() is None:
                raise UsageError(f"browser devices need Debian's Chromium: {INSTALL_COMMAND}")
            from .devices.virtual.web import VirtualWeb

            web = stack.enter_context(VirtualWeb(seed=seed))  # no internet here: browsers start at an offline site
            for i in range(counts["browser"]):
                browser = BrowserDevice(device_id=f"browser-{i + 1}", start_url=web.url)
                await browser.start()
                stack.push_async_callback(browser.close)
                devices.append(browser)
        yield devices


def adb_server() -> tuple[str, int]:
    """Where the adb server listens: $ANDROID_ADB_SERVER_ADDRESS / $ANDROID_ADB_SERVER_PORT, else 127.0.0.1:5037."""
    host = os.environ.get("ANDROID_ADB_SERVER_ADDRESS", "127.0.0.1")
    port = os.environ.get("ANDROID_ADB_SERVER_PORT", "5037")
    if not port.isdigit():
        raise UsageError(f"ANDROID_ADB_SERVER_PORT={port!r} is not a port number")
    return host, int(port)


async def android_serials(names: list[str], host: str, port: int) -> list[str]:
    """The serials that `android:NAME` entries mean; `all` expands to every device adb lists."""
    if "all" not in names:
        return names
    import adbutils  # type: ignore[import-untyped]

    def listed() -> list[str]:
        # adbutils spawns its bundled `adb start-server` when the port is closed: look first, so a
        # missing server is an error here and never a background process nobody asked for.
        socket.create_connection((host, port), timeout=5).close()
        return [d.serial for d in adbutils.AdbClient(host=host, port=port, socket_timeout=10).device_list()]

    try:
        found = await asyncio.to_thread(listed)
    except (adbutils.AdbError, OSError) as exc:
        raise UsageError(
            f"android:all: cannot ask the adb server at {host}:{port} for devices ({exc}); start it with"
            " `adb start-server` (or set ANDROID_ADB_SERVER_PORT)"
        ) from None
    if not found:
        raise UsageError(
            f"android:all: the adb server at {host}:{port} lists no device; connect a phone with USB debugging"
            " on (or `adb connect HOST:PORT`) and check `adb devices`"
        )
    return list(dict.fromkeys([n for n in names if n != "all"] + found))


@contextlib.asynccontextmanager
async def fleet_devices(
    counts: dict[str, int],
    *,
    seed: int = 0,
    transport: Transport = "adb",
    sensitive_apps: Sequence[str] | None = None,
) -> AsyncIterator[list[Device]]:
    """The devices `parse_devices` names: virtual ones (see `virtual_devices`) plus real
    Android phones (`android:SERIAL`, `android:all`) through the adb server; closes them on exit.
    sensitive_apps: package patterns whose screens are never captured (default: the built-in list)."""
    from .devices.base import DeviceError

    names = [k.split(":", 1)[1] for k in counts if k.startswith("android:")]
    virtual = {k: v for k, v in counts.items() if not k.startswith("android:")}
    async with contextlib.AsyncExitStack() as stack:
        devices = await stack.enter_async_context(
            virtual_devices(virtual, seed=seed, transport=transport, sensitive_apps=sensitive_apps)
        )
        apps: dict[str, Any] = {} if sensitive_apps is None else {"sensitive_apps": tuple(sensitive_apps)}
        if names:
            from .devices.android import AndroidDevice

            host, port = adb_server()
            for serial in await android_serials(names, host, port):
                try:
                    device = await AndroidDevice(serial, adb_host=host, adb_port=port, **apps).connect()
                except (DeviceError, OSError) as exc:
                    raise UsageError(f"android:{serial}: {exc}") from None
                stack.push_async_callback(device.close)
                devices = [*devices, device]
        yield devices


def load_local_model(spec: str | None, *, threads: int | None = None) -> tuple[ChatModel | None, str | None]:
    """The local tier, loaded now (on `threads` CPU threads; default: the cores); or None and
    the reason it is unavailable."""
    try:
        from .agents.models.local import LocalModel

        model = LocalModel(spec, n_threads=threads)
        model.load()
        return model, None
    except (ModelUnavailable, ImportError) as exc:
        return None, str(exc)


@dataclass
class EmbeddedFleet:
    """Orchestrator + devices + one agent host per device, in this process."""

    devices: list[Device]
    local: ChatModel | None = None
    cloud: ChatModel | None = None
    planner: Planner | None = None
    replanner: Replanner | None = None
    store: EventStore | None = None
    orchestrator_kwargs: dict[str, Any] = field(default_factory=dict)
    agent_factory: Callable[[Device], GuiAgent] | None = None
    """Builds each device's agent; default: the GUI agent with `local` and `cloud` (the SDK's
    `AgentRegistry.factory` puts custom agents in front of it)."""
    hosts: list[DeviceAgentHost] = field(default_factory=list)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def __aenter__(self) -> EmbeddedFleet:
        planner = self.planner or (ModelPlanner(self.cloud) if self.cloud else ClausePlanner())
        self.orchestrator = Orchestrator(
            planner,
            self.replanner or RetryReplanner(),
            self.store,
            # every device is here from the start: a subtask none can run fails at once
            **{"no_device_timeout_s": 0.0, **self.orchestrator_kwargs},
        )
        url = await self.orchestrator.start()
        for device in self.devices:
            host = DeviceAgentHost(
                url,
                [device],
                self.agent_factory or (lambda d: GuiAgent(d, local=self.local, cloud=self.cloud)),
                agent_id=f"agent-{device.info.id}",
            )
            self.hosts.append(host)
            self._tasks.append(asyncio.create_task(host.run(), name=f"host-{device.info.id}"))
        await self.orchestrator.wait_for_devices(len(self.devices), timeout_s=15)
        return self

    async def __aexit__(self, *exc: object) -> None:
        # Hosts first, so they do not mistake the orchestrator's shutdown for a drop.
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for host in self.hosts:
            await host.close()
        await self.orchestrator.stop()
