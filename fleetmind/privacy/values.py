"""Detectors of sensitive *values* in text: what is secret, not what talks about secrets.

A page that says "Password" or explains how to reset one shows nothing secret; a
card number that passes the Luhn check, an IBAN whose checksum holds, a one-time
code next to the words that make it one, or the value after "password is" does.

Two groups of kinds:
- `GATE_KINDS` (card, iban, account, ssn, otp, secret): a screen showing one stays on the device;
- `REDACT_KINDS` (those, and email, phone): replaced by placeholders in any text that
  goes to a cloud model (redaction.py).

Checksums come from python-stdnum and phone numbers from Google's libphonenumber
(phonenumbers), rather than from hand-written rules. Pure functions, no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import phonenumbers
from stdnum import iban as _iban
from stdnum import luhn
from stdnum.us import ssn as _ssn

from ..devices.base import UIElement

__all__ = [
    "GATE_KINDS",
    "OTP_CONTEXT",
    "REDACT_KINDS",
    "SECRET_CONTEXT",
    "Found",
    "Kind",
    "find_values",
    "gate_reason",
]

Kind = Literal["card", "iban", "account", "ssn", "otp", "secret", "email", "phone", "private", "rule"]
"""private: a value of a private subtask (its inputs); rule: text a `redact_patterns` rule names."""

GATE_KINDS: frozenset[Kind] = frozenset({"card", "iban", "account", "ssn", "otp", "secret"})
REDACT_KINDS: frozenset[Kind] = GATE_KINDS | {"email", "phone"}

WHAT: dict[Kind, str] = {
    "card": "a card number",
    "iban": "an IBAN",
    "account": "a bank account number",
    "ssn": "an ID number",
    "otp": "a one-time code",
    "secret": "a password or PIN",
    "email": "an e-mail address",
    "phone": "a phone number",
    "private": "a private subtask's value",
    "rule": "text a privacy rule names",
}

PHONE_REGION = "US"
"""Region for numbers written without a country code (libphonenumber needs one)."""

OTP_CONTEXT = re.compile(
    r"\b(?:otp|one[- ]time (?:pass(?:word|code)?|code|pin)|(?:verification|security|confirmation|login|log-in|"
    r"sign[- ]in|authentication|auth|access|activation|2fa|mfa|one[- ]time) code|passcode|2fa|two[- ]factor|"
    r"(?<!zip )(?<!postal )(?<!area )(?<!country )(?<!promo )(?<!discount )(?<!coupon )(?<!qr )(?<!source )"
    r"(?<!error )(?<!gift )(?<!referral )(?<!dress )(?<!bar )(?<!post )code(?! of conduct))\b",
    re.I,
)
"""Words that make a short number next to them a one-time code (not "zip code", "promo code")."""

SECRET_CONTEXT = re.compile(r"\b(?:password|passcode|passphrase|passwd|pin(?: code| number)?)\b", re.I)
"""Words after which a value is a credential ("password is hunter2", 'PIN "1234"')."""

# A 4-8 digit token standing alone (optionally "G-" prefixed): not part of a price, time, date,
# phone number, order number (#) or version.
_CODE = re.compile(r"(?<![\w/:.,$€£#+-])(?:[A-Z]{1,3}-)?(\d{4,8})(?![\w/%-]|[.,:]\d)")
_OTP_REACH = 48
"""How far (characters) a code may be from the words that make it one."""

_ACCOUNT = re.compile(
    r"\b(?:(?:bank |checking |savings )?account (?:number|no\.?|#)|acct\.? (?:number|no\.?|#)|routing number|"
    r"sort code)\s*:?\s*((?:\d[ -]?){5,16}\d)(?![\d-])",
    re.I,
)
"""Digits right after "account number", "routing number", "sort code" (not "account ending 4821")."""
_CARD = re.compile(r"(?<![\d-])[2-6]\d{3}(?:[ -]?\d){9,15}(?![\d-])")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b")
_SSN = re.compile(r"(?<![\d-])\d{3}-\d{2}-\d{4}(?![\d-])")
_EMAIL = re.compile(r"[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_QUOTED_SECRET = re.compile(
    SECRET_CONTEXT.pattern + r"(?:\s+(?:is|was|of|=)|\s*[:=])?\s*[\"'“‘]([^\"'”’\n]{1,64})[\"'”’]", re.I
)
_STATED_SECRET = re.compile(SECRET_CONTEXT.pattern + r"(\s+is\s+|\s*[:=]\s*|\s+)(\S{3,64})", re.I)
_PIN_DIGITS = re.compile(r"\bpin(?: code| number)?\s*(?:is|:|=)?\s*(\d{4,8})\b", re.I)


@dataclass(frozen=True)
class Found:
    """One sensitive value in a text: its kind and where it is."""

    kind: Kind
    start: int
    end: int
    value: str


def find_values(text: str, kinds: frozenset[Kind] = REDACT_KINDS) -> list[Found]:
    """Every sensitive value of `kinds` in `text`, in order, without overlaps (the first found wins)."""
    found: list[Found] = []
    if "card" in kinds:
        found += [_at(m, "card") for m in _CARD.finditer(text) if _is_card(m.group())]
    if "iban" in kinds:
        found += [_at(m, "iban") for m in _IBAN.finditer(text) if _iban.is_valid(m.group())]
    if "account" in kinds:
        found += [_at(m, "account", 1) for m in _ACCOUNT.finditer(text)]
    if "ssn" in kinds:
        found += [_at(m, "ssn") for m in _SSN.finditer(text) if _ssn.is_valid(m.group())]
    if "secret" in kinds:
        found += _secrets(text)
    if "email" in kinds:
        found += [_at(m, "email") for m in _EMAIL.finditer(text)]
    otp_context = "otp" in kinds and OTP_CONTEXT.search(text) is not None
    phones = _phones(text) if "phone" in kinds or otp_context else []  # a code is never part of a phone number
    if otp_context:
        found += _codes(text, phones)
    if "phone" in kinds:
        found += phones
    return _without_overlaps(found)


def gate_reason(text: str) -> str | None:
    """Why `text` shows a value that keeps its screen on the device, or None."""
    hits = find_values(text, GATE_KINDS)
    return f"screen shows {WHAT[hits[0].kind]}" if hits else None


def _at(m: re.Match[str], kind: Kind, group: int = 0) -> Found:
    return Found(kind, m.start(group), m.end(group), m.group(group))


def _is_card(raw: str) -> bool:
    digits = re.sub(r"\D", "", raw)
    if not (13 <= len(digits) <= 19 and len(set(digits)) > 1 and luhn.is_valid(digits)):
        return False
    groups = [len(g) for g in re.split(r"[ -]", raw)]
    # Printed cards are one run of digits or grouped 4-4-4-4(-3) or 4-6-5 (Amex), nothing else.
    return (
        len(groups) == 1
        or groups[:-1] == [4] * (len(groups) - 1)
        and groups[-1] in (1, 3, 4)
        or groups
        in (
            [4, 6, 5],
            [4, 6, 4],
        )
    )


def _secrets(text: str) -> list[Found]:
    """Values stated as a password or PIN: quoted, after "is"/":" or a space ("with password 2468"),
    or a PIN's digits."""
    out = [_at(m, "secret", 1) for m in _QUOTED_SECRET.finditer(text)]
    out += [_at(m, "secret", 1) for m in _PIN_DIGITS.finditer(text)]
    for m in _STATED_SECRET.finditer(text):
        value = m.group(2).rstrip(".,;!?")
        # "your password is incorrect" states no password: a value has a digit or a symbol in it,
        # and one written after a bare space ("with password 2468") a digit.
        wanted = r"\d" if m.group(1).isspace() else r"[\d\W_]"
        if re.search(wanted, value) and re.match(r"[\w!#$%&*+@^~-]", value) and not value.endswith(")"):
            out.append(Found("secret", m.start(2), m.start(2) + len(value), value))
    return out


def _phones(text: str) -> list[Found]:
    out = []
    for m in phonenumbers.PhoneNumberMatcher(text, PHONE_REGION, leniency=phonenumbers.Leniency.POSSIBLE):
        raw, before, after = m.raw_string, text[m.start - 1 : m.start], text[m.end : m.end + 1]
        # A phone number is written as one: with a + or separators, and not inside a longer token.
        written = raw.startswith("+") or re.search(r"\d[\s().-]+\d", raw) is not None
        if written and sum(ch.isdigit() for ch in raw) >= 7 and not before.isalnum() and not after.isalnum():
            out.append(Found("phone", m.start, m.end, m.raw_string))
    return out


def _codes(text: str, phones: list[Found]) -> list[Found]:
    """4-8 digit codes within reach of words that make them one-time codes, outside phone numbers."""
    contexts = [(m.start(), m.end()) for m in OTP_CONTEXT.finditer(text)]
    if not contexts:
        return []
    out = []
    for m in _CODE.finditer(text):
        start, end = m.span(1)
        if any(p.start <= start < p.end for p in phones):
            continue
        if any(c_start - _OTP_REACH <= end and start <= c_end + _OTP_REACH for c_start, c_end in contexts):
            out.append(Found("otp", m.start(), m.end(), m.group()))
    return out


def _without_overlaps(found: list[Found]) -> list[Found]:
    kept: list[Found] = []
    for f in found:  # detectors run most specific first: a card beats a phone on the same digits
        if all(f.end <= k.start or f.start >= k.end for k in kept):
            kept.append(f)
    return sorted(kept, key=lambda f: f.start)


def secret_field(el: UIElement) -> bool:
    """Whether what is typed into `el` is a credential: a password field, or one labelled for a PIN,
    password or one-time code ("One-time code", "Enter PIN"), whatever the screen around it shows."""
    label = " ".join(t for t in (el.description, el.resource_id.rsplit("/", 1)[-1].replace("_", " ")) if t)
    return el.password or bool(OTP_CONTEXT.search(label) or SECRET_CONTEXT.search(label))
