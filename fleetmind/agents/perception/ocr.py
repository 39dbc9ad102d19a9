"""Text recognition on a screenshot: Tesseract words, grouped into the phrases a person reads.

The engine is Debian's `tesseract` program, driven through `pytesseract` (which
runs it as a local child process on a temporary file: nothing leaves the
machine). Two steps, so the second can be tested without the first:

- `recognize(image, region)` runs Tesseract on one region of a PNG and returns
  `Word`s in device pixels;
- `group_phrases(words)` is pure: words on one line, close together, become one
  `Phrase` ("Airplane mode"); a wide gap ("Cancel    OK") or a label's colon
  ("Order total: $42.50") starts a new one.

Screens are not book pages: light text on a coloured button is as common as
dark text on white, and Tesseract reads only the second reliably. So the image
is first made one polarity: each pixel becomes its distance from the local
background (a median over a ~40 px window), drawn dark on white.
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass
from functools import lru_cache

import pytesseract  # type: ignore[import-untyped]  # no type information shipped
from PIL import Image, ImageChops, ImageFilter, ImageOps

from ...devices.base import Bounds

__all__ = [
    "MAX_SIDE",
    "MIN_CONFIDENCE",
    "OcrUnavailable",
    "Phrase",
    "Word",
    "group_phrases",
    "recognize",
    "tesseract_status",
]

MAX_SIDE = 1800
"""Longest side (pixels) of the image Tesseract reads; larger screenshots are scaled down to it.
A 1080x2400 phone screen becomes 810x1800: its smallest text (18 px) stays legible, and a pass
takes about two thirds of the full-size one."""
MIN_CONFIDENCE = 50
"""Words Tesseract is less sure of (0-100) are dropped: on screens they are mostly icons and lines."""
PHRASE_GAP = 0.9
"""Two words on a line belong to one phrase while the gap between them is under this many line heights."""
_BACKGROUND_CELL = 8
"""The local background is estimated on an image this many times smaller (a median over 5 cells)."""
_HAS_WORD = re.compile(r"[^\W_]", re.UNICODE)


class OcrUnavailable(RuntimeError):
    """Tesseract cannot run here; the message says how to install it."""


@dataclass(frozen=True)
class Word:
    """One recognised word, its box in device pixels, and Tesseract's confidence (0-100)."""

    text: str
    bounds: Bounds
    confidence: float
    line: tuple[int, int, int]
    """(block, paragraph, line) as Tesseract numbered them: words of one line share it."""


@dataclass(frozen=True)
class Phrase:
    """Words read together ("Turn on Bluetooth"), with the box around them in device pixels."""

    text: str
    bounds: Bounds
    confidence: float

    @property
    def words(self) -> int:
        """How many words the phrase holds."""
        return len(self.text.split())


@lru_cache(maxsize=1)
def tesseract_status() -> tuple[str | None, str]:
    """(version, "") when Tesseract and its English data are installed, else (None, what to do)."""
    try:
        version = str(pytesseract.get_tesseract_version())
        languages = set(pytesseract.get_languages(config=""))
    except (pytesseract.TesseractNotFoundError, OSError):
        return None, (
            "tesseract is not installed; install Debian's tesseract-ocr and tesseract-ocr-eng "
            "(scripts/install-system-deps.sh does)"
        )
    except pytesseract.TesseractError as exc:
        return None, f"tesseract does not run ({exc}); reinstall tesseract-ocr"
    if "eng" not in languages:
        return None, f"tesseract {version} has no English data; install tesseract-ocr-eng"
    return f"tesseract {version.splitlines()[0]}", ""


def _one_thread() -> None:
    """Run the tesseract child on one OpenMP thread (unless the user set OMP_THREAD_LIMIT).

    Tesseract's threads spin while they wait: a pass on a phone screen costs 0.8 s of CPU
    with them and 0.4 s without, and on a busy 2-core machine takes twice as long. The
    limit is put in the environment pytesseract (0.3.13, pinned) hands its child, never in
    this process's own: in-process OpenMP users (llama.cpp) keep their threads.
    """
    env = dict(os.environ)
    env.setdefault("OMP_THREAD_LIMIT", "1")
    pytesseract.pytesseract.environ = env


def _one_polarity(gray: Image.Image) -> Image.Image:
    """Text drawn dark on white whatever its colours: the distance of each pixel from its local background."""
    w, h = gray.size
    small = gray.resize((max(1, w // _BACKGROUND_CELL), max(1, h // _BACKGROUND_CELL)), Image.Resampling.BOX)
    background = small.filter(ImageFilter.MedianFilter(5)).resize((w, h), Image.Resampling.BILINEAR)
    return ImageOps.autocontrast(ImageOps.invert(ImageChops.difference(gray, background)))


def recognize(
    png: bytes,
    region: Bounds,
    screen: tuple[int, int],
    *,
    lang: str = "eng",
    max_side: int = MAX_SIDE,
    timeout_s: float = 20.0,
) -> list[Word]:
    """The words Tesseract reads in `region` (device pixels) of the screenshot `png`.

    screen: the device's (width, height) in pixels; a screenshot of another size (a
    high-density display) is mapped back to it. Blocks for up to `timeout_s`; raises
    `OcrUnavailable` when Tesseract is missing and RuntimeError when it times out.
    """
    version, why = tesseract_status()
    if version is None:
        raise OcrUnavailable(why)
    image = Image.open(io.BytesIO(png))
    fx, fy = screen[0] / image.width, screen[1] / image.height
    box = (
        max(0, int(region.left / fx)),
        max(0, int(region.top / fy)),
        min(image.width, int(region.right / fx + 0.5)),
        min(image.height, int(region.bottom / fy + 0.5)),
    )
    if box[2] - box[0] < 8 or box[3] - box[1] < 8:
        return []
    gray = image.crop(box).convert("L")
    scale = min(1.0, max_side / max(gray.size))
    if scale < 1.0:
        gray = gray.resize((round(gray.width * scale), round(gray.height * scale)), Image.Resampling.LANCZOS)
    _one_thread()
    # psm 11, sparse text: a screen is scattered labels, not columns of paragraphs.
    data = pytesseract.image_to_data(
        _one_polarity(gray), lang=lang, config="--psm 11", output_type=pytesseract.Output.DICT, timeout=timeout_s
    )
    words: list[Word] = []
    for i, text in enumerate(data["text"]):
        text = str(text).strip()
        confidence = float(data["conf"][i])
        if not text or confidence < 0:
            continue

        def device_x(v: float) -> int:
            return round((box[0] + v / scale) * fx)

        def device_y(v: float) -> int:
            return round((box[1] + v / scale) * fy)

        left, top = data["left"][i], data["top"][i]
        bounds = Bounds(
            left=device_x(left),
            top=device_y(top),
            right=max(device_x(left + data["width"][i]), device_x(left) + 1),
            bottom=max(device_y(top + data["height"][i]), device_y(top) + 1),
        )
        line = (int(data["block_num"][i]), int(data["par_num"][i]), int(data["line_num"][i]))
        words.append(Word(text, bounds, confidence, line))
    return words


def _union(boxes: list[Bounds]) -> Bounds:
    return Bounds(
        left=min(b.left for b in boxes),
        top=min(b.top for b in boxes),
        right=max(b.right for b in boxes),
        bottom=max(b.bottom for b in boxes),
    )


def group_phrases(words: list[Word], *, min_confidence: float = MIN_CONFIDENCE) -> list[Phrase]:
    """Words grouped into phrases, top to bottom, left to right. Pure.

    Dropped: words below `min_confidence` and words with no letter or digit (rules,
    icons read as "|" or "~~"). A phrase ends at a gap wider than `PHRASE_GAP` line
    heights and after a word ending in ":" (a label, then its value).
    """
    kept = [w for w in words if w.confidence >= min_confidence and _HAS_WORD.search(w.text)]
    lines: dict[tuple[int, int, int], list[Word]] = {}
    for w in kept:
        lines.setdefault(w.line, []).append(w)
    phrases: list[Phrase] = []
    for line in lines.values():
        line.sort(key=lambda w: w.bounds.left)
        height = max(w.bounds.height for w in line)
        group: list[Word] = []
        for w in line:
            if group and (w.bounds.left - group[-1].bounds.right > PHRASE_GAP * height or group[-1].text.endswith(":")):
                phrases.append(_phrase(group))
                group = []
            group.append(w)
        phrases.append(_phrase(group))
    phrases.sort(key=lambda p: (p.bounds.top // 8, p.bounds.left))
    return phrases


def _phrase(words: list[Word]) -> Phrase:
    text = " ".join(w.text for w in words)
    confidence = sum(w.confidence for w in words) / len(words)
    return Phrase(text, _union([w.bounds for w in words]), round(confidence, 1))
