"""Can this device do what the goal asks at all? Pure, no I/O.

Before anything is touched, a request for an app the phone does not have ("open
Spotify", "play it in the Spotify app") ends in a clear failure that lists what the
phone has, instead of a walk through unrelated apps. A request none of the apps
seems to be for is not refused up front: word lists cannot tell that reliably, so
the agent looks around read-only and says what it could not work out.
"""

from __future__ import annotations

import re

from .grounding import APP_HINTS, Goal, content_words

__all__ = ["missing_app"]

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
