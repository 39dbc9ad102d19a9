"""`fleetmind bench privacy`: the privacy gate's false positives and negatives on labelled screens.

Two detectors on the same screens (privacy/labelled.py): the word-based gate before
issue #11 (any screen text containing "password", "PIN code", "verification code" ...,
or 13-19 digits in a row) and the exact gate (privacy/screen.py: values with checksums
and context, password fields holding a value, sensitive apps). Both count a secure
window as sensitive. Pure: no device, no model; runs in well under a second.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ..devices.android.apps import DEFAULT_SENSITIVE_APPS
from ..devices.base import Observation
from ..privacy.labelled import KNOWN_MISSES, SCREENS, LabelledScreen
from ..privacy.rules import PrivacyRules
from ..privacy.screen import screen_reason

__all__ = ["DETECTORS", "Score", "score", "word_gate", "exact_gate"]

_WORDS = [  # the gate as it was (agents/models/router.py before #11), kept here to measure against
    re.compile(r"\b(?:\d[ -]?){13,19}\b"),
    re.compile(r"\b(?:otp|one[- ]time|verification|security) code\b", re.I),
    re.compile(r"\b(?:password|passcode|pin code|cvv|iban)\b", re.I),
    re.compile(r"\b\d{3}-\d{2}-\d{4}\b"),
]
_RULES = PrivacyRules(sensitive_apps=DEFAULT_SENSITIVE_APPS)


def word_gate(obs: Observation) -> bool:
    """The word-based gate: a secure window, or any element text matching a word or digit pattern."""
    return obs.secure or any(p.search(e.text) for e in obs.elements if e.text for p in _WORDS)


def exact_gate(obs: Observation) -> bool:
    """The exact gate: a secure window, or `screen_reason` with the default sensitive apps."""
    return obs.secure or screen_reason(obs, _RULES) is not None


DETECTORS: dict[str, Callable[[Observation], bool]] = {"word-based (before)": word_gate, "exact (now)": exact_gate}


@dataclass(frozen=True)
class Score:
    """One detector on the labelled set."""

    detector: str
    screens: int
    sensitive: int
    false_positives: list[str]
    false_negatives: list[str]


def score(detector: str, screens: tuple[LabelledScreen, ...] = SCREENS) -> Score:
    """False positives and negatives of one of `DETECTORS` on `screens`."""
    gate = DETECTORS[detector]
    fp, fn = [], []
    for s in screens:
        flagged = gate(s.observation())
        if flagged and not s.sensitive:
            fp.append(s.name)
        elif s.sensitive and not flagged:
            fn.append(s.name)
    return Score(detector, len(screens), sum(s.sensitive for s in screens), fp, fn)


def render() -> str:
    """The table `fleetmind bench privacy` prints, with the screens each detector got wrong."""
    rows = [score(name) for name in DETECTORS]
    first = rows[0]
    clean = first.screens - first.sensitive
    lines = [
        f"privacy gate on {first.screens} labelled screens ({first.sensitive} sensitive, {clean} not)",
        "",
        "| detector | false positives | false negatives | precision | recall |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        tp = r.sensitive - len(r.false_negatives)
        precision = tp / (tp + len(r.false_positives)) if tp + len(r.false_positives) else 1.0
        lines.append(
            f"| {r.detector} | {len(r.false_positives)}/{clean} | {len(r.false_negatives)}/{r.sensitive} "
            f"| {precision:.0%} | {tp / r.sensitive:.0%} |"
        )
    for r in rows:
        if r.false_positives:
            lines.append(f"\n{r.detector}, false positives: " + "; ".join(r.false_positives))
        if r.false_negatives:
            lines.append(f"{r.detector}, false negatives: " + "; ".join(r.false_negatives))
    missed = [s.name for s in KNOWN_MISSES if not exact_gate(s.observation())]
    if missed:
        lines.append("\nknown blind spots of the exact gate (not scored): " + "; ".join(missed))
    return "\n".join(lines)
