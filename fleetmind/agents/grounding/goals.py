"""Reading a goal: toggles, the values to type (by their cue words or their shapes), whether an answer is
wanted and what it is about, the level a goal sets, and which apps the goal is about.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ...secrets.names import referenced_secret
from .fields import FIELD_CUES, field_key
from .lists import appended_item
from .spoken import spoken_times
from .vocabulary import APP_HINTS, EDIT_WORDS, LANGUAGES, PRONOUNS, STOP, VALUE_APPS, content_words, words

_ON = re.compile(
    r"\b(turn on|switch on|enable|activate|start|(?:turn|switch)(?:\s+[\w'-]+){1,3}?\s+(?:back\s+)?on"
    # "put it in airplane mode"
    r"|(?:put|set|switch)\s+(?:[\w'-]+\s+){0,2}?(?:in|into|to)\s+(?:[\w'-]+\s+){1,2}?mode)\b",
    re.I,
)
_OFF = re.compile(
    r"\b(turn off|switch off|disable|deactivate|stop|(?:turn|switch)(?:\s+[\w'-]+){1,3}?\s+off"
    r"|(?:take|get|bring)\s+(?:[\w'-]+\s+){0,2}?out of\s+(?:[\w'-]+\s+){1,2}?mode)\b",  # "take it out of ... mode"
    re.I,
)


_TIME = re.compile(r"\b(\d{1,2})(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?(?=\W|$)", re.I)
_HEDGE = (
    r"(?:(?:like|about|around|roughly|maybe|approximately|approx\.?|say|just|somewhere around|more or less)[\s,]+)*"
)
"""Words people put between "to" and a number without changing it ("brightness to, like, 30 percent")."""
_VALUE_SHAPES = {
    "phone": re.compile(r"\+?\d[\d\s().-]{2,}\d"),
    "email": re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+"),
    "name": re.compile(r"(?:[A-Z][\w'-]*)(?:\s+[A-Z][\w'-]*){0,2}"),
    "to": re.compile(r"(?:[A-Z][\w'-]*)(?:\s+[A-Z][\w'-]*){0,2}|\+?\d[\d\s().-]{2,}\d"),
    "amount": re.compile(r"\$?\d+(?:[.,]\d+)?"),
    "city": re.compile(r"(?:[A-Z][\w'-]*)(?:\s+[A-Z][\w'-]*){0,2}"),
    "date": re.compile(r"\d{4}-\d{1,2}-\d{1,2}"),
    "location": re.compile(r"(?:[A-Z][\w'-]*)(?:\s+(?:[A-Z][\w'-]*|\d+))*"),
    "password": re.compile(r"[^\s,;]+"),  # one word: "pin 4321 and check my balance" is not all a PIN
}


_FREE_TEXT_CUES = frozenset({"saying", "that says", "with the text"})
"""Cues whose value is everything after them, other cue words included."""


def extract_values(text: str) -> dict[str, str]:
    """Values a goal gives for form fields, keyed by field kind.

    A value is introduced by its cue ("named Ada", "saying hello there", "titled
    Groceries") and runs to the next cue or the end; quoted text is taken whole.
    Times ("at 7:30 pm") fill hour and minute.
    """
    cues = sorted(((c, k) for k, cs in FIELD_CUES.items() for c in cs), key=lambda t: -len(t[0]))
    pattern = re.compile(r"\b(" + "|".join(re.escape(c) for c, _ in cues) + r")\b(?::|['’]s)?\s+", re.I)  # "PIN: 4321"
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
        if cue not in _FREE_TEXT_CUES:
            raw = raw.split(": ", 1)[0]  # "titled Gift ideas: scarf for Mum": the title ends at the colon
        quoted = re.match(r"[\"“'‘]([^\"”'’]+)[\"”'’]", raw)
        raw = quoted.group(1) if quoted else re.sub(r"\s+(?:and|with|then|by \w+)$", "", raw)
        raw = re.sub(r"^(?:is|was|=)\s+", "", raw, flags=re.I)  # "pin is 4321": the value is after "is"
        said_later = any(c in _FREE_TEXT_CUES for _, _, c in hits[i + 1 :])
        for key in keys_of[cue]:
            if key == "message" and cue not in _FREE_TEXT_CUES and said_later:
                continue  # "a message through the form saying X": X is the message, not "through the form"
            shape = _VALUE_SHAPES.get(key)
            value = raw
            if shape is not None and not quoted:
                m = shape.match(raw)
                if not m:
                    continue
                value = m.group(0).strip()
            # a message keeps its words as said ("saying the alarm is broken"); a name loses "the"
            lead = r"^(?:=|:)\s*" if cue in _FREE_TEXT_CUES else r"^(?:the|a|an|is|was|=|:)\s+"
            value = re.sub(lead, "", value, flags=re.I)
            if value and value.lower() not in STOP and key not in values:
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
    said = values.get("message", "")
    timed = spoken_times(text.replace(said, " ") if said else text)  # a message's own words set no time
    duration = re.search(r"\b(\d+)\s*(min(?:ute)?s?|sec(?:ond)?s?)\b", timed, re.I)
    if duration:  # "a timer for 5 minutes": a duration, not a time of day
        unit = "minutes" if duration.group(2).lower().startswith("min") else "seconds"
        amount = int(duration.group(1))
        if unit == "seconds" and amount >= 60:  # "90 seconds" is 1 min 30 s on a timer
            values["minutes"], values["seconds"] = str(amount // 60), str(amount % 60)
        else:
            values[unit] = str(amount)
        values.pop("phone", None)
        return values
    time_hit = re.search(r"\b(?:at|for|from)[\s,]+" + _HEDGE + _TIME.pattern, timed, re.I)
    if time_hit is None and (moved := re.search(r"\b(?:to|until)[\s,]+" + _HEDGE + _TIME.pattern, timed, re.I)):
        time_hit = moved if moved.group(2) or moved.group(3) else None  # "move my alarm to 7:15", not "volume to 10"
    if time_hit:
        hour, minute = _clock(time_hit)
        values.update(hour=str(hour), minute=f"{minute:02d}", start=f"{hour:02d}:{minute:02d}")
        if values.get("phone", "").replace(" ", "") in (time_hit.group(0).split()[-1],):
            values.pop("phone")
        end_hit = re.search(r"\b(?:to|until|till)\s+" + _TIME.pattern, timed[time_hit.end() :], re.I)
        if end_hit:
            end_hour, end_minute = _clock(end_hit)
            values["end"] = f"{end_hour:02d}:{end_minute:02d}"
    return values


_PERSON = r"(?!I\b|I['’])[A-Z][\w'-]*(?:\s+(?!I\b|I['’])[A-Z][\w'-]*){0,2}"  # "Tell Alan I'm late": not "I'm"
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
_HAVE_THING = re.compile(
    r"\b(?:i've got|i have got|i have|i've|i got|there's|there is|we have|we've got)\s+(?:a|an|my|our|the)\s+"
    r"([a-z][\w'-]*(?:\s+(?!(?:tomorrow|today|tonight|on|at|from|this|next|in|with|for)\b)[a-z][\w'-]*){0,3})",
    re.I,
)
"""The thing a remark says the user has ("I've got a haircut tomorrow"): what "add it" means."""
_SAY_THAT = re.compile(
    r"\b(?i:text|message|tell|sms|msg|remind|let)\s+[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)?\s+(?i:know\s+)?(?i:that)\s+(.+)$"
    # "shoot Alan a text that the parcel arrived"
    r"|\b(?i:send|give|drop|shoot|write)\s+[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)?\s+(?i:an?\s+)(?i:quick\s+|short\s+)?"
    r"(?i:text|message|msg|sms|line)\s+(?i:that)\s+(.+)$"
)
_TELL_THEM = re.compile(
    r"\b(?:tell|inform|ask|remind)\s+them\s+(?:that\s+)?(.+)$|\blet\s+them\s+know\s+(?:that\s+)?(.+)$", re.I
)
"""What a form is to say to whoever reads it ("use the contact form to tell them the page is broken")."""
_NOTE_THAT = re.compile(
    r"\b(?:make|write|take|jot|leave|add|save|create)\s+(?:down\s+)?(?:a\s+|me\s+a\s+)?(?:quick\s+)?(?:note|memo|reminder)"
    r"\s+(?:that|saying|to say|reading|of)\s+(.+)$"
    r"|^\W*(?:please\s+|can you\s+|could you\s+)?(?:note|jot|write|put)\s+down\s+(?:that\s+)?"
    r"(?!(?:a|an|the|my)\s+(?:\w+\s+)?(?:note|memo|list)\b)(.+)$",  # "jot down a note titled ...": its own cues
    re.I,
)
"""A note's text given after "that" ("make a note that the guest wifi password is bluefox42", "jot down
that the door code is 4411", "note down the plate number KX-204")."""
_MESSAGE_WORDS = re.compile(
    r"\b(text|sms|message|msg|tell|say|saying|write|jot|note|memo|reply|remind|body|post|comment|feedback|review)\b",
    re.I,
)


_AMOUNT = r"(\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?(?![\d,])|\d+,\d{1,2}(?!\d))"
_MONEY = re.compile(
    rf"[$€£]\s?{_AMOUNT}|\b{_AMOUNT}\s?(?:dollars?|euros?|pounds?|bucks|usd|eur|gbp)\b", re.I
)
"""An amount of money: "$10,000" (thousands), "$15.50", "12,50 euros" (a decimal comma)."""


def money_value(amount: str) -> str:
    """An amount as a form takes it: "10,000" -> "10000", "12,50" -> "12.50"."""
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?", amount):
        return amount.replace(",", "")
    return amount.replace(",", ".")


_REMINDER = re.compile(r"\bremind\s+me\b|\breminder\b", re.I)
"""A reminder for the user ("remind me to ...", "set a reminder ..."), not a message to someone ("remind Ada")."""
_DAYS = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day"
_WHEN = re.compile(
    rf"\b(?:at|by|around|about|before|after|for|from|until)[\s,]+{_HEDGE}\d{{1,2}}(?::\d{{2}})?\s*"
    r"(?:am|pm|a\.m\.|p\.m\.|o'?clock)?(?=\W|$)"
    r"|\b\d{1,2}(?::\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.|o'?clock)(?=\W|$)"
    r"|\b(?:in|for)\s+(?:about\s+)?\d+\s*(?:min(?:ute)?s?|hours?|hrs?|sec(?:ond)?s?)\b"
    rf"|\b(?:at\s+)?(?:noon|midnight)\b|\b(?:on\s+|next\s+|this\s+|every\s+)?{_DAYS}\b"
    r"|\b(?:tomorrow|today|tonight)(?:\s+(?:morning|afternoon|evening|night))?\b"
    r"|\b(?:this|every)\s+(?:morning|afternoon|evening|night|day|week)\b",
    re.I,
)
"""When a reminder is for ("at 5pm", "in 20 minutes", "tomorrow morning"): not part of what it says."""


def reminder_text(text: str) -> str | None:
    """What a reminder for the user says ("remind me to call the plumber at 5pm" -> "call the plumber"),
    with when it is for left out; None when the text asks for no reminder or says nothing to remember."""
    m = _REMINDER.search(text)
    if m is None:
        return None
    rest = _WHEN.sub(" ", spoken_times(text[m.end() :]))
    rest = re.sub(r"^[\s,:]*(?:(?:me|to|about|that|of|for|saying)\b[\s,:]*)+", "", rest, flags=re.I)
    rest = re.sub(r"(?:[\s,]+(?:please|thanks|thank you))?[\s,.!?;:]*$", "", rest, flags=re.I)
    said = re.sub(r"\s+", " ", rest).strip(" ,:")
    return said[:1].lower() + said[1:] if said and len(said) <= 80 else None


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
    colon = re.search(r"(?<!\d):\s*(\S.*)$", text)  # not the colon of a time ("at 7:30 am to ...")
    if colon and _MESSAGE_WORDS.search(text[: colon.start()]) and not _TIME.fullmatch(colon.group(1)):
        values.setdefault("message", colon.group(1).strip(" ."))  # "jot down a note: buy milk"
    pair = _NAME_AND_NUMBER.search(text)
    credential = {"pin", "password", "passcode", "code", "otp", "cvv"}
    if pair and pair.group(1).split()[0].lower() not in STOP and not credential & set(words(pair.group(1))):
        name, number = pair.group(1).strip(), pair.group(2).strip()
        # "Add Rosa Diaz, 555 0171": a sentence's first word is capitalised, not part of the name
        lead = r"^(?:add|save|create|store|put|new|text|call|message|email|ring|update)\s+"
        name = re.sub(lead, "", name, flags=re.I)
        if not _TIME.fullmatch(number) and not _VALUE_SHAPES["date"].fullmatch(number) and name != values.get("to"):
            values.setdefault("name", name)
            values.setdefault("phone", number)
    money = _MONEY.search(text)
    if money:
        values.setdefault("amount", money_value(money.group(1) or money.group(2)))
    if "date" not in values and (iso := re.search(r"\b\d{4}-\d{2}-\d{2}\b", text)):
        values["date"] = iso.group(0)
    place = re.search(r"\bat\s+the\s+([a-z][\w'-]+(?:\s+[a-z][\w'-]+)?)\s*[.!]?$", text)
    if place and "location" not in values:
        values["location"] = place.group(1)  # "... from 19:00 to 21:00 at the library."
    event = _ADD_TO_CALENDAR.search(text)
    if event and "title" not in values:  # "add a meeting with the landlord to my calendar"
        title = event.group(1).strip()
        if title.lower() in PRONOUNS and (thing := _HAVE_THING.search(text)):
            title = thing.group(1)  # "add it to my calendar: I've got a haircut tomorrow"
        if title.lower() not in PRONOUNS:
            values["title"] = title[:1].upper() + title[1:]
    if (noted := _NOTE_THAT.search(text)) is not None:
        values["message"] = (noted.group(1) or noted.group(2)).strip(" .!?")  # the note's text, whatever it says
        values.pop("password", None)
    if "message" not in values and re.search(r"\bform\b", text, re.I) and (them := _TELL_THEM.search(text)):
        values["message"] = (them.group(1) or them.group(2)).strip(" .!")
    said = _SAY_THAT.search(text)
    if said:
        values.setdefault("message", (said.group(1) or said.group(2)).strip(" .!"))  # "text Ada that I'm on my way"
    to = _TO_VERB.search(text) or _SEND_PERSON.search(text)
    reminder = reminder_text(text)
    if to and to.group(1).split()[0].lower() not in STOP | {"i"} and not (reminder and to.group(1) in reminder):
        values.setdefault("to", to.group(1).strip())  # not in "remind me to call Ada": Ada is what to remember
        rest = text[to.end() :].strip()
        if "message" not in values and _SPOKEN_MESSAGE.match(rest) and to.re is _TO_VERB:
            values["message"] = rest.strip(" .!")  # "Text Mum I love you", "Tell Alan I'm running late"
            for key in ("hour", "minute", "start", "end", "minutes", "seconds", "date", "location", "search"):
                values.pop(key, None)  # "I'll be there at 5" sets no time: it is the message's
    if reminder:  # "remind me to call the plumber at 5pm": an alarm's label, an event's title
        values.setdefault("label", reminder)
        values.setdefault("title", reminder)


_SPOKEN_MESSAGE = re.compile(
    r"(?:I|I'm|I’m|I'll|I've|I'd|we|we're|we'll|you|you're|your|my|our|don't|can't|see you|call me|happy|thanks"
    r"|thank you|love you|running|on my way|be there|sorry|good luck|congrats|congratulations)\b",
    re.I,
)
"""How a message said straight after its person starts ("Text Mum I love you"): not a time or a place."""


def _clock(m: re.Match[str]) -> tuple[int, int]:
    """(hour, minute) on a 24-hour clock from a match of `_TIME` (after its cue word)."""
    hour, minute, half = int(m.group(1)), int(m.group(2) or 0), (m.group(3) or "").lower()
    if half.startswith("p") and hour < 12:
        hour += 12
    if half.startswith("a") and hour == 12:
        hour = 0
    return hour, minute


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

    def unsaid(self) -> str:
        """The goal's text without the message it passes on (whose words are the message's own)."""
        return _unsaid(self.text, self.values.get("message", ""))


_ENTITY = re.compile(r"(?<![.!?]\s)(?<!^)\b((?!I['’])[A-Z][\w'-]+(?:\s+(?!I\b|I['’])[A-Z][\w'-]+)*)")


_STATE_QUESTION = re.compile(
    r"\b(?:is|are|was)\s+(?:my\s+|the\s+)?[\w-]+(?:\s+[\w-]+)?\s+(?:on|off|enabled|disabled)\b"
    r"|\b(?:whether|if)\s+(?:my\s+|the\s+)?[\w-]+(?:\s+[\w-]+)?\s+(?:is|are)\b",
    re.I,
)
_IMPERATIVE_TOGGLE = re.compile(r"\b(?:turn|switch|make sure|ensure)\b.*\b(?:on|off)\b(?!\?)", re.I)
_MAKE_SURE = re.compile(r"\b(?:make sure|ensure|see to it that|make it so)\b[^?]*?\b(on|off)\b", re.I)
_CONTACT_WORDS = re.compile(
    r"\b(contacts?(?! form| us\b| page)|address book|phone book|save (?:a |the )?(?:new )?(?:number|contact))\b", re.I
)
_SIGNED_AS = re.compile(r"\b(?i:as|from|signed|sign it)\s+([A-Z][\w'-]*(?:\s+[A-Z][\w'-]*){0,2})\s*[.!?]?$")
"""Who a post or form is from, at the end of the goal ("... through the contact form as Chris Wu")."""
_QUOTED = re.compile(r"[\"“][^\"”]*[\"”]|(?:^|(?<=\s))['‘][^'’]+['’](?=\W|$)")
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
        "Pin",
        "Password",
        "Passcode",
    }
)
"""Capitalised words that are not the name of a person or thing the goal is about."""


_QUESTION_START = re.compile(
    r"^\W*(?:when|where|how|why|whose|did|does|do|is|are|was|were|has|have|had|will|can i|could i)\b(?!.*\bsaying\b)",
    re.I,
)
"""A goal that opens as a question ("When is my team sync?", "Did Mum text me?") asks to be told."""


_TITLE = r"(?:(?:Dr|Mr|Mrs|Ms|Mx|Prof|Rev|St)\.?\s+)"
_CAPITAL = r"[A-Z][\w-]*(?:['’](?![sS]\b)[\w-]+)?"  # "O'Brien", not the "'s" of "Kim's"
_SAVED_NAME = re.compile(
    rf"(?<![\w'])((?:{_TITLE}|{_CAPITAL}\s+)*{_CAPITAL})(?:['’]s\s+([a-z][a-z-]+|(?:[A-Z][\w-]*\s+)*[A-Z][\w-]*))?"
)
"""A name as people save it: "Dr. Kim's office", "Joe's Pizza", "Mrs. Patel" (a title, capitalised words, and
what of theirs it is)."""
_DETAILS = frozenset(
    {"number", "phone", "mobile", "cell", "landline", "email", "e-mail", "address", "contact", "details"}
)
_SENTENCE_VERBS = frozenset(
    {"add", "save", "store", "put", "keep", "new", "please", "can", "could", "i", "i'd", "create"}
)


_SAVES = re.compile(r"\b(?:save|saved|store|stored|keep|add|contacts?|address book)\b", re.I)
"""Words of a goal that keeps someone's details (a contact), not one that uses them (a text, a call)."""


def _saved_name(text: str) -> str | None:
    """The name a contact is saved under when the goal gives it without a cue ("I need Dr. Kim's office
    saved", "Save Joe's Pizza, 555 0144"), or None: the first capitalised phrase that is not a sentence's
    verb, an app or a day, with what of theirs it is ("office"; "number" only says which detail)."""
    for m in _SAVED_NAME.finditer(_QUOTED.sub(lambda q: " " * len(q.group(0)), text)):
        parts = m.group(1).split()
        while parts and parts[0].lower() in _SENTENCE_VERBS:
            parts.pop(0)  # "Save Dr. Kim": the sentence's first word is capitalised, not part of the name
        if not parts or parts[0] in _NOT_NAMES or m.group(1).isupper():
            continue
        name = " ".join(parts)
        owned = m.group(2)
        return f"{name}'s {owned}" if owned and owned.lower() not in _DETAILS else name
    return None


def parse_goal(text: str, inputs: dict[str, str] | None = None) -> Goal:
    """Read toggles, values to type and whether an answer is wanted.

    A message's own words ("text Ada saying turn off the oven, check the calendar") are the
    message's: they do not make the goal a toggle, a question, or about another app.
    """
    values = extract_values(text)
    said = _unsaid(text, values.get("message", ""))
    want: bool | None = None
    if _ON.search(said):
        want = True
    if _OFF.search(said):
        want = False
    if (sure := _MAKE_SURE.search(said)) is not None:
        want = sure.group(1).lower() == "on"  # "make sure Wi-Fi is on"
    elif _STATE_QUESTION.search(said) and not _IMPERATIVE_TOGGLE.search(said):
        want = None  # "is Bluetooth on?", "check whether Wi-Fi is off": read it, change nothing
    if referenced_secret(text):  # secrets hook: "with my bank PIN and ..." names a stored secret, no value
        values.pop("password", None)
    for name, value in (inputs or {}).items():
        if value:  # an upstream result fills the field it is named for, else the message
            key = field_key(name) or ("message" if "message" not in values else None)
            if key:
                values.setdefault(key, value)
    asking = r"\b(find|whats?|which|who|read|get|look up|tell (?:me|us)|how many|check|search)\b"
    asks = bool(re.search(asking, said, re.I))  # "tell Alan I'm late" tells; "tell me ..." asks
    if _STATE_QUESTION.search(said) or _QUESTION_START.match(said):
        asks = True
    # names of things ("Ada Lovelace", "Paris"), not acronyms of kinds of things ("SMS", "PIN")
    entities = [
        re.sub(r"['’]s$", "", m.group(1))  # "Tom's contact" is about Tom
        for m in _ENTITY.finditer(_QUOTED.sub(lambda q: " " * len(q.group(0)), text))  # not inside quotes
        if m.start() > 0 and not m.group(1).isupper()
    ]
    entities = [e for e in entities if e.split()[0] not in _NOT_NAMES]
    editing = bool(content_words(text) & EDIT_WORDS)  # "update Tom's contact": Tom says whose, not a new name
    saves = "name" not in values and values.keys() & {"phone", "email"} and _SAVES.search(text)
    if saves and not (asks or editing) and (named := _saved_name(text)) is not None:
        values["name"] = named  # "I need Dr. Kim's office saved, the number is 555 0160"
    if "name" not in values and entities and _CONTACT_WORDS.search(text) and not asks and not editing:
        values["name"] = entities[0]  # "add Nina Alvarez to my contacts"
    if "name" not in values and (mine := re.search(r"\bmy name is\s+([A-Z][\w'-]*(?:\s+[A-Z][\w'-]*){0,2})", text)):
        values["name"] = mine.group(1)  # "my name is Sam Rivera and ..."
    if "name" in values and "message" in values:  # "... saying the site is down, my name is Jo Park": who it is from
        sign_off = rf"[,;.:]?\s*(?:and\s+)?(?:my name is|i am|i'm|this is)\s+{re.escape(values['name'])}\W*$"
        if (told := re.search(sign_off, values["message"], re.I)) is not None and told.start() > 0:
            values["message"] = values["message"][: told.start()].strip(" ,;")
    signed = _SIGNED_AS.search(text) if re.search(r"\b(form|post|comment|review)\b", text, re.I) else None
    if "name" not in values and signed is not None:
        values["name"] = signed.group(1)  # "post it through the contact form as Chris Wu"
    if asks and entities and "search" not in values:
        values["search"] = entities[0]  # a question about a name: search for it where there is a search box
    found = goal_words(said)
    if _NOTE_THAT.search(text):  # "write down ...", "jot down ...": a note, and "down" lowers nothing
        found = (found - {"down", "decrease"}) | {"note"}
    if (item := appended_item(text)) is not None:  # adds to a note the user has: it edits that note
        values["append"] = item
        if item in values.get("message", ""):  # "jot down call mum in my to-do list": the item, not a note
            values.pop("message")
        values.pop("title", None)
        found = found - {"add", "create", "new"} | {"edit"}
    if "reminder" in found:  # a reminder at a time of day is an alarm; one in a while, a timer
        found |= {"alarm"} if "hour" in values else {"timer"} if values.keys() & {"minutes", "seconds"} else set()
    return Goal(text=text, words=found, want_on=want, values=values, asks_answer=asks, entities=entities)


def _unsaid(text: str, message: str) -> str:
    """The goal without the words of the message it passes on: "text Ada saying I left the notes
    at home" is about Messages and Ada, not Notes; those words are the message's to carry."""
    if len(message) < 2:
        return text
    return re.sub(re.escape(message), " ", text, count=1, flags=re.I)


_THE_DEVICE = re.compile(
    r"\b(?:my|the|this|your|our)\s+phone(?:['’]s)?\b(?!\s+(?:number|numbers|book|call|calls)\b)", re.I
)
"""The phone itself ("put the phone in airplane mode", "my phone in French"), not a phone number."""


_SAVE_A_NEW = re.compile(r"\b(?:save|store|keep|put)\s+(?:a|an|one more)\s+(?:new\s+)?|\b(?:save|store)\s+new\b", re.I)
"""Saving a new record ("save a new contact for me"), not saving a change to one ("save his new number")."""


def goal_words(text: str) -> set[str]:
    """The goal's content words, as the screen is matched against them: the phone itself is no
    contact's number, a language named is the language setting, "remind me" asks for a reminder."""
    found = content_words(_THE_DEVICE.sub(" ", text))
    if _SAVE_A_NEW.search(text):
        found |= content_words("add")  # "save a new contact": one is made, as "add a contact" says
    if _REMINDER.search(text):
        found.add("reminder")  # "remind me to ...": a reminder (the clock's alarms), not a message to send
    return found | {"language"} if found & LANGUAGES else found


def overlap(goal: Goal, label: str) -> float:
    label_words = content_words(label)
    if not label_words:
        return 0.0
    return len(goal.words & label_words) / len(label_words)


_TARGET = re.compile(
    r"\b(?:to|at)[\s,]+" + _HEDGE + r"(\d{1,3})(?:\s*(?:%|percent\b)|(?![\d:]|\.\d|\s*(?:am|pm|a\.m|p\.m|o'?clock|"
    r"mins?|minutes?|"
    r"hours?|hrs?|h|seconds?|secs?|s|days?|weeks?|people|times|[ap])\b))",
    re.I,
)
"""A level: "brightness to 20 percent", "the volume to 10" (a bare number, not a time or a count)."""


def target_value(text: str) -> int | None:
    """The level a goal sets something to ("brightness to 20 percent" -> 20), or None."""
    m = _TARGET.search(text)
    if m is None and re.search(r"\b(?:mute|silence)\b", text, re.I) and not re.search(r"\bun-?mute\b", text, re.I):
        return 0  # "mute the media volume": all the way down
    return int(m.group(1)) if m else None


def app_words(app: str) -> set[str]:
    """The words that name `app` or the kind of data it holds ("Calendar": event, meeting ...)."""
    return content_words(app) | APP_HINTS.get(app.lower(), set())


def is_about(goal: Goal, app: str) -> bool:
    """True when the goal is about `app` (names it, or the kind of data it holds)."""
    return bool(goal.words & app_words(app))


def goal_apps(goal: Goal, apps: list[str]) -> set[str]:
    """Lower-case names of the installed apps the goal is about; when its words name none, the app that
    alone takes its values ("'Yoga' on 2025-07-01 from 18:00 to 19:00": a date and an end, an event)."""
    named = {a.lower() for a in apps if is_about(goal, a)}
    return named or {a.lower() for a in apps if goal.values.keys() & VALUE_APPS.get(a.lower(), set())}
