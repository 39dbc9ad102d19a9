"""Conditions on a branch: "check the weather, then if it's raining, text Ada ...".

The clause planner cuts conditions out of a request (`cut_conditions`) and gives each to the
clause it governs, which then depends on the step before it, whose outputs the condition is
about. The forms read:

- "if/when/in case/unless <condition>, <clause>" where a clause starts, and the same with
  "then" instead of the comma ("... and if it rains then text Ada ...") or with nothing but
  the clause's verb after it ("..., if it's below 5 text Ada ...");
- "<clause> if/unless <condition>" at the end of a sentence ("check the weather, then text
  Ada 'take a coat' if it's raining"), when a step before it finds something out and the
  clause carries no message of its own in plain words: in "text Ada saying call me if you
  need anything" the "if" is the message's, and "turn on Wi-Fi if it's off" is the agent's
  to see, not a branch. A quoted message is safe: its words are masked first.

"unless" turns the condition round, as "not" does.

A subtask may carry a `condition` about what the subtask it depends on finds. When that
subtask succeeds, the condition is judged against its outputs with simple checks, no model:

- a comparison with a number ("above 20", "less than 5", "at least 3") against the first
  number the outputs give;
- otherwise the condition's own words (without the ones that only name what was looked up,
  e.g. "weather" and "Paris" for "check the weather in Paris", and without filler such as
  "it's") must all appear in the outputs, by word stem ("raining" matches "light rain"),
  and not right after "no"/"not" ("no rain expected" is not rain);
- "not"/"isn't"/"no" in the condition turns the answer round.

When neither check can decide (no words left, no number to compare), the answer is None:
the offline replanner then does not run the branch and says so, as a conditional action
done on a guess may send a message the user did not want.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ..graph import Subtask, TaskGraph
from .lexicon import word_set

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")
_NEGATION = word_set("not no isn't isnt aren't arent wasn't won't doesn't don't didn't never without unless")
_FILLER = word_set(
    """it it's its is are was were be been will would there there's the a an to of in on at for from
    going gonna outside today tonight tomorrow still currently now already any some my me i you we they
    he she that this so very really too out s if when whether has have had does do did than then any
    more less over under above below least most"""
)
_COMPARE = re.compile(
    r"\b(above|over|more than|greater than|higher than|warmer than|at least|below|under|less than|"
    r"lower than|colder than|fewer than|at most)\s+(-?\d[\d,]*(?:\.\d+)?)",
    re.I,
)
_GREATER = ("above", "over", "more than", "greater than", "higher than", "warmer than")
_LESS = ("below", "under", "less than", "lower than", "colder than", "fewer than")


_ACTS = (
    r"text|message|sms|e-?mail|send|call|ring|tell|remind|turn|switch|book|order|pay|transfer|delete|remove|add"
    r"|create|write|post|share|forward|buy|cancel"
)
_CONDITION = re.compile(
    r"\b((?:only if|if|when|in case|unless)\s+)([^,;.!?\x00]{2,80}?)"
    rf"(?:\s*,\s*|\s+then\s+|\s+(?=(?:{_ACTS})\s))(?=\S)",  # "if it's below 5 text Ada ...": the verb ends it
    re.I,
)
_TRAILING = re.compile(r"\s+((?:only if|if|in case|unless)\s+)([^,;.!?\x00]{2,80}?)\s*(?=[.!?]|$)", re.I)
"""A condition that ends its sentence: "... text Ada 'take a coat' if it's raining"."""
_BOUNDARY = re.compile(r"(?:^|[,;.!?]|\bthen\b|\band\b|\bbut\b)\s*", re.I)
_OWN_WORDS = re.compile(r"\b(?:saying|say|says|that|to|telling|tell|asking|ask|about)\b|:", re.I)
"""What starts a message given in plain words; an "if" after it may be the message's."""
_LOOKUP = re.compile(r"\b(?:check|find|look|see|read|get|what|what's|whats|how|is|are|tell me)\b", re.I)
"""A step before the clause that finds something out, which a trailing condition can be about."""
_CLAUSE_START = re.compile(r"(?:^|[,;.!?]|\bthen|\band|\bbut)\s*$", re.I)
_NOT_A_CONDITION = re.compile(r"^(?:that's|that is|it's|it is|you're|you are|you've|you have) (?:done|finished)$", re.I)
""""when that's done, ..." says when, not whether: a stage separator."""
_POLITE = re.compile(
    r"^(?:possible|you can|you could|you may|you don't mind|you do not mind|you have (?:the )?time|"
    r"(?:it's |it is )?(?:ok|okay|alright|all right)(?: with you)?|needed|necessary|you like|you want|"
    r"that's (?:ok|okay|fine)|that works)$",
    re.I,
)
""""if possible, ...", "if you can, ...": politeness, not a condition on anything found."""


@dataclass(frozen=True)
class Cut:
    """A condition cut out of a request, and how the clause it governs starts."""

    condition: str
    starts: str
    """The first words after it: the clause that runs only if it holds."""


def cut_conditions(text: str) -> tuple[str, list[Cut]]:
    """`text` without its conditions (leading "if <condition>, " and trailing "... if <condition>"
    phrases), and the conditions cut, in order."""
    cuts: list[Cut] = []
    out, last = [], 0
    for m in _CONDITION.finditer(text):
        condition = _phrase(m)
        if not _CLAUSE_START.search(text[: m.start()]) or _NOT_A_CONDITION.match(condition) or _POLITE.match(condition):
            continue
        out.append(text[last : m.start()])
        if m.group(0)[:1].isupper():  # "... ? If it is sunny, text Ada": the sentence still starts there
            out.append(text[m.end()].upper())
            last = m.end() + 1
        else:
            last = m.end()
        cuts.append(Cut(condition, " ".join(text[m.end() :].split()[:3]).lower()))
    text = "".join(out) + text[last:]
    out, last = [], 0
    for m in _TRAILING.finditer(text):
        condition = _phrase(m)
        start = [b.end() for b in _BOUNDARY.finditer(text, 0, m.start())][-1]
        clause, before = text[start : m.start()], text[:start]
        if not clause.strip() or _OWN_WORDS.search(clause) or _POLITE.match(condition):
            continue
        if not _LOOKUP.search(before):  # "turn on Wi-Fi if it's off": the agent's to see, not a branch
            continue
        out.append(text[last : m.start()])
        last = m.end()
        cuts.append(Cut(condition, " ".join(clause.split()[:3]).lower()))
    return "".join(out) + text[last:], cuts


def _phrase(m: re.Match[str]) -> str:
    """The condition as cut: "unless" stays, as it turns the condition round; "if"/"when" go."""
    condition = m.group(2).strip()
    return f"unless {condition}" if m.group(1).lower().startswith("unless") else condition


def governs(cut: Cut, clause_text: str) -> bool:
    """Whether a clause (as split) is the one right after the cut condition."""
    words = " ".join(clause_text.split()[:3]).lower()
    return bool(words) and (cut.starts.startswith(words) or words.startswith(cut.starts))


NOT_RUN = "not run: "
"""How the reason of a branch cancelled because its condition did not hold starts."""


def not_taken(sub: Subtask) -> bool:
    """Whether `sub` is a branch that did not run because its condition did not hold."""
    return sub.status == "cancelled" and sub.result is not None and (sub.result.error or "").startswith(NOT_RUN)


def succeeded_as_asked(graph: TaskGraph) -> bool:
    """`graph.succeeded`, where a branch not taken because its condition did not hold is what was asked."""
    if not graph.finished:
        return False
    for sub in graph.subtasks():
        if sub.status in ("failed", "cancelled") and not not_taken(sub):
            handled = any(
                kind == "on_failure" and graph.subtask(n).status == "succeeded"
                for n in graph.successors(sub.id)
                for p, kind in graph.predecessors(n)
                if p == sub.id
            )
            if not handled:
                return False
    return True


@dataclass(frozen=True)
class ConditionCheck:
    """How a pending subtask's condition came out on what its upstream subtask found."""

    subtask_id: str
    condition: str
    holds: bool | None
    """True or False; None when the simple checks cannot tell."""
    reason: str


def stem(word: str) -> str:
    """A crude stem, enough to match "raining", "rainy" and "rain", or "sunny" and "sun"."""
    word = word.lower().replace("'", "")
    for suffix in ("ing", "ed", "es", "s", "y"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    if len(word) >= 4 and word[-1] == word[-2]:
        word = word[:-1]
    return word


def judge(condition: str, found: str, subject: str = "") -> bool | None:
    """Whether `condition` holds for the text `found` (None: cannot tell).

    subject: the goal that found it; its words name what was looked up, not what must hold.
    """
    words: list[str] = _WORD.findall(condition.lower())
    negated = sum(w in _NEGATION or w.endswith("n't") for w in words) % 2 == 1  # "unless it isn't": twice round
    if (m := _COMPARE.search(condition)) is not None:
        numbers = _NUMBER.findall(found)
        if not numbers:
            return None
        value, limit = _number(numbers[0]), _number(m.group(2))
        op = m.group(1).lower()
        holds = value > limit if op in _GREATER else value < limit if op in _LESS else None
        if holds is None:
            holds = value >= limit if op == "at least" else value <= limit
        return holds != negated
    named = {stem(w) for w in _WORD.findall(subject.lower())}
    wanted = [stem(w) for w in words if w not in _FILLER and w not in _NEGATION and not w.endswith("n't")]
    wanted = [w for w in wanted if w not in named and len(w) > 1]
    if not wanted:
        return None
    seen = _WORD.findall(found.lower())
    present = {stem(w) for i, w in enumerate(seen) if not (i and seen[i - 1] in _NEGATION)}
    holds = all(w in present for w in wanted)
    return holds != negated


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def check_conditions(graph: TaskGraph, subtask_id: str, outputs: dict[str, str]) -> list[ConditionCheck]:
    """The conditions of the subtasks waiting on `subtask_id`, judged on the outputs it succeeded with."""
    producer = graph.subtask(subtask_id)
    found = "; ".join(v for v in outputs.values() if v) or (producer.result.summary if producer.result else "")
    checks = []
    for sid in graph.successors(subtask_id):
        sub = graph.subtask(sid)
        if not sub.condition or sub.status not in ("pending", "ready"):
            continue
        holds = judge(sub.condition, found, producer.goal)
        quoted = found if len(found) <= 120 else found[:119] + "…"
        verdict: Literal["holds", "does not hold", "cannot be told"] = (
            "cannot be told" if holds is None else "holds" if holds else "does not hold"
        )
        reason = f"the condition {sub.condition!r} {verdict} on what {subtask_id} found: {quoted!r}"
        checks.append(ConditionCheck(sid, sub.condition, holds, reason))
    return checks


def waits_on_condition(graph: TaskGraph, subtask_id: str) -> bool:
    """Whether a subtask that has not started waits on a condition about `subtask_id`'s outputs."""
    return any(
        graph.subtask(s).condition and graph.subtask(s).status in ("pending", "ready")
        for s in graph.successors(subtask_id)
    )
