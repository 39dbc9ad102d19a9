"""Goal templates: a goal with the values it gives lifted out, and the values put back.

"Send an SMS to Ada saying hi" gives to=Ada and message=hi (grounding's `extract_values`);
lifted, it reads "Send an SMS to {to} saying {message}". Two goals of the same form lift
to the same template, which is how a later subtask finds the skill an earlier one left.
A time of day ("at 7:30", "6 pm") lifts to {time}: the steps use the hour and minute
the goal reader derives from it. Pure functions, no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["TIME_KEYS", "Template", "as_params", "bind_hand_template", "lift", "lift_value", "normal"]

TIME_KEYS = frozenset({"hour", "minute", "start", "end"})
"""Values derived from a time of day in the goal; the goal's {time} slot stands for them."""
_CLOCK = r"\d{1,2}(?::\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)?"
_TIME_PHRASE = re.compile(rf"\b(?:at|for|from|to|until|till)\s+({_CLOCK})(?=\W|$)", re.I)
_KEY_ORDER = ("to", "date", "email", "phone", "name", "title", "label", "message", "search", "city", "location")
"""When two kinds share one value ("called X" is a name, a title and a label), the first here names it."""
_SLOT = re.compile(r"\{([^{}]*)\}")


@dataclass(frozen=True)
class Template:
    """A goal with its values lifted out: the text, and the slots in the order they appear."""

    text: str
    slots: tuple[str, ...] = ()
    raw: dict[str, str] = field(default_factory=dict)
    """Slot -> the text it replaced."""

    @property
    def key(self) -> str:
        """What two goals of the same form share (see `normal`)."""
        return normal(self.text)


def normal(template: str) -> str:
    """A template in the form matching compares: lower case, single spaces, slots unnamed."""
    text = _SLOT.sub("{}", template.strip().rstrip(".!").lower())
    return re.sub(r"\s+", " ", text)


def _boundaries(value: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w]){re.escape(value)}(?![\w])", re.I)


def lift(text: str, values: dict[str, str]) -> Template:
    """`text` with each value it gives replaced by its {kind}."""
    spans: list[tuple[int, int, str]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e, _ in spans)

    if "hour" in values:
        for m in _TIME_PHRASE.finditer(text):
            clock = m.group(1).strip()
            if ":" in clock or re.search(r"[ap]\.?m", clock, re.I) or m.group(0).lower().startswith(("at", "for")):
                spans.append((m.start(1), m.start(1) + len(clock), "time"))
    order = {k: i for i, k in enumerate(_KEY_ORDER)}
    ranked = sorted(
        ((k, v.strip()) for k, v in values.items() if k not in TIME_KEYS and v and v.strip()),
        key=lambda kv: (-len(kv[1]), order.get(kv[0], len(order)), kv[0]),
    )
    for key, value in ranked:
        for m in _boundaries(value).finditer(text):
            if free(m.start(), m.end()):
                spans.append((m.start(), m.end(), key))
    spans.sort()
    out: list[str] = []
    slots: list[str] = []
    raw: dict[str, str] = {}
    at = 0
    for start, end, key in spans:
        out.append(text[at:start] + "{" + key + "}")
        slots.append(key)
        raw.setdefault(key, text[start:end])
        at = end
    out.append(text[at:])
    return Template("".join(out), tuple(slots), raw)


def lift_value(text: str, values: dict[str, str]) -> str:
    """One string of a recorded step with the goal's values in it replaced by {kind}.

    Short values (an hour "7", a minute "30") are lifted only when they are the whole
    string, so "Wi-Fi 7" keeps its 7; longer ones wherever they stand as words.
    """
    if not text:
        return text
    keys_of: dict[str, str] = {}
    order = {k: i for i, k in enumerate((*_KEY_ORDER, "hour", "minute", "start", "end"))}
    for key in sorted(values, key=lambda k: (order.get(k, len(order)), k)):
        if values[key].strip():
            keys_of.setdefault(values[key].strip(), key)
    if text.strip() in keys_of:
        return "{" + keys_of[text.strip()] + "}"
    escaped = text.replace("{", "{{").replace("}", "}}")
    for value, key in sorted(keys_of.items(), key=lambda kv: -len(kv[0])):
        if len(value) >= 3 and key not in TIME_KEYS:
            escaped = _boundaries(value.replace("{", "{{").replace("}", "}}")).sub("{" + key + "}", escaped)
    return escaped


def bind_hand_template(template: str, goal_text: str) -> dict[str, str] | None:
    """The values a goal gives for a hand-written template's slots, read by matching the
    template as a pattern ("save a note titled {title} saying {body}"), or None."""
    m = re.fullmatch(_spaced(template), goal_text.strip().rstrip(".!"), re.I)
    if m is None:
        return None
    return {k: v.strip() for k, v in m.groupdict().items() if not k.startswith("_")}


def _spaced(template: str) -> str:
    """A hand template as a regular expression: words as they are, any spacing, slots lazy."""
    out: list[str] = []
    seen: set[str] = set()
    for i, part in enumerate(_SLOT.split(template.strip().rstrip(".!"))):
        if i % 2:
            name = part if part.isidentifier() and part not in seen else f"_{i}"
            seen.add(name)
            out.append(rf"(?P<{name}>.+?)")
        else:
            out.append(r"\s+".join(re.escape(w) for w in part.split(" ")))
    return "".join(out)


def as_params(template: Template, values: dict[str, Any]) -> dict[str, str]:
    """Every value a replay may put into a skill's steps: the goal's values and its slots' texts."""
    return {**{k: str(v) for k, v in values.items()}, **{k: v for k, v in template.raw.items() if k not in values}}
