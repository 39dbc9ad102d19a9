"""Redaction: sensitive values become placeholders before a cloud model sees them, and come back after.

One `Redactor` serves one request to a cloud model (a step, a plan, a replan). Every
text that enters the prompt goes through `redact(text, field)`: values the detectors
find (values.py), values the caller names as private (a private subtask's inputs,
contact names) and text the user's `redact_patterns` name are replaced by
placeholders such as `<PHONE_1>`; the same value always gets the same placeholder.
What the model answers goes through `restore` (or `restore_json`) on this side, so
an action "type <PHONE_1>" types the number. `redactions` records which fields were
redacted and of which kind, never the values: that is what the audit log keeps.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .rules import NO_RULES, PrivacyRules
from .values import OTP_CONTEXT, REDACT_KINDS, SECRET_CONTEXT, Found, Kind, find_values

__all__ = ["PLACEHOLDER", "Redaction", "Redactor", "mask_values"]

PLACEHOLDER = re.compile(r"<([A-Z]+)_(\d+)>")
_SECRET_NAME = re.compile(r"\b(?:otp|pin|secret|token|cvv|cvc)\b", re.I)


@dataclass(frozen=True)
class Redaction:
    """One value replaced in one field of a prompt: the kind and the field, never the value."""

    kind: Kind
    field: str


@dataclass
class Redactor:
    """Replaces sensitive values in the texts of one cloud request, and puts them back in the answer.

    known: values to replace wherever they occur, with their kind (a private subtask's
    inputs, say), besides those the detectors find.
    """

    rules: PrivacyRules = NO_RULES
    known: dict[str, Kind] = field(default_factory=dict)
    kinds: frozenset[Kind] = REDACT_KINDS
    redactions: list[Redaction] = field(default_factory=list)
    _placeholder_of: dict[str, str] = field(default_factory=dict)
    _value_of: dict[str, str] = field(default_factory=dict)
    _counts: dict[str, int] = field(default_factory=dict)

    def add_known(self, values: Iterable[str], kind: Kind = "private") -> None:
        """Redact these values wherever they occur (blank and very short ones are ignored)."""
        for v in values:
            if len(v.strip()) >= 3:
                self.known.setdefault(v.strip(), kind)

    def redact(self, text: str, where: str) -> str:
        """`text` with every sensitive value replaced by its placeholder; `where` names the field."""
        if not text:
            return text
        hits = self._known_in(text)
        for pattern in self.rules.redact_regexes:
            hits += [Found("rule", m.start(), m.end(), m.group()) for m in pattern.finditer(text) if m.group()]
        hits += find_values(text, self.kinds)
        out, pos, kept_end = [], 0, -1
        for hit in sorted(hits, key=lambda h: (h.start, -h.end)):
            if hit.start < kept_end or PLACEHOLDER.fullmatch(hit.value):
                continue  # inside a value already replaced (known values and rules come first)
            out += [text[pos : hit.start], self._placeholder(hit)]
            pos = kept_end = hit.end
            if Redaction(hit.kind, where) not in self.redactions:
                self.redactions.append(Redaction(hit.kind, where))
        return "".join(out) + text[pos:] if out else text

    def redact_inputs(self, inputs: dict[str, str], where: str) -> dict[str, str]:
        """A subtask's inputs, redacted; a value whose name says what it is ("otp", "pin",
        "password", "verification code") is redacted whole, and wherever else it occurs."""
        for key, value in inputs.items():
            name = key.replace("_", " ")
            if SECRET_CONTEXT.search(name) or OTP_CONTEXT.search(name) or _SECRET_NAME.search(name):
                self.add_known([value], "otp" if OTP_CONTEXT.search(name) else "secret")
        return {k: self.redact(v, f"{where}.{k}") for k, v in inputs.items()}

    def redact_json(self, obj: Any, where: str) -> Any:
        """A JSON-like structure with every string redacted; fields are named by their path."""
        if isinstance(obj, str):
            return self.redact(obj, where)
        if isinstance(obj, dict):
            return {k: self.redact_json(v, f"{where}.{k}") for k, v in obj.items()}
        if isinstance(obj, list | tuple):
            return [self.redact_json(v, f"{where}[{i}]") for i, v in enumerate(obj)]
        return obj

    def restore(self, text: str) -> str:
        """`text` with this request's placeholders replaced by their values (others are left alone)."""
        if "<" not in text:
            return text
        return PLACEHOLDER.sub(lambda m: self._value_of.get(m.group(), m.group()), text)

    def restore_json(self, obj: Any) -> Any:
        """A JSON-like structure with every string restored."""
        if isinstance(obj, str):
            return self.restore(obj)
        if isinstance(obj, dict):
            return {k: self.restore_json(v) for k, v in obj.items()}
        if isinstance(obj, list | tuple):
            return [self.restore_json(v) for v in obj]
        return obj

    def summary(self) -> str:
        """Which fields were redacted, by kind ("phone in e5, inputs.to; otp in history"); "" if none."""
        fields: dict[str, list[str]] = {}
        for r in self.redactions:
            fields.setdefault(r.kind, []).append(r.field)
        return "; ".join(f"{kind} in {', '.join(where)}" for kind, where in fields.items())

    def _known_in(self, text: str) -> list[Found]:
        """Known values and values already found in another field, as whole words: a password
        found in the goal is replaced in the history too, where no detector would see it."""
        hits = []
        for value, kind in self.known.items():
            for m in re.finditer(rf"(?<!\w){re.escape(value)}(?!\w)", text):
                hits.append(Found(kind, m.start(), m.end(), value))
        return hits

    def _placeholder(self, hit: Found) -> str:
        key = _normal(hit.value)
        if key in self._placeholder_of:
            return self._placeholder_of[key]
        tag = hit.kind.upper()
        self._counts[tag] = self._counts.get(tag, 0) + 1
        placeholder = f"<{tag}_{self._counts[tag]}>"
        self._placeholder_of[key] = placeholder
        self._value_of[placeholder] = hit.value
        if len(hit.value.strip()) >= 2:
            self.known.setdefault(hit.value, hit.kind)
        return placeholder


def _normal(value: str) -> str:
    """The same number written "555 0100" or "555-0100" is one value (one placeholder)."""
    return re.sub(r"[\s().-]", "", value) if re.fullmatch(r"[+\d\s().-]+", value) else value


def mask_values(obj: Any, values: Iterable[str], mask: str = "[private]") -> Any:
    """A JSON-like structure with every occurrence of `values` in its strings replaced by `mask`
    (for text a model may see but need not act on: what a private subtask was given)."""
    known = sorted({v for v in values if len(v.strip()) >= 3}, key=len, reverse=True)
    if not known:
        return obj
    if isinstance(obj, str):
        for v in known:  # whole words only: a private "off" does not mask "Turn off Wi-Fi"'s neighbours
            obj = re.sub(rf"(?<!\w){re.escape(v)}(?!\w)", mask, obj)
        return obj
    if isinstance(obj, dict):
        return {k: mask_values(v, known, mask) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [mask_values(v, known, mask) for v in obj]
    return obj
