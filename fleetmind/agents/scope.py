"""Can this device do what the goal asks at all? Pure, no I/O.

Before anything is touched, a request for an app the phone does not have ("open
Spotify") or for something none of its apps is for ("order me a pizza" on a phone
with Settings, Contacts and Clock) ends in a clear failure that lists what the
phone has, instead of a walk through unrelated apps.
"""

from __future__ import annotations

import re

from .grounding import APP_HINTS, Goal, content_words

__all__ = ["missing_app", "nothing_fits"]

_OPEN = re.compile(
    r"\b(?:open|launch|start up|fire up)\s+(?:the\s+|my\s+)?([A-Za-z][\w-]*(?:\s+[A-Z][\w-]*)?)"
    r"|\b(?:in|on|with|using|via|from)\s+(?:the\s+|my\s+)?([A-Za-z][\w-]*(?:\s+[A-Za-z][\w-]*)?)\s+app\b",
    re.I,
)
_DEVICE_WORDS = frozenset({"home", "back", "screen", "phone", "device", "app", "apps", "recent", "notifications"})


def _known_words(apps: list[str]) -> set[str]:
    known = set(_DEVICE_WORDS)
    for app in apps:
        known |= content_words(app)
        known |= APP_HINTS.get(app.lower(), set())
    return known


def missing_app(goal: Goal, apps: list[str]) -> str | None:
    """The app the goal asks to open or use that is not on the device, or None."""
    installed = {a.lower() for a in apps}
    known = _known_words(apps)
    for m in _OPEN.finditer(goal.text):
        name = (m.group(1) or m.group(2) or "").strip()
        words = content_words(name)
        if not words or name.lower() in installed or words & known:
            continue
        return name
    return None


def nothing_fits(goal: Goal, apps: list[str]) -> bool:
    """True when no app on the device is named by, or known to hold, anything the goal speaks of."""
    return bool(apps) and not (goal.words & _known_words(apps))
