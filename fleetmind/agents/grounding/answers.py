"""Reading the answer to a question goal off the screen."""

from __future__ import annotations

import re

from ...devices.base import Observation, UIElement
from .fields import ROW_SEP
from .goals import Goal, app_words, is_about, overlap
from .history import typed_values
from .screens import prompt_in_the_way
from .vocabulary import STOP, content_words, words


def extract_answer(goal: Goal, obs: Observation, history: list[str] | None = None) -> str:
    """The text on screen that answers the goal, or "" if this screen does not show it.

    A phone number or email when the goal asks for one, on a screen that is about
    what the goal names (static text, not a list row, mentions it); otherwise the
    static text that shares words with the goal and adds something new.
    """
    if prompt_in_the_way(obs):
        return ""  # "Allow Messages to send SMS?" answers nothing: the screen behind it is not shown yet
    static = [e for e in obs.elements if e.text and not e.editable and not e.clickable]
    texts = [e.text for e in obs.elements if e.text and not e.editable]
    about_it = any(overlap(goal, e.text) > 0 for e in static)
    wants = goal.words
    if wants & {"phone", "number"} and about_it:
        hit = next((t for t in texts if re.fullmatch(r"\+?[\d\s().-]{5,}", t)), None)
        if hit:
            return hit
    if wants & {"email", "mail"} and about_it:
        hit = next((t for t in texts if "@" in t), None)
        if hit:
            return hit
    if not goal.entities and is_about(goal, obs.foreground_app):
        # "what's on my calendar today?" on a Calendar that says "No upcoming events": that is the answer
        empty = next((e.text for e in static if _EMPTY_LIST.match(e.text.strip())), None)
        if empty is not None:
            return empty
    typed = typed_values(history or [])
    names = {w for entity in goal.entities for w in content_words(entity)}
    best, best_score = "", 0
    goal_words = set(words(goal.text))
    asked_days = _month_days(goal.text)
    for text in _units(obs, static):
        if names and not names & content_words(text):
            continue  # the answer must be about what the goal names
        shown_days = _month_days(text)
        if asked_days and shown_days and not asked_days & shown_days:
            continue  # a line about another day than the one asked about
        words_there = content_words(text)
        shared = len(wants & words_there) + (1 if asked_days & shown_days else 0)
        shared += 1 if names and names <= words_there else 0  # the person asked about, by their full name
        says_more = len(set(words(text)) - STOP - goal_words) >= 2  # not just "Results for <query>"
        if text in typed or not says_more or text == obs.foreground_app or _TODAY_IS.match(text):
            continue
        score = shared + (1 if re.search(r"\d", text) else 0)
        if shared >= 1 and score >= 2 and score > best_score:
            best, best_score = text, score
    return best or _labelled_value(goal, obs) or _listed(goal, obs, static)


_EMPTY_LIST = re.compile(
    r"^(?:no|nothing|you have no|there are no|there is nothing)\b[\w\s',-]{0,40}?"
    r"\b(?:events?|messages?|conversations?|alarms?|timers?|notes?|contacts?|files?|downloads?|transfers?"
    r"|transactions?|results?|items?|appointments?|meetings?|here|yet|scheduled|upcoming|today)\b[\w\s.]*$",
    re.I,
)
"""What an app shows instead of an empty list ("No upcoming events", "No alarms set")."""


_TODAY_IS = re.compile(r"^(?:today|tomorrow|yesterday)\b\W+\w+,?\s+\w+\s+\d", re.I)
"""A header that says what day it is ("Today: Monday, June 2, 2025"): no answer to what is on that day."""
_ABOUT_THE_LIST = frozenset(
    {"what", "whats", "s", "on", "in", "my", "have", "any", "do", "does", "show", "list", "upcoming", "next",
     "scheduled", "set", "got", "there", "are", "is", "coming", "up", "all", "read", "tell", "me", "check"}
)
"""Words of a question that asks for an app's list as a whole ("what's on my calendar?")."""


def _listed(goal: Goal, obs: Observation, static: list[UIElement]) -> str:
    """The rows of the app's list, for a question that names nothing in it but the app
    ("what's on my calendar?", "what alarms do I have?"); "" for a question about one thing."""
    app = obs.foreground_app
    if goal.entities or not is_about(goal, app):
        return ""
    if goal.words - _ABOUT_THE_LIST - app_words(app):
        return ""  # "when is my dentist appointment?": one thing, which this list may not hold
    rows = [u for u in _units(obs, static) if ROW_SEP in u]
    return "; ".join(rows[:5])


def _units(obs: Observation, static: list[UIElement]) -> list[str]:
    """The texts an answer is read from: a list row's lines together ("Team sync · Wed, Jun 4 · 10:00 -
    10:30": a title and its date are one answer), and every other line on its own."""
    rows = [e for e in obs.elements if e.clickable and not e.text and e.bounds.width * e.bounds.height > 0]
    units: list[str] = []
    in_rows: set[str] = set()
    for row in rows:
        lines = {e.id for e in obs.inside(row)}
        members = [s for s in static if s.id in lines and s.id not in in_rows]
        if len(members) >= 2:
            units.append(ROW_SEP.join(m.text for m in members))
            in_rows.update(m.id for m in members)
    return units + [s.text for s in static if s.id not in in_rows]


_MONTHS = {m: i + 1 for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
)}
_MONTH_DAY = re.compile(
    r"\b([A-Za-z]{3})[a-z]*\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b"
    r"|\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?([A-Za-z]{3})[a-z]*\b"
)


def _month_days(text: str) -> set[tuple[int, int]]:
    """(month, day) pairs a text names: "June 4th", "Jun 4", "4 June"."""
    out = set()
    for m in _MONTH_DAY.finditer(text):
        month, day = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        if month and month.lower() in _MONTHS:
            out.add((_MONTHS[month.lower()], int(day)))
    return out


def _labelled_value(goal: Goal, obs: Observation) -> str:
    """A value shown beside or under the label the goal asks about: "Balance" over "$2,450.75"."""
    static = [e for e in obs.elements if e.text and not e.editable and not e.clickable]
    asked_days = _month_days(goal.text)
    for label in static:
        label_words = content_words(label.text)
        if not label_words or len(label_words) > 3 or not label_words <= goal.words:
            continue
        if label.text.casefold() == obs.foreground_app.casefold():
            continue  # the app's own title labels nothing
        below_or_right = [
            v
            for v in static
            if v is not label
            and re.search(r"\d", v.text)
            and not (asked_days and _month_days(v.text) and not asked_days & _month_days(v.text))
            and (
                0 <= v.bounds.top - label.bounds.bottom < label.bounds.height * 2  # just below
                or (abs(v.bounds.top - label.bounds.top) < label.bounds.height and v.bounds.left >= label.bounds.right)
            )
        ]
        if below_or_right:
            value = min(below_or_right, key=lambda v: (v.bounds.top - label.bounds.top, v.bounds.left))
            return f"{label.text}: {value.text}"
    return ""
