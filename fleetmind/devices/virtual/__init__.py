"""Virtual devices for tests and benchmarks: the VirtualPhone, VirtualWeb, and the ADB server that serves phones.

    phone = VirtualPhone(seed=0)
    phone.seed(contacts=[{"name": "Ada", "phone": "+1 555 0100"}],
               events=[{"title": "Dentist", "date": "2025-06-03", "start": "10:00", "end": "11:00"}])
    obs = await phone.observe()
    await phone.act(LaunchApp(app="Contacts"))

- `phone`, `state`, `system`, `apps/`, ...: an in-process simulated Android phone,
  deterministic, with real app state. `PhoneState` is the whole phone as data;
  checkers read it, tests seed it.
- `adbd/`: a real ADB-protocol server that puts VirtualPhones on the wire, so the
  same `AndroidDevice` code that drives a real phone drives them (import it from
  `fleetmind.devices.virtual.adbd`; it is not imported here).
- `web`: VirtualWeb, an offline site served on loopback for browser devices.
"""

from .phone import KEYCODES, VirtualPhone
from .state import (
    Alarm,
    BankAccount,
    Contact,
    Dialog,
    Event,
    FileEntry,
    Nav,
    Note,
    Notification,
    PhoneState,
    ScreenRef,
    Settings,
    Sms,
    Timer,
    Transaction,
)

__all__ = [
    "KEYCODES",
    "Alarm",
    "BankAccount",
    "Contact",
    "Dialog",
    "Event",
    "FileEntry",
    "Nav",
    "Note",
    "Notification",
    "PhoneState",
    "ScreenRef",
    "Settings",
    "Sms",
    "Timer",
    "Transaction",
    "VirtualPhone",
]
