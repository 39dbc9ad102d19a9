"""References between clauses: people named earlier, pronouns, and results that flow.

- People: a name in a person's place ("text Ada", "Ada's number", "a contact
  named Ada Byron") is remembered; a later "her"/"him"/"his" becomes that name
  in the goal ("call her" -> "call Ada", "her number" -> "Ada's number").
- Results: a clause that asks for something ("look up the weather in Paris")
  declares a named output derived from what it asks for (`weather`); a later
  clause that says "it", "that", "the result", "the answer", or names that
  output ("the weather", "the code") takes it as an input, named for the role
  it plays there (`message` for what is sent or written, `phone` for a number
  that is called, `search` for what is looked up).

Words after a message cue ("saying ...") and quoted text are the user's values:
nothing in them is resolved or rewritten.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from . import lexicon
from .lexicon import word_set

_NAME = r"[A-Z][a-z]+(?:[-'][A-Za-z]+)?(?:\s+[A-Z][a-z]+(?:-[A-Za-z]+)?){0,2}"
_COMM_VERBS = (
    "call|text|message|email|e-mail|mail|ring|phone|dial|tell|ask|remind|invite|ping|contact|meet|sms|whatsapp"
)
_PERSON_PLACES = [
    re.compile(r"\b(?:" + _COMM_VERBS + r")\s+(?P<name>" + _NAME + r")"),
    re.compile(
        r"\b(?:send|give|show|forward|write|reply to|share with)\s+(?P<name>" + _NAME + r")\s+"
        r"(?:a|an|the|my|it|that|this)\b"
    ),
    re.compile(r"\b(?:named|called|for contact|contact)\s+(?P<name>" + _NAME + r")"),
    re.compile(r"(?P<name>" + _NAME + r")'s\s"),
    re.compile(
        r"\b(?:number|phone|email|address|birthday|contact details|details)\s+(?:of|for)\s+(?P<name>" + _NAME + r")"
    ),
]
_SEND_TO = re.compile(
    r"\b(?:send|text|sms|message|email|mail|forward|share|write|reply|pass|give|show)\b.*?\bto\s+(?P<name>"
    + _NAME
    + r")"
)
_NOT_PEOPLE = word_set(
    """Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July
    August September October November December Settings Messages Contacts Clock Notes Bank Files Calendar Camera
    Google Chrome Wikipedia Encyclopedia Weather Portal Wi-Fi Bluetooth Android iPhone Today Tomorrow
    The This That It Please Then And Also"""
)

_PERSON_PRONOUN = re.compile(r"\b(her|him|his)\b", re.I)
_NOT_A_NOUN = word_set(
    """the a an that this back now later again today tomorrow tonight saying to about at on in with for and or up
    know hi hello if whether what when where how i i'm i'll we you it know asap too as"""
)

_DATA_PRONOUN = re.compile(r"\b(it|its|that|this|them|those|these|both|everything|all of it)\b", re.I)
_DUMMY_IT = re.compile(r"\b(?:is|was|will|does|did)\s+it\b|\bit(?:'s|\s+(?:is|was|will|rains?|snows?|says?))\b", re.I)
_UI_IT = re.compile(r"\b(?:make|keep|turn|switch|leave|set)\s+it\b", re.I)
_FOLLOWS_OBJECT = re.compile(r"\s*(?:$|[,.;!?]|(?:to|in|into|on|as|with|by|via|for|from|over|and|too|please)\b)", re.I)
GENERIC_RESULTS = ("result", "results", "answer", "answers", "info", "information", "details", "findings", "value",
                   "output", "same")  # fmt: skip
_GENERIC_REF = re.compile(
    r"\b(?:the|that|this|those|these|its|your)\s+(?:\w+\s+)?(?:" + "|".join(GENERIC_RESULTS) + r")\b"
    r"|\bwhat (?:you|it|they) (?:found|find|says?|said|got|get|shows?|showed)\b",
    re.I,
)
_SYNONYMS = {
    "weather": ("forecast", "temperature", "weather"), "forecast": ("weather", "forecast"),
    "number": ("number", "phone number", "phone"), "phone": ("number", "phone"), "code": ("code", "otp", "pin"),
    "balance": ("balance", "amount"), "price": ("price", "cost"), "address": ("address", "location"),
}  # fmt: skip


def persons(text: str) -> list[str]:
    """People named in `text` in a person's place, in order of appearance."""
    head = text[: lexicon.value_start(text)]
    found: list[tuple[int, str]] = []
    for rx in _PERSON_PLACES:
        found += [(m.start("name"), m.group("name")) for m in rx.finditer(head)]
    found += [(m.start("name"), m.group("name")) for m in _SEND_TO.finditer(text)]
    names = []
    for _, name in sorted(found):
        words = name.split()
        while words and (
            words[0].lower() in lexicon.VERBS or words[0].lower() in lexicon.QUESTION_WORDS or words[0] in _NOT_PEOPLE
        ):
            words = words[1:]  # "Find Ada's number": a verb at the start of a sentence is capitalised
        if words and not any(w in _NOT_PEOPLE for w in words):
            names.append(" ".join(words))
    return names


_SUBJECT = re.compile(
    r"^(?P<name>[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)\s+(?:got|has|had|is|was|changed|moved|lost|bought|needs)\b"
)


def subjects(remark: str) -> list[str]:
    """The person a remark is about when it starts with their name ("Tom got a new number")."""
    m = _SUBJECT.match(remark)
    return [m.group("name")] if m and m.group("name").split()[0] not in _NOT_PEOPLE else []


def resolve_people(clause: str, earlier: Sequence[str]) -> tuple[str, str | None]:
    """The clause with her/him/his replaced by the person last named, and that person (or None).

    `earlier` lists the people named before this clause, most recent last.
    """
    cut = lexicon.value_start(clause)
    head, tail = clause[:cut], clause[cut:]
    out: list[str] = []
    last = 0
    person: str | None = None
    for m in _PERSON_PRONOUN.finditer(head):
        if persons(head[: m.start()]) or not earlier:
            continue  # the name is right there in the clause ("add Grace, her number is ..."), or unknown
        who = earlier[-1]
        person = who
        pronoun = m.group(1).lower()
        nxt = re.match(r"\s+([\w']+)", head[m.end() :])
        possessive = pronoun == "his" or (
            pronoun == "her" and nxt is not None and nxt.group(1).lower() not in _NOT_A_NOUN
        )
        out += [head[last : m.start()], f"{who}'s" if possessive else who]
        last = m.end()
    return "".join(out) + head[last:] + tail, person


def refers_back(clause: str) -> bool:
    """Whether the clause points back at something earlier ("it", "that", "the result")."""
    head = clause[: lexicon.value_start(clause)]
    return data_pronoun(head) or bool(_GENERIC_REF.search(head)) or bool(_UI_IT.search(head))


def data_pronoun(head: str) -> bool:
    """Whether `head` (a clause before its values) has a pronoun standing for a result."""
    for m in _DATA_PRONOUN.finditer(head):
        word = m.group(1).lower()
        if word == "it":
            window = head[max(0, m.start() - 8) : m.end() + 8]
            if _DUMMY_IT.search(window) or _UI_IT.search(head[max(0, m.start() - 8) : m.end()]):
                continue
            return True
        if word == "its":
            return True
        if _FOLLOWS_OBJECT.match(head[m.end() :]):
            return True  # "send that to Ada", "text Ada that" (not "that says", "that I'm late")
    return False


def mentions_output(clause: str, output: str) -> bool:
    """Whether the clause names an earlier output ("the weather", "that code", "her number")."""
    head = clause[: lexicon.value_start(clause)]
    words = _SYNONYMS.get(output, (output.replace("_", " "),))
    alt = "|".join(re.escape(w) for w in words)
    return bool(re.search(r"\b(?:the|that|this|my|its|her|his|their|[A-Z]\w*'s)\s+(?:\w+\s+)?(?:" + alt + r")\b", head))


def generic_reference(clause: str) -> bool:
    """Whether the clause says "it", "that", "the result", "what you found" ... about data."""
    head = clause[: lexicon.value_start(clause)]
    return data_pronoun(head) or bool(_GENERIC_REF.search(head))


# --- naming outputs and inputs ------------------------------------------------

_ASK_PREFIX = re.compile(
    r"^(?:(?:tell|show|give) me|let me know|find out|find|look up|look for|search(?: the web| online| for)*|"
    r"check(?: on)?|get|read(?: out)?(?: me)?|google|see|count|list|figure out|work out|take|copy|grab|fetch)"
    r"(?:\s+|$)",
    re.I,
)
_WH = re.compile(r"^(?:what|what's|whats|which)(?:\s+(?:is|are|was|were|will be))?\s+|^(?:whether|if)\s+", re.I)
_HOW = {
    "many": None, "much": "amount", "hot": "temperature", "cold": "temperature", "warm": "temperature",
    "far": "distance", "long": "duration", "old": "age", "big": "size", "tall": "height",
}  # fmt: skip
_WH_NAMES = {"when": "time", "where": "location", "who": "person", "whose": "person"}
_SKIP = word_set(
    """the a an my our your his her its their today's tomorrow's tonight's current latest last next new recent
    unread this that these those some any all"""
)
_STOP = word_set(
    """of in for on at from to with about by that which who and or is are was were do does did i like will be
    there here right now today tomorrow tonight please me it online using via currently again"""
)
_SOURCES = re.compile(
    r"^(?:the\s+)?(?:web|internet|encyclopedia|wikipedia|wiki|site|website|page|news|net)\s+(?:for|about)\s+", re.I
)
_VAGUE = word_set("thing things stuff something one it answer them")


def output_name(question: str) -> str:
    """A name for what a question asks for: "look up the weather in Paris" -> "weather"."""
    text = re.sub(r"[?!.]+$", "", question.strip())
    text = _ASK_PREFIX.sub("", text, count=1)
    how = re.match(r"^how\s+(\w+)\s*", text, re.I)
    if how:
        kind = how.group(1).lower()
        if kind != "many":
            return _HOW.get(kind) or "answer"
        noun = _head(text[how.end() :])
        return f"{noun}_count" if noun else "count"
    wh = re.match(r"^(when|where|who|whose)\b", text, re.I)
    if wh:
        return _WH_NAMES[wh.group(1).lower()]
    text = _SOURCES.sub("", _WH.sub("", text, count=1), count=1)  # "search the encyclopedia for X": X
    return _head(text) or "answer"


_COMPOUNDS = {"email address": "email", "e-mail address": "email", "phone number": "number",
              "mobile number": "number", "home address": "address", "web address": "url"}  # fmt: skip


def _head(phrase: str) -> str | None:
    """The head noun of the noun phrase `phrase` starts with (its last word before a stop word).

    A possessor is skipped ("Grace Hopper's phone number" -> "number"); a proper name
    is not a kind of result ("look up Ada Lovelace" -> None).
    """
    words: list[str] = []
    for raw in re.findall(r"[\w'-]+", phrase):
        low = raw.lower()
        if low.endswith("'s") or low.endswith("s'"):
            words = []  # what came before was the possessor
            continue
        if not words and low in _SKIP:
            continue
        if low in _STOP:
            break
        words.append(raw)
    if not words or all(w[:1].isupper() for w in words):
        return None
    while words[-1][:1].isupper():
        words.pop()  # "the note Groceries": a note (named Groceries)
    last_two = " ".join(words[-2:]).lower()
    name = _COMPOUNDS.get(last_two) or re.sub(r"[^a-z0-9]+", "_", words[-1].lower()).strip("_")
    return None if not name or name in _VAGUE or name[0].isdigit() else name


_CONTACTISH = {"number": "phone", "phone": "phone", "phone_number": "phone", "email": "email", "address": "address"}
_MESSAGE_VERBS = re.compile(
    r"^(?:send|text|sms|message|email|mail|write|note|jot|post|share|forward|reply|tell|save|put|add|paste|type|"
    r"enter|copy|remind)\b",
    re.I,
)
_SEARCH_VERBS = re.compile(r"^(?:search|look up|look for|google|find|check)\b", re.I)
_CALL_VERBS = re.compile(r"^(?:call|dial|ring|phone)\b", re.I)


def input_role(consumer: str, output: str, *, to_person: bool) -> str:
    """The input name for `output` in `consumer`: the role the value plays there.

    A number or email that reaches the person it belongs to identifies them
    (`phone`, `email`); anything sent or written is the `message`; anything looked
    up is the `search`; otherwise the output's own name.
    """
    contact = _CONTACTISH.get(output)
    mentions = re.search(r"\b(?:contact|" + re.escape(output) + r")\b", consumer, re.I)
    if contact and (to_person or _CALL_VERBS.match(consumer) or mentions):
        return contact  # "call her", "save it as a contact", "save Ada's number"
    if _MESSAGE_VERBS.match(consumer):
        return "message"
    if _SEARCH_VERBS.match(consumer):
        return "search"
    return output


def sends(clause: str) -> bool:
    """Whether the clause sends, writes or saves something (its object is content)."""
    return bool(_MESSAGE_VERBS.match(clause))


_BARE_SEND = re.compile(
    r"^(?:text|message|email|e-mail|sms|ping|send a (?:text|message|sms|email) to|write to)\s+"
    r"(?:my\s+\w+|[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)?|\+?\d[\d\s-]{4,}\d)$",
    re.I,
)


def bare_send(clause: str) -> bool:
    """Whether the clause sends to someone and says nothing of what ("text my wife", "email Ada")."""
    return bool(_BARE_SEND.match(clause.strip()))
