"""Secret names: how a request names a secret, and the placeholder that stands for its value.

Everything between the request and the device's keyboard (goal values, the loop's answers,
actions, step records, history, prompts, checkpoints) holds the placeholder
`•••• (secret "bank-pin")`, never the value: it says which secret is meant and nothing
more. Only the device host swaps the value in, at the moment it types (keeper.py). Pure.
"""

from __future__ import annotations

import re

__all__ = [
    "NAME_SHAPE",
    "InvalidName",
    "default_name",
    "fill_placeholders",
    "normalise_name",
    "placeholder",
    "placeholder_names",
    "referenced_secret",
]

NAME_SHAPE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
"""A stored name: lowercase words joined by hyphens ("bank-pin", "work-password")."""
MAX_NAME = 64
_KINDS = r"pin\s+code|pin|passcode|password|passphrase"
_OWNED = re.compile(
    rf"\b(?:my|our)\s+((?:[a-z0-9][\w'-]*\s+){{1,3}}?)({_KINDS})\b"  # "my bank PIN", "my work password"
    rf"|\b([a-z0-9][\w-]*)'s\s+({_KINDS})\b",  # "the bank's PIN"
    re.I,
)
_EXPLICIT = re.compile(
    r"""\bsecret\s+(?:"([^"]+)"|'([^']+)'|“([^”]+)”|(?:named|called)\s+([a-z0-9][\w-]*)|([a-z0-9]+(?:-[a-z0-9]+)+))""",
    re.I,
)
"""'secret "bank pin"', "secret named bankpin", "secret bank-pin" (bare: only a hyphenated name, not "secret code")."""
_PLACEHOLDER = re.compile(r'•••• \(secret "([a-z0-9-]+)"\)')
_ARTICLES = {"the", "a", "an", "this", "that"}


class InvalidName(ValueError):
    """A secret name that normalises to nothing, or to something too long."""


def normalise_name(name: str) -> str:
    """The stored form of a name: "Bank PIN", "bank_pin" and "bank-pin" are all `bank-pin`."""
    low = re.sub(r"'s\b", "", name.strip().lower())
    out = "-".join(re.findall(r"[a-z0-9]+", low))
    if not out:
        raise InvalidName(f"secret name {name!r} has no letters or digits; use e.g. 'bank-pin'")
    if len(out) > MAX_NAME:
        raise InvalidName(f"secret name {name!r} is longer than {MAX_NAME} characters; use a shorter one")
    return out


_GIVEN_VALUE = re.compile(r"\s*(?:is|was|=|:)?\s*[\"'“‘]?[\w!@#$%^&*.-]*\d", re.I)
"""A value right after the words naming a secret ("... PIN is 4321", "... password: hunter2")."""


def referenced_secret(text: str) -> str | None:
    """The secret a request names, normalised, or None.

    "log in to the bank with my bank PIN" -> bank-pin; "use my work password" -> work-password;
    "the bank's PIN" -> bank-pin; 'with secret "bank pin"' -> bank-pin. A bare "my PIN" names
    no particular secret (the app's default name is used then, see `default_name`).
    """
    if (m := _EXPLICIT.search(text)) is not None:
        return normalise_name(next(g for g in m.groups() if g))
    for m in _OWNED.finditer(text):
        if _GIVEN_VALUE.match(text, m.end()):
            continue  # "my bank PIN is 4321": the request gives the value itself, it names no stored secret
        qualifier, kind = (m.group(1), m.group(2)) if m.group(2) else (m.group(3), m.group(4))
        kept = [w for w in qualifier.split() if w.lower() not in _ARTICLES]
        if kept:
            return normalise_name(" ".join([*kept, kind]))
    return None


def default_name(app: str, field_label: str) -> str:
    """The name an answer for `app`'s password or PIN field is saved under: "bank-password", "bank-pin"."""
    kind = "pin" if re.search(r"\bpin\b", field_label, re.I) else "password"
    try:
        return normalise_name(f"{app} {kind}")
    except InvalidName:
        return kind


def placeholder(name: str) -> str:
    """What stands for secret `name`'s value everywhere except on the device's keyboard."""
    return f'•••• (secret "{name}")'


def placeholder_names(text: str) -> list[str]:
    """The secrets whose placeholders `text` holds, in order."""
    return _PLACEHOLDER.findall(text)


def fill_placeholders(text: str, values: dict[str, str]) -> str:
    """`text` with each placeholder replaced by its value from `values` (every name must be there)."""
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], text)
