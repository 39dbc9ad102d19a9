"""Date pickers on web pages: which date the goal picks, and one step toward it (open the
picker, page it to the month, pick the day). Pure: the goal and the screen in, a candidate out."""

from __future__ import annotations

import re
from datetime import date

from ...devices.base import Observation, Tap, Target, UIElement
from .candidate import Candidate
from .goals import Goal
from .web import month_number, read_date

__all__ = ["calendar_step", "date_left"]

_PREV = re.compile(r"^(?:prev|previous|back|earlier|<|‹|«|←)(?:\s+month)?$", re.I)
_NEXT = re.compile(r"^(?:next|forward|later|>|›|»|→)(?:\s+month)?$", re.I)


def _calendar_month(obs: Observation) -> tuple[int, int] | None:
    """(year, month) a calendar on the page shows: "December 2016", or "December" with "2016" beside it."""
    texts = [e for e in obs.elements if e.text.strip() and not e.editable]
    for e in texts:
        words = e.text.split()
        if len(words) == 2 and (mo := month_number(words[0])) and re.fullmatch(r"\d{4}", words[1]):
            return int(words[1]), mo
        if len(words) == 1 and len(words[0]) >= 3 and (mo := month_number(words[0])):
            for y in texts:
                if re.fullmatch(r"\d{4}", y.text.strip()) and abs(y.bounds.top - e.bounds.top) <= 8:
                    return int(y.text.strip()), mo
    return None


def _day_cell(obs: Observation, day: int) -> UIElement | None:
    """The calendar's cell for `day`: a leading or trailing day of the next or last month is skipped
    (the first 1 of a month comes before any 23-31, the last 30 after any 1)."""
    cells = [e for e in obs.elements if e.clickable and e.text.strip() == str(day)]
    if not cells:
        return None
    rows = sorted({e.bounds.top // 6 for e in cells})
    row = rows[0] if day <= 14 else rows[-1]
    same = [e for e in cells if e.bounds.top // 6 == row]
    return min(same, key=lambda e: e.bounds.width * e.bounds.height)  # the link inside its table cell


def date_left(goal: Goal, obs: Observation) -> date | None:
    """The date the goal picks ("Select 01/14/2016 as the date") when no field on the page shows it yet."""
    wanted = read_date(goal.text)
    if wanted is None or not re.search(r"\b(?:date|day|calendar|picker)\b", goal.text, re.I):
        return None
    shown = any(read_date(e.text) == wanted for e in obs.elements if e.text)
    return None if shown else wanted


def calendar_step(wanted: date, obs: Observation) -> Candidate | None:
    """One step toward `wanted` in a date picker: open it, page to its month, pick its day."""
    month = _calendar_month(obs)
    if month is None:
        fields = [e for e in obs.elements if e.clickable and not e.editable and e.cls in ("textbox", "combobox")]
        if not fields:
            return None
        el, why = fields[0], "open the date picker"
    elif month == (wanted.year, wanted.month):
        cell = _day_cell(obs, wanted.day)
        if cell is None:
            return None
        el, why = cell, f"pick {wanted:%B} {wanted.day}"
    else:
        way = _PREV if month > (wanted.year, wanted.month) else _NEXT
        moves = [e for e in obs.elements if e.clickable and way.match(e.label.strip())]
        if not moves:
            return None
        el, why = moves[0], f"page the calendar toward {wanted:%B %Y}"
    return Candidate(Tap(target=Target(element=el.id), why=why), why, 3.3)
