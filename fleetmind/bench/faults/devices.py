"""The phones of a faulted run, and the device-side faults: slowness and pop-ups.

`virtual_phones` starts fresh VirtualPhones behind an ADB server (the code path of a
real phone, as the cross-device suite drives them) and keeps the VirtualPhone objects,
so a pop-up can be put on a screen at a chosen moment. `FaultyDevice` wraps one
driven phone: it can add latency to every action, call the bench back after the n-th
action (where a fault is injected mid-subtask), and, for the oracle, dismiss a pop-up
in front before looking, with the GUI agent's own recovery rule.
`device_rows` reads what a task may have added on every phone, for counting repeats.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date

from ...agents.grounding import parse_goal
from ...agents.reflection import recovery_action
from ...devices.base import Action, ActionOutcome, Device, DeviceInfo, Observation, Tap
from ...devices.virtual import VirtualPhone
from ...devices.virtual.dialogs import POPUPS, maybe_popup
from ..android.phone import AdbPhone, AdbShell

__all__ = ["FaultyDevice", "Phones", "device_rows", "open_popup", "virtual_phones"]

Trigger = Callable[[], Awaitable[None]]


@dataclass
class Phones:
    """One run's phones: driven (AndroidDevice over adb), simulated (VirtualPhone), and read back (AdbPhone)."""

    devices: dict[str, Device]
    virtual: dict[str, VirtualPhone]
    shells: dict[str, AdbPhone]


@contextlib.asynccontextmanager
async def virtual_phones(count: int, seed: int) -> AsyncIterator[Phones]:
    """`count` fresh phones (phone-1 ..) behind one ADB server on loopback; closed on exit."""
    from ...devices.android import AndroidDevice
    from ...devices.virtual.adbd import AdbServer, emulator_serial

    async with contextlib.AsyncExitStack() as stack:
        served = {emulator_serial(i): VirtualPhone(device_id=f"phone-{i + 1}", seed=seed + i) for i in range(count)}
        server = await stack.enter_async_context(AdbServer(served))
        phones = Phones({}, {}, {})
        for i, (serial, phone) in enumerate(served.items()):
            name = f"phone-{i + 1}"
            device = AndroidDevice(serial, adb_port=server.port, use_uiautomator2=False, device_id=name)
            phones.devices[name] = await device.connect()
            stack.push_async_callback(device.close)
            phones.virtual[name] = phone
            phones.shells[name] = AdbPhone(AdbShell(serial, port=server.port))
        yield phones


def open_popup(phone: VirtualPhone, seed: int) -> str | None:
    """Put one of the phone's interrupting pop-ups ("Rate this app", ...) in front now; its title."""
    return maybe_popup(phone.state, random.Random(seed), 1.0)


async def device_rows(shells: Mapping[str, AdbPhone]) -> dict[str, list[tuple[str, ...]]]:
    """Every row a task may add, per phone and kind ("phone-2/contacts" -> rows as sorted key=value tuples)."""
    out: dict[str, list[tuple[str, ...]]] = {}
    for name, shell in shells.items():
        for kind, rows in (("contacts", await shell.contacts()), ("messages", await shell.messages()),
                           ("notes", await shell.notes()), ("alarms", await shell.alarms()),
                           ("events", await shell.events()), ("transfers", await shell.transfers()),
                           ("timers", await shell.timers())):
            out[f"{name}/{kind}"] = [tuple(f"{k}={v}" for k, v in sorted(row.items())) for row in rows]
    return out


def _popup_in_front(obs: Observation) -> bool:
    """Whether an interrupting pop-up (not an app's own alert, whose answer may matter) is in front."""
    titles = {title for title, _ in POPUPS}
    return any(e.resource_id == "android:id/alertTitle" and e.text in titles for e in obs.elements)


class FaultyDevice(Device):
    """A phone with faults: `latency_s` before each action; `trigger` awaited right after action
    number `trigger_after`; `dismiss_popups`: a pop-up in front is dismissed before each look."""

    def __init__(self, inner: Device, *, latency_s: float = 0.0, trigger_after: int = 0,
                 trigger: Trigger | None = None, dismiss_popups: bool = False) -> None:
        self.inner = inner
        self.latency_s = latency_s
        self.trigger_after = trigger_after
        self.trigger = trigger
        self.dismiss_popups = dismiss_popups
        self.actions = 0
        self.dismissed = 0

    @property
    def info(self) -> DeviceInfo:
        """The phone's own profile."""
        return self.inner.info

    async def observe(self) -> Observation:
        """The screen; with dismiss_popups, after tapping away a pop-up in front (at most a few)."""
        obs = await self.inner.observe()
        for _ in range(3):
            if not self.dismiss_popups or not _popup_in_front(obs):
                break
            step = recovery_action("popup", obs, parse_goal(""), [], 0)
            if step is None or not isinstance(step[0], Tap):
                break
            await self.inner.act(step[0])
            self.dismissed += 1
            obs = await self.inner.observe()
        return obs

    async def act(self, action: Action) -> ActionOutcome:
        """The action, after the added latency; then the trigger, once, after the chosen action."""
        if self.latency_s:
            await asyncio.sleep(self.latency_s)  # the slowness being simulated, not a wait for an event
        outcome = await self.inner.act(action)
        self.actions += 1
        if self.trigger is not None and self.actions == self.trigger_after:
            await self.trigger()
        return outcome

    async def today(self) -> date:
        """The wrapped device's own day."""
        return await self.inner.today()

    async def close(self) -> None:
        """Close the phone."""
        await self.inner.close()
