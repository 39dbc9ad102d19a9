"""Can this device do what the goal asks at all? Pure, no I/O.

Before anything is touched, a request for an app the phone does not have ("open
Spotify", "play it in the Spotify app"), or for a kind of app it has none of ("send Katherine
an email", "call Ada" on a phone without e-mail or a dialer), ends in a clear failure that
lists what the phone has, instead of a walk through unrelated apps. A request none of the apps
seems to be for is not refused up front: word lists cannot tell that reliably, so
the agent looks around read-only and says what it could not work out.
"""

from __future__ import annotations

import re

from .grounding import Goal, content_words
from .grounding.goals import app_words

__all__ = ["missing_app", "missing_kind"]

_OPEN = re.compile(
    r"\b(?:open|launch|start up|fire up)\s+(?:the\s+|my\s+)?([A-Za-z][\w-]*(?:\s+[A-Z][\w-]*)?)"
    r"|\b(?:in|on|with|using|via|from)\s+(?:the\s+|my\s+)?([A-Za-z][\w-]*(?:\s+[A-Za-z][\w-]*)?)\s+app\b",
    re.I,
)
_DEVICE_WORDS = frozenset({"home", "back", "screen", "phone", "device", "app", "apps", "recent", "notifications"})


def _known_words(apps: list[str]) -> set[str]:
    return set(_DEVICE_WORDS).union(*(app_words(app) for app in apps))


_KINDS: list[tuple[str, re.Pattern[str], frozenset[str]]] = [
    (
        "e-mail",
        re.compile(
            r"\b(?:send|write|compose|draft|reply to|forward)\b(?:\s+[\w'-]+){0,4}?\s+(?:an?\s+)?e-?mails?\b"
            r"|^\W*(?:please\s+|can you\s+|could you\s+)?e-?mail\s+(?!address)[A-Z\w]",
            re.I,
        ),
        frozenset({"mail", "email", "e-mail", "gmail", "outlook", "inbox", "thunderbird", "proton"}),
    ),
    (
        "phone-call",
        re.compile(
            r"^\W*(?:please\s+|can you\s+|could you\s+)?(?:call|ring|dial|phone|facetime)\s+(?!me\b)[\w+]", re.I
        ),
        frozenset({"phone", "dialer", "dialler", "call", "calls", "facetime", "skype", "whatsapp"}),
    ),
    (
        "camera",
        re.compile(r"\b(?:take|snap|shoot)\s+(?:a\s+|some\s+)?(?:photo|picture|selfie|pic|video)s?\b", re.I),
        frozenset({"camera"}),
    ),
    (
        "maps",
        re.compile(r"\b(?:directions|navigate|route)\s+(?:me\s+)?to\b", re.I),
        frozenset({"maps", "map", "navigation", "waze"}),
    ),
]
"""Kinds of app a request needs by what it does ("send Katherine an email"), the words an app of
that kind is called by. A phone with none of them cannot do it: another app that also takes
text (Notes, Messages) is not the one asked for."""


def missing_kind(goal: Goal, apps: list[str]) -> str | None:
    """The kind of app the goal needs ("e-mail") when no installed app is of that kind, or None.
    The message the goal passes on is not read: "text Ada saying call me" needs Messages."""
    said = goal.unsaid()
    names = {w for app in apps for w in re.findall(r"[\w-]+", app.lower())}
    for kind, needs, called in _KINDS:
        if needs.search(said) and not names & called:
            return kind
    return None


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
