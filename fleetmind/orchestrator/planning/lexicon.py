"""Words the offline planner knows: verbs that start a clause, what opens a place,
what asks a question, where a kind of data lives (phone area or the web), and
where a clause's own values begin.

General vocabulary only: nothing here is about one request. The agent's
grounding has its own, finer vocabulary; the planner only needs to know which
device kind a clause needs and which clauses belong together.
"""

from __future__ import annotations

import re


def word_set(text: str) -> frozenset[str]:
    """The whitespace-separated words of `text`, as a set (vocabularies read better as prose)."""
    return frozenset(text.split())


# fmt: off
VERBS = word_set("""
    turn switch enable disable activate deactivate toggle open launch add create send set search find go
    call dial ring text message email mail write make delete remove erase clear check read take book
    install uninstall play pause change save copy paste share forward look get tell show give let note
    jot schedule start stop log sign visit browse navigate compose reply buy order pay transfer lower raise
    increase decrease mute unmute silence dim brighten put type enter fill submit rename edit update mark
    archive download upload post remind cancel close unlock lock record snooze sync star pin block reserve
    see count list google
""")
"""Words that start a clause when they come first."""

QUESTION_WORDS = word_set("what what's whats how who who's which when when's where where's is are does do did")
"""A clause that starts with one of these asks a question."""

LIST_VERBS = ("turn on", "turn off", "switch on", "switch off", "enable", "disable", "mute", "unmute",
              "activate", "deactivate", "toggle")
"""Verbs that take a list of things ("turn on Wi-Fi and Bluetooth"): each thing is its own subtask."""

OPENERS = re.compile(
    r"^(?:open|launch|go to|go into|go back to|go online|get online|navigate to|visit|head to|browse to|"
    r"switch to|unlock|"
    r"log ?in(?:to)?|log on(?:to)?|sign ?in(?:to)?|sign on)\b",
    re.I,
)
"""A clause that only gets somewhere: what follows in the same place belongs to it."""
# fmt: on

POLITE = re.compile(
    r"^(?:(?:please|pls|kindly|also|and|now|ok(?:ay)?|hey|hi|so|just|then|first(?:ly)?|next|finally|lastly|"
    r"can you|could you|would you|will you|can u|i want you to|i need you to|i'd like you to|"
    r"i would like you to|go ahead and|help me|remember to|don't forget to|make sure to|try to)(?:[\s,]+|$))+",
    re.I,
)
"""Words before a clause's verb that ask politely or sequence, and carry no value."""
TRAILING_POLITE = re.compile(
    r"[\s,]*(?:\bplease|\bthanks|\bthank you|\bfor me|\b(?:would|could|can|will) you(?: please)?)?[\s,.!?]*$", re.I
)

REMARK = re.compile(
    r"^(?!i (?:need|want|wanna)\b|i[\'’]d (?:like|love)\b|i would (?:like|love)\b|we need\b)"  # those ask
    r"(?:i|i['’]m|i am|i['’]ve|i['’]ll|i['’]d|it|it['’]s|it is|its|that['’]s|that is|this is|we|we['’]re|they|"
    r"they['’]re|he|she|my|our|there['’]s|there is|because|since|cause|as)\b",
    re.I,
)
"""A clause that starts with its subject or a reason ("I'm about to board a plane", "my eyes hurt",
"it's too loud in here") says why, not what to do: it is context, never a subtask of its own."""

STATEMENT = re.compile(
    r"^(?:(?:the|a|an)\s+)?[\w'-]+(?:\s+[\w'-]+)?\s+(?:got|has|had|is|was|are|were|changed|moved|lost|bought|needs|"
    r"starts|ends|begins|just)\b",
    re.I,
)
"""A sentence that tells how things are ("Tom got a new number", "the meeting moved to 3pm")."""

MESSAGE_VERBS = word_set("text message email mail send tell write note jot remind reply compose post forward share")
"""Verbs whose clause carries words to pass on: a remark after them may be the message itself."""

_REQUEST_VERBS = re.compile(
    r"^(?:tell me|show me|give me|let me know|find(?: out)?|look up|look for|search(?: for)?|check|"
    r"get|read|google|see (?:if|whether|what)|count|list|take|copy|grab|fetch|what|what's|whats|how|who|who's|"
    r"which|when|"
    r"when's|where|where's|is|are|does|do|did)\b",
    re.I,
)


def asks(clause: str) -> bool:
    """Whether the clause asks for something to be read back (a question or a look-up)."""
    return bool(_REQUEST_VERBS.match(clause.strip()))


REPORT_BACK = re.compile(
    r"^(?:tell me|let me know|show me|report back|read it (?:out|to me)|give me)"
    r"(?:\s+(?:it|that|them|the (?:result|answer)s?|what (?:it|you) (?:says?|found|find)|"
    r"(?:if|whether)\b.*))?$",
    re.I,
)
"""A clause that only asks to hear what the previous clause found: it belongs to that clause."""

VALUE_CUES = re.compile(
    r"\b(?:saying|that says|which says|says|with the (?:text|message|body)|with text|reading|"
    r"with the words|telling (?:him|her|them)(?: that)?)\b",
    re.I,
)
"""Where a clause's own free-text value begins: words after it are kept as they are."""


def value_start(clause: str) -> int:
    """Index where the clause's free-text value (after "saying" ...) begins, or its length."""
    m = VALUE_CUES.search(clause)
    return m.end() if m else len(clause)


WEB = re.compile(
    r"(?:https?://\S+|\bwww\.\S+|(?<![@\w.-])[\w-]+\.(?:com|org|net|io|dev|app|edu|gov|co|uk|de|fr|info)\b|"
    r"\b(?:contact form|web ?form|sign-?up form|"
    r"web ?sites?|web ?pages?|home ?page|(?<!settings )pages?|sites?|the web|web|browser|url|links?|online|"
    r"internet|google|bing|"
    r"duckduckgo|search engine|wikipedia|encyclopedia|wiki|portal|chrome|chromium|firefox|news)\b)",
    re.I,
)
"""Words that put a clause on the web (a browser)."""

PHONE_AREAS: dict[str, tuple[str, ...]] = {
    "settings": (
        "wi-fi",
        "wifi",
        "wlan",
        "bluetooth",
        "airplane mode",
        "flight mode",
        "dark theme",
        "dark mode",
        "light theme",
        "brightness",
        "volume",
        "ringtone",
        "do not disturb",
        "hotspot",
        "mobile data",
        "location",
        "gps",
        "nfc",
        "battery",
        "language",
        "wallpaper",
        "font size",
        "settings",
        "setting",
        "flashlight",
        "torch",
        "screen timeout",
        "vibration",
        "vibrate",
        "silent mode",
    ),
    "messages": ("sms", "text message", "texts", "message", "messages", "text", "inbox", "chat"),
    "contacts": ("contact", "contacts", "phone number", "phone numbers", "address book"),
    "clock": ("alarm", "alarms", "timer", "timers", "stopwatch", "clock"),
    "notes": ("note", "notes", "memo", "memos", "shopping list", "to-do", "todo"),
    "calendar": ("calendar", "event", "events", "meeting", "meetings", "appointment", "appointments", "agenda"),
    "bank": (
        "bank",
        "balance",
        "transfer",
        "account",
        "accounts",
        "transaction",
        "transactions",
        "payment",
        "money",
        "savings",
    ),
    "files": ("file", "files", "download", "downloads", "document", "documents", "folder"),
    "phone": ("call", "dial", "ring", "voicemail", "missed calls"),
    "camera": ("camera", "photo", "photos", "picture", "pictures", "selfie", "gallery", "video"),
}
"""Phone features and the app area each lives in."""

_AREA_RE = {
    area: re.compile(r"\b(?:" + "|".join(re.escape(w) for w in sorted(ws, key=len, reverse=True)) + r")\b", re.I)
    for area, ws in PHONE_AREAS.items()
}

_MINE = re.compile(r"\b(?:my|our|i have|i've|do i|did i|am i)\b", re.I)
"""Words that make a question about the user's own data (on their phone), not about the world."""


_CONTACT_DATA = re.compile(
    r"\b(?:[A-Z][\w-]*'s|his|her|their)\s+(?:\w+\s+)?(?:number|phone|mobile|email|e-mail|address|birthday)\b"
    r"|\b(?:number|phone number|email|e-mail|address|birthday)\s+(?:of|for)\s+[A-Z]"
)
"""A person's contact details ("Ada's number", "the email of Bob"): the contacts app has them."""


def phone_area(text: str, apps: dict[str, str] | None = None) -> str | None:
    """The phone app area the text talks about first ("dark theme" -> settings), or None.

    `apps` maps an app name a device reports (lower case) to its area name.
    """
    hits: list[tuple[int, str]] = []
    contact = _CONTACT_DATA.search(text)
    if contact:
        hits.append((contact.start(), "contacts"))
    for area, rx in _AREA_RE.items():
        m = rx.search(text)
        if m:
            hits.append((m.start(), area))
    for name, area in (apps or {}).items():
        m = re.search(r"\b" + re.escape(name) + r"\b", text, re.I)
        if m:
            hits.append((m.start(), area))
    return min(hits)[1] if hits else None


def area_term(text: str, area: str) -> str | None:
    """The first word or phrase of `area` the text uses, as written ("Wi-Fi" for settings), or None."""
    m = _AREA_RE[area].search(text)
    return m.group(0) if m else None


def about_mine(text: str) -> bool:
    """Whether the text is about the user's own things ("my balance", "how many ... do I have")."""
    return bool(_MINE.search(text))


CLAUSE_END_ADVERBS = re.compile(r"[\s,]+(?:too|as well|also|again)\s*$", re.I)
"""Words that close a clause repeating the previous one elsewhere ("on phone-2 too")."""

SAME = re.compile(
    r"^(?:(?:and\s+)?(?:then\s+)?(?:do\s+)?(?:the\s+)?same(?:\s+thing)?|do it|do that|repeat(?: it| that)?)\b", re.I
)
"""A clause that repeats the previous one ("do the same on phone-2")."""
