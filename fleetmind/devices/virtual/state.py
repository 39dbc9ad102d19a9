"""Everything a virtual phone knows, as plain JSON-serialisable data.

The screens are a pure function of this state, so tests and benchmark checkers
seed and read it directly (`phone.state.contacts.append(Contact(...))`,
`phone.state.settings.wifi`) and `PhoneState.model_dump_json()` snapshots a phone.
Nothing here draws, hit-tests or knows about actions.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "START_TIME",
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
    "parse_date",
    "parse_time",
]

# 2025-06-02 09:00:00 UTC. A fixed start keeps the status-bar clock, and so every
# screenshot and digest, identical from run to run.
START_TIME = 1_748_854_800.0

LAUNCHER_PACKAGE = "com.android.launcher3"


class _Model(BaseModel):
    # validate_assignment catches `state.settings.brightness = 500` at the line that did it.
    model_config = ConfigDict(validate_assignment=True, extra="forbid")


class Settings(_Model):
    """System settings shown in the Settings app and the quick-settings shade."""

    wifi: bool = True
    bluetooth: bool = False
    airplane_mode: bool = False
    dark_theme: bool = False
    brightness: int = Field(50, ge=0, le=100, description="Percent.")
    volume: int = Field(7, ge=0, le=15, description="Media volume steps, as on Android.")
    language: str = "English"


class Contact(_Model):
    """One address-book entry."""

    name: str
    phone: str = ""
    email: str = ""


class Sms(_Model):
    """One text message. Sent ones have `to`, received ones have `sender`."""

    to: str = Field("", description="Recipient number (or the typed text if not a number).")
    sender: str = Field("", description="Sender number, for received messages.")
    body: str
    ts: float = START_TIME

    @property
    def outgoing(self) -> bool:
        """Whether this phone sent the message."""
        return bool(self.to)

    @property
    def peer(self) -> str:
        """The other party: the conversation this message belongs to."""
        return self.to or self.sender


class Alarm(_Model):
    """One alarm in the Clock app."""

    hour: int = Field(ge=0, le=23)
    minute: int = Field(ge=0, le=59)
    label: str = ""
    enabled: bool = True

    @property
    def time_text(self) -> str:
        """The alarm time as the Clock app shows it, e.g. 07:05."""
        return f"{self.hour:02d}:{self.minute:02d}"


class Timer(_Model):
    """One countdown of the Clock app. Time left is computed from the virtual clock, never stored."""

    duration: int = Field(ge=1, le=100 * 3600, description="Seconds it was set for.")
    started_at: float = Field(START_TIME, description="Virtual-clock time (`PhoneState.now`) it started.")
    running: bool = Field(True, description="False once cancelled; a timer that ran out stays True until then.")
    label: str = Field("", description="What the timer is for, as Android's Clock lets one name a timer.")

    def remaining(self, now: float) -> int:
        """Whole seconds left at virtual time `now`, rounded up; 0 once run out or cancelled."""
        if not self.running:
            return 0
        return max(0, math.ceil(self.duration - (now - self.started_at)))


_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_TIME = re.compile(r"(\d{1,2}):(\d{2})")


def parse_date(text: str) -> date:
    """A YYYY-MM-DD day; ValueError saying what to type instead."""
    m = _DATE.fullmatch(text.strip())
    if m is None:
        raise ValueError(f"Date must be YYYY-MM-DD, e.g. 2025-06-03 (got {text!r})")
    try:
        return date(*map(int, m.groups()))
    except ValueError:
        raise ValueError(f"Date {text.strip()} does not exist; use a real YYYY-MM-DD day") from None


def parse_time(text: str) -> str:
    """A 24-hour time as HH:MM (9:05 -> 09:05); ValueError saying what to type instead."""
    m = _TIME.fullmatch(text.strip())
    if m is None or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise ValueError(f"Time must be HH:MM from 00:00 to 23:59, e.g. 09:30 (got {text!r})")
    return f"{int(m.group(1)):02d}:{m.group(2)}"


class Event(_Model):
    """One Calendar event on one day. Date and times are normalised text, so they sort as text."""

    title: str
    date: str = Field(description="Day, YYYY-MM-DD.")
    start: str = Field(description="Start time, HH:MM (24-hour).")
    end: str = Field(description="End time, HH:MM (24-hour), not before start.")
    location: str = ""

    @field_validator("date")
    @classmethod
    def _real_day(cls, value: str) -> str:
        return parse_date(value).isoformat()

    @field_validator("start", "end")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        return parse_time(value)

    @model_validator(mode="after")
    def _ends_after_start(self) -> Event:
        if self.end < self.start:
            raise ValueError(f"End time {self.end} is before the start time {self.start}")
        return self


class Note(_Model):
    """One note in the Notes app."""

    title: str = ""
    body: str = ""


class FileEntry(_Model):
    """One file shown by the Files app."""

    name: str
    size: int = Field(0, ge=0, description="Bytes.")
    folder: str = "Download"


class Transaction(_Model):
    """One outgoing bank transfer."""

    to: str
    amount: float
    ts: float = START_TIME


class BankAccount(_Model):
    """The single account of the Bank app."""

    owner: str = "Alex Morgan"
    balance: float = 2450.75
    logged_in: bool = False
    transactions: list[Transaction] = Field(default_factory=list)


class Notification(_Model):
    """One entry of the notification shade."""

    package: str
    title: str
    text: str = ""
    ts: float = START_TIME


class Dialog(_Model):
    """A modal dialog drawn over the current screen.

    kind: "permission" (runtime permission prompt for `package`), "popup" (an
    interrupting pop-up the phone threw in) or "alert" (an app's message).
    """

    kind: str
    title: str
    message: str = ""
    buttons: list[str] = Field(default_factory=lambda: ["OK"])
    package: str = ""


class ScreenRef(_Model):
    """One entry of the back stack: which screen of which app, and what it holds."""

    app: str = Field(description="Package name.")
    name: str = Field(description="Screen name within the app, e.g. 'list', 'form'.")
    params: dict[str, Any] = Field(default_factory=dict)
    fields: dict[str, str] = Field(default_factory=dict, description="Text typed per field.")
    scroll: int = Field(0, ge=0, description="Index of the first visible list item.")
    error: str = Field("", description="Inline validation message shown on the screen.")


class Nav(_Model):
    """Where the user is: back stack, focus, keyboard and overlays."""

    stack: list[ScreenRef] = Field(default_factory=list, description="Empty = home screen.")
    focus: str | None = Field(None, description="Key of the focused field on the top screen.")
    keyboard_shown: bool = False
    shade_open: bool = False
    recents_open: bool = False
    dialog: Dialog | None = None
    recent_apps: list[str] = Field(default_factory=list, description="Packages, newest first.")

    @property
    def top(self) -> ScreenRef | None:
        """The screen in front, or None on the home screen."""
        return self.stack[-1] if self.stack else None

    @property
    def current_app(self) -> str:
        """Package of the app in front (the launcher on the home screen)."""
        return self.stack[-1].app if self.stack else LAUNCHER_PACKAGE

    def _leave_screen(self) -> None:
        # A new screen starts with nothing focused, as an Activity does.
        self.focus = None
        self.keyboard_shown = False

    def push(self, ref: ScreenRef) -> None:
        """Open a screen on top of the current one."""
        self._leave_screen()
        self.stack.append(ref)

    def pop(self) -> bool:
        """Close the top screen; False when already home."""
        if not self.stack:
            return False
        self._leave_screen()
        self.stack.pop()
        return True

    def replace(self, ref: ScreenRef) -> None:
        """Swap the top screen for another (e.g. a saved form becomes the detail page)."""
        self._leave_screen()
        if self.stack:
            self.stack.pop()
        self.stack.append(ref)

    def go_home(self) -> None:
        """Leave every app and overlay for the home screen."""
        self._leave_screen()
        self.stack.clear()
        self.dialog = None
        self.shade_open = False
        self.recents_open = False

    def start(self, ref: ScreenRef) -> None:
        """Open an app fresh at `ref`, as launching it from the home screen does."""
        self.go_home()
        self.stack.append(ref)
        if ref.app in self.recent_apps:
            self.recent_apps.remove(ref.app)
        self.recent_apps.insert(0, ref.app)


class PhoneState(_Model):
    """The whole simulated phone: settings, app data and navigation."""

    settings: Settings = Field(default_factory=Settings)
    contacts: list[Contact] = Field(default_factory=list)
    messages: list[Sms] = Field(default_factory=list)
    alarms: list[Alarm] = Field(default_factory=list)
    timers: list[Timer] = Field(default_factory=list, description="Clock timers, oldest first.")
    events: list[Event] = Field(default_factory=list, description="Calendar events, in the order added.")
    notes: list[Note] = Field(default_factory=list)
    files: list[FileEntry] = Field(default_factory=list)
    bank: BankAccount = Field(default_factory=BankAccount)
    notifications: list[Notification] = Field(default_factory=list)
    permissions: dict[str, bool] = Field(
        default_factory=dict, description="Package -> granted; absent = not asked yet."
    )
    battery: int = Field(85, ge=0, le=100)
    now: float = Field(START_TIME, description="Virtual clock, seconds since the epoch.")
    nav: Nav = Field(default_factory=Nav)

    def seed(
        self,
        *,
        contacts: Sequence[Contact | dict[str, Any]] = (),
        messages: Sequence[Sms | dict[str, Any]] = (),
        alarms: Sequence[Alarm | dict[str, Any]] = (),
        timers: Sequence[Timer | dict[str, Any]] = (),
        events: Sequence[Event | dict[str, Any]] = (),
        notes: Sequence[Note | dict[str, Any]] = (),
        files: Sequence[FileEntry | dict[str, Any]] = (),
        settings: dict[str, Any] | None = None,
        bank: dict[str, Any] | None = None,
        permissions: dict[str, bool] | None = None,
    ) -> PhoneState:
        """Add data (models or plain dicts, validated) and set settings; returns self.

        A timer given as a dict without `started_at` starts now, on the virtual clock.
        """
        self.contacts.extend(Contact.model_validate(c) for c in contacts)
        self.messages.extend(Sms.model_validate(m) for m in messages)
        self.alarms.extend(Alarm.model_validate(a) for a in alarms)
        self.timers.extend(
            Timer.model_validate({"started_at": self.now, **t} if isinstance(t, dict) else t) for t in timers
        )
        self.events.extend(Event.model_validate(e) for e in events)
        self.notes.extend(Note.model_validate(n) for n in notes)
        self.files.extend(FileEntry.model_validate(f) for f in files)
        for key, value in (settings or {}).items():
            setattr(self.settings, key, value)
        for key, value in (bank or {}).items():
            setattr(self.bank, key, value)
        self.permissions.update(permissions or {})
        return self

    @property
    def today(self) -> date:
        """The virtual clock's day (UTC, as the status bar shows it): what Calendar calls today."""
        return datetime.fromtimestamp(self.now, UTC).date()

    def contact_for(self, number: str) -> Contact | None:
        """The contact whose phone number is `number`, ignoring spaces and dashes."""
        want = _digits(number)
        if not want:
            return None
        return next((c for c in self.contacts if _digits(c.phone) == want), None)

    def display_name(self, number: str) -> str:
        """A contact's name for a number, else the number itself."""
        contact = self.contact_for(number)
        return contact.name if contact else number

    def receive_sms(self, sender: str, body: str) -> Sms:
        """Deliver an incoming SMS: stored in messages and posted to the shade."""
        sms = Sms(sender=sender, body=body, ts=self.now)
        self.messages.append(sms)
        self.notifications.append(
            Notification(
                package="com.google.android.apps.messaging",
                title=self.display_name(sender),
                text=body,
                ts=self.now,
            )
        )
        return sms


def _digits(number: str) -> str:
    return "".join(ch for ch in number if ch.isdigit() or ch == "+")
