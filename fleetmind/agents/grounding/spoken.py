"""Times and durations as people say them, written as digits for the goal reader.

"quarter to nine" -> "8:45", "half past seven" -> "7:30", "an hour and a half" -> "90 minutes",
"ten minutes" -> "10 minutes". Only the parts that name a time or a duration change; a message's
own words are never passed through here (the goal reader cuts them out first).
"""

from __future__ import annotations

import re

_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40,
    "forty-five": 45, "fifty": 50, "sixty": 60, "ninety": 90,
}  # fmt: skip
_NUMBER = r"(?:\d{1,3}|" + "|".join(sorted(_NUMBERS, key=len, reverse=True)) + ")"
_CLOCK = re.compile(rf"\b(quarter|half)\s+(past|after|to|before)\s+({_NUMBER})\b", re.I)
_HOURS = re.compile(
    rf"\b(?:(half)\s+an\s+hour|(?:a\s+)?(quarter)\s+of\s+an\s+hour|({_NUMBER})\s+hours?"
    rf"(?:\s+and\s+(?:(a\s+half)|({_NUMBER})\s+min(?:ute)?s?))?)\b",
    re.I,
)
_UNITS = re.compile(rf"\b({_NUMBER})(?:-|\s+)(min(?:ute)?s?|sec(?:ond)?s?)\b", re.I)


def _number(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBERS[word.lower()]


def _clock(m: re.Match[str]) -> str:
    part, way, hour = m.group(1).lower(), m.group(2).lower(), _number(m.group(3))
    minutes = 15 if part == "quarter" else 30
    if way in ("to", "before"):
        hour, minutes = (hour - 1) % 12 or 12, 60 - minutes
    return f"{hour}:{minutes:02d}"


def _hours(m: re.Match[str]) -> str:
    if m.group(1):
        return "30 minutes"
    if m.group(2):
        return "15 minutes"
    total = _number(m.group(3)) * 60 + (30 if m.group(4) else _number(m.group(5)) if m.group(5) else 0)
    return f"{total} minutes"


def spoken_times(text: str) -> str:
    """`text` with spoken clock times and durations written as digits."""
    text = _CLOCK.sub(_clock, text)
    text = _HOURS.sub(_hours, text)
    return _UNITS.sub(lambda m: f"{_number(m.group(1))} {m.group(2)}", text)
