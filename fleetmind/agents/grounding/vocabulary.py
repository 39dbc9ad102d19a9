"""Words grounding reads goals and screens with: stop words, synonyms, where settings and data live,
what submits a form, what takes something away.
"""

from __future__ import annotations

import re

# fmt: off
STOP = frozenset((
    "a", "an", "the", "to", "of", "on", "in", "for", "with", "and", "or", "my", "me", "please", "then", "it",
    "its", "this", "that", "is", "be", "by", "at", "as", "from", "into", "up", "all", "your", "new",
))
PROCEED = frozenset({"allow", "continue", "got it", "dismiss", "not now", "skip", "while using the app"})
"""Answers to prompts that stand between the agent and the app (permissions, pop-ups)."""
GRANTS = frozenset({"allow", "while using the app"})
"""Of those, the ones that grant a permission: only for an app the goal is about."""
SUBMIT = frozenset(
    {"save", "send", "done", "ok", "add", "create", "confirm", "submit", "log in", "login", "sign in", "set", "apply",
     "start"}
)
QUERY_SUBMIT = re.compile(r"^(?:search|find|get|show|look up|check|see|go)\b(?!\s+(?:back|home|up|to\b))", re.I)
"""Buttons that send a query form ("Get forecast", "Search"): a submit for a goal that gives a query."""
PRONOUNS = frozenset({"it", "this", "that", "them", "these", "those"})
"""Words that point back at a thing rather than name it."""
QUERY_KEYS = frozenset({"search", "city", "text", "location", "query"})
"""Values that are a query to look something up with, not a record to keep."""
_AUTONYMS = {
    "english": "english", "french": "français", "german": "deutsch", "spanish": "español",
    "italian": "italiano", "portuguese": "português", "dutch": "nederlands", "polish": "polski",
    "swedish": "svenska", "turkish": "türkçe", "japanese": "日本語", "chinese": "中文", "russian": "русский",
    "arabic": "arabic", "hindi": "hindi",
}
"""Languages by their English names and the names settings menus list them under (their own)."""
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
    "send": {"send", "transfer"}, "pay": {"pay", "transfer", "send"}, "wire": {"transfer"},
    "money": {"balance"},  # "how much money do I have"; sending it says "send", "pay" or "transfer"
    "stop": {"stop", "cancel"}, "end": {"stop", "cancel"}, "kill": {"stop", "cancel"},
    "move": {"edit"}, "reschedule": {"edit"}, "postpone": {"edit"}, "push": {"edit"}, "shift": {"edit"},
    "delay": {"edit"}, "change": {"edit"}, "update": {"edit"},
    "mute": {"volume", "decrease"}, "silence": {"volume", "decrease"},
    **{language: {own} for language, own in _AUTONYMS.items() if own != language},
}
_PHRASES = {
    "dark mode": "dark theme", "light mode": "light theme",
    "flight mode": "airplane mode", "aeroplane mode": "airplane mode", "plane mode": "airplane mode",
}
"""Settings people call by another name than the phone's ("dark mode" is Dark theme): the phone's words join in,
wherever a text is read (a request to change the setting or a question about it)."""
_PHRASE = re.compile(r"\b(" + "|".join(re.escape(p) for p in _PHRASES) + r")\b", re.I)
LANGUAGES = frozenset(_AUTONYMS)
"""Languages a goal may name in English ("my phone in French"): the phone's language setting."""
# General Android knowledge: where a setting or a kind of data lives.
APP_HINTS = {
    "settings": {"wi-fi", "wifi", "bluetooth", "airplane", "dark", "theme", "brightness", "volume", "language",
                 "setting", "settings", "bright", "brighter", "dim", "dimmer", "display", "loud", "louder", "quiet",
                 "quieter", "sound", "mute", "ringer", "internet", "network", "flight", "mode", "night"},
    "contacts": {"contact", "contacts", "phone", "number", "email", "e-mail"},
    "messages": {"sms", "message", "messages", "text"},
    "clock": {"alarm", "alarms", "timer", "clock", "wake", "time", "snooze", "countdown", "stopwatch",
              "reminder", "reminders"},
    "notes": {"note", "notes", "memo", "jot", "list"},
    "calendar": {"event", "events", "calendar", "meeting", "meetings", "appointment", "appointments", "schedule",
                 "agenda", "diary", "sync", "standup", "stand-up", "interview", "lunch", "dinner", "haircut",
                 "class", "lesson", "party", "wedding", "reservation", "booked"},
    "bank": {"balance", "transaction", "transactions", "savings"},  # not "transfer": "send" means it too
    "files": {"file", "files", "download", "downloads", "downloaded", "document", "documents", "pdf", "photo",
              "photos", "jpg", "png"},
}
VALUE_APPS = {"calendar": {"date", "end"}, "clock": {"minutes", "seconds"}}
"""Kinds of values that only one kind of app takes: a date and an end time make an event."""
# fmt: on


REMOVE_WORDS = frozenset(
    {"delete", "remove", "erase", "clear", "cancel", "uninstall", "trash", "rid", "discard", "ditch"}
)
"""Words of goals that take something away (the verifier checks it is gone; grounding never creates)."""
EDIT_WORDS = frozenset({"edit", "change", "update", "rename", "correct", "fix", "replace", "move", "modify"})
ADJUST = re.compile(r"^(increase|decrease|raise|lower|turn up|turn down)\b", re.I)
"""Stepper buttons: each tap moves a value one notch."""


def words(text: str) -> list[str]:
    """Lower-case word tokens, keeping hyphenated words (wi-fi) whole."""
    return re.findall(r"[\w]+(?:-[\w]+)*", text.lower())


def content_words(text: str) -> set[str]:
    """Words that carry meaning, with synonyms folded in."""
    out: set[str] = set()
    said = words(text)
    for phrase in _PHRASE.findall(text):  # "dark mode" -> dark theme
        said += [w for w in words(_PHRASES[phrase.lower()]) if w not in said]
    for w in said:
        if w in STOP:
            continue
        out.add(w)
        for synonym in _SYNONYMS.get(w, ()):  # one more hop: sms -> message -> chat
            out.add(synonym)
            out |= _SYNONYMS.get(synonym, set())
        if "-" in w:  # "boarding-pass.pdf" is about a boarding pass (parts too short to mean much stay out)
            out |= {part for part in w.split("-") if len(part) > 2 and part not in STOP}
    out |= {w[:-1] for w in out if w.endswith("s") and not w.endswith("ss") and len(w) > 3}  # synonyms' too
    return out
