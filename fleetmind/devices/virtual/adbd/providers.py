"""`content query|insert|update|delete`: a virtual phone's content providers, as `adb shell content` sees them.

Android's own providers, with Android's URIs and column names, so a client that seeds
or reads a phone with them (the `fleetmind bench android` suite does) runs unchanged on
an emulator or a real phone:

- `content://sms` (`/inbox`, `/sent`): `_id address body type date read` (type 1 received, 2 sent; date in ms);
- `content://com.android.contacts/raw_contacts`, `/contacts` (`_id display_name`) and `/data`
  (`_id raw_contact_id mimetype data1 display_name`; mimetypes `vnd.android.cursor.item/name`,
  `phone_v2`, `email_v2`), `/data/phones` (`_id display_name data1`);
- `content://com.android.calendar/events`: `_id title dtstart dtend eventLocation eventTimezone
  calendar_id allDay` (times in ms since the epoch, UTC);
- `content://media/external/file` (MediaStore): `_id _display_name _size relative_path`.

One AOSP provider that phones do not all export: `content://com.android.deskclock/alarms`
(`_id hour minutes enabled label daysofweek vibrate`) is AOSP DeskClock's; Google's Clock
keeps it private, so on such a phone alarms can be set (`am start -a
android.intent.action.SET_ALARM`, see `alarm_intent`) but not read over adb.

fleetmind's own providers, for the apps fleetmind ships (they exist only on virtual phones):
`content://com.fleetmind.notes/notes` (`_id title body`), `content://com.fleetmind.clock/timers`
(`_id length remaining running`), `content://com.fleetmind.bank/account` (`_id owner balance`)
and `content://com.fleetmind.bank/transactions` (`_id recipient amount date`).

Row ids are positions (1 = the first record held) and stay stable while nothing is deleted.
`--where` understands `column=value` and `column!=value` joined by AND, the part of SQL such
clients send; anything else is refused with a message saying so.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fleetmind.devices.virtual import Alarm, Contact, Event, FileEntry, Note, PhoneState, Sms, Timer, Transaction

from .handset import Handset
from .shell import Outcome, UsageError

__all__ = ["PROVIDERS", "alarm_intent", "content"]

USAGE = (
    "usage: content query --uri URI [--projection COL:COL] [--where WHERE] [--sort ORDER]\n"
    "       content insert --uri URI --bind COL:TYPE:VALUE [--bind ...]   (TYPE: s i l f d b n)\n"
    "       content update --uri URI [--where WHERE] --bind COL:TYPE:VALUE [--bind ...]\n"
    "       content delete --uri URI [--where WHERE]"
)
NAME, PHONE, EMAIL = (f"vnd.android.cursor.item/{k}" for k in ("name", "phone_v2", "email_v2"))
Row = dict[str, Any]


@dataclass(frozen=True)
class Provider:
    """One table behind a URI: its columns, its rows, and how a write changes the phone."""

    columns: tuple[str, ...]
    rows: Callable[[PhoneState], list[Row]]
    insert: Callable[[PhoneState, Row], None] | None = None
    update: Callable[[PhoneState, Row, Row], None] | None = None
    delete: Callable[[PhoneState, Row], None] | None = None


def _ms(ts: float) -> int:
    return round(ts * 1000)


def _stamp(day: str, hhmm: str) -> int:
    return _ms(datetime.fromisoformat(f"{day}T{hhmm}:00+00:00").timestamp())


def _day_time(ms: Any) -> tuple[str, str]:
    moment = datetime.fromtimestamp(int(ms) / 1000, UTC)
    return moment.date().isoformat(), f"{moment:%H:%M}"


def _need(values: Row, *keys: str) -> None:
    if missing := [k for k in keys if values.get(k) in (None, "")]:
        raise UsageError(f"bind {', '.join(missing)} (e.g. --bind {missing[0]}:s:VALUE)")


def _remove(items: list[Any], row: Row) -> None:
    items.pop(int(row["_id"]) - 1)


# ------------------------------------------------------------------------- sms


def _sms_rows(kind: int | None) -> Callable[[PhoneState], list[Row]]:
    def rows(state: PhoneState) -> list[Row]:
        out = [
            {"_id": i + 1, "address": m.peer, "body": m.body, "type": 2 if m.outgoing else 1, "date": _ms(m.ts),
             "read": 1}
            for i, m in enumerate(state.messages)
        ]
        return [r for r in out if kind is None or r["type"] == kind]

    return rows


def _sms_insert(kind: int | None) -> Callable[[PhoneState, Row], None]:
    def insert(state: PhoneState, values: Row) -> None:
        _need(values, "address", "body")
        sent = int(values.get("type") or kind or 1) == 2
        ts = int(values["date"]) / 1000 if values.get("date") else state.now
        address, body = str(values["address"]), str(values["body"])
        state.messages.append(Sms(to=address, body=body, ts=ts) if sent else Sms(sender=address, body=body, ts=ts))

    return insert


def _sms_delete(state: PhoneState, row: Row) -> None:
    _remove(state.messages, row)


# ------------------------------------------------------------------------- contacts


def _raw_rows(state: PhoneState) -> list[Row]:
    return [{"_id": i + 1, "display_name": c.name, "deleted": 0} for i, c in enumerate(state.contacts)]


def _data_rows(state: PhoneState) -> list[Row]:
    out: list[Row] = []
    for i, c in enumerate(state.contacts):
        for k, (mimetype, value) in enumerate(((NAME, c.name), (PHONE, c.phone), (EMAIL, c.email)), 1):
            if value:
                out.append({"_id": (i + 1) * 10 + k, "raw_contact_id": i + 1, "contact_id": i + 1,
                            "mimetype": mimetype, "data1": value, "display_name": c.name})
    return out


_FIELD = {NAME: "name", PHONE: "phone", EMAIL: "email"}


def _data_write(state: PhoneState, values: Row) -> None:
    _need(values, "raw_contact_id", "mimetype")
    index = int(values["raw_contact_id"]) - 1
    if not 0 <= index < len(state.contacts):
        raise UsageError(f"no raw contact {index + 1}; insert one into content://com.android.contacts/raw_contacts")
    field = _FIELD.get(str(values["mimetype"]))
    if field is None:
        raise UsageError(f"mimetype {values['mimetype']} is not one of {', '.join(_FIELD)}")
    setattr(state.contacts[index], field, str(values.get("data1") or ""))


def _data_clear(state: PhoneState, row: Row) -> None:
    field = _FIELD[str(row["mimetype"])]
    if field == "name":
        _remove(state.contacts, {"_id": row["raw_contact_id"]})
    else:
        setattr(state.contacts[int(row["raw_contact_id"]) - 1], field, "")


# ------------------------------------------------------------------------- calendar, clock


def _event_rows(state: PhoneState) -> list[Row]:
    return [
        {"_id": i + 1, "title": e.title, "dtstart": _stamp(e.date, e.start), "dtend": _stamp(e.date, e.end),
         "eventLocation": e.location, "eventTimezone": "UTC", "calendar_id": 1, "allDay": 0, "deleted": 0}
        for i, e in enumerate(state.events)
    ]


def _event_from(values: Row, old: Event | None = None) -> Event:
    fields = old.model_dump() if old else {}
    if values.get("dtstart") is not None:
        fields["date"], fields["start"] = _day_time(values["dtstart"])
    if values.get("dtend") is not None:
        day, fields["end"] = _day_time(values["dtend"])
        if day != fields.get("date"):
            raise UsageError("an event must end on the day it starts (the virtual Calendar holds one-day events)")
    for key, column in (("title", "title"), ("location", "eventLocation")):
        if values.get(column) is not None:
            fields[key] = str(values[column])
    return Event.model_validate(fields)


def _event_insert(state: PhoneState, values: Row) -> None:
    _need(values, "title", "dtstart", "dtend")
    state.events.append(_event_from(values))


def _event_update(state: PhoneState, row: Row, values: Row) -> None:
    i = int(row["_id"]) - 1
    state.events[i] = _event_from(values, state.events[i])


def _alarm_rows(state: PhoneState) -> list[Row]:
    return [
        {"_id": i + 1, "hour": a.hour, "minutes": a.minute, "enabled": int(a.enabled), "label": a.label,
         "daysofweek": 0, "vibrate": 1}
        for i, a in enumerate(state.alarms)
    ]


def _alarm_values(values: Row, old: Alarm | None = None) -> Alarm:
    fields: dict[str, Any] = old.model_dump() if old else {"enabled": True}
    casts: tuple[tuple[str, str, Callable[[Any], Any]], ...] = (
        ("hour", "hour", int), ("minute", "minutes", int), ("label", "label", str),
        ("enabled", "enabled", lambda v: str(v) not in ("0", "false", "False")))
    for key, column, cast in casts:
        if values.get(column) is not None:
            fields[key] = cast(values[column])
    return Alarm.model_validate(fields)


def _alarm_insert(state: PhoneState, values: Row) -> None:
    _need(values, "hour", "minutes")
    state.alarms.append(_alarm_values(values))


def _alarm_update(state: PhoneState, row: Row, values: Row) -> None:
    i = int(row["_id"]) - 1
    state.alarms[i] = _alarm_values(values, state.alarms[i])


def _timer_rows(state: PhoneState) -> list[Row]:
    return [{"_id": i + 1, "length": t.duration, "remaining": t.remaining(state.now), "running": int(t.running)}
            for i, t in enumerate(state.timers)]


def _timer_insert(state: PhoneState, values: Row) -> None:
    _need(values, "length")
    state.timers.append(Timer(duration=int(values["length"]), started_at=state.now))


# ------------------------------------------------------------------------- notes, files, bank


def _note_rows(state: PhoneState) -> list[Row]:
    return [{"_id": i + 1, "title": n.title, "body": n.body} for i, n in enumerate(state.notes)]


def _note_insert(state: PhoneState, values: Row) -> None:
    state.notes.append(Note(title=str(values.get("title") or ""), body=str(values.get("body") or "")))


def _note_update(state: PhoneState, row: Row, values: Row) -> None:
    note = state.notes[int(row["_id"]) - 1]
    for key in ("title", "body"):
        if values.get(key) is not None:
            setattr(note, key, str(values[key]))


def _file_rows(state: PhoneState) -> list[Row]:
    return [{"_id": i + 1, "_display_name": f.name, "_size": f.size, "relative_path": f.folder + "/"}
            for i, f in enumerate(state.files)]


def _file_insert(state: PhoneState, values: Row) -> None:
    _need(values, "_display_name")
    folder = str(values.get("relative_path") or "Download/").strip("/") or "Download"
    state.files.append(FileEntry(name=str(values["_display_name"]), size=int(values.get("_size") or 0), folder=folder))


def _account_update(state: PhoneState, row: Row, values: Row) -> None:
    if values.get("balance") is not None:
        state.bank.balance = round(float(values["balance"]), 2)
    if values.get("owner") is not None:
        state.bank.owner = str(values["owner"])


def _transfer_rows(state: PhoneState) -> list[Row]:
    return [{"_id": i + 1, "recipient": t.to, "amount": f"{t.amount:.2f}", "date": _ms(t.ts)}
            for i, t in enumerate(state.bank.transactions)]


def _transfer_insert(state: PhoneState, values: Row) -> None:
    _need(values, "recipient", "amount")
    state.bank.transactions.append(Transaction(to=str(values["recipient"]), amount=float(values["amount"]),
                                               ts=state.now))


_SMS_COLUMNS = ("_id", "address", "body", "type", "date", "read")
_CONTACTS = "content://com.android.contacts"
PROVIDERS: dict[str, Provider] = {
    **{
        "content://sms" + suffix: Provider(_SMS_COLUMNS, _sms_rows(kind), _sms_insert(kind), delete=_sms_delete)
        for suffix, kind in (("", None), ("/inbox", 1), ("/sent", 2))
    },
    f"{_CONTACTS}/raw_contacts": Provider(
        ("_id", "display_name", "deleted"), _raw_rows, lambda s, v: s.contacts.append(Contact(name="")),
        delete=lambda s, r: _remove(s.contacts, r)),
    f"{_CONTACTS}/contacts": Provider(("_id", "display_name"), _raw_rows, delete=lambda s, r: _remove(s.contacts, r)),
    f"{_CONTACTS}/data": Provider(
        ("_id", "raw_contact_id", "contact_id", "mimetype", "data1", "display_name"), _data_rows, _data_write,
        delete=_data_clear),
    f"{_CONTACTS}/data/phones": Provider(
        ("_id", "raw_contact_id", "display_name", "data1"),
        lambda s: [r for r in _data_rows(s) if r["mimetype"] == PHONE]),
    "content://com.android.calendar/events": Provider(
        ("_id", "title", "dtstart", "dtend", "eventLocation", "eventTimezone", "calendar_id", "allDay", "deleted"),
        _event_rows, _event_insert, _event_update, lambda s, r: _remove(s.events, r)),
    "content://com.android.deskclock/alarms": Provider(
        ("_id", "hour", "minutes", "enabled", "label", "daysofweek", "vibrate"), _alarm_rows, _alarm_insert,
        _alarm_update, lambda s, r: _remove(s.alarms, r)),
    "content://com.fleetmind.clock/timers": Provider(
        ("_id", "length", "remaining", "running"), _timer_rows, _timer_insert,
        delete=lambda s, r: _remove(s.timers, r)),
    "content://com.fleetmind.notes/notes": Provider(
        ("_id", "title", "body"), _note_rows, _note_insert, _note_update, lambda s, r: _remove(s.notes, r)),
    "content://media/external/file": Provider(
        ("_id", "_display_name", "_size", "relative_path"), _file_rows, _file_insert,
        delete=lambda s, r: _remove(s.files, r)),
    "content://com.fleetmind.bank/account": Provider(
        ("_id", "owner", "balance"), lambda s: [{"_id": 1, "owner": s.bank.owner, "balance": f"{s.bank.balance:.2f}"}],
        update=_account_update),
    "content://com.fleetmind.bank/transactions": Provider(
        ("_id", "recipient", "amount", "date"), _transfer_rows, _transfer_insert,
        delete=lambda s, r: _remove(s.bank.transactions, r)),
}
"""URI -> provider."""


# ------------------------------------------------------------------------- the command

_TYPES: dict[str, Callable[[str], Any]] = {
    "s": str, "i": int, "l": int, "f": float, "d": float,
    "b": lambda v: v.lower() in ("1", "true"), "n": lambda v: None,
}
_CLAUSE = re.compile(r"\s*(\w+)\s*(!=|<>|=)\s*('(?:[^']|'')*'|\"[^\"]*\"|[^\s']+)\s*", re.S)


def _options(args: list[str]) -> tuple[str, dict[str, str], list[str]]:
    uri, opts, binds = "", {}, []
    it = iter(args)
    for a in it:
        value = next(it, None)
        if value is None or not a.startswith("--"):
            raise UsageError(f"{a!r} needs a value\n{USAGE}")
        if a == "--uri":
            uri = value
        elif a == "--bind":
            binds.append(value)
        else:
            opts[a[2:]] = value
    if not uri:
        raise UsageError(f"--uri is required\n{USAGE}")
    return uri, opts, binds


def _bindings(binds: list[str]) -> Row:
    out: Row = {}
    for b in binds:
        column, kind, value = (b.split(":", 2) + ["", ""])[:3]
        if kind not in _TYPES or not column:
            raise UsageError(f"binding {b!r}: write COLUMN:TYPE:VALUE with TYPE one of s i l f d b n")
        try:
            out[column] = _TYPES[kind](value)
        except ValueError:
            raise UsageError(f"binding {b!r}: {value!r} is not of type {kind}") from None
    return out


def _matches(where: str | None) -> Callable[[Row], bool]:
    if not where or not where.strip():
        return lambda row: True
    tests: list[tuple[str, bool, str]] = []
    for part in re.split(r"\s+AND\s+", where.strip(), flags=re.I):
        m = _CLAUSE.fullmatch(part)
        if m is None:
            raise UsageError(f"--where {where!r}: the virtual phone understands only COLUMN=VALUE [AND ...]")
        value = m.group(3)
        if value[:1] in ("'", '"'):
            value = value[1:-1].replace("''", "'")
        tests.append((m.group(1), m.group(2) == "=", value))
    return lambda row: all((str(row.get(c)) == v) == equal for c, equal, v in tests)


def _show(value: Any) -> str:
    return "NULL" if value is None else str(value)


def content(h: Handset, argv: list[str], stdin: bytes) -> Outcome:
    """`content query|insert|update|delete --uri URI ...` against the providers in `PROVIDERS`."""
    if len(argv) < 2 or argv[1] not in ("query", "insert", "update", "delete"):
        raise UsageError(USAGE)
    verb = argv[1]
    uri, opts, binds = _options(argv[2:])
    provider = PROVIDERS.get(uri.rstrip("/"))
    if provider is None:
        return Outcome.text(err=f"Error while accessing provider:{uri.split('/')[2] if '//' in uri else uri}\n"
                                f"java.lang.IllegalArgumentException: Unknown URI {uri}\n", status=1)
    state = h.phone.state
    rows = [r for r in provider.rows(state) if _matches(opts.get("where"))(r)]
    if verb == "query":
        columns = opts["projection"].split(":") if opts.get("projection") else list(provider.columns)
        if unknown := [c for c in columns if c not in provider.columns]:
            raise UsageError(f"no such column: {', '.join(unknown)} (columns: {' '.join(provider.columns)})")
        if sort := opts.get("sort"):
            key, _, order = sort.partition(" ")
            rows.sort(key=lambda r: (r.get(key) is None, r.get(key)), reverse=order.strip().upper() == "DESC")
        if not rows:
            return Outcome.text("No result found.\n")
        lines = (f"Row: {i} " + ", ".join(f"{c}={_show(r.get(c))}" for c in columns) for i, r in enumerate(rows))
        return Outcome.text("".join(line + "\n" for line in lines))
    write = {"insert": provider.insert, "update": provider.update, "delete": provider.delete}[verb]
    if write is None:
        raise UsageError(f"{uri} does not support {verb}")
    values = _bindings(binds)
    if verb == "insert":
        provider.insert(state, values)  # type: ignore[misc]
    elif verb == "update":
        for row in rows:
            provider.update(state, row, values)  # type: ignore[misc]
    else:
        for row in sorted(rows, key=lambda r: -int(r["_id"])):  # last first: positions stay valid
            provider.delete(state, row)  # type: ignore[misc]
    return Outcome()


ALARM_EXTRA = "android.intent.extra.alarm."


def alarm_intent(h: Handset, action: str, extras: dict[str, str]) -> bool:
    """`am start -a android.intent.action.SET_ALARM|SET_TIMER --ei android.intent.extra.alarm.HOUR 7 ...`:
    AlarmClock's public intents, which real Clock apps take too; True when `action` is one of them."""
    state = h.phone.state

    def extra(name: str, default: str = "") -> str:
        return extras.get(ALARM_EXTRA + name, default)

    if action == "android.intent.action.SET_ALARM":
        state.alarms.append(Alarm(hour=int(extra("HOUR", "0")), minute=int(extra("MINUTES", "0")),
                                  label=extra("MESSAGE")))
        return True
    if action == "android.intent.action.SET_TIMER":
        state.timers.append(Timer(duration=int(extra("LENGTH", "60")), started_at=state.now))
        return True
    return False
