"""The apps installed on a virtual phone, in home-screen order."""

from __future__ import annotations

from ..ui import App
from . import bank, calendar, clock, contacts, files, messages, notes, settings

__all__ = ["APPS", "app_for_package", "find_app"]

APPS: tuple[App, ...] = (
    messages.APP,
    contacts.APP,
    clock.APP,
    settings.APP,
    notes.APP,
    bank.APP,
    files.APP,
    calendar.APP,
)


def app_for_package(package: str) -> App | None:
    """The installed app with this package name."""
    return next((a for a in APPS if a.package == package), None)


def find_app(name: str) -> App | None:
    """An installed app by label or package name, case-insensitive."""
    wanted = name.strip().casefold()
    return next((a for a in APPS if wanted in (a.label.casefold(), a.package.casefold())), None)
