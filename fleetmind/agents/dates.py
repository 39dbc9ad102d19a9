"""Days as people name them ("tomorrow", "Friday", "June 5th", "the 4th"), read against the device's today.

A form wants a date as YYYY-MM-DD; a request says "lunch on June 5th". The day is counted from the
device's own clock (`Device.today`), never the host's guess at it, and a day that cannot be read
stays unread: the agent then asks which date is meant rather than saving on the wrong one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTH_WORD = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_DAY_RE = re.compile(
    rf"\b(?:(?P<month>{_MONTH_WORD})\.?\s+(?:the\s+)?(?P<day>\d{{1,2}})(?:st|nd|rd|th)?"
    rf"|(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<month2>{_MONTH_WORD})\.?"
    r"|(?P<rel>day after tomorrow|tomorrow|today|tonight)"
    r"|(?P<next>next\s+|this\s+|on\s+)?(?P<weekday>monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
    rf"|the\s+(?P<nth>\d{{1,2}})(?:st|nd|rd|th)(?!\s+(?:of\s+)?(?:{_MONTH_WORD})))\b",
    re.I,
)


def day_named(text: str, today: date) -> tuple[str, str] | None:
    """The first day `text` names and that day as YYYY-MM-DD, counted from `today`; None if it names none.

    A month and day without a year is the next such day from today on; a weekday is the next one
    after today ("next Friday" the same); "the 4th" is this month's, or next month's once passed.
    """
    for m in _DAY_RE.finditer(text):
        day = _resolve(m, today)
        if day is not None:
            return m.group(0), day.isoformat()
    return None


def _resolve(m: re.Match[str], today: date) -> date | None:
    if rel := m.group("rel"):
        offset = {"today": 0, "tonight": 0, "tomorrow": 1, "day after tomorrow": 2}[rel.lower()]
        return today + timedelta(days=offset)
    if weekday := m.group("weekday"):
        ahead = (_WEEKDAYS.index(weekday.lower()) - today.weekday()) % 7
        return today + timedelta(days=ahead or 7)
    if nth := m.group("nth"):
        return _next_valid(today, lambda year, month: (year, month, int(nth)), months=True)
    month_word = m.group("month") or m.group("month2")
    number = int(m.group("day") or m.group("day2"))
    month = _MONTHS.index(month_word[:3].lower()) + 1
    return _next_valid(today, lambda year, _: (year, month, number), months=False)


def _next_valid(today: date, make: Callable[[int, int], tuple[int, int, int]], *, months: bool) -> date | None:
    """The first real date from today on that `make(year, month)` names, this period or the next."""
    year, month = today.year, today.month
    for _ in range(2):
        y, mo, d = make(year, month)
        try:
            candidate = date(y, mo, d)
        except ValueError:
            return None
        if candidate >= today:
            return candidate
        if months:
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        else:
            year += 1
    return None
