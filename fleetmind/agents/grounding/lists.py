"""Adding to a note or list the user already has ("add sunscreen to my packing list note"): what
the item is, whether the record open on screen is the one named, and its text with the item added."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .vocabulary import PRONOUNS, content_words, words

if TYPE_CHECKING:
    from .goals import Goal

__all__ = ["appended", "appended_item", "opened_list_named"]

_APPEND = re.compile(
    r"\b(?:add|put|append|include|stick|throw|jot down|write down)\s+(?P<item>.+?)\s+(?:to|on|onto|in|into)\s+"
    r"(?:my|the|our)\s+(?P<which>(?:[\w'-]+\s+){0,3}?)(?P<kind>note|list|memo)\b",
    re.I,
)
"""An item for a note or list the user already has ("add sunscreen to my packing list note")."""
_NOT_NOTES = frozenset({"contact", "contacts", "calendar", "favorites", "favourites", "blocked", "block", "reading"})
"""Lists that are not notes: the contacts, the calendar, a browser's reading list."""


def appended_item(text: str) -> str | None:
    """What to add to an existing note or list, or None when the goal adds to none."""
    m = _APPEND.search(text)
    if m is None or (m.group("kind").lower() == "note" and not m.group("which").strip()):
        return None  # "add milk to my note": which note is not said
    if set(words(m.group("which"))) & _NOT_NOTES or m.group("item").lower() in PRONOUNS:
        return None
    item = re.sub(r"^(?:a|an|some|the)\s+", "", m.group("item").strip(" ,"), flags=re.I)
    return item or None


def opened_list_named(goal: Goal, obs_texts: list[str]) -> bool:
    """Whether the record open on screen (its title, as `obs_texts` show it) is the note or list the goal
    adds to: "Packing list" for "add sunscreen to my packing list note", not "Groceries"."""
    m = _APPEND.search(goal.text)
    named = content_words(m.group("which")) - {"note", "notes", "list", "memo"} if m else set()
    return bool(named) and any(named & content_words(t) for t in obs_texts)


def appended(existing: str, item: str) -> str | None:
    """`existing` text with `item` added the way it lists things (", item" or a new line); None for an
    empty text: there is nothing to add to, and a new record is not what was asked."""
    text = existing.rstrip()
    if not text:
        return None
    if "\n" not in text and ("," in text or len(text.split()) <= 3):
        return f"{text}, {item}"
    return f"{text}\n{item}"
