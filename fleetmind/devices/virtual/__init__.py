"""An in-process simulated Android phone: deterministic, with real app state.

    phone = VirtualPhone(seed=0)
    phone.seed(contacts=[{"name": "Ada", "phone": "+1 555 0100"}])
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
    FileEntry,
    Nav,
    Note,
    Notification,
    PhoneState,
    ScreenRef,
    Settings,
    Sms,
    Transaction,
)

__all__ = [
    "KEYCODES",
    "Alarm",
    "BankAccount",
    "Contact",
    "Dialog",
    "FileEntry",
    "Nav",
    "Note",
    "Notification",
    "PhoneState",
    "ScreenRef",
    "Settings",
    "Sms",
    "Transaction",
    "VirtualPhone",
]
