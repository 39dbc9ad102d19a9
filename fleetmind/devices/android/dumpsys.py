"""Reading what an Android phone's shell prints: dumpsys, wm, am broadcast. Pure functions.

They follow the formats of Android 7 to 14; each returns a safe default (and
never raises) when a line is missing, since vendors trim and reorder dumps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "FLAG_SECURE",
    "Focus",
    "broadcast_ok",
    "input_text_arg",
    "parse_focus",
    "parse_keyboard_shown",
    "parse_packages",
    "parse_rotation",
    "parse_wm_size",
]

FLAG_SECURE = 0x2000  # WindowManager.LayoutParams.FLAG_SECURE

_FOCUS = re.compile(r"mCurrentFocus=(Window\{[^}]*\s(?P<package>[^\s/}]+)/(?P<activity>[^\s}]+)\})")
_FOCUS_ANY = re.compile(r"mCurrentFocus=(Window\{[^}]*\})")
_FOCUSED_APP = re.compile(r"mFocusedApp=.*?\s(?P<package>[^\s/]+)/(?P<activity>[^\s}]+)")
_WINDOW_HEADER = re.compile(r"^\s*Window #\d+ (Window\{[^}]*\})")
_FLAGS = re.compile(r"\bfl=(#?0x[0-9a-fA-F]+|#[0-9a-fA-F]+|[A-Z_][A-Z_ ]*)")


@dataclass(frozen=True)
class Focus:
    """The focused window: its app and activity, and whether it sets FLAG_SECURE."""

    package: str = ""
    activity: str = ""
    secure: bool = False


def _secure_flags(block: list[str]) -> bool:
    text = "\n".join(block)
    if "FLAG_SECURE" in text:
        return True
    for m in _FLAGS.finditer(text):
        value = m.group(1).strip()
        if value.startswith("#") or value.startswith("0x"):
            if int(value.lstrip("#").removeprefix("0x").removeprefix("0X"), 16) & FLAG_SECURE:
                return True
        elif "SECURE" in value.split():
            return True
    return False


def parse_focus(window_dump: str) -> Focus:
    """Read `dumpsys window windows`: mCurrentFocus's package/activity, and its window's FLAG_SECURE.

    The flags are printed as names on Android 10+ (`fl=... SECURE ...`) and as hex
    before (`fl=#81812100`); both are read, and a literal FLAG_SECURE as well.
    """
    m = _FOCUS.search(window_dump)
    package = m.group("package") if m else ""
    activity = m.group("activity") if m else ""
    if not package:
        app = _FOCUSED_APP.search(window_dump)
        if app:
            package, activity = app.group("package"), app.group("activity")
    token_match = _FOCUS_ANY.search(window_dump)
    token = token_match.group(1) if token_match else None
    secure = False
    if token:
        block: list[str] = []
        inside = False
        for line in window_dump.splitlines():
            header = _WINDOW_HEADER.match(line)
            if header:
                if inside:
                    break
                inside = header.group(1) == token
                continue
            if inside:
                if line.strip().startswith("mCurrentFocus="):
                    break
                block.append(line)
        secure = _secure_flags(block)
    return Focus(package=package, activity=activity, secure=secure)


def parse_keyboard_shown(ime_dump: str) -> bool:
    """Read `dumpsys input_method`: whether the soft keyboard is shown (mInputShown / mIsInputViewShown)."""
    m = re.search(r"mInputShown=(true|false)", ime_dump) or re.search(r"mIsInputViewShown=(true|false)", ime_dump)
    return bool(m and m.group(1) == "true")


def parse_wm_size(text: str) -> tuple[int, int] | None:
    """Read `wm size`: the override size when set, else the physical one; None if absent."""
    m = re.search(r"Override size: (\d+)x(\d+)", text) or re.search(r"Physical size: (\d+)x(\d+)", text)
    return (int(m.group(1)), int(m.group(2))) if m else None


def parse_rotation(display_dump: str) -> int:
    """Read `dumpsys display`: the rotation 0-3 (the first `orientation=`), 0 if absent."""
    m = re.search(r"orientation=(\d)", display_dump) or re.search(r"mCurrentOrientation=(\d)", display_dump)
    return int(m.group(1)) % 4 if m else 0


def parse_packages(text: str) -> list[str]:
    """Read `pm list packages`: the package names, sorted."""
    return sorted(m.group(1) for m in re.finditer(r"^package:(\S+)\s*$", text, re.M))


def broadcast_ok(text: str) -> bool:
    """Whether `am broadcast` reached a receiver that accepted it (`result=-1`, Activity.RESULT_OK)."""
    return re.search(r"Broadcast completed: result=-1\b", text) is not None


def input_text_arg(text: str) -> str:
    """The argument `input text` needs for ASCII `text`: spaces as %s (Android reads %s as a space).

    ValueError for what `input text` cannot type: non-ASCII and control characters.
    """
    if not text.isascii() or any(ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        raise ValueError(f"`input text` types printable ASCII only, not {text!r}")
    return text.replace(" ", "%s")
