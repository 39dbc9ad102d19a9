"""A phone as the android suite seeds and checks it: through `adb shell` only.

`AdbPhone` speaks `settings`, `content`, `am` and `pm` to a `DeviceShell`, so the same
seeding and checks run on a VirtualPhone behind fleetmind's ADB server, an emulator or
a real phone (`AdbShell`). `HandsetShell` runs the same command lines in process, on
the virtual ADB server's own shell, for tests where the socket is not the point.

Providers: Android's own for SMS, contacts, calendar and files (MediaStore); AOSP
DeskClock's for alarms; fleetmind's own for notes, timers and the bank, which exist
only on virtual phones (see `fleetmind.devices.virtual.adbd.providers`).
"""

from __future__ import annotations

import asyncio
import re
import shlex
from datetime import UTC, datetime
from typing import Any, Protocol

from ...devices.android.link import AdbLink
from ...devices.base import DeviceError

__all__ = ["AdbPhone", "AdbShell", "DeviceShell", "HandsetShell", "URI"]

URI = {
    "sms": "content://sms",
    "raw_contacts": "content://com.android.contacts/raw_contacts",
    "data": "content://com.android.contacts/data",
    "events": "content://com.android.calendar/events",
    "alarms": "content://com.android.deskclock/alarms",
    "files": "content://media/external/file",
    "notes": "content://com.fleetmind.notes/notes",
    "timers": "content://com.fleetmind.clock/timers",
    "account": "content://com.fleetmind.bank/account",
    "transfers": "content://com.fleetmind.bank/transactions",
}
MESSAGING = "com.google.android.apps.messaging"
_ROW = re.compile(r"(?m)^Row: \d+ ")
_ERROR = re.compile(r"(?m)^(Error|Exception|java\.lang\.\w+|usage:|(content|settings|am|pm|input|cmd): |"
                    r"\S+: .*(not found|needs|bind|no such))")
DEFAULT_SETTINGS = (
    ("global", "wifi_on", "1"), ("global", "bluetooth_on", "0"), ("global", "airplane_mode_on", "0"),
    ("secure", "ui_night_mode", "1"), ("system", "screen_brightness", "128"), ("system", "volume_music", "7"),
    ("system", "system_locales", "en-US"),
)
"""The settings every episode starts from."""


class DeviceShell(Protocol):
    """Runs one `adb shell` command line on a phone; its output."""

    serial: str

    async def run(self, line: str) -> str: ...


class AdbShell:
    """`adb shell LINE` through an ADB server (fleetmind's for virtual phones, or a real one)."""

    def __init__(self, serial: str, host: str = "127.0.0.1", port: int = 5037, timeout_s: float = 30.0) -> None:
        self.serial = serial
        self._link = AdbLink(host, port, serial, timeout_s)
        self._timeout_s = timeout_s

    async def run(self, line: str) -> str:
        """See `DeviceShell.run`."""
        link = self._link
        if not link.is_open:
            await asyncio.to_thread(link.open)
        return await asyncio.to_thread(lambda: str(link.call(lambda: link.device.shell(line, timeout=self._timeout_s))))


class HandsetShell:
    """The virtual ADB server's shell, called in process (no socket): same commands, same output."""

    def __init__(self, handset: Any) -> None:
        from ...devices.virtual.adbd.commands import COMMANDS
        from ...devices.virtual.adbd.shell import Shell

        self.serial: str = handset.serial
        self._shell = Shell(handset, COMMANDS)

    async def run(self, line: str) -> str:
        """See `DeviceShell.run`."""
        return self._shell.run(line).output.decode("utf-8", errors="replace").rstrip()


def _bind(name: str, value: Any) -> str:
    kind = "n" if value is None else "b" if isinstance(value, bool) else "i" if isinstance(value, int) else \
        "d" if isinstance(value, float) else "s"
    return "--bind " + shlex.quote(f"{name}:{kind}:{'' if value is None else value}")


def _where(where: dict[str, Any] | None) -> str:
    if not where:
        return ""
    sql = " AND ".join(f"{k}={v}" if isinstance(v, int) else f"{k}='{str(v).replace(chr(39), chr(39) * 2)}'"
                       for k, v in where.items())
    return " --where " + shlex.quote(sql)


def epoch_ms(day: str, hhmm: str) -> int:
    """A UTC day and HH:MM as milliseconds since the epoch (the calendar provider's dtstart)."""
    return round(datetime.fromisoformat(f"{day}T{hhmm}:00+00:00").timestamp() * 1000)


def day_time(ms: str) -> tuple[str, str]:
    """The inverse of `epoch_ms`."""
    moment = datetime.fromtimestamp(int(ms) / 1000, UTC)
    return moment.date().isoformat(), f"{moment:%H:%M}"


class AdbPhone:
    """Seeding and reading one phone over `adb shell` (see the module docstring)."""

    def __init__(self, shell: DeviceShell) -> None:
        self.shell = shell

    async def sh(self, line: str) -> str:
        """Run a command line; DeviceError when it printed an error."""
        out = await self.shell.run(line)
        if not out.startswith("Row: ") and _ERROR.search(out):
            raise DeviceError(f"{self.shell.serial}: `{line[:120]}` failed: {out.strip()[:300]}")
        return out

    # -------------------------------------------------------------- generic

    async def setting(self, namespace: str, key: str) -> str:
        """`settings get NS KEY`."""
        return (await self.sh(f"settings get {namespace} {key}")).strip()

    async def put_setting(self, namespace: str, key: str, value: str) -> None:
        """`settings put NS KEY VALUE`."""
        await self.sh(f"settings put {namespace} {key} {shlex.quote(value)}")

    async def rows(self, table: str, columns: tuple[str, ...], where: dict[str, Any] | None = None) -> list[dict[str,
                                                                                                              str]]:
        """`content query` on URI[table] with these columns: one dict per row."""
        out = await self.sh(f"content query --uri {URI[table]} --projection {':'.join(columns)}{_where(where)}")
        found = []
        for chunk in _ROW.split(out)[1:]:
            row, rest = {}, chunk.rstrip("\n")
            for i, column in enumerate(columns):
                rest = rest.removeprefix(f"{column}=")
                if i + 1 < len(columns):
                    value, _, rest = rest.partition(f", {columns[i + 1]}=")
                    rest = f"{columns[i + 1]}=" + rest
                else:
                    value = rest
                row[column] = "" if value == "NULL" else value
            found.append(row)
        return found

    async def insert(self, table: str, **values: Any) -> None:
        """`content insert` into URI[table]."""
        await self.sh(f"content insert --uri {URI[table]} " + " ".join(_bind(k, v) for k, v in values.items()))

    async def update(self, table: str, where: dict[str, Any] | None, **values: Any) -> None:
        """`content update` of the rows `where` selects."""
        binds = " ".join(_bind(k, v) for k, v in values.items())
        await self.sh(f"content update --uri {URI[table]}{_where(where)} {binds}")

    async def delete(self, table: str, where: dict[str, Any] | None = None) -> None:
        """`content delete` of the rows `where` selects (all when None)."""
        await self.sh(f"content delete --uri {URI[table]}{_where(where)}")

    # -------------------------------------------------------------- the state every episode starts from

    async def reset(self) -> None:
        """Empty every table the suite uses, put the default settings back, grant SMS, go home."""
        for table in ("sms", "raw_contacts", "events", "alarms", "files", "notes", "timers", "transfers"):
            await self.delete(table)
        for namespace, key, value in DEFAULT_SETTINGS:
            await self.put_setting(namespace, key, value)
        await self.update("account", None, balance=2450.75)
        await self.sh(f"pm grant {MESSAGING} android.permission.SEND_SMS")
        await self.sh("input keyevent KEYCODE_HOME")

    # -------------------------------------------------------------- app data

    async def add_contact(self, name: str, phone: str = "", email: str = "") -> None:
        """A raw contact with its name, phone and email rows (what the Contacts app saves)."""
        await self.insert("raw_contacts", account_type=None, account_name=None)
        raw = max(int(r["_id"]) for r in await self.rows("raw_contacts", ("_id",)))
        for mimetype, value in (("name", name), ("phone_v2", phone), ("email_v2", email)):
            if value:
                await self.insert("data", raw_contact_id=raw, mimetype=f"vnd.android.cursor.item/{mimetype}",
                                  data1=value)

    async def contacts(self) -> list[dict[str, str]]:
        """Every contact as {name, phone, email}."""
        people: dict[str, dict[str, str]] = {}
        for row in await self.rows("data", ("raw_contact_id", "mimetype", "data1")):
            person = people.setdefault(row["raw_contact_id"], {"name": "", "phone": "", "email": ""})
            field = {"name": "name", "phone_v2": "phone", "email_v2": "email"}.get(row["mimetype"].rsplit("/", 1)[-1])
            if field:
                person[field] = row["data1"]
        return list(people.values())

    async def add_sms(self, address: str, body: str, *, sent: bool = False, minutes_ago: int = 0) -> None:
        """A received (or sent) text, `minutes_ago` before 2025-06-02 09:00 UTC."""
        date = epoch_ms("2025-06-02", "09:00") - minutes_ago * 60_000
        await self.insert("sms", address=address, body=body, type=2 if sent else 1, date=date, read=1)

    async def messages(self) -> list[dict[str, str]]:
        """Every text as {address, body, type} (type 1 received, 2 sent)."""
        return await self.rows("sms", ("address", "body", "type"))

    async def add_alarm(self, hour: int, minute: int, label: str = "", enabled: bool = True) -> None:
        """An alarm row in the clock's provider."""
        await self.insert("alarms", hour=hour, minutes=minute, label=label, enabled=int(enabled))

    async def alarms(self) -> list[dict[str, str]]:
        """Every alarm as {hour, minutes, label, enabled}."""
        return await self.rows("alarms", ("hour", "minutes", "label", "enabled"))

    async def add_event(self, title: str, day: str, start: str, end: str, location: str = "") -> None:
        """A one-day calendar event (UTC)."""
        await self.insert("events", title=title, dtstart=epoch_ms(day, start), dtend=epoch_ms(day, end),
                          eventLocation=location, calendar_id=1, eventTimezone="UTC")

    async def events(self) -> list[dict[str, str]]:
        """Every event as {title, date, start, end, location}."""
        out = []
        for r in await self.rows("events", ("title", "dtstart", "dtend", "eventLocation")):
            day, start = day_time(r["dtstart"])
            out.append({"title": r["title"], "date": day, "start": start, "end": day_time(r["dtend"])[1],
                        "location": r["eventLocation"]})
        return out

    async def add_note(self, title: str, body: str) -> None:
        """A note (fleetmind's Notes provider)."""
        await self.insert("notes", title=title, body=body)

    async def notes(self) -> list[dict[str, str]]:
        """Every note as {title, body}."""
        return await self.rows("notes", ("title", "body"))

    async def add_file(self, name: str, size: int, folder: str = "Download") -> None:
        """A file entry in shared storage (MediaStore)."""
        await self.insert("files", _display_name=name, _size=size, relative_path=f"{folder}/")

    async def start_timer(self, seconds: int) -> None:
        """A running timer, started through AlarmClock's SET_TIMER intent."""
        await self.sh("am start -a android.intent.action.SET_TIMER --ei android.intent.extra.alarm.LENGTH "
                      f"{seconds} --ez android.intent.extra.alarm.SKIP_UI true")

    async def timers(self) -> list[dict[str, str]]:
        """Every timer as {length, running}."""
        return await self.rows("timers", ("length", "running"))

    async def balance(self) -> float:
        """The bank account's balance."""
        return float((await self.rows("account", ("balance",)))[0]["balance"])

    async def transfers(self) -> list[dict[str, str]]:
        """Every bank transfer as {recipient, amount}."""
        return await self.rows("transfers", ("recipient", "amount"))
