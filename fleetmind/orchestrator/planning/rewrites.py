"""Clauses that are two steps in one breath, or that name a thing by a pronoun.

- "copy Ada's number from phone-1 to phone-2": find it on one device, save it on the other;
- "send the weather in Paris to Ada": look it up, then send it;
- "turn on Bluetooth ... and turn it off on phone-2": "it" is the thing just switched.
"""

from __future__ import annotations

import re

from . import lexicon
from .devices import Address, Fleet

_BETWEEN = re.compile(
    r"^(?:copy|move|transfer|send|forward|share|sync|bring|carry)\s+(?P<obj>.+?)\s+from\s+(?P<a>.+?)\s+"
    r"(?:to|onto|over to|into)\s+(?P<b>.+?)$",
    re.I,
)


def between_devices(text: str, fleet: Fleet) -> tuple[tuple[str, Address], tuple[str, Address]] | None:
    """ "copy X from phone-1 to phone-2" -> (("Find X", phone-1), ("Save X", phone-2)), or None."""
    m = _BETWEEN.match(text)
    if not m:
        return None
    a = fleet.find(f"on {m.group('a')}", value_from=len(m.group("a")) + 3)
    b = fleet.find(f"on {m.group('b')}", value_from=len(m.group("b")) + 3)
    if a is None or b is None or len(a.device_ids) != 1 or len(b.device_ids) != 1 or a.device_ids == b.device_ids:
        return None
    obj = m.group("obj")
    return (f"Find {obj}", a), (f"Save {obj}", b)


_TOGGLED = re.compile(
    r"^(?:(?:turn|switch)\s+(?:on|off|up|down)\s+(?P<a>.+)|(?:turn|switch)\s+(?P<b>.+?)\s+(?:on|off|up|down)|"
    r"(?:enable|disable|mute|unmute|toggle|activate|deactivate)\s+(?P<c>.+))$",
    re.I,
)
_UI_IT = re.compile(r"\b((?:turn|switch|toggle|set|put)\s+)it\b", re.I)


def name_the_thing(goal: str, previous: str) -> str:
    """ "turn it off" after "turn on Bluetooth" -> "turn Bluetooth off": "it" is the thing just switched,
    or the setting a remark just named ("I don't need Wi-Fi right now, can you turn it off?")."""
    if not _UI_IT.search(goal):
        return goal
    thing = _TOGGLED.match(previous)
    name = (thing.group("a") or thing.group("b") or thing.group("c")) if thing else _setting_in(previous)
    if not name:
        return goal
    return _UI_IT.sub(lambda m: m.group(1) + name, goal, count=1)


def _setting_in(remark: str) -> str | None:
    """The phone setting a remark talks about ("I don't need Wi-Fi right now" -> "Wi-Fi"), if any."""
    term = lexicon.area_term(remark, "settings")
    return term if term is not None and term.lower() not in ("settings", "setting") else None


_SEND_ABOUT = re.compile(
    r"^(?P<verb>(?i:send|text|email|e-mail|message|sms|tell|forward|share))\s+"
    r"(?:(?P<who>me|him|her|them|[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)?)\s+)?"
    r"(?P<obj>(?i:the)\s+(?P<noun>[a-z]+(?:\s+[a-z]+)?)\s+(?:in|of|for|at|on)\s+(?:the\s+)?[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*)"
    r"(?P<rest>.*)$"
)


def embedded_lookup(goal: str, fleet: Fleet) -> tuple[str, str] | None:
    """ "send the weather in Paris to Ada" -> ("Look up the weather in Paris", "Send it to Ada"), or None.

    Only for things about the world (no phone feature: "the photo of Ada" stays as it is).
    """
    m = _SEND_ABOUT.match(goal)
    if not m or lexicon.phone_area(m.group("obj"), fleet.app_areas()) or m.group("noun") in ("same", "rest"):
        return None
    verb, who, rest = m.group("verb"), m.group("who"), m.group("rest")
    if verb.lower() == "tell" and who in ("me", None):
        return None  # "tell me the weather in Paris" is a question
    send = f"{verb} it to {who}{rest}" if who else f"{verb} it{rest}"
    return f"Look up {m.group('obj')}", send
