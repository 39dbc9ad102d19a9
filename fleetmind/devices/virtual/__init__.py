"""An in-process simulated Android phone: deterministic, with real app state.

    phone = VirtualPhone(seed=0)
    phone.seed(contacts=[{"name": "Ada", "phone": "+1 555 0100"}],
               events=[{"title": "Dentist", "date": "2025-06-03", "start": "10:00", "end": "11:00"}])
    obs = await phone.observe()
    await phone.act(LaunchApp(app="Contacts"))

`PhoneState` is the whole phone as data; checkers read it, tests seed it.
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
