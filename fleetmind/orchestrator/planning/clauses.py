"""Splitting a request into clauses: sequential stages of parallel clauses.

"then", "after that", "once that's done", ";" and a new sentence start a new
stage (run after the previous one); "and" and "," separate clauses of one stage
when what follows starts a clause of its own (a verb, a question, a device
address, "the same ..."), or is one more item for a list verb ("turn on Wi-Fi
and dark theme"); otherwise they belong to the clause ("saying milk and eggs",
"a contact Ada Byron, 555 0101", "see you then"). Quoted text is never split
and never changed: it is masked while the planner works and restored in goals.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from . import lexicon

AddressShape = Literal["only", "some"] | None


class Masked:
    """A request with its quoted text replaced by placeholders, and the way back."""

    def __init__(self, text: str) -> None:
        self.quoted: list[str] = []

        def hide(m: re.Match[str]) -> str:
            self.quoted.append(m.group(0))
            return f"\x00{len(self.quoted) - 1}\x00"

        self.text = re.sub(r"[\"“][^\"”]*[\"”]|(?<!\w)'[^']+'(?!\w)", hide, text)

    def restore(self, text: str) -> str:
        """`text` with every placeholder replaced by the quoted text it hides."""
        return re.sub(r"\x00(\d+)\x00", lambda m: self.quoted[int(m.group(1))], text)


@dataclass
class Clause:
    """One clause of a request, as split (masked text)."""

    text: str
    stage: int
    verb: str | None
    borrowed: bool = False
    """The clause had no verb and took the previous clause's ("... and dark theme")."""
    repeat: bool = False
    """The clause is only a device address or "the same": it repeats the previous clause there."""
    joiner: str = "and"
    """How it was joined to the previous clause: "and" (same stage) or "then"."""
    remark: bool = False
    """The clause says why, not what ("I'm about to board a plane"): context for the next clause only."""


_STAGE_SEP = re.compile(
    r"(\s*(?:,\s*)?\b(?:and then|then|after that|afterwards|after this|and after that|"
    r"once (?:that's|that is|it's|it is|you're|you are|you've|you have) (?:done|finished)|"
    r"when (?:that's|it's|you're) (?:done|finished)|and finally|finally|next|lastly)\b[\s,]*|\s*;\s*|"
    r"(?<=[.!?])\s+(?=[A-Z\x00]))",
    re.I,
)
_CLAUSE_SEP = re.compile(r"(\s*,\s*and\s+|\s*,\s*as well as\s+|\s+as well as\s+|\s+and\s+|\s*,\s*)", re.I)
_ABBREVIATION = re.compile(r"\b(?:dr|mr|mrs|ms|st|vs|etc|e\.g|i\.e|a\.m|p\.m|no)\.$", re.I)
_LEADING_ADDRESS = re.compile(r"^(?:(?:on|from|using|in|via|with)\s+[^,:]{1,40}?[,:]\s*|[\w#-]{1,30}:\s*)", re.I)
_PARTICLES = ("on", "off", "up", "down", "in", "into", "out")
_COPULAS = frozenset({"is", "was", "are", "were", "=", "'s", "’s"})


_FIELD_NOUNS = (
    r"(?:name|email|e-mail|phone|number|message|title|subject|body|text|note|address|label|date|time|password|pin)\b"
)
_FIELD_LIST = re.compile(r"\bwith\s+(?:the\s+|a\s+|an\s+)?" + _FIELD_NOUNS, re.I)
"""A form filled field by field ("with name Ada and message hello"): "and message ..." is one more field."""


_COLON_VALUE = re.compile(r"^\W*(?:\S+\s+){3,}[^\s:]*[^\s\d:]:\s")
"""A clause whose words run into a colon ("Jot down a note titled Gift ideas: ..."): all after it is the value."""
_SAME_RECORD = re.compile(r"(?:put|add|include|set|save|enter)\s+(?:his|her|their|its)\s+" + _FIELD_NOUNS, re.I)
"""A clause that fills one more field of the record the clause before it makes ("put his email in too")."""
_GIVEN = re.compile(r"^(?:using|with|via|by)\s+(?:my\s+|the\s+)?\S.*[\d\x00@]", re.I)
"""A leading phrase that only gives a value to use ("Using PIN 4321, send ..."): context for the clause after it."""


_VALUE = re.compile(r"\d|\x00|@")


def gives_value(clause: str) -> bool:
    """Whether a clause holds a value (a number, quoted text, an address) another clause may use."""
    return bool(_VALUE.search(clause))


def _late_particle(clause: str, verb: str | None) -> str | None:
    """The particle of "turn X off"-style verbs, which comes after the object ("turn wifi off")."""
    if verb not in ("turn", "switch"):
        return None
    m = re.search(
        r"^\W*(?:turn|switch)\s+\S.*?\b(on|off|up|down)\b(?=\s*(?:$|,|and\b|on\b|in\b|for\b|please\b))",
        strip_polite(clause),
        re.I,
    )
    return m.group(1).lower() if m else None


def _continues_value(clause: str, verb: str) -> bool:
    """Whether a clause starting with `verb` repeats the shape of the message before it."""
    value = clause[lexicon.value_start(clause) :]
    return bool(value) and bool(re.search(r"\b" + re.escape(verb.split()[0]) + r"\b", value, re.I))


def _list_verb(stage: str) -> str | None:
    """The list verb the stage's last clause starts with ("turn on"), if any."""
    last = _CLAUSE_SEP.split(stage)[::2][-1]
    verb = _verb_after_address(last) or _verb_after_address(stage)
    return verb if verb in lexicon.LIST_VERBS else None


def _is_remark(piece: str) -> bool:
    """A piece that starts with its subject or a reason, with no verb of its own first."""
    bare = strip_polite(piece)
    return bool(lexicon.REMARK.match(bare)) and leading_verb(bare) is None


def _carries_message(text: str) -> bool:
    """Whether a clause passes words on ("text Ada, I'm late"): a remark after it may be the message."""
    verb = _verb_after_address(_CLAUSE_SEP.split(text)[::2][-1]) or _verb_after_address(text)
    return lexicon.value_start(text) < len(text) or (verb is not None and verb.split()[0] in lexicon.MESSAGE_VERBS)


def _is_item(piece: str) -> bool:
    """A short noun phrase with no value in it: one more thing for a list verb."""
    bare = strip_polite(piece)
    return bool(bare) and len(bare.split()) <= 4 and not re.match(r"^[\d\x00]", bare) and not lexicon.asks(bare)


def strip_polite(clause: str) -> str:
    """The clause without leading politeness/sequence words and trailing "please".

    A trailing "thanks" after "saying" is the message, and stays.
    """
    clause = lexicon.POLITE.sub("", clause.strip())
    if lexicon.value_start(clause) < len(clause):
        return clause.rstrip(" ,")
    return lexicon.TRAILING_POLITE.sub("", clause).strip(" ,")


def leading_verb(clause: str) -> str | None:
    """The clause's own verb (with its particle: "turn on", "log in"), or None."""
    words = strip_polite(clause).split()
    if not words:
        return None
    first = words[0].lower()
    if first not in lexicon.VERBS and first not in lexicon.QUESTION_WORDS:
        return None
    if first == "pin" and len(words) > 1 and words[1][:1].isdigit():
        return None  # "PIN 4321" gives a value; it pins nothing
    if len(words) > 1 and words[1].lower() in _COPULAS:
        return None  # "pin is 4321", "text is fine": the word is what the sentence is about, not an order
    if len(words) > 1 and words[1].lower() in _PARTICLES:
        return f"{first} {words[1].lower()}"
    return first


def _verb_after_address(piece: str) -> str | None:
    bare = strip_polite(piece)
    lead = _LEADING_ADDRESS.match(bare)
    return leading_verb(bare[lead.end() :]) if lead else leading_verb(bare)


def split(request: Masked, address_of: Callable[[str], AddressShape]) -> list[Clause]:
    """The request's clauses in order, each with its stage number.

    `address_of(piece)` says whether a piece is nothing but a device address ("on
    phone-2 too", "the other one": it repeats the previous clause there), has one
    ("Bob from the other one": it borrows the previous verb), or has none.
    """

    def address_only(piece: str) -> bool:
        return address_of(piece) == "only"

    def starts_clause(piece: str) -> bool:
        bare = strip_polite(piece)
        if not bare:
            return False
        if leading_verb(bare) or lexicon.SAME.match(bare) or address_only(lexicon.CLAUSE_END_ADVERBS.sub("", bare)):
            return True
        lead = _LEADING_ADDRESS.match(bare)
        return bool(lead and leading_verb(bare[lead.end() :]))

    parts = _STAGE_SEP.split(request.text)
    stages: list[tuple[str, str | None]] = []  # (text, verb it borrows)
    for i in range(0, len(parts), 2):
        piece, sep = parts[i], parts[i - 1] if i else ""
        if not piece.strip(" ,.;"):
            if stages:
                stages[-1] = (stages[-1][0] + sep + piece, stages[-1][1])  # "see you then"
            continue
        listed = _list_verb(stages[-1][0]) if stages else None
        if stages and _is_remark(piece) and not _carries_message(stages[-1][0]):
            stages.append((piece, None))  # "Turn the volume down. It's too loud.": a remark, kept apart
        elif listed and not starts_clause(piece) and _is_item(piece):
            stages.append((piece, listed))  # "turn on Wi-Fi, then Bluetooth"
        elif stages and (not starts_clause(piece) or _ABBREVIATION.search(stages[-1][0])):
            stages[-1] = (stages[-1][0] + sep + piece, stages[-1][1])  # "see you then", "Dr. Smith"
        else:
            stages.append((piece, None))
    clauses: list[Clause] = []
    for n, (stage, borrowed_verb) in enumerate(stages):
        pieces = _CLAUSE_SEP.split(stage)
        while len(pieces) > 2 and address_only(strip_polite(pieces[0])):  # "On phone-2, turn on Wi-Fi ..."
            pieces = [pieces[0] + pieces[1] + pieces[2], *pieces[3:]]
        first = Clause(pieces[0], n, _verb_after_address(pieces[0]), joiner="then")
        if borrowed_verb:
            first.verb, first.borrowed = borrowed_verb, True
        elif first.verb is None and _is_remark(pieces[0]):
            first.remark = True  # "My eyes hurt at night. Turn on the dark theme"
        lone = lexicon.CLAUSE_END_ADVERBS.sub("", strip_polite(pieces[0]))
        if clauses and lone and (address_only(lone) or lexicon.SAME.match(lone)):
            first.repeat, first.verb = True, clauses[-1].verb  # "..., then on phone-2"
        current = [first]
        verb = first.verb
        for sep, piece in zip(pieces[1::2], pieces[2::2], strict=True):
            own = _verb_after_address(piece)
            bare = lexicon.CLAUSE_END_ADVERBS.sub("", strip_polite(piece))
            text = current[-1].text
            particle = _late_particle(text, verb)
            if _COLON_VALUE.search(text):
                current[-1].text += sep + piece  # "a note titled Gift ideas: scarf for Mum, book for Tom"
            elif not own and not current[-1].remark and _is_remark(bare) and not _carries_message(text):
                current.append(Clause(piece, n, None, remark=True))  # "turn dark mode off, it's hard to read"
            elif _FIELD_LIST.search(text) and re.match(_FIELD_NOUNS, bare, re.I):
                current[-1].text += sep + piece  # "with name Ada and message hello": one more field
            elif bare and address_only(bare) and sep.strip() == "," and address_of(text) is None:
                current[-1].text += sep + piece  # "turn Wi-Fi on, on both phones": where the clause is done
            elif bare and (address_only(bare) or lexicon.SAME.match(bare)):
                current.append(Clause(piece, n, verb, repeat=True))
            elif own and _SAME_RECORD.match(bare):
                current[-1].text += sep + piece  # "add Sam, 555 0150, and put his email sam@x.example in too"
            elif own and _continues_value(text, own):
                current[-1].text += sep + piece  # "a note saying call mom and call dad": one message
            elif own:
                current.append(Clause(piece, n, own))
                verb = own
            elif not own and lexicon.value_start(text) < len(text) and address_of(bare) != "only":
                current[-1].text += sep + piece  # "... saying level 3, spot 12 on phone-2": still the message
            elif not own and re.match(r"(?:to|into|onto|in|from|for|with)\s", bare, re.I):
                current[-1].text += sep + piece  # "add Rosa Diaz, 555 0171, to the contacts on both phones"
            elif (
                verb
                and bare
                and not re.match(r"^[\d\x00]", bare)
                and not re.match(r"(?:and\s+)?(?:a\s+)?(?:half|quarter)\b", bare, re.I)  # "an hour and a half"
                and (
                    verb in lexicon.LIST_VERBS
                    or particle
                    or address_of(bare) == "some"
                    or (re.match(r"(?:a|an|another)\s", bare, re.I) and lexicon.value_start(text) == len(text))
                )
            ):  # "turn on Wi-Fi and dark theme", "text Ada from phone-2 and Bob from the other one",
                # "set a timer for 5 minutes and an alarm for 7"
                current.append(Clause(piece + (f" {particle}" if particle else ""), n, verb, borrowed=True))
            else:  # part of the clause: "saying milk and eggs", "Ada Byron, 555 0101"
                current[-1].text += sep + piece
        clauses += [c for c in current if c.text.strip(" ,.;")]
    for i, c in enumerate(clauses):
        opens_stage = i == 0 or clauses[i - 1].stage != c.stage
        acts_later = any(later.verb for later in clauses[i + 1 :])
        bare = strip_polite(c.text)
        tells = _is_remark(c.text) or bool(lexicon.STATEMENT.match(bare) or _GIVEN.match(bare))
        if opens_stage and c.verb is None and not (c.borrowed or c.repeat) and acts_later and not address_of(c.text):
            c.remark = tells and not lexicon.asks(strip_polite(c.text))  # "Tom got a new number, 555 0199. Update ..."
        elif opens_stage and c.verb is None and i and not acts_later and gives_value(c.text) and not address_of(c.text):
            c.remark = tells and not lexicon.asks(bare)  # "what's my balance? pin is 4321": for the clause before
    for c in clauses:
        c.text = c.text.strip(" ,;")
        c.text = re.sub(r"[.!?]+$", "", c.text) if not c.text.endswith("\x00") else c.text
    return clauses
