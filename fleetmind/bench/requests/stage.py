"""The fleet one item runs on: fresh, seeded VirtualPhones (behind the ADB server by
default, as `fleetmind run` drives them), a VirtualWeb site and Chromium when the item
needs a browser, and the embedded orchestrator with one agent host per device.

Every item gets its own stage, so no state leaks from one item into the next and
items can run side by side.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from ...agents.models import ChatModel
from ...devices.base import Device
from ...devices.virtual import PhoneState, VirtualPhone
from ...devices.virtual.web import VirtualWeb
from ...embedded import EmbeddedFleet, Transport, UsageError, parse_devices
from ...orchestrator.planner import Planner
from ...orchestrator.server import Orchestrator
from .spec import BASE_SEED, Item
from .world import Change, World, flatten

__all__ = ["Stage", "seeded_phones", "stage"]


def seeded_phones(item: Item, seed: int = 0) -> dict[str, VirtualPhone]:
    """The item's phones, ids phone-1.., each holding `BASE_SEED` (unless `base=False`) and its own seed."""
    counts = parse_devices(item.devices)
    phones = {
        f"phone-{i + 1}": VirtualPhone(device_id=f"phone-{i + 1}", seed=seed + i) for i in range(counts.get("phone", 0))
    }
    unknown = sorted(set(item.seed) - set(phones))
    if unknown:
        raise ValueError(f"item {item.id}: seed names {', '.join(unknown)}, but its devices are {item.devices!r}")
    for device_id, phone in phones.items():
        if item.base:
            phone.seed(**BASE_SEED)
        phone.seed(**dict(item.seed.get(device_id, {})))
    return phones


@dataclass
class Stage:
    """A running item fleet: the phones' and the site's state, and the orchestrator."""

    phones: dict[str, VirtualPhone]
    web: VirtualWeb | None
    orchestrator: Orchestrator

    def snapshot(self) -> dict[str, Any]:
        """The fleet's user data now, flattened (see `world.flatten`)."""
        return flatten({k: p.state for k, p in self.phones.items()}, self.web.state if self.web else None)

    def world(self, changes: list[Change], answers: str) -> World:
        """A copy of the fleet's state for the item's check."""
        phones: dict[str, PhoneState] = {k: p.state.model_copy(deep=True) for k, p in self.phones.items()}
        return World(
            phones=phones,
            web=self.web.state if self.web else None,
            changes=tuple(changes),
            answers=answers,
            forecast=self.web.forecast if self.web else None,
        )


@contextlib.asynccontextmanager
async def stage(
    item: Item,
    *,
    local: ChatModel | None,
    cloud: ChatModel | None,
    transport: Transport = "adb",
    seed: int = 0,
    planner: Planner | None = None,
) -> AsyncIterator[Stage]:
    """Start the item's fleet; everything is closed on exit.

    planner: None plans as `fleetmind run` does (the cloud model's planner when there is
    a cloud tier, else the offline clause planner).
    """
    counts = parse_devices(item.devices)
    phones = seeded_phones(item, seed)
    async with contextlib.AsyncExitStack() as stack:
        devices: list[Device] = []
        if phones and transport == "adb":
            from ...devices.android import AndroidDevice
            from ...devices.virtual.adbd import AdbServer, emulator_serial

            served = {emulator_serial(i): phone for i, phone in enumerate(phones.values())}
            server = await stack.enter_async_context(AdbServer(served))
            for device_id, serial in zip(phones, served, strict=True):
                device = AndroidDevice(serial, adb_port=server.port, use_uiautomator2=False, device_id=device_id)
                devices.append(await device.connect())
                stack.push_async_callback(device.close)
        else:
            devices.extend(phones.values())
        web = None
        if counts.get("browser"):
            from ...devices.browser import INSTALL_COMMAND, BrowserDevice, find_chromium

            if find_chromium() is None:
                raise UsageError(f"item {item.id} needs a browser, and so Debian's Chromium: {INSTALL_COMMAND}")
            web = stack.enter_context(VirtualWeb(seed=seed))
            for i in range(counts["browser"]):
                browser = BrowserDevice(device_id=f"browser-{i + 1}", start_url=web.url)
                await browser.start()
                stack.push_async_callback(browser.close)
                devices.append(browser)
        fleet = await stack.enter_async_context(EmbeddedFleet(devices, local=local, cloud=cloud, planner=planner))
        yield Stage(phones, web, fleet.orchestrator)
