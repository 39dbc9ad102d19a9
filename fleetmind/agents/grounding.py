"""Cheap deterministic grounding: read a goal, list candidate actions for a screen,
score them by what the goal names, and fill forms; `verify` tells when the screen shows the goal done.

This runs before any model is asked. It settles the steps whose answer is written
in the goal (the switch called "Wi-Fi", the field called "Name"); a model ranks
what text matching cannot settle. Nothing here knows any particular task.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..devices.base import (
    Action,
    Done,
    Focus,
    LaunchApp,
    Observation,
    PressKey,
    Scroll,
    SelectOption,
    Tap,
    Target,
    TypeText,
    UIElement,
)
from ..secrets.names import referenced_secret

# fmt: off
_STOP = frozenset((
    "a", "an", "the", "to", "of", "on", "in", "for", "with", "and", "or", "my", "me", "please", "then", "it",
    "its", "this", "that", "is", "be", "by", "at", "as", "from", "into", "up", "all", "your", "new",
))
_ON = re.compile(
    r"\b(turn on|switch on|enable|activate|start|(?:turn|switch)(?:\s+[\w'-]+){1,3}?\s+(?:back\s+)?on)\b", re.I
)
_OFF = re.compile(r"\b(turn off|switch off|disable|deactivate|stop|(?:turn|switch)(?:\s+[\w'-]+){1,3}?\s+off)\b", re.I)
_PROCEED = frozenset({"allow", "continue", "got it", "dismiss", "not now", "skip", "while using the app"})
"""Answers to prompts that stand between the agent and the app (permissions, pop-ups)."""
_GRANTS = frozenset({"allow", "while using the app"})
"""Of those, the ones that grant a permission: only for an app the goal is about."""
_SUBMIT = frozenset(
    {"save", "send", "done", "ok", "add", "create", "confirm", "submit", "log in", "set", "apply", "start"}
)
_SYNONYMS = {
    "add": {"create", "new", "add"}, "create": {"create", "new", "add"}, "new": {"create", "new", "add"},
    "wifi": {"wi-fi", "wifi", "wlan"}, "wi-fi": {"wi-fi", "wifi", "wlan"},
    "sms": {"message", "messages", "sms"}, "text": {"message", "messages"},
    "message": {"message", "messages", "chat"}, "alarm": {"alarm", "alarms", "clock"},
    "number": {"phone", "number"}, "phone": {"phone", "number"},
    "encyclopedia": {"wiki", "encyclopedia", "articles"}, "forecast": {"weather", "forecast"},
    "brighter": {"brightness", "increase"}, "dimmer": {"brightness", "decrease"}, "dim": {"brightness", "decrease"},
    "louder": {"volume", "increase"}, "quieter": {"volume", "decrease"}, "softer": {"volume", "decrease"},
    "down": {"decrease"}, "lower": {"decrease"}, "raise": {"increase"}, "reduce": {"decrease"},
    "send": {"send", "transfer"}, "pay": {"pay", "transfer", "send"}, "money": {"transfer"}, "wire": {"transfer"},
}
# General Android knowledge: where a setting or a kind of data lives.
APP_HINTS = {
    "settings": {"wi-fi", "wifi", "bluetooth", "airplane", "dark", "theme", "brightness", "volume", "language",
                 "setting", "settings", "bright", "brighter", "dim", "dimmer", "display", "loud", "louder", "quiet",
                 "quieter", "sound", "mute", "ringer", "internet", "network", "flight", "mode", "night"},
    "contacts": {"contact", "contacts", "phone", "number"},
    "messages": {"sms", "message", "messages", "text"},
    "clock": {"alarm", "alarms", "timer", "clock", "wake", "time", "snooze", "countdown", "stopwatch"},
    "notes": {"note", "notes", "memo", "jot", "list"},
    "calendar": {"event", "calendar", "meeting", "appointment", "schedule", "agenda", "diary"},
    "files": {"file", "files", "download"},
}
_VALUE_APPS = {"calendar": {"date", "end"}, "clock": {"minutes", "seconds"}}
"""Kinds of values that only one kind of app takes: a date and an end time make an event."""
_FIELD_CUES: dict[str, tuple[str, ...]] = {
    "name": ("named", "called", "name"),
    "phone": ("phone number", "phone", "number"),
    "email": ("email address", "email", "e-mail"),
    "message": ("saying", "that says", "with the text", "message", "body"),
    "title": ("titled", "title", "called", "named"),
    "label": ("labelled", "labeled", "label", "called", "named"),
    "to": ("to",),
    "amount": ("amount of", "amount"),
    "password": ("password", "passcode", "pin code", "pin"),
    "city": ("weather in", "forecast for", "in", "for", "city"),
    "date": ("on", "date"),
    "location": ("at", "in", "location"),
    "search": ("search for", "look up", "about", "for"),
}
"""Field -> the words a goal uses to introduce that field's value."""
_FIELD_ALIASES = {
    "text message": "message", "body": "message", "number": "phone", "recipient": "to", "subject": "title",
    "note": "message", "description": "message", "query": "search", "q": "search", "search articles": "search",
    "town": "city",
}
# fmt: on
_TIME = re.compile(r"\b(\d{1,2})(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?(?=\W|$)", re.I)
_VALUE_SHAPES = {
    "phone": re.compile(r"\+?\d[\d\s().-]{2,}\d"),
    "email": re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+"),
    "name": re.compile(r"(?:[A-Z][\w'-]*)(?:\s+[A-Z][\w'-]*){0,2}"),
    "to": re.compile(r"(?:[A-Z][\w'-]*)(?:\s+[A-Z][\w'-]*){0,2}|\+?\d[\d\s().-]{2,}\d"),
    "amount": re.compile(r"\$?\d+(?:[.,]\d+)?"),
    "city": re.compile(r"(?:[A-Z][\w'-]*)(?:\s+[A-Z][\w'-]*){0,2}"),
    "date": re.compile(r"\d{4}-\d{1,2}-\d{1,2}"),
    "location": re.compile(r"(?:[A-Z][\w'-]*)(?:\s+(?:[A-Z][\w'-]*|\d+))*"),
}


_FREE_TEXT_CUES = frozenset({"saying", "that says", "with the text"})
"""Cues whose value is everything after them, other cue words included."""
_TIME_FIELDS = ("hour", "minute", "minutes", "seconds", "start", "end")
"""Fields filled from times and durations in the goal rather than from cue words."""


def field_key(label: str) -> str | None:
    """Which kind of value a field with this label takes (name, phone, message ...)."""
    low = label.lower().strip()
    if low in _FIELD_ALIASES:
        return _FIELD_ALIASES[low]
    if low in _FIELD_CUES or low in _TIME_FIELDS:
        return low
    for key in _FIELD_CUES:
        if key in low.split():
            return key
    return None


def extract_values(text: str) -> dict[str, str]:
    """Values a goal gives for form fields, keyed by field kind.

    A value is introduced by its cue ("named Ada", "saying hello there", "titled
    Groceries") and runs to the next cue or the end; quoted text is taken whole.
    Times ("at 7:30 pm") fill hour and minute.
    """
    cues = sorted(((c, k) for k, cs in _FIELD_CUES.items() for c in cs), key=lambda t: -len(t[0]))
    pattern = re.compile(r"\b(" + "|".join(re.escape(c) for c, _ in cues) + r")\b\s+", re.I)
    keys_of: dict[str, list[str]] = {}
    for cue, key in cues:  # one cue may introduce several kinds ("for Paris": a city, a search)
        keys_of.setdefault(cue, []).append(key)
    hits = [(m.start(), m.end(), m.group(1).lower()) for m in pattern.finditer(text)]
    values: dict[str, str] = {}
    for i, (_, value_start, cue) in enumerate(hits):
        value_end = hits[i + 1][0] if i + 1 < len(hits) else len(text)
        if cue in _FREE_TEXT_CUES:  # a message is free text: it runs to the end ("see you at noon")
            value_end = len(text)
        raw = text[value_start:value_end].strip(" ,.;:")
        quoted = re.match(r"[\"“'‘]([^\"”'’]+)[\"”'’]", raw)
        raw = quoted.group(1) if quoted else re.sub(r"\s+(?:and|with|then|by \w+)$", "", raw)
        for key in keys_of[cue]:
            shape = _VALUE_SHAPES.get(key)
            value = raw
            if shape is not None and not quoted:
                m = shape.match(raw)
                if not m:
                    continue
                value = m.group(0).strip()
            value = re.sub(r"^(?:the|a|an|is|was|=|:)\s+", "", value, flags=re.I)
            if value and value.lower() not in _STOP and key not in values:
                values[key] = value
    _uncued_values(text, values)
    for key in ("phone", "email"):
        if (
            key not in values
            and (m := _VALUE_SHAPES[key].search(text))
            and not _TIME.fullmatch(m.group(0))
            and not _VALUE_SHAPES["date"].fullmatch(m.group(0))
            and not any(m.group(0).strip() in v for v in values.values())  # a PIN is not a phone number
        ):
            values[key] = m.group(0).strip()
    duration = re.search(r"\b(\d+)\s*(min(?:ute)?s?|sec(?:ond)?s?)\b", text, re.I)
    if duration:  # "a timer for 5 minutes": a duration, not a time of day
        unit = "minutes" if duration.group(2).lower().startswith("min") else "seconds"
        amount = int(duration.group(1))
        if unit == "seconds" and amount >= 60:  # "90 seconds" is 1 min 30 s on a timer
            values["minutes"], values["seconds"] = str(amount // 60), str(amount % 60)
        else:
            values[unit] = str(amount)
        values.pop("phone", None)
        return values
    time_hit = re.search(r"\b(?:at|for|from)\s+" + _TIME.pattern, text, re.I)
    if time_hit is None and (moved := re.search(r"\b(?:to|until)\s+" + _TIME.pattern, text, re.I)):
        time_hit = moved if moved.group(2) or moved.group(3) else None  # "move my alarm to 7:15", not "volume to 10"
    if time_hit:
        hour, minute = _clock(time_hit)
        values.update(hour=str(hour), minute=f"{minute:02d}", start=f"{hour:02d}:{minute:02d}")
        if values.get("phone", "").replace(" ", "") in (time_hit.group(0).split()[-1],):
            values.pop("phone")
        end_hit = re.search(r"\b(?:to|until|till)\s+" + _TIME.pattern, text[time_hit.end() :], re.I)
        if end_hit:
            end_hour, end_minute = _clock(end_hit)
            values["end"] = f"{end_hour:02d}:{end_minute:02d}"
    return values


_PERSON = r"[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*){0,2}"
_NAME_AND_NUMBER = re.compile(rf"(?<![\w'])({_PERSON})\s*(?:[,:(-]|\bat\b|\bon\b)?\s*(\+?\d[\d\s().-]{{2,}}\d)")
_TO_VERB = re.compile(
    rf"\b(?i:text|message|sms|msg|tell|ask|remind|call|ring|email|e-mail|ping|reply to|write to|pay|repay|venmo)"
    rf"\s+({_PERSON})"
)
_ADD_TO_CALENDAR = re.compile(
    r"\b(?:add|create|schedule|put|book|set up|enter)\s+(?:a\s+|an\s+|the\s+|my\s+)?(.+?)\s+"
    r"(?:to|in|on|into)\s+(?:my\s+|the\s+)?(?:calendar|diary|agenda|schedule)\b",
    re.I,
)
_SEND_PERSON = re.compile(
    rf"\b(?i:send|give|drop|shoot|write)\s+({_PERSON})\s+(?i:a|an)\s+(?i:quick\s+|short\s+)?"
    r"(?i:text|message|msg|sms|note|line|reminder|email|e-mail)\b"
)
""""send Mum a message": the person comes before what is sent."""
_PRONOUNS = frozenset({"it", "this", "that", "them", "these", "those"})
_HAVE_THING = re.compile(
    r"\b(?:i've got|i have got|i have|i've|i got|there's|there is|we have|we've got)\s+(?:a|an|my|our|the)\s+"
    r"([a-z][\w'-]*(?:\s+(?!(?:tomorrow|today|tonight|on|at|from|this|next|in|with|for)\b)[a-z][\w'-]*){0,3})",
    re.I,
)
"""The thing a remark says the user has ("I've got a haircut tomorrow"): what "add it" means."""
_SAY_THAT = re.compile(
    r"\b(?i:text|message|tell|sms|msg|remind|let)\s+[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)?\s+(?i:know\s+)?(?i:that)\s+(.+)$"
)
_MESSAGE_WORDS = re.compile(r"\b(text|sms|message|msg|tell|say|saying|write|jot|note|memo|reply|remind|body)\b", re.I)


_MONEY = re.compile(
    r"[$€£]\s?(\d+(?:[.,]\d{1,2})?)|\b(\d+(?:[.,]\d{1,2})?)\s?(?:dollars?|euros?|pounds?|bucks|usd|eur|gbp)\b", re.I
)


def _uncued_values(text: str, values: dict[str, str]) -> None:
    """Values people give without cue words: "Ada Byron, 555 0101", "text Ada 'on my way'"."""
    quoted = re.search(r"[\"“]([^\"”]+)[\"”]", text) or re.search(r"(?:^|(?<=\s))['‘]([^'’]+)['’](?=\W|$)", text)
    if quoted and quoted.group(1) not in values.values():
        # quoted words are what to type: a message's body where the goal speaks of one (over any
        # unquoted guess at it: "send a message through the form ... the message is 'X'"), else a query
        if _MESSAGE_WORDS.search(text):
            values["message"] = quoted.group(1)
        else:
            values.setdefault("text", quoted.group(1))
    colon = re.search(r":\s*(\S.*)$", text)
    if colon and _MESSAGE_WORDS.search(text[: colon.start()]) and not _TIME.fullmatch(colon.group(1)):
        values.setdefault("message", colon.group(1).strip(" ."))  # "jot down a note: buy milk"
    pair = _NAME_AND_NUMBER.search(text)
    if pair and pair.group(1).split()[0].lower() not in _STOP:
        name, number = pair.group(1).strip(), pair.group(2).strip()
        if not _TIME.fullmatch(number) and not _VALUE_SHAPES["date"].fullmatch(number) and name != values.get("to"):
            values.setdefault("name", name)
            values.setdefault("phone", number)
    money = _MONEY.search(text)
    if money:
        values.setdefault("amount", money.group(1) or money.group(2))
    if "date" not in values and (iso := re.search(r"\b\d{4}-\d{2}-\d{2}\b", text)):
        values["date"] = iso.group(0)
    place = re.search(r"\bat\s+the\s+([a-z][\w'-]+(?:\s+[a-z][\w'-]+)?)\s*[.!]?$", text)
    if place and "location" not in values:
        values["location"] = place.group(1)  # "... from 19:00 to 21:00 at the library."
    event = _ADD_TO_CALENDAR.search(text)
    if event and "title" not in values:  # "add a meeting with the landlord to my calendar"
        title = event.group(1).strip()
        if title.lower() in _PRONOUNS and (thing := _HAVE_THING.search(text)):
            title = thing.group(1)  # "add it to my calendar: I've got a haircut tomorrow"
        if title.lower() not in _PRONOUNS:
            values["title"] = title[:1].upper() + title[1:]
    said = _SAY_THAT.search(text)
    if said:
        values.setdefault("message", said.group(1).strip(" .!"))  # "text Ada that I'm on my way"
    to = _TO_VERB.search(text) or _SEND_PERSON.search(text)
    if to and to.group(1).split()[0].lower() not in _STOP | {"i"}:
        values.setdefault("to", to.group(1).strip())


def _clock(m: re.Match[str]) -> tuple[int, int]:
    """(hour, minute) on a 24-hour clock from a match of `_TIME` (after its cue word)."""
    hour, minute, half = int(m.group(1)), int(m.group(2) or 0), (m.group(3) or "").lower()
    if half.startswith("p") and hour < 12:
        hour += 12
    if half.startswith("a") and hour == 12:
        hour = 0
    return hour, minute


def words(text: str) -> list[str]:
    """Lower-case word tokens, keeping hyphenated words (wi-fi) whole."""
    return re.findall(r"[\w]+(?:-[\w]+)*", text.lower())


def content_words(text: str) -> set[str]:
    """Words that carry meaning, with synonyms folded in."""
    out: set[str] = set()
    for w in words(text):
        if w in _STOP:
            continue
        out.add(w)
        for synonym in _SYNONYMS.get(w, ()):  # one more hop: sms -> message -> chat
            out.add(synonym)
            out |= _SYNONYMS.get(synonym, set())
        if w.endswith("s") and not w.endswith("ss") and len(w) > 3:
            out.add(w[:-1])
    return out


@dataclass
class Goal:
    """What a goal text asks for, as far as text alone can tell."""

    text: str
    words: set[str]
    want_on: bool | None
    values: dict[str, str] = field(default_factory=dict)
    """Field cue (name, phone, ...) -> the value to type."""
    asks_answer: bool = False
    entities: list[str] = field(default_factory=list)
    """Proper names in the goal ("Ada Lovelace", "Paris"): an answer must be about one of them."""


_ENTITY = re.compile(r"(?<![.!?]\s)(?<!^)\b([A-Z][\w'-]+(?:\s+[A-Z][\w'-]+)*)")


_STATE_QUESTION = re.compile(
    r"\b(?:is|are|was)\s+(?:my\s+|the\s+)?[\w-]+(?:\s+[\w-]+)?\s+(?:on|off|enabled|disabled)\b"
    r"|\b(?:whether|if)\s+(?:my\s+|the\s+)?[\w-]+(?:\s+[\w-]+)?\s+(?:is|are)\b",
    re.I,
)
_IMPERATIVE_TOGGLE = re.compile(r"\b(?:turn|switch|make sure|ensure)\b.*\b(?:on|off)\b(?!\?)", re.I)
_MAKE_SURE = re.compile(r"\b(?:make sure|ensure|see to it that)\b[^?]*?\b(on|off)\b", re.I)
_CONTACT_WORDS = re.compile(
    r"\b(contacts?|address book|phone book|save (?:a |the )?(?:new )?(?:number|contact))\b", re.I
)
_NOT_NAMES = frozenset(
    {
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
        "Her",
        "His",
        "Their",
        "My",
        "The",
        "I",
        "I'm",
        "I've",
        "Can",
        "Could",
        "Please",
        "Settings",
        "Contacts",
        "Messages",
        "Calendar",
        "Clock",
        "Notes",
        "Files",
        "Bank",
    }
)
"""Capitalised words that are not the name of a person or thing the goal is about."""


def parse_goal(text: str, inputs: dict[str, str] | None = None) -> Goal:
    """Read toggles, values to type and whether an answer is wanted."""
    want: bool | None = None
    if _ON.search(text):
        want = True
    if _OFF.search(text):
        want = False
    if (sure := _MAKE_SURE.search(text)) is not None:
        want = sure.group(1).lower() == "on"  # "make sure Wi-Fi is on"
    elif _STATE_QUESTION.search(text) and not _IMPERATIVE_TOGGLE.search(text):
        want = None  # "is Bluetooth on?", "check whether Wi-Fi is off": read it, change nothing
    values = extract_values(text)
    if referenced_secret(text):  # secrets hook: "with my bank PIN and ..." names a stored secret, no value
        values.pop("password", None)
    for name, value in (inputs or {}).items():
        if value:  # an upstream result fills the field it is named for, else the message
            key = field_key(name) or ("message" if "message" not in values else None)
            if key:
                values.setdefault(key, value)
    asks = bool(re.search(r"\b(find|what|which|who|read|get|look up|tell|how many|check|search)\b", text, re.I))
    if _STATE_QUESTION.search(text):
        asks = True
    # names of things ("Ada Lovelace", "Paris"), not acronyms of kinds of things ("SMS", "PIN")
    entities = [
        re.sub(r"['’]s$", "", m.group(1))  # "Tom's contact" is about Tom
        for m in _ENTITY.finditer(text)
        if m.start() > 0 and not m.group(1).isupper()
    ]
    entities = [e for e in entities if e.split()[0] not in _NOT_NAMES]
    editing = bool(content_words(text) & EDIT_WORDS)  # "update Tom's contact": Tom says whose, not a new name
    if "name" not in values and entities and _CONTACT_WORDS.search(text) and not asks and not editing:
        values["name"] = entities[0]  # "add Nina Alvarez to my contacts"
    if asks and entities and "search" not in values:
        values["search"] = entities[0]  # a question about a name: search for it where there is a search box
    return Goal(text=text, words=content_words(text), want_on=want, values=values, asks_answer=asks, entities=entities)


@dataclass
class Candidate:
    """One action the agent could take, its words for a model, and a text-match score."""

    action: Action
    text: str
    score: float
    note: str = ""
    """Why memory or an app card moved its score (the step's why says it when it is chosen)."""
    veto: str = ""
    """Why this action must not be taken for this goal at all (no model may pick it either)."""


def _overlap(goal: Goal, label: str) -> float:
    label_words = content_words(label)
    if not label_words:
        return 0.0
    return len(goal.words & label_words) / len(label_words)


_MASK_CHARS = frozenset("•*●·\u2022")


def is_empty_field(el: UIElement) -> bool:
    """True when an editable field holds nothing (it may show its hint, or no bullets when it is a password)."""
    text = el.text.strip()
    if not text:
        return True
    if el.password:
        return not set(text) <= _MASK_CHARS
    return text == el.description.strip()


REMOVE_WORDS = frozenset({"delete", "remove", "erase", "clear", "cancel", "uninstall", "trash"})
"""Words of goals that take something away (the verifier checks it is gone; grounding never creates)."""
EDIT_WORDS = frozenset({"edit", "change", "update", "rename", "correct", "fix", "replace", "move", "modify"})
_ADJUST = re.compile(r"^(increase|decrease|raise|lower|turn up|turn down)\b", re.I)
"""Stepper buttons: each tap moves a value one notch."""


_TARGET = re.compile(
    r"\b(?:to|at)\s+(\d{1,3})(?:\s*(?:%|percent\b)|(?![\d:]|\.\d|\s*(?:am|pm|a\.m|p\.m|o'?clock|mins?|minutes?|"
    r"hours?|hrs?|h|seconds?|secs?|s|days?|weeks?|people|times|[ap])\b))",
    re.I,
)
"""A level: "brightness to 20 percent", "the volume to 10" (a bare number, not a time or a count)."""


def target_value(text: str) -> int | None:
    """The level a goal sets something to ("brightness to 20 percent" -> 20), or None."""
    m = _TARGET.search(text)
    return int(m.group(1)) if m else None


def current_value(what: str, obs: Observation) -> int | None:
    """The number the control named `what` shows now ("Brightness" slider at 50 -> 50), or None."""
    for e in obs.elements:
        if e.description.casefold() == what.casefold() and (m := re.search(r"\d+", e.text)):
            return int(m.group(0))
    return None


def _toward(label: str, target: int, obs: Observation, score: float) -> float:
    """A stepper's score when the goal sets a level: the button that moves toward it, never past it."""
    what = label.split(maxsplit=1)[-1]
    now = current_value(what, obs)
    if now is None:
        return score
    up = label.lower().startswith(("increase", "raise", "turn up"))
    if now == target or (up and now > target) or (not up and now < target):
        return -1.0
    return 3.0


def readable_label(el: UIElement) -> str:
    """What a person calls the element: its description when its text is only a symbol or number ("+", "50")."""
    return el.description if el.description and not re.search(r"[^\W\d_]", el.text) else el.label


def field_name(el: UIElement) -> str:
    """A field's name that does not change as it is typed into (its text does)."""
    return el.description or el.resource_id.rsplit("/", 1)[-1] or el.text


def _field_cue(el: UIElement) -> str | None:
    for label in (el.description, el.text, el.resource_id.rsplit("/", 1)[-1]):
        if label and (key := field_key(label)):
            return key
    return None


def toggle_matches(goal: Goal, el: UIElement) -> bool:
    """True when `el` is a switch or checkbox the goal names."""
    return el.checkable and _overlap(goal, el.label) >= 0.5


def _field_value(goal: Goal, el: UIElement) -> str | None:
    """The value the goal gives for this editable field, if any."""
    cue = _field_cue(el)
    if cue is not None:
        if cue in ("title", "name") and cue not in goal.values and "text" in goal.values:
            return goal.values["text"]  # "add 'Book club' on ...": quoted words name what is made
        return goal.values.get(cue)
    return goal.values.get("text")


def pending_fill(goal: Goal, obs: Observation, history: list[str]) -> bool:
    """True while an editable field on screen still lacks the value the goal gives for it."""
    typed = typed_fields(history)
    return any(
        e.editable and (v := _field_value(goal, e)) and v != e.text and field_name(e) not in typed for e in obs.elements
    )


_PROMPT_BUTTONS = (_PROCEED - {"continue"}) | {"deny", "don't allow", "never", "later", "rate", "rate now"}


def prompt_in_the_way(obs: Observation) -> bool:
    """Whether a permission prompt or pop-up covers the screen (its buttons are what one can tap)."""
    return any(e.clickable and e.label.strip().lower() in _PROMPT_BUTTONS for e in obs.elements)


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
    about_it = any(_overlap(goal, e.text) > 0 for e in static)
    wants = goal.words
    if wants & {"phone", "number"} and about_it:
        hit = next((t for t in texts if re.fullmatch(r"\+?[\d\s().-]{5,}", t)), None)
        if hit:
            return hit
    if wants & {"email", "mail"} and about_it:
        hit = next((t for t in texts if "@" in t), None)
        if hit:
            return hit
    typed = typed_values(history or [])
    names = {w for entity in goal.entities for w in content_words(entity)}
    if names:  # the answer must be about what the goal names
        static = [e for e in static if names & content_words(e.text)]
    best, best_score = "", 0
    goal_words = set(words(goal.text))
    asked_days = _month_days(goal.text)
    for e in static:
        shown_days = _month_days(e.text)
        if asked_days and shown_days and not asked_days & shown_days:
            continue  # a line about another day than the one asked about
        words_there = content_words(e.text)
        shared = len(wants & words_there)
        says_more = len(set(words(e.text)) - _STOP - goal_words) >= 2  # not just "Results for <query>"
        if e.text in typed or not says_more or e.text == obs.foreground_app:
            continue
        score = shared + (1 if re.search(r"\d", e.text) else 0)
        if shared >= 1 and score >= 2 and score > best_score:
            best, best_score = e.text, score
    return best or _labelled_value(goal, obs)


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


def candidates(goal: Goal, obs: Observation, apps: list[str], history: list[str]) -> list[Candidate]:
    """Every sensible next action on this screen, scored by what the goal names."""
    out: list[Candidate] = []
    typed = typed_fields(history)
    fields_left = 0
    fills: list[int] = []
    last = history[-1] if history else ""
    suggested = _suggestions(obs, history)
    target = target_value(goal.text)
    removing = bool(goal.words & REMOVE_WORDS)
    editing = bool(goal.words & EDIT_WORDS)
    for el in obs.elements:
        if el.editable:
            value = _field_value(goal, el) if not removing else None
            if value and value != el.text and field_name(el) not in typed:
                score = 3.0 - 0.6 * fields_left  # fill forms top to bottom
                fields_left += 1
                fills.append(len(out))
                out.append(
                    Candidate(
                        TypeText(text=value, target=Target(element=el.id), clear=True, why=f"fill {el.label}"),
                        f"type {value} into {el.label}",
                        score,
                    )
                )
            elif not value and is_empty_field(el) and not el.focused and _on_web(obs):
                # "focus the text box": a field the goal gives nothing to type into (web pages only)
                score = (1.5 if "focus" in goal.words else 0.1) + 0.5 * _overlap(goal, el.label)
                out.append(Candidate(Focus(target=Target(element=el.id), why="focus it"), f"focus {el.label}", score))
            continue
        if el.options and el.enabled:
            out.extend(_option_candidates(goal, el))
        if not (el.clickable or el.checkable) or not el.label or not el.enabled:
            continue
        if _duplicates_a_key_or_launch(el, apps, obs):
            continue
        label = el.label
        # a button drawn as a symbol ("+", "50") is named by its description ("Increase brightness")
        readable = readable_label(el)
        score = _overlap(goal, readable)
        veto = ""
        if not el.checkable and _names_entity(goal, readable):
            score = max(score, 1.2)  # the row of the person or thing the goal is about ("Tom" -> "Tom Reyes")
        if el.checkable and goal.want_on is not None and toggle_matches(goal, el):
            score = 4.0 if el.checked != goal.want_on else -1.0
            veto = "" if el.checked != goal.want_on else "it is already as the goal wants it"
        elif el.checkable and goal.asks_answer:
            score, veto = -1.0, "a question about a switch is answered by reading it, never by flipping it"
        lower = label.lower()
        if lower in _SUBMIT and goal.values:
            # submit once we filled this form: something typed since the last submit, nothing left
            since_submit = history[max((i for i, h in enumerate(history) if h.startswith("submit:")), default=-1) + 1 :]
            typed_now = any(h.startswith("typed:") for h in since_submit)
            score = 3.5 if typed_now and not pending_fill(goal, obs, history) and not suggested else 0.1
        if target is not None and _ADJUST.match(readable) and content_words(readable.split()[-1]) <= goal.words:
            score = _toward(readable, target, obs, score)
        if "seekbar" in el.cls.lower() or "slider" in el.cls.lower():
            score *= 0.5  # a tap on a slider sets whatever value is under the finger: prefer its buttons
        if lower in _PROCEED and (lower not in _GRANTS or is_about(goal, obs.foreground_app)):
            score = max(score, 1.2)  # a prompt in the way: let the app the goal needs do its job
        if el.id in suggested and (len(suggested) == 1 or _completes(goal, el)):
            score = max(score, 3.2)  # the suggestion for what was just typed (or the one the user chose)
        first = lower.split()[0] if lower else ""
        if removing and first in ("new", "add", "create", "compose", "save"):
            score, veto = -1.0, "a delete never starts by making something"
        if first == "edit" and not editing:
            score, veto = -1.0, "opening someone's record for editing is not adding a new one"
        if editing and first in ("new", "add", "create") and not (goal.words & {"new", "add", "create"}):
            score, veto = -1.0, "changing a record never starts by making another one"
        if last == f"tap:{label}" and not el.checkable:
            score -= 1.0  # tapped it just now and we are still here: try something else
        tap = Tap(target=Target(element=el.id), why=f"tap {readable}")
        out.append(Candidate(tap, f"tap {readable}", score, veto=veto))
    if len(fills) == 1 and not goal.values.keys() - {"search", "city", "text"}:
        # one field and a query: type it and press enter, as people do in search boxes
        c = out[fills[0]]
        c.action = c.action.model_copy(update={"submit": True})
        c.text += " and press enter"
    at_home = on_home(obs)
    here = obs.foreground_app.lower()
    in_right_app = is_about(goal, here)
    wanted_apps = goal_apps(goal, apps)
    for app in apps:
        hint = APP_HINTS.get(app.lower(), set())
        score = 2.0 * bool(goal.words & hint or goal.values.keys() & _VALUE_APPS.get(app.lower(), set()))
        score += _overlap(goal, app)
        if app.lower() == here:
            continue
        if not at_home:
            # prefer working inside the app we are in, all the more when the goal is about it
            score -= 2.0 if in_right_app else 0.5
        if wanted_apps and app.lower() not in wanted_apps:
            score -= 1.5  # the goal names the apps it is about: wandering into others helps nobody
        out.append(Candidate(LaunchApp(app=app, why=f"open {app}"), f"open {app}", score))
    out = list({c.text: c for c in reversed(out)}.values())[::-1]  # same words, same choice: keep the first
    if any(e.scrollable for e in obs.elements):
        shown = " ".join(e.text for e in obs.elements).lower()
        missing = [name for name in goal.entities if name.lower() not in shown and name not in apps]
        # the goal names something this list does not show (yet): look further down
        score = 1.5 if missing and not at_home else 0.05
        out.append(Candidate(Scroll(direction="down", why="look further down the list"), "scroll down", score))
    if not at_home:
        out.append(Candidate(PressKey(key="back", why="go back"), "go back to the previous screen", 0.0))
    out.append(Candidate(Done(why="the goal looks complete"), "stop because the goal is already done", -0.5))
    return out


def _names_entity(goal: Goal, label: str) -> bool:
    """Whether a label names in full someone or something the goal names ("Tom Reyes" for "Tom")."""
    shown = content_words(label)
    return len(shown) <= 4 and any((named := content_words(e)) and named <= shown for e in goal.entities)


def _option_candidates(goal: Goal, el: UIElement) -> list[Candidate]:
    """Choosing the drop-down option the goal names (in its text or as a value), when not chosen yet.
    "Kiwi jam" in the goal names that option, not "Kiwi"."""
    given = {v.casefold() for v in goal.values.values()}
    scored: dict[str, float] = {}
    for option in (o.strip() for o in el.options):
        named = bool(re.search(rf"(?<!\w){re.escape(option)}(?!\w)", goal.text, re.I)) or option.casefold() in given
        if option and (named or (content_words(option) and content_words(option) <= goal.words)):
            scored[option] = 3.0 if named else 2.0
    best = [o for o in scored if not any(o.casefold() in other.casefold() for other in scored if other != o)]
    chosen = {t.strip() for t in el.text.split(", ")}  # a list box shows all it has chosen
    if el.text.strip() in best:
        return []
    best = [o for o in best if o not in chosen]
    return [
        Candidate(SelectOption(target=Target(element=el.id), option=o, why=why), why, scored[o])
        for o in best
        if (why := f"choose {o} in {el.description or readable_label(el)}")
    ]


def _on_web(obs: Observation) -> bool:
    """Whether the screen is a web page (a browser reports the page's URL as its package)."""
    return obs.foreground_package.startswith(("http://", "https://", "file:", "about:", "data:"))


def is_about(goal: Goal, app: str) -> bool:
    """True when the goal is about `app` (names it, or the kind of data it holds)."""
    return bool(goal.words & (content_words(app) | APP_HINTS.get(app.lower(), set())))


def goal_apps(goal: Goal, apps: list[str]) -> set[str]:
    """Lower-case names of the installed apps the goal is about."""
    return {a.lower() for a in apps if is_about(goal, a)}


def _completes(goal: Goal, el: UIElement) -> bool:
    """True when a suggestion row names in full a person or thing the goal gives (after a choice, too)."""
    label = content_words(el.label)
    return any(content_words(v) <= label for k, v in goal.values.items() if k in ("to", "name") and len(v.split()) > 1)


def _suggestions(obs: Observation, history: list[str]) -> list[str]:
    """Ids of clickable rows that complete what was just typed into a field (an autocomplete dropdown)."""
    if not history or not history[-1].startswith("typed:"):
        return []
    typed = content_words(history[-1].split(":", 2)[2])
    if not typed:
        return []
    return [
        e.id
        for e in obs.elements
        if e.clickable and not e.editable and not e.checkable and typed <= content_words(e.label)
    ]


_SYSTEM_NAV = re.compile(r"^com\.android\.systemui:id/(back|home|recent_apps)$")


def _duplicates_a_key_or_launch(el: UIElement, apps: list[str], obs: Observation) -> bool:
    """Android's own Back/Home/Overview buttons are the back/home keys; a home-screen
    icon is the app's launch. One candidate per effect keeps the choice clear."""
    if _SYSTEM_NAV.match(el.resource_id):
        return True
    return on_home(obs) and el.label.lower() in {a.lower() for a in apps}


def typed_fields(history: list[str]) -> set[str]:
    """Names of the fields typed into so far (history entries "typed:<field>:<text>")."""
    return {h.split(":", 2)[1] for h in history if h.startswith("typed:")}


def typed_values(history: list[str]) -> set[str]:
    """The texts typed so far."""
    return {h.split(":", 2)[2] for h in history if h.startswith("typed:")}


def on_home(obs: Observation) -> bool:
    """Whether the launcher (the home screen) is in front."""
    return obs.foreground_app.lower() in ("", "home", "launcher")


SECRET = "•••"
"""How a secret typed into a password field is written in the history (never the value)."""


def history_entry(action: Action, obs: Observation) -> str:
    """A compact record of an action, for loop detection and form tracking; secrets are masked."""
    if isinstance(action, TypeText):
        el = obs.element(action.target.element) if action.target and action.target.element else None
        text = SECRET if el is not None and el.password else action.text
        return f"typed:{field_name(el) if el else ''}:{text}"
    if isinstance(action, SelectOption):  # a choice fills its form field as typing does
        el = obs.element(action.target.element) if action.target.element else None
        return f"typed:{field_name(el) if el else ''}:{action.option}"
    if isinstance(action, Tap) and action.target.element:
        el = obs.element(action.target.element)
        label = readable_label(el) if el else ""
        if label.lower() in _SUBMIT:
            return f"submit:{label}"
        if _ADJUST.match(label):
            return f"adjust:{label}"
        return f"tap:{label}"
    return action.kind
