"""Device addressing in a request: which device, or which kind of device, a clause is for.

A clause may name a device as the fleet reports it ("on phone-2", "phone 2",
"pixel-7's"), a kind ("on my phone", "in the browser", "on my laptop"), an
ordinal ("the second phone"), every device of a kind ("on both phones", "each
phone", "all devices"), or "the other one" (the device the previous clause did
not use). The phrase is cut out of the goal and becomes the subtask's device
requirement. A device the fleet does not have ("on my watch", "on phone-7") is
an `UnknownDevice` error that lists the devices there are.

Without any addressing, the clause's words choose the kind: a web page, site,
URL or "online" needs a browser; a phone feature or app (SMS, contacts, alarm,
Wi-Fi, bank ...) a phone; a question about the world (no phone feature, nothing
of "mine") goes to the web when there is a browser.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from ...protocol.messages import DeviceProfile
from ..graph import DeviceKind
from . import lexicon
from .base import UnknownDevice

AddressForm = Literal["named", "kind", "fanout", "other"]

_PREPS = "on|in|from|using|via|through"
_PREP = r"(?:" + _PREPS + r")"
_KIND_NOUNS: dict[str, DeviceKind] = {
    "phone": "phone", "mobile": "phone", "mobile phone": "phone", "cellphone": "phone", "cell phone": "phone",
    "smartphone": "phone", "android": "phone", "iphone": "phone", "handset": "phone",
    "browser": "browser", "web browser": "browser", "web": "browser", "internet": "browser",
    "chrome": "browser", "chromium": "browser", "firefox": "browser",
    "desktop": "desktop", "computer": "desktop", "laptop": "desktop", "pc": "desktop", "mac": "desktop",
    "macbook": "desktop", "workstation": "desktop",
}  # fmt: skip
_UNKNOWN_NOUNS = (
    "smartwatch",
    "watch",
    "tablet",
    "ipad",
    "smart tv",
    "tv",
    "television",
    "smart speaker",
    "speaker",
    "echo",
    "alexa",
    "kindle",
    "e-reader",
    "console",
    "xbox",
    "playstation",
    "fridge",
    "printer",
    "router",
    "headphones",
    "earbuds",
    "glasses",
    "vr headset",
    "headset",
    "car",
)


def _alt(words: Sequence[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_DET = r"(?:the|my|our|your|this|a)"
_PLURALS: dict[str, DeviceKind | None] = {
    "phones": "phone", "mobiles": "phone", "smartphones": "phone", "browsers": "browser", "desktops": "desktop",
    "computers": "desktop", "laptops": "desktop", "devices": None,
    "phone": "phone", "browser": "browser", "desktop": "desktop", "computer": "desktop", "device": None,
}  # fmt: skip
_ORDINALS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3,
             "fifth": 4, "5th": 4, "last": -1}  # fmt: skip
_NOT_A_NUMBER = r"(?!\s*#?\d)"  # "with phone 555 0100" is a value, not a device

_FANOUT = re.compile(
    r"\b(?:on|in|from|using|across|for)\s+(?:all|both|each|every)(?:\s+(?:one\s+)?of)?(?:\s+(?:the|my|our|these|those))?"
    r"\s+(?P<noun>" + _alt(list(_PLURALS)) + r")\b"
    r"|\b(?:on|across)\s+(?:all|both|each)(?:\s+of\s+(?:them|those))?(?=\s*(?:$|[,.;!?]|too\b|as well\b))"
    r"|\beverywhere\b",
    re.I,
)
_FANOUT_OBJECT = re.compile(
    r"\b(?:both|all|each|every one)(?:\s+of)?(?:\s+(?:the|my|our))?\s+(?P<noun>phones|browsers|devices|computers)\b",
    re.I,
)
"""A fan-out as the verb's object ("mute both phones"): the phrase stands for "the <device>"."""
_EXCEPT = re.compile(
    r"[\s,]*\b(?:except(?: for| on)?|but not(?: on)?|other than|apart from|excluding|besides|not on)\s+(?:the\s+)?"
    r"(?P<what>[\w#-]+(?:\s+(?:\d+|one|phone|device)\b)?)",
    re.I,
)
_OTHER = re.compile(
    r"(?:\b(?:" + _PREPS + r"|for)\s+|^)(?:(?:the|my)\s+)?other\s+"
    r"(?P<noun>one|phone|device|browser|desktop|computer)\b",
    re.I,
)
_ORDINAL = re.compile(
    r"\b" + _PREP + r"\s+(?:the\s+|my\s+)?(?P<ord>" + _alt(list(_ORDINALS)) + r")(?:\s+(?P<noun>phone|browser|desktop"
    r"|device|one)\b|(?=\s*(?:$|[,.;!?]|and\b|too\b)))",
    re.I,
)
_KIND = re.compile(
    r"(?:\b"
    + _PREP
    + r"|^use)\s+(?:"
    + _DET
    + r"\s+)?(?P<noun>"
    + _alt(list(_KIND_NOUNS))
    + r")\b(?!-|'s)"
    + _NOT_A_NUMBER,
    re.I,
)
_UNKNOWN = re.compile(r"\b" + _PREP + r"\s+" + _DET + r"\s+(?P<noun>" + _alt(_UNKNOWN_NOUNS) + r")\b(?!-)", re.I)
_POSSESSIVE = re.compile(r"\b(?:my|the|our)\s+(?P<noun>" + _alt([*_KIND_NOUNS, *_UNKNOWN_NOUNS]) + r")'s\s+", re.I)
_DEVICE_WORDS = r"(?:phone|browser|desktop|tablet|device|laptop|emulator|watch)"
_ID_LIKE = re.compile(
    r"\b(?:" + _PREPS + r"|with)\s+(?:the\s+)?(?P<id>" + _DEVICE_WORDS + r"(?:-|#|\s#)\d{1,3})\b"
    r"|\b" + _PREP + r"\s+(?:the\s+)?(?P<spaced>" + _DEVICE_WORDS + r"\s?\d{1,3})\b(?![\d\s]*\d)"
    r"|^\s*(?P<lead>" + _DEVICE_WORDS + r"-\d{1,3})\s*[:,]",
    re.I,
)


@dataclass(frozen=True)
class Address:
    """A device phrase found in a clause and what it resolved to."""

    form: AddressForm
    phrase: str
    start: int
    end: int
    device_ids: tuple[str, ...] = ()
    kind: DeviceKind | None = None
    stands_for: str = ""
    """What replaces the phrase in the goal (empty: it is cut out)."""
    cut: tuple[int, int] | None = None
    """An exception to cut out as well ("except phone-2")."""


@dataclass
class Fleet:
    """The devices a request may address, as the registry reports them."""

    devices: Sequence[DeviceProfile]
    _id_patterns: list[tuple[re.Pattern[str], DeviceProfile]] = field(default_factory=list)

    def __post_init__(self) -> None:
        for d in sorted(self.devices, key=lambda d: -len(d.id)):
            # "phone-2" is also written "phone 2", "phone2", "Phone #2"
            parts = [re.escape(p) for p in re.split(r"[-_\s]+", d.id) if p]
            spelled = r"[-_\s]?#?".join(parts)
            self._id_patterns.append((re.compile(r"(?<![\w-])" + spelled + r"(?![\w-])", re.I), d))

    @property
    def kinds(self) -> set[str]:
        """The kinds of device present."""
        return {d.kind for d in self.devices}

    def of_kind(self, kind: str | None) -> list[DeviceProfile]:
        """Devices of `kind` (all of them for None), in the order the fleet reports them."""
        return [d for d in self.devices if kind is None or d.kind == kind]

    def app_areas(self) -> dict[str, str]:
        """App names the phones report, each mapped to an area name (its own, lower case)."""
        return {a.lower(): a.lower() for d in self.devices if d.kind == "phone" for a in d.apps if len(a) > 2}

    def find(self, text: str, *, value_from: int) -> Address | None:
        """The first device address in `text` (a clause), resolved; UnknownDevice if it names none there is.

        Words after `value_from` (a message's text) are the user's value: there only a
        device id at the very end counts ("... saying hi on phone-2").
        """
        excluded, cut = self._excluded(text[:value_from])
        if cut is not None:  # blank the exception out (same length: spans stay valid)
            text = text[: cut[0]] + " " * (cut[1] - cut[0]) + text[cut[1] :]
        address = self._find(text, value_from=value_from)
        if cut is None:
            return address
        if address is None or address.form != "fanout":
            kinds = {d.kind for d in self.devices if d.id in excluded}
            ids = tuple(d.id for d in self.devices if d.kind in kinds)  # "except on phone-2": the other phones
            address = Address("fanout", "", cut[0], cut[0], ids, next(iter(kinds)) if len(kinds) == 1 else None)
        ids = tuple(i for i in address.device_ids if i not in excluded)
        if not ids:
            why = "no device is left after the exception"
            raise UnknownDevice(", ".join(excluded), self.devices, why=why)
        return Address(address.form, address.phrase, address.start, address.end, ids, address.kind,
                       address.stands_for, cut)  # fmt: skip

    def _excluded(self, head: str) -> tuple[tuple[str, ...], tuple[int, int] | None]:
        """Devices an exception leaves out ("every phone except phone-2"), and where it is."""
        m = _EXCEPT.search(head)
        if not m:
            return (), None
        what = m.group("what").lower()
        ids = tuple(d.id for rx, d in self._id_patterns if rx.search(what))
        if not ids and what.split()[0] in _ORDINALS:  # "except the first one"
            phones = self.of_kind("phone" if "phone" in self.kinds else None)
            index = _ORDINALS[what.split()[0]]
            ids = (phones[index].id,) if -len(phones) <= index < len(phones) else ()
        return (ids, (m.start(), m.end())) if ids else ((), None)

    def _find(self, text: str, *, value_from: int) -> Address | None:
        head = text[:value_from]
        for rx, d in self._id_patterns:
            for m in rx.finditer(text):
                if m.start() >= value_from and text[m.end() :].strip(" .,!?"):
                    continue
                span = _named_span(text, m.start(), m.end(), exact=m.group(0).lower() == d.id.lower())
                if span is not None:
                    return Address("named", text[span[0] : span[1]], *span, device_ids=(d.id,), kind=d.kind)
        if m2 := _FANOUT.search(head):
            return self._fanout(m2)
        if m2 := _FANOUT_OBJECT.search(head):
            address = self._fanout(m2)
            noun = (address.kind or "device") if address.kind != "browser" else "browser"
            return Address("fanout", address.phrase, address.start, address.end, address.device_ids, address.kind,
                           stands_for=f"the {noun}")  # fmt: skip
        if m2 := _OTHER.search(head):
            return Address("other", m2.group(0), m2.start(), m2.end(), kind=_PLURALS.get(m2.group("noun").lower()))
        if m2 := _ORDINAL.search(head):
            return self._ordinal(m2)
        if m2 := _ID_LIKE.search(head):
            raise UnknownDevice(next(g for g in m2.groups() if g), self.devices)
        if m2 := _POSSESSIVE.search(head) or _UNKNOWN.search(head) or _KIND.search(head):
            return self._kind(m2)
        return None

    def _fanout(self, m: re.Match[str]) -> Address:
        noun = (m.group("noun") or "").lower()
        kind = _PLURALS.get(noun, _KIND_NOUNS.get(noun))
        targets = self.of_kind(kind)
        if self.devices and not targets:
            raise UnknownDevice(
                m.group(0).strip(), self.devices, why=f"there is no {kind} in the fleet ({m.group(0).strip()!r})"
            )
        return Address("fanout", m.group(0), m.start(), m.end(), tuple(d.id for d in targets), kind)

    def narrow(self, address: Address, kind: DeviceKind) -> Address:
        """A fan-out over "all devices" kept to the devices of `kind` (when there are any)."""
        ids = tuple(d.id for d in self.of_kind(kind) if d.id in address.device_ids)
        if not ids:
            return address
        return Address(address.form, address.phrase, address.start, address.end, ids, kind, address.stands_for,
                       address.cut)  # fmt: skip

    def _ordinal(self, m: re.Match[str]) -> Address:
        noun = (m.group("noun") or "one").lower()
        kind = _KIND_NOUNS.get(noun)
        if noun == "one" and "phone" in self.kinds:
            kind = "phone"  # "the first one": the fleet's phones, the devices people count
        targets = self.of_kind(kind)
        index = _ORDINALS[m.group("ord").lower()]
        if not targets or index >= len(targets):
            raise UnknownDevice(
                m.group(0).strip(), self.devices, why=f"there is no {m.group('ord')} {noun} in the fleet"
            )
        d = targets[index]
        return Address("named", m.group(0), m.start(), m.end(), (d.id,), d.kind)

    def _kind(self, m: re.Match[str]) -> Address:
        noun = m.group("noun").lower()
        phrase = m.group(0).strip()
        kind = _KIND_NOUNS.get(noun)
        if kind is None:
            raise UnknownDevice(phrase, self.devices)
        if kind == "desktop" and self.devices and "desktop" not in self.kinds:
            kind = "browser"  # "on my laptop": the fleet's browser is the user's computer here
        if self.devices and kind not in self.kinds:
            raise UnknownDevice(phrase, self.devices, why=f"there is no {kind} in the fleet ({phrase!r})")
        return Address("kind", m.group(0), m.start(), m.end(), kind=kind)

    def other(self, previous: Sequence[str], previous_kind: str | None, address: Address) -> tuple[str, str | None]:
        """(the device "the other one" means, the device the previous clause should be pinned to or None).

        "The other" is the one device of the same kind the previous clause did not use.
        When the previous clause was not pinned, it takes the first device of its kind.
        """
        kind = address.kind or previous_kind
        candidates = self.of_kind(kind)
        pin_previous = None
        used = list(previous)
        if not used and candidates:
            pin_previous = candidates[0].id
            used = [pin_previous]
        rest = [d.id for d in candidates if d.id not in used]
        if len(rest) == 1:
            return rest[0], pin_previous
        if not rest:
            raise UnknownDevice(
                address.phrase.strip(), self.devices, why=f"there is no other {kind or 'device'} in the fleet"
            )
        raise UnknownDevice(
            address.phrase.strip(),
            self.devices,
            why=f"{address.phrase.strip()!r} could be any of {', '.join(rest)}; name the device",
        )


def _named_span(text: str, start: int, end: int, *, exact: bool) -> tuple[int, int] | None:
    """Widen a device id's match to its whole addressing phrase, or None if it is not one.

    The id as the fleet spells it is an address anywhere; another spelling ("phone 2")
    only after a preposition, a possessive, or alone at the clause start.
    """
    before, after = text[:start], text[end:]
    if after.startswith("'s"):
        return start, end + 2 + (1 if after[2:3] == " " else 0)
    prep = re.search(r"\b(?:" + _PREPS + r"|for|with)\s+(?:the\s+)?$", before, re.I)
    if prep and (exact or not prep.group(0).lower().startswith("with")):
        return prep.start(), end
    if not before.strip(" ,") and (after[:1] in (":", ",") or not after.strip()):
        return start, end + (1 if after[:1] in (":", ",") else 0)  # "phone-2: turn on Wi-Fi"
    if exact:
        return start, end
    return None


def strip_address(text: str, address: Address) -> str:
    """The clause without its addressing phrase, its values untouched."""
    if address.cut is not None:
        a, b = address.cut
        text = text[:a] + " " * (b - a) + text[b:]
    before, after = text[: address.start], text[address.end :]
    if address.stands_for:
        return f"{before}{address.stands_for}{after}".strip(" ,")
    before = re.sub(r"\b(?:use|using)\s*$", "", before, flags=re.I)  # "use phone-2 to text Ada"
    if not before.strip(" ,"):
        after = re.sub(r"^\s*(?:to\b|,|:)", "", after)
    joined = f"{before.rstrip()} {after.lstrip()}" if before.strip() else after.lstrip(" ,:")
    joined = lexicon.CLAUSE_END_ADVERBS.sub("", joined)
    joined = re.sub(r"\s+([,.!?])", r"\1", joined)
    return re.sub(r"\s{2,}", " ", joined).strip(" ,")


def content_kind(text: str, fleet: Fleet, *, question: bool) -> tuple[DeviceKind | None, bool]:
    """The device kind a clause's words ask for, and whether they say it outright.

    Web words and phone features (or apps) say it outright; a question about the
    world (nothing of the user's own) leans to the web, a lean that yields to the
    place the clause is in ("open my calendar and tell me what's on tomorrow").
    """
    kinds = fleet.kinds
    if lexicon.WEB.search(text) and ("browser" in kinds or not kinds):
        return "browser", True
    if lexicon.phone_area(text, fleet.app_areas()) and ("phone" in kinds or not kinds):
        return "phone", True
    if question and not lexicon.about_mine(text) and "browser" in kinds:
        return "browser", False
    return None, False


def default_kind(fleet: Fleet) -> DeviceKind:
    """The kind a clause gets when nothing in it says: a phone if there is one."""
    kinds = fleet.kinds
    if "phone" in kinds or not kinds:
        return "phone"
    return sorted(kinds)[0]  # type: ignore[return-value]
