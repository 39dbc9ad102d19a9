"""The embedded default: an orchestrator on loopback plus virtual devices and their
agents, all in one process. `fleetmind run` and the tests use it; nothing in it is
special-cased: agents dial the orchestrator over real WebSockets like remote ones.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator
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
    """'phone:2,browser:1' -> {'phone': 2, 'browser': 1}."""
    out: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        m = re.fullmatch(r"(phone|browser)(?::(\d+))?", part)
        if not m:
            raise UsageError(f"--devices: cannot read {part!r}; write kind:count, e.g. phone:2,browser:1")
        out[m.group(1)] = out.get(m.group(1), 0) + int(m.group(2) or 1)
    if not out or sum(out.values()) == 0:
        raise UsageError("--devices names no device; e.g. --devices phone:2")
    return out


Transport = Literal["adb", "direct"]


@contextlib.asynccontextmanager
async def virtual_devices(
    counts: dict[str, int], *, seed: int = 0, transport: Transport = "adb"
) -> AsyncIterator[list[Device]]:
    """Start the virtual devices of an embedded fleet; closes them on exit.

    Phones are VirtualPhones. With `transport="adb"` (the default) they sit behind
    an ADB-protocol server on loopback and are driven by `AndroidDevice` through
    adbutils, the code path of a real phone; `"direct"` drives them in process.
    Browsers are Debian's Chromium through Playwright, starting at a VirtualWeb
    site on loopback (weather, encyclopedia, contact form).
    """
    from .devices.virtual.adbd import AdbServer, virtual_phones

    async with contextlib.AsyncExitStack() as stack:
        devices: list[Device] = []
        phones = virtual_phones(counts.get("phone", 0), seed=seed)
        if phones and transport == "adb":
            from .devices.android import AndroidDevice

            server = await stack.enter_async_context(AdbServer(phones))
            for i, serial in enumerate(server.serials):
                device = AndroidDevice(serial, adb_port=server.port, use_uiautomator2=False, device_id=f"phone-{i + 1}")
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


def load_local_model(spec: str | None) -> tuple[ChatModel | None, str | None]:
    """The local tier, loaded now; or None and the reason it is unavailable."""
    try:
        from .agents.local import LocalModel

        model = LocalModel(spec)
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
                lambda d: GuiAgent(d, local=self.local, cloud=self.cloud),
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
