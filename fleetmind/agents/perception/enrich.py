"""Observations whose element tree cannot be read get text elements read from the screenshot.

A canvas-only web page, a game, a Flutter or Unity app, an Android WebView that
exposes nothing: the device reports no elements, or one big box with nothing
readable inside. Grounding, ranking and the verifier all work on element text,
so such a screen is blind to them. `OcrEnricher.enrich` detects that case
(`unreadable`, pure) and adds one `UIElement` per phrase Tesseract reads there:

- id `ocr1`, `ocr2` ... (no device knows them: `resolve_ocr_targets` turns an
  action on one into a tap on its centre, in device pixels, before the device
  acts; the agent loop calls it right before `device.act`);
- class `ocr.Text`, the phrase as `text`, its box as `bounds`;
- `clickable` when the phrase looks like something to tap: one to four words
  with a letter, no digit, not a sentence, not a label ending in ":". Without a
  tree nothing says what is a button, and a short name ("Submit", "Bluetooth")
  is what a person taps; values, labels and sentences stay plain text, so the
  verifier reads answers ("Order total" / "$42.50") and errors from them;
- a switch, when a short name has "On" or "Off" just under it or beside it (as
  Android's settings rows and many toggles show their state): `checkable`, and
  `checked` as the word says. Grounding then taps it only when its state must
  change, and the verifier sees "Bluetooth on" as it would from a tree.

The observation's notes say when elements came from OCR, and when OCR was
needed but could not run (no Tesseract, a secure screen, no screenshot).
OCR never runs on a secure screen or without a screenshot, runs only when the
tree is unreadable, and an unchanged screenshot is read once.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from ...devices.base import Action, Bounds, Observation, Target, UIElement, element_digest
from .ocr import MIN_CONFIDENCE, OcrUnavailable, Phrase, Word, group_phrases, recognize, tesseract_status

__all__ = [
    "BLIND_AREA",
    "OCR_CLASS",
    "OcrEnricher",
    "Unreadable",
    "is_ocr_id",
    "phrase_elements",
    "resolve_ocr_targets",
    "unreadable",
]

log = logging.getLogger(__name__)

OCR_CLASS = "ocr.Text"
_OCR_ID = re.compile(r"ocr[1-9][0-9]*")
BLIND_AREA = 0.4
"""An element covering at least this share of the screen, with nothing readable inside it, is a blind spot."""
_STATES = {"on": True, "off": False}
_SENTENCE = re.compile(r"\b(is|are|was|were|be|been|must|not|has|have|can't|cannot|please)\b", re.I)

Engine = Callable[[bytes, Bounds, tuple[int, int]], list[Word]]
"""Reads the words in a region of a screenshot (device pixels); `recognize` by default."""


@dataclass(frozen=True)
class Unreadable:
    """Why the element tree cannot be read, and the regions (device pixels) to read from the image."""

    reason: str
    regions: tuple[Bounds, ...]
    whole_screen: bool


def _clip(b: Bounds, width: int, height: int) -> Bounds | None:
    left, top = max(0, b.left), max(0, b.top)
    right, bottom = min(width, b.right), min(height, b.bottom)
    return Bounds(left=left, top=top, right=right, bottom=bottom) if right > left and bottom > top else None


def _readable(e: UIElement) -> bool:
    return bool(e.text.strip() or e.description.strip())


def unreadable(obs: Observation) -> Unreadable | None:
    """Why this observation's elements cannot be read, or None when they can. Pure.

    Unreadable: no elements; no element with text or a description; or an element
    covering `BLIND_AREA` of the screen or more (a canvas, a game's surface, a
    WebView) with no text or description itself and no readable element inside.
    """
    screen = Bounds(left=0, top=0, right=obs.screen_width, bottom=obs.screen_height)
    if obs.screen_width <= 0 or obs.screen_height <= 0:
        return None
    if not obs.elements:
        return Unreadable("the device reports no elements", (screen,), True)
    readable = [e for e in obs.elements if _readable(e)]
    if not readable:
        return Unreadable("no element has text or a description", (screen,), True)
    area = obs.screen_width * obs.screen_height
    blind: list[tuple[UIElement, Bounds]] = []
    for e in obs.elements:
        clipped = _clip(e.bounds, obs.screen_width, obs.screen_height)
        if clipped is None or _readable(e) or clipped.width * clipped.height < BLIND_AREA * area:
            continue
        if not any(r is not e and clipped.contains(*r.bounds.center) for r in readable):
            blind.append((e, clipped))
    if not blind:
        return None
    e, b = max(blind, key=lambda eb: eb[1].width * eb[1].height)
    share = round(100 * b.width * b.height / area)
    what = e.cls or "element"
    return Unreadable(
        f"a {what} covers {share}% of the screen with nothing readable inside", tuple(b for _, b in blind), False
    )


def _looks_tappable(p: Phrase) -> bool:
    text = p.text.strip()
    return (
        1 <= p.words <= 4
        and len(text) <= 32
        and re.search(r"[^\W\d_]", text) is not None
        and not re.search(r"\d", text)
        and not text.endswith((":", ".", ",", ";"))
        and not _SENTENCE.search(text)
    )


def _state_of(name: Phrase, phrases: list[Phrase]) -> bool | None:
    """True/False when an "On"/"Off" phrase sits just under `name` (left-aligned) or beside it on its line."""
    b = name.bounds
    for p in phrases:
        state = _STATES.get(p.text.strip().casefold())
        if state is None:
            continue
        s = p.bounds
        under = 0 <= s.top - b.bottom <= 3 * b.height and abs(s.left - b.left) <= b.height
        beside = abs(s.center[1] - b.center[1]) <= b.height // 2 and 0 <= s.left - b.right <= 6 * b.height
        if under or beside:
            return state
    return None


def phrase_elements(phrases: list[Phrase]) -> list[UIElement]:
    """One `ocr.Text` element per phrase, ids `ocr1`, `ocr2` ... in reading order. Pure."""
    out: list[UIElement] = []
    for i, p in enumerate(phrases, start=1):
        tappable = _looks_tappable(p) and p.text.strip().casefold() not in _STATES
        state = _state_of(p, phrases) if tappable else None
        out.append(
            UIElement(
                id=f"ocr{i}",
                cls=OCR_CLASS,
                text=p.text.rstrip(":").strip() if p.text.endswith(":") else p.text,
                bounds=p.bounds,
                clickable=tappable,
                checkable=state is not None,
                checked=bool(state),
            )
        )
    return out


def is_ocr_id(element_id: str | None) -> bool:
    """Whether an element id names a text element read by OCR (which no device knows)."""
    return element_id is not None and _OCR_ID.fullmatch(element_id) is not None


def resolve_ocr_targets(action: Action, obs: Observation) -> Action:
    """`action` with every target on an OCR element replaced by that element's centre. Pure.

    Devices resolve only their own element ids; an OCR element exists only in the
    observation the agent saw, so the tap must land on its pixels. Targets on other
    elements, and ids the observation does not hold, are left as they are.
    """
    update: dict[str, Target] = {}
    for name in type(action).model_fields:
        target = getattr(action, name)
        if isinstance(target, Target) and is_ocr_id(target.element):
            assert target.element is not None
            el = obs.element(target.element)
            if el is not None:
                x, y = el.bounds.center
                update[name] = Target(x=x, y=y)
    return action.model_copy(update=update) if update else action


class OcrEnricher:
    """Adds OCR text elements to observations whose element tree cannot be read.

    lang: Tesseract's language(s), e.g. "eng" or "eng+deu" (each needs its
    tesseract-ocr-LANG package). min_confidence: words below it (0-100) are dropped.
    timeout_s: the longest one pass may take. engine: what reads a region (Tesseract).
    """

    def __init__(
        self,
        *,
        lang: str = "eng",
        min_confidence: float = MIN_CONFIDENCE,
        timeout_s: float = 20.0,
        engine: Engine | None = None,
    ) -> None:
        self.lang = lang
        self.min_confidence = min_confidence
        self.timeout_s = timeout_s
        self._engine = engine
        self._last: tuple[str, list[Phrase]] | None = None
        self.passes = 0
        """How many times the screen was actually read (a cached screenshot is not read again)."""

    def _read(self, png: bytes, region: Bounds, screen: tuple[int, int]) -> list[Word]:
        if self._engine is not None:
            return self._engine(png, region, screen)
        return recognize(png, region, screen, lang=self.lang, timeout_s=self.timeout_s)

    async def enrich(self, obs: Observation) -> Observation:
        """`obs` itself when its tree can be read; else a copy with OCR text elements added
        (and a new digest, so change detection sees what the screen shows), or with a note
        saying why OCR could not help."""
        blind = unreadable(obs)
        if blind is None:
            return obs
        if obs.secure or obs.screenshot is None:
            why = "the screen is secure" if obs.secure else f"there is no screenshot ({obs.screenshot_error or 'none'})"
            return _noted(obs, f"{blind.reason}; OCR not run: {why}")
        if self._engine is None and (status := tesseract_status())[0] is None:
            return _noted(obs, f"{blind.reason}; OCR unavailable: {status[1]}")
        key = hashlib.blake2b(obs.screenshot, digest_size=16).hexdigest() + repr(blind.regions)
        if self._last is not None and self._last[0] == key:
            phrases = self._last[1]
        else:
            log.info("device %s: %s; reading the screenshot with OCR", obs.device_id, blind.reason)
            try:
                phrases = await asyncio.to_thread(self._phrases, obs.screenshot, blind, obs)
            except (OcrUnavailable, RuntimeError, OSError) as exc:
                log.warning("device %s: OCR failed: %s", obs.device_id, exc)
                return _noted(obs, f"{blind.reason}; OCR failed: {exc}")
            self._last = (key, phrases)
        added = phrase_elements(phrases)
        elements = [*obs.elements, *added]
        note = f"{blind.reason}: {len(added)} text elements (ocr1..) read from the screenshot by OCR"
        return obs.model_copy(
            update={"elements": elements, "digest": element_digest(elements), "notes": [*obs.notes, note]}
        )

    def _phrases(self, png: bytes, blind: Unreadable, obs: Observation) -> list[Phrase]:
        screen = (obs.screen_width, obs.screen_height)
        self.passes += 1
        words = [w for region in blind.regions for w in self._read(png, region, screen)]
        phrases = group_phrases(words, min_confidence=self.min_confidence)
        if blind.whole_screen:
            return phrases
        return [p for p in phrases if any(r.contains(*p.bounds.center) for r in blind.regions)]


def _noted(obs: Observation, note: str) -> Observation:
    return obs.model_copy(update={"notes": [*obs.notes, note]})
