"""How one item of the requests bench is written: the request, its devices and seeded
state, the outcome it must end in, the answers a user would give, and a check on
device state.

Checks are small named predicates over a `World` (see world.py). They read the
phones' `PhoneState` and the site's server-side record; for a request that asks
for information, `answer(...)` compares the text handed back with the truth read
from that same state, never with a value written into the item.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .world import World, path_allowed

__all__ = [
    "BASE_SEED",
    "Check",
    "Contains",
    "ContainsAll",
    "Digits",
    "Item",
    "Outcome",
    "Text",
    "all_of",
    "answer",
    "balance",
    "has",
    "lacks",
    "mentions",
    "setting",
    "unchanged",
    "web_message",
]

Outcome = Literal["success", "question", "confirmation", "refusal"]
"""success: done without asking; question: must ask for something first (missing value,
ambiguity); confirmation: must ask yes/no before an irreversible action; refusal: must end
without doing anything (unknown device, missing app, meaningless or impossible request)."""

OUTCOMES: tuple[Outcome, ...] = ("success", "question", "confirmation", "refusal")


# ------------------------------------------------------------------------ matchers


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().strip(".!").casefold()


@dataclass(frozen=True)
class Text:
    """Equal text, ignoring case, runs of spaces and a trailing full stop."""

    want: str

    def __call__(self, value: Any) -> bool:
        return isinstance(value, str) and _norm(value) == _norm(self.want)

    def __str__(self) -> str:
        return repr(self.want)


@dataclass(frozen=True)
class Contains:
    """Text holding `want` (case-insensitive)."""

    want: str

    def __call__(self, value: Any) -> bool:
        return isinstance(value, str) and _norm(self.want) in _norm(value)

    def __str__(self) -> str:
        return f"~{self.want!r}"


@dataclass(frozen=True)
class ContainsAll:
    """Text holding every one of `wants` (case-insensitive)."""

    wants: tuple[str, ...]

    def __call__(self, value: Any) -> bool:
        return isinstance(value, str) and all(_norm(w) in _norm(value) for w in self.wants)

    def __str__(self) -> str:
        return "~" + "+".join(repr(w) for w in self.wants)


@dataclass(frozen=True)
class Digits:
    """A phone number with the same digits, whatever the spacing."""

    want: str

    def __call__(self, value: Any) -> bool:
        return isinstance(value, str) and re.sub(r"\D", "", value) == re.sub(r"\D", "", self.want)

    def __str__(self) -> str:
        return f"#{self.want}"


def _matches(want: Any, value: Any) -> bool:
    if callable(want):
        return bool(want(value))
    if isinstance(want, float) and isinstance(value, int | float):
        return abs(value - want) < 0.005
    return bool(value == want)


def _fields_text(fields: Mapping[str, Any]) -> str:
    shown = (Text, Contains, ContainsAll, Digits)
    return ", ".join(f"{k}={v if isinstance(v, shown) else repr(v)}" for k, v in fields.items())


# -------------------------------------------------------------------------- checks


@dataclass(frozen=True)
class Check:
    """A named predicate on the world after the run."""

    describe: str
    test: Callable[[World], bool]

    def __call__(self, world: World) -> bool:
        return self.test(world)


def _records(world: World, collection: str, device: str | None) -> list[Any]:
    phone = world.phone(device)
    if collection == "transactions":
        return list(phone.bank.transactions)
    return list(getattr(phone, collection))


def _match_record(record: Any, fields: Mapping[str, Any]) -> bool:
    return all(_matches(want, getattr(record, key)) for key, want in fields.items())


def has(collection: str, device: str | None = None, **fields: Any) -> Check:
    """A record in a phone's list (contacts, messages, alarms, timers, events, notes,
    transactions) whose fields match."""
    where = f" on {device}" if device else ""
    return Check(
        f"{collection}{where} has {{{_fields_text(fields)}}}",
        lambda w: any(_match_record(r, fields) for r in _records(w, collection, device)),
    )


def lacks(collection: str, device: str | None = None, **fields: Any) -> Check:
    """No record in a phone's list matches."""
    where = f" on {device}" if device else ""
    return Check(
        f"{collection}{where} has no {{{_fields_text(fields)}}}",
        lambda w: not any(_match_record(r, fields) for r in _records(w, collection, device)),
    )


def mentions(collection: str, text: str, device: str | None = None) -> Check:
    """A record in a phone's list has `text` in any of its text fields."""
    where = f" on {device}" if device else ""

    def test(w: World) -> bool:
        return any(
            _norm(text) in _norm(" ".join(str(v) for v in r.model_dump().values() if isinstance(v, str)))
            for r in _records(w, collection, device)
        )

    return Check(f"{collection}{where} mention {text!r}", test)


def setting(name: str, value: Any, device: str | None = None) -> Check:
    """One system setting (`Settings` field) has this value."""
    where = f" on {device}" if device else ""
    return Check(
        f"settings.{name}{where} == {value!r}", lambda w: _matches(value, getattr(w.phone(device).settings, name))
    )


def balance(amount: float, device: str | None = None) -> Check:
    """The bank account holds exactly this much."""
    return Check(f"bank balance == {amount:.2f}", lambda w: abs(w.phone(device).bank.balance - amount) < 0.005)


def web_message(**fields: Any) -> Check:
    """The site's contact form received a message whose fields match."""

    def test(w: World) -> bool:
        sent = w.web.messages if w.web is not None else []
        return any(all(_matches(v, m.get(k, "")) for k, v in fields.items()) for m in sent)

    return Check(f"web contact form got {{{_fields_text(fields)}}}", test)


def unchanged(*allowed: str) -> Check:
    """No user data changed at all (apart from the `allowed` paths, e.g. a bank login)."""
    extra = f" (apart from {', '.join(allowed)})" if allowed else ""
    return Check(f"nothing changed{extra}", lambda w: not [c for c in w.changes if not path_allowed(c.path, allowed)])


def answer(truth: Callable[[World], str], what: str) -> Check:
    """The text handed back holds the truth read from device state (`what` names it).

    A phone number may come back spaced differently: when the truth is a number, the
    digits are compared.
    """

    def test(w: World) -> bool:
        want = truth(w)
        if re.fullmatch(r"[\d\s+-]{6,}", want):
            return re.sub(r"\D", "", want) in re.sub(r"\D", "", w.answers)
        return bool(want) and _norm(want) in _norm(w.answers)

    return Check(f"the answer gives {what}", test)


def all_of(*checks: Check) -> Check:
    """Every check holds."""
    return Check(" and ".join(c.describe for c in checks), lambda w: all(c(w) for c in checks))


# ---------------------------------------------------------------------------- items

BASE_SEED: dict[str, Any] = {
    "contacts": [
        {"name": "Maya Okafor", "phone": "555 0142", "email": "maya.okafor@example.net"},
        {"name": "Tom Reyes", "phone": "555 0177"},
        {"name": "Priya Shah", "phone": "555 0123", "email": "priya@shah.example"},
        {"name": "Jonas Berg", "phone": "555 0188"},
        {"name": "Mum", "phone": "555 0111"},
        {"name": "Luis Moreno", "phone": "555 0166", "email": "luis.m@example.org"},
    ],
    "notes": [{"title": "Packing list", "body": "passport, charger, socks"}],
    "alarms": [{"hour": 6, "minute": 45, "label": "Run"}],
    "events": [{"title": "Team sync", "date": "2025-06-04", "start": "09:30", "end": "10:00"}],
    "files": [
        {"name": "boarding-pass.pdf", "size": 184_000},
        {"name": "holiday.jpg", "size": 2_400_000, "folder": "Pictures"},
    ],
    "permissions": {"com.google.android.apps.messaging": True},
}
"""What every phone holds before an item's own seed is added: a lived-in phone, so a
wrong delete or edit has something to damage."""


@dataclass(frozen=True)
class Item:
    """One request of the set.

    devices: the fleet, as `fleetmind run --devices` writes it.
    seed: per phone id ("phone-1", ...), `PhoneState.seed` keyword arguments added on
        top of `BASE_SEED` (or instead of it, with `base=False`).
    expect: the outcome the request must end in.
    allow: the state paths the request may change (see `world.path_allowed`); any
        other change counts as unintended.
    allow_before: the paths that may already have changed when a question is asked
        (e.g. a bank login with the PIN the request gave, before the transfer's
        confirmation); anything else changed by then was done before asking.
    reply: what the user answers to a question (a missing value, a choice);
    confirm: what the user answers to a yes/no confirmation ("yes" or "no").
    apps: the apps (and "Web") the request is about, for the per-app table.
    """

    id: str
    request: str
    apps: tuple[str, ...]
    check: Check
    expect: Outcome = "success"
    devices: str = "phone:1"
    seed: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    base: bool = True
    allow: frozenset[str] = frozenset()
    allow_before: frozenset[str] = frozenset()
    reply: str | None = None
    confirm: Literal["yes", "no"] | None = None

    @property
    def declines(self) -> bool:
        """Whether the user's answers leave nothing to do: a refusal, or a confirmation refused."""
        return self.expect == "refusal" or self.confirm == "no"
