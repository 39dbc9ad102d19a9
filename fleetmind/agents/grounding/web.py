"""Reading a request the way people write them for web pages, as text alone can tell.

- which field a value goes into: 'the username "ada"', 'Enter "Jerald" into the text field',
  'Enter 05/20/2010 as the date', 'the password "x" into both fields', 'type "paris" in capitals';
- a position: "the 5th result", "the second link", "the last item", "the 3rd checkbox";
- the items to tick: "Select A, B and C and click Submit".

The page side (which element is "the 5th result", the button the goal names, what is left to do)
is `web_actions`; this module reads text only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from ...devices.base import UIElement
from .fields import field_cue
from .vocabulary import STOP

__all__ = [
    "ANY_FIELD", "Ordinal", "Scoped", "WebRequest", "field_words", "month_number", "read_date", "read_request",
    "web_field_value",
]

ANY_FIELD = "*"
"""The field words of a value that goes into every field ("into both text fields")."""

_ORDINAL_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "last": -1,
}  # fmt: skip
_NOUNS = {
    "result": "result", "link": "link", "item": "item", "entry": "item", "row": "item", "option": "option",
    "checkbox": "checkbox", "check box": "checkbox", "radio button": "radio", "radio": "radio",
    "button": "button", "tab": "tab", "textbox": "field", "text box": "field", "text field": "field",
    "field": "field", "input": "field", "text input": "field", "text area": "field", "textarea": "field",
}  # fmt: skip
"""What a goal calls a kind of element -> the kind `web_actions` looks for."""
_NOUN = "|".join(sorted((re.escape(n) for n in _NOUNS), key=len, reverse=True))
_ORDINAL = re.compile(
    rf"\b(?:(\d{{1,2}})(?:st|nd|rd|th)|({'|'.join(_ORDINAL_WORDS)}))\s+((?:[\w-]+\s+){{0,2}}?)({_NOUN})s?\b", re.I
)
_FIELD_NOUNS = frozenset(
    {"field", "fields", "box", "boxes", "input", "inputs", "textbox", "textboxes", "textarea", "area", "areas", "entry"}
)
_GENERIC = _FIELD_NOUNS | {"text", "one", "line", "form", "blank", "value"}
"""Words that say "a field" without saying which one."""
_EVERY = frozenset({"both", "all", "each", "every"})
_VERBS = frozenset(
    {"enter", "type", "input", "write", "put", "fill", "use", "paste", "key", "set", "give", "add", "insert"}
    | {"to", "in"}
)
_QUOTE = re.compile(r"[\"“]([^\"”]+)[\"”]|(?:^|(?<=\s))['‘]([^'’]+)['’](?=\W|$)")
_PRESSED = re.compile(r"\b(?:press|click|hit|tap|push|labell?ed|named|called|says)\s+(?:on\s+)?(?:the\s+)?$", re.I)
"""Before a quoted button name ('press "Search"'): what follows is no value to type."""
_CLAUSE_END = re.compile(r"\s+(?:and|then)\b|[,;]|\.(?:\s|$)|$")
_UNQUOTED = re.compile(
    r"\b(?:enter|type|input|write|put|fill in|key in)\s+(?!the\b|a\b|an\b|your\b|it\b|this\b|that\b)"
    r"([^\s\"“].{0,29}?)\s+(?:as|into|in|for)\s+(?:the|your|a)\s+([\w -]{1,30}?)(?=\s+(?:and|then)\b|[,;.]|$)",
    re.I,
)
"""A value given without quotes and the field it goes in: "Enter 05/20/2010 as the date"."""
_WITH_WIDGET = re.compile(
    r"\b(?:select|set|choose|pick|enter|put)\s+(-?\d+(?:\.\d+)?)\s+(?:with|on|using|in)\s+the\s+([\w-]+)\b", re.I
)
"""A number set with a control: "Select -10 with the spinner", "set 40 on the slider"."""
_CASE = re.compile(r"\b(upper ?case|capitals?|capital letters|all caps|lower ?case|small letters)\b", re.I)
_TICK = re.compile(
    r"\b(?:select|tick|check|mark|choose)\s+(?!the\b|a\b|an\b|all\b|one\b|any\b|\d+(?:st|nd|rd|th)\b)(.+?)"
    r"(?=\s+(?:from|in|on|with|as|using|below|above)\b|,?\s+(?:and\s+)?(?:then\s+)?(?:click|press|hit|tap|submit)\b|[.;]|$)",
    re.I,
)


@dataclass(frozen=True)
class Ordinal:
    """A position the goal names: "the 5th result" -> Ordinal(5, "result", at)."""

    index: int
    """1-based; -1 for "the last"."""
    kind: str
    """What is counted: result, link, item, option, checkbox, radio, button, tab or field."""
    at: int
    """Where in the goal text it is named (to order it against the button the goal presses)."""
    value: str = ""
    """For a field: what to type into it ('enter "-5" into the 2nd textbox')."""


@dataclass(frozen=True)
class Scoped:
    """A press of a button that belongs to one post or row: 'Click "Share" on all posts by @annis'."""

    label: str
    anchor: str
    """The words that mark the post or row ("@annis", "Bob")."""
    every: bool
    """All such posts ("on all posts by"), else one."""
    at: int


_SCOPED_AFTER = re.compile(
    r"\b(?:click|press|tap|hit)\s+(?:on\s+)?(?:the\s+)?[\"“']?(?P<label>\w[\w' -]{0,20}?)[\"”']?\s+"
    r"(?:(?:button|icon|link)\s+)?(?:on|for|of|in|next to|beside)\s+(?P<count>all|every|each|\d+|one|a|an|the)?\s*"
    r"(?:[\w-]+\s+){0,2}?(?:by|from|of|for|named|called)\s+(?P<anchor>@?\w[\w.'-]*\w)",
    re.I,
)
_SCOPED_BEFORE = re.compile(
    r"\bfor\s+(?:the\s+)?(?:user|row|item|entry|post|contact|person|product|account)\s+(?P<anchor>@?\w[\w.'-]*\w),?\s+"
    r"(?:click|press|tap|hit)\s+(?:on\s+)?(?:the\s+)?[\"“']?(?P<label>[^\"”',.]{1,20}?)[\"”']?"
    r"(?:\s+(?:button|icon|link))?(?=[\s,.;]|$)",
    re.I,
)


_NAME = r"([A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)?)"
_SENDER = (
    re.compile(rf"\b(?:emails?|messages?|mail|posts?|notes?)\s+(?:that|which)\s+{_NAME}\s+(?:wrote|sent|posted)\b"),
    re.compile(rf"\b(?:emails?|messages?|mail|posts?)\s+(?:(?:you\s+)?(?:got|received)\s+)?(?:from|by)\s+{_NAME}"),
    re.compile(rf"\b(?:received|got)\s+from\s+{_NAME}"),
    re.compile(rf"{_NAME}['’]s\s+(?:emails?|messages?|mail|posts?)\b"),
)
"""Who wrote the message a goal is about: "the email that Bobine wrote", "received from Cora", "Bobine's email"."""
_RECIPIENT = re.compile(
    rf"\b(?:(?i:forward|send|reply|give|pass|mail)\b[^.,;]{{0,25}}?\bto|(?i:give|send))\s+{_NAME}"
)


def _sender_and_recipient(text: str) -> tuple[str, str]:
    sender = next((m.group(1) for p in _SENDER if (m := p.search(text))), "")
    to = _RECIPIENT.search(text)
    return sender, to.group(1) if to else ""


def _scoped(text: str) -> list[Scoped]:
    out = []
    for m in [*_SCOPED_AFTER.finditer(text), *_SCOPED_BEFORE.finditer(text)]:
        every = (m.groupdict().get("count") or "").lower() in ("all", "every", "each")
        out.append(Scoped(m.group("label").strip(), m.group("anchor"), every, m.start()))
    return out


@dataclass(frozen=True)
class WebRequest:
    """What a goal asks of a web page beyond the words shared with any screen."""

    fields: tuple[tuple[frozenset[str], str], ...] = ()
    """(the field's words, the value): ({"username"}, "karrie"); no words: an unnamed field; {ANY_FIELD}: all."""
    ordinals: tuple[Ordinal, ...] = ()
    items: tuple[str, ...] = ()
    """Things to tick or choose, as the goal spells them ("Select A, B and C")."""
    looked_up: tuple[str, ...] = ()
    """Keys whose value the page shows ("Enter the value of Last name into the text field")."""
    each_label: bool = False
    """"Enter the value that corresponds with each label into the form": every field's label is a key."""
    scoped: tuple[Scoped, ...] = ()
    sender: str = ""
    """Who wrote the message the goal is about ("the email that Bobine wrote")."""
    recipient: str = ""
    """Who it goes to ("forward it to Bevvy", "Give Bobine the message ...")."""
    pressed: tuple[str, ...] = ()
    """Quoted names of what the goal presses ('Click on the "okay" button'): no values to type."""
    copy_from: tuple[int, int] | None = None
    """Where the goal says what to copy ("Copy the text from the 3rd text area"), when it asks for a copy
    and paste; a position named there is the source, not something to do."""


def _plain(text: str) -> set[str]:
    """A phrase's words as a field is named by them, lower case, without stop words or synonyms."""
    return {w for w in re.findall(r"[\w-]+", text.lower()) if w not in STOP}


def _cased(value: str, after: str) -> str:
    """The value in the case the goal asks for ('"ada" in all upper case letters' -> ADA)."""
    m = _CASE.search(after)
    if m is None:
        return value
    return value.lower() if m.group(1).lower().startswith(("lower", "small")) else value.upper()


def _words_before(text: str) -> frozenset[str] | None:
    """The field a quoted value is the value of, named just before it: 'the username "ada"'; no words
    for a field named only by what it holds ('with the text "..."'); None when nothing names a field."""
    m = re.search(r"\bthe\s+((?:[\w-]+\s+){0,2}?[\w-]+)\s+(?:of\s+|is\s+|as\s+|=\s*|:\s*)?$", text, re.I)
    if m is None:
        return None
    named = _plain(m.group(1))
    return None if named & _VERBS else frozenset(named - _GENERIC)


def _field_after(clause: str) -> tuple[frozenset[str], bool] | None:
    """The field named after a value ('into the text field', 'as the date', 'in both fields'):
    (its words, whether it means every field); None when the clause names no field."""
    starts = list(re.finditer(r"\b(?:in|into|as|for|to)\s+(?=(?:the|both|all|each|every|a|an|your)\b)", clause, re.I))
    if not starts:
        return None
    phrase = clause[starts[-1].end() :]
    said = set(re.findall(r"[\w-]+", phrase.lower()))
    if _ORDINAL.search(phrase):
        return None  # "into the 2nd textbox": a position, read by `_ordinals`
    if not said & _FIELD_NOUNS and not phrase.lower().startswith("the "):
        return None
    named = frozenset(_plain(phrase) - _GENERIC - _EVERY - {"upper", "lower", "case", "letters", "capitals"})
    if not said & _FIELD_NOUNS and not named:
        return None
    return named, bool(said & _EVERY)


def _fields(text: str) -> list[tuple[frozenset[str], str]]:
    out: list[tuple[frozenset[str], str]] = []
    for q in _QUOTE.finditer(text):
        if _PRESSED.search(text[: q.start()]):
            continue
        end = _CLAUSE_END.search(text, q.end())
        clause = text[q.end() : end.start() if end else len(text)]
        value = _cased((q.group(1) or q.group(2)), clause)
        before = _words_before(text[: q.start()])
        after = _field_after(clause)
        if before:
            out.append((before, value))
        if after is not None:
            named, every = after
            if every:
                out.append((frozenset({ANY_FIELD}), value))
            elif named and not before:
                out.append((named, value))
            elif not named and not before:
                out.append((frozenset(), value))
        elif before is not None and not before:
            out.append((frozenset(), value))  # "reply with the text "...""
        elif not before and re.search(r"\b(?:textbox|text box|text field|field|input)\b", text[: q.start()], re.I):
            out.append((frozenset(), value))  # "Use the textbox to enter "Renda""
    for m in _WITH_WIDGET.finditer(text):
        out.append((frozenset(_plain(m.group(2))), m.group(1)))
    for m in _UNQUOTED.finditer(text):
        named = frozenset(_plain(m.group(2)) - _GENERIC)
        if named and not _QUOTE.search(m.group(1)):
            out.append((named, m.group(1).strip()))
    return out


def _ordinals(text: str) -> list[Ordinal]:
    out = []
    for m in _ORDINAL.finditer(text):
        index = int(m.group(1)) if m.group(1) else _ORDINAL_WORDS[m.group(2).lower()]
        kind = _NOUNS[m.group(4).lower()]
        value = ""
        if kind == "field":  # 'enter the number "-5" into the 2nd textbox': the quote before it, in its clause
            clause = text[max(0, text.rfind(",", 0, m.start()) + 1, text.rfind(" and ", 0, m.start())) : m.start()]
            quoted = list(_QUOTE.finditer(clause))
            value = (quoted[-1].group(1) or quoted[-1].group(2)) if quoted else ""
        if index != 0:
            out.append(Ordinal(index, kind, m.start(), value))
    return out


def _items(text: str) -> list[str]:
    items: list[str] = []
    for m in _TICK.finditer(text):
        for part in re.split(r",\s*(?:and\s+)?|\s+and\s+", m.group(1)):
            part = part.strip(" \"“”'")
            if part and len(part.split()) <= 4:
                items.append(part)
    return items


_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")


def month_number(word: str) -> int | None:
    """1-12 for a month's name or its first three letters ("Dec", "December"), else None."""
    w = word.strip(" .,").lower()
    return next((i for i, m in enumerate(_MONTHS, start=1) if len(w) >= 3 and m.startswith(w)), None)


def read_date(text: str) -> date | None:
    """The first calendar date written in `text`: 01/14/2016 (month first, as US forms write it),
    2016-01-14, "January 14, 2016", "14 Jan 2016"; None when there is none."""
    found: list[tuple[int, date]] = []
    for m in re.finditer(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b", text):
        found += _dated(m.start(), int(m.group(3)), int(m.group(1)), int(m.group(2)))
    for m in re.finditer(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b", text):
        found += _dated(m.start(), int(m.group(1)), int(m.group(2)), int(m.group(3)))
    for m in re.finditer(r"\b([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b", text):
        if (month := month_number(m.group(1))) is not None:
            found += _dated(m.start(), int(m.group(3)), month, int(m.group(2)))
    for m in re.finditer(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]{3,9})\.?,?\s+(\d{4})\b", text):
        if (month := month_number(m.group(2))) is not None:
            found += _dated(m.start(), int(m.group(3)), month, int(m.group(1)))
    return min(found, key=lambda f: f[0])[1] if found else None


def _dated(at: int, year: int, month: int, day: int) -> list[tuple[int, date]]:
    try:
        return [(at, date(year, month, day))]
    except ValueError:
        return []


@lru_cache(maxsize=256)
def read_request(text: str) -> WebRequest:
    """What `text` asks of a web page: values for named fields, positions, items to tick."""
    copy = re.search(r"\bcopy\b(.*?)(?:\band\s+)?\bpaste\b", text, re.I)
    span = (copy.start(), copy.end(1)) if copy else None
    pressed = tuple(q.group(1) or q.group(2) for q in _QUOTE.finditer(text) if _PRESSED.search(text[: q.start()]))
    keys = tuple(m.group(1).strip() for m in re.finditer(
        r"\bvalue\s+(?:of|for)\s+(?:the\s+)?[\"“']?(.+?)[\"”']?(?=\s+(?:into|in|to|on)\b|[,.;]|$)", text, re.I))
    each = bool(re.search(r"\b(?:each|every)\s+(?:label|field)\b", text, re.I)) and "value" in text.lower()
    fields, ordinals, items, scoped = _fields(text), _ordinals(text), _items(text), _scoped(text)
    sender, recipient = _sender_and_recipient(text)
    return WebRequest(
        tuple(fields), tuple(ordinals), tuple(items), keys, each, tuple(scoped), sender, recipient, pressed, span
    )


def field_words(el: UIElement) -> set[str]:
    """The words a field is known by: its label or placeholder, its id ("first-name": first, name),
    and "password" for a password field."""
    words = _plain(el.description) | _plain(re.sub(r"[-_/.]+", " ", el.resource_id.rsplit("/", 1)[-1]))
    if el.password:
        words.add("password")
    if words & {"username", "login", "user"}:
        words |= {"user", "username"}
    return {w.replace("-", "") for w in words}


def web_field_value(text: str, el: UIElement) -> str | None:
    """The value a web-form request gives for the field `el` (by its name, or as the unnamed field's
    value, or for every field); "" when the request names only other fields; None when its web
    reading says nothing about fields (the field's cue words decide)."""
    req = read_request(text)
    fields = req.fields
    if req.recipient and field_cue(el) == "to":
        return req.recipient  # "Give Bobine the message ...": the To field
    if not fields:
        # 'Click on the "okay" button': the quoted name is pressed; no field takes it as its text
        return "" if req.pressed and field_cue(el) is None else None
    known = field_words(el)
    for named, value in fields:
        joined = {a + b for a in named for b in named if a != b}  # "user name" is the "username" field
        if named and ANY_FIELD not in named and ({w.replace("-", "") for w in named} <= known or joined & known):
            return value
    for named, value in fields:
        if ANY_FIELD in named:
            return value
    named_elsewhere = any(named and named & known for named, _ in fields)
    unnamed = next((v for named, v in fields if not named), None)
    if unnamed is not None and not named_elsewhere:
        return unnamed
    # The request names its fields and this is none of them: no quoted value meant for another
    # field goes here (a field with a cue of its own, "Email", still takes its value by that cue).
    return "" if field_cue(el) is None else None

