"""`fleetmind bench phone-tasks`: whole subtasks on VirtualPhones, checked against phone state.

Like AndroidWorld's checkers, each task's success is read from the phone's own
data (settings, contacts, messages, alarms, notes), never from what the agent
says. The same tasks run through both transports in one run: in process, and
through the ADB-protocol server with AndroidDevice (the real-phone code path), so
the cost of the ADB path is measured against a baseline on the same machine.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from ..agents.loop import GuiAgent, StepRecord, SubtaskSpec
from ..agents.models import ChatModel
from ..devices.android import AndroidDevice
from ..devices.base import Device
from ..devices.virtual import PhoneState, VirtualPhone
from ..devices.virtual.adbd import AdbServer, virtual_phones
from ..protocol.messages import Budget

Check = Callable[[PhoneState, dict[str, str]], bool]


@dataclass(frozen=True)
class PhoneTask:
    goal: str
    check: Check


TASKS = [
    PhoneTask("Turn on Bluetooth", lambda s, _: s.settings.bluetooth),
    PhoneTask("Turn off Wi-Fi", lambda s, _: not s.settings.wifi),
    PhoneTask("Turn on dark theme", lambda s, _: s.settings.dark_theme),
    PhoneTask("Turn on airplane mode", lambda s, _: s.settings.airplane_mode),
    PhoneTask("Add a contact named Grace Hopper with phone 555 0199",
              lambda s, _: any(c.name == "Grace Hopper" and c.phone == "555 0199" for c in s.contacts)),
    PhoneTask("Add a contact named Bob Stone with email bob@example.org",
              lambda s, _: any(c.name == "Bob Stone" and c.email == "bob@example.org" for c in s.contacts)),
    PhoneTask("Find the phone number of Ada Lovelace", lambda _, out: out.get("result") == "555 0100"),
    PhoneTask("Find the phone number of Zed Zulu", lambda _, out: out.get("result") == "555 9999"),
    PhoneTask("Set an alarm for 7:30 labelled Gym",
              lambda s, _: any((a.hour, a.minute, a.label) == (7, 30, "Gym") for a in s.alarms)),
    PhoneTask("Set an alarm for 6 pm", lambda s, _: any((a.hour, a.minute) == (18, 0) for a in s.alarms)),
    PhoneTask("Write a note titled Groceries saying milk and eggs",
              lambda s, _: any(n.title == "Groceries" and n.body == "milk and eggs" for n in s.notes)),
    PhoneTask("Send an SMS to Ada Lovelace saying running late",
              lambda s, _: any(m.to == "555 0100" and m.body == "running late" for m in s.messages)),
    PhoneTask("Open the Clock", lambda s, _: s.nav.current_app == "com.android.deskclock"),
    PhoneTask("Add a calendar event titled Dentist on 2025-06-03 at 10:00 to 11:30",
              lambda s, _: any((e.title, e.date, e.start, e.end) == ("Dentist", "2025-06-03", "10:00", "11:30")
                               for e in s.events)),
    PhoneTask("Set a timer for 5 minutes", lambda s, _: any(t.duration == 300 and t.running for t in s.timers)),
]


@dataclass
class TransportResult:
    transport: Literal["direct", "adb"]
    succeeded: int = 0
    total: int = 0
    steps: int = 0
    seconds: float = 0.0
    tiers: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)


def _seeded(phone: VirtualPhone) -> VirtualPhone:
    crowd = [{"name": f"Person {i:02d}", "phone": f"555 {1000 + i}"} for i in range(30)]
    ada, zed = {"name": "Ada Lovelace", "phone": "555 0100"}, {"name": "Zed Zulu", "phone": "555 9999"}
    phone.seed(contacts=[ada, *crowd, zed])  # Zed is far down the list
    return phone


async def _run_all(device: Device, phone: VirtualPhone, local: ChatModel | None, result: TransportResult) -> None:
    for task in TASKS:
        phone.state = _seeded(VirtualPhone(seed=1)).state  # a fresh phone for every task
        steps: list[StepRecord] = []

        async def on_step(record: StepRecord, steps: list[StepRecord] = steps) -> None:
            steps.append(record)

        start = time.perf_counter()
        outcome = await GuiAgent(device, local=local).run(
            # the bench's user pre-approves sending, as `fleetmind run --yes` does
            SubtaskSpec(goal=task.goal, outputs=["result"], budget=Budget(max_steps=12), confirm="allow"),
            on_step=on_step,
        )
        result.seconds += time.perf_counter() - start
        result.total += 1
        result.steps += len(steps)
        result.tiers.update(s.tier for s in steps)
        if outcome.status == "succeeded" and task.check(phone.state, outcome.outputs):
            result.succeeded += 1
        else:
            result.failures.append(f"{task.goal}: {outcome.summary}")


async def run_phone_tasks(local: ChatModel | None) -> list[TransportResult]:
    """Every task in process, then every task through the ADB server."""
    direct = TransportResult("direct")
    phone = VirtualPhone(device_id="phone-1", seed=1)
    await _run_all(phone, phone, local, direct)

    adb = TransportResult("adb")
    phones = virtual_phones(1, seed=1)
    async with AdbServer(phones) as server:
        serial = server.serials[0]
        device = await AndroidDevice(serial, adb_port=server.port, use_uiautomator2=False).connect()
        try:
            await _run_all(device, phones[serial], local, adb)
        finally:
            await device.close()
    return [direct, adb]
