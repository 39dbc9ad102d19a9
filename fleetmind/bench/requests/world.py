"""What the requests bench reads from the devices: snapshots of their state and the
difference between two snapshots.

A snapshot flattens every phone's `PhoneState` and the VirtualWeb's server-side
record into paths (`phone-1:settings.wifi`, `phone-2:contacts`, `web:messages`).
Lists compare as multisets of their items, so a reordering is not a change.
Navigation, the clock, the battery and the notification shade are not user data
and never count; neither do web searches and forecasts looked up (reading a page
changes nothing). Everything else does: a brightness, volume, timer or bank
change nobody asked for is exactly what the bench exists to catch.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from ...devices.virtual import PhoneState
from ...devices.virtual.web import WebState

__all__ = ["Change", "World", "diff", "flatten", "path_allowed"]

IGNORED_PHONE_FIELDS = frozenset({"nav", "now", "battery", "notifications"})
"""Top-level `PhoneState` fields that are not user data: where the user is, the clock, the shade."""

IGNORED_WEB_FIELDS = frozenset({"searches", "forecasts"})
"""VirtualWeb records of read-only page views; they change nothing on the site."""


def _leaves(prefix: str, value: Any, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _leaves(f"{prefix}.{key}", inner, out)
    elif isinstance(value, list):
        out[prefix] = tuple(sorted(json.dumps(v, sort_keys=True, ensure_ascii=False) for v in value))
    else:
        out[prefix] = value


def flatten(phones: Mapping[str, PhoneState], web: WebState | None) -> dict[str, Any]:
    """Every user-data path of the fleet and its value (lists as sorted tuples of JSON items)."""
    out: dict[str, Any] = {}
    for device_id, state in phones.items():
        for key, value in state.model_dump(mode="json").items():
            if key not in IGNORED_PHONE_FIELDS:
                _leaves(f"{device_id}:{key}", value, out)
    if web is not None:
        for key, value in asdict(web).items():
            if key not in IGNORED_WEB_FIELDS:
                _leaves(f"web:{key}", value, out)
    return out


@dataclass(frozen=True)
class Change:
    """One path whose value differs between two snapshots."""

    path: str
    before: Any
    after: Any

    def describe(self) -> str:
        """A short human line: `phone-1:settings.wifi True -> False`, or the list items added and removed."""
        if isinstance(self.before, tuple) or isinstance(self.after, tuple):
            was, now = Counter(self.before or ()), Counter(self.after or ())
            added = [json.loads(v) for v in (now - was).elements()]
            removed = [json.loads(v) for v in (was - now).elements()]
            parts = [f"+{_short(v)}" for v in added] + [f"-{_short(v)}" for v in removed]
            return f"{self.path} {' '.join(parts)}"
        return f"{self.path} {self.before!r} -> {self.after!r}"


def _short(item: Any) -> str:
    if isinstance(item, dict):  # drop defaults-looking noise such as timestamps
        item = {k: v for k, v in item.items() if k not in ("ts", "started_at") and v not in ("", None)}
    return json.dumps(item, ensure_ascii=False)


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[Change]:
    """The paths whose values differ, in path order."""
    return [
        Change(path, before.get(path), after.get(path))
        for path in sorted(set(before) | set(after))
        if before.get(path) != after.get(path)
    ]


def path_allowed(path: str, patterns: Iterable[str]) -> bool:
    """Whether `path` (device:field.sub) is covered by one of `patterns`.

    A pattern is a field prefix ("contacts", "settings.wifi", "bank") that applies to
    every phone, or one pinned to a device ("phone-2:settings.dark_theme", "web:messages").
    """
    device, _, name = path.partition(":")
    for pattern in patterns:
        pin, sep, want = pattern.rpartition(":")
        if sep and pin != device:
            continue
        if not sep and device == "web":
            continue  # an unpinned pattern means phones; the site is named "web:..."
        if name == want or name.startswith(want + "."):
            return True
    return False


@dataclass(frozen=True)
class World:
    """The fleet as a check sees it after a run: device state, never the agent's word.

    `phones` are copies of each phone's state, `web` the site's server-side record,
    `changes` every change since the item started, `answers` the text the task handed
    back to the user (only for requests that ask something; checked against the truth
    read from `phones`/`web`), `forecast` the site's weather for a city.
    """

    phones: Mapping[str, PhoneState]
    web: WebState | None = None
    changes: tuple[Change, ...] = ()
    answers: str = ""
    forecast: Callable[[str], str] | None = None
    first: str = field(default="phone-1")

    def phone(self, device_id: str | None = None) -> PhoneState:
        """One phone's state; the first phone when no id is given."""
        return self.phones[device_id or self.first]
