"""Widgets a tap alone does not work: drop-downs (native and drawn), and key chords.

`choose_option` picks a drop-down's option by its text or value: a native
`<select>` through Playwright's `select_option` (which fires input and change
as a person's choice does); a drawn drop-down (role combobox or listbox) by
opening it and clicking the option that appears. `native_value` writes a date
or time as people do ("05/20/2010", "9:37 PM") in the form a date or time
field takes it ("2010-05-20", "21:37"). `playwright_chord` turns a
`Hotkey`'s canonical chord into Playwright's key names.
"""

from __future__ import annotations

import re

from playwright.async_api import Locator, Page

from .page_scripts import SELECT_INFO_JS
from .rejection import Rejected

__all__ = ["choose_option", "native_value", "playwright_chord"]

_PW_MODIFIERS = {"ctrl": "Control", "alt": "Alt", "shift": "Shift", "meta": "Meta"}
_PW_KEYS = {
    "enter": "Enter", "tab": "Tab", "escape": "Escape", "backspace": "Backspace", "delete": "Delete",
    "insert": "Insert", "space": "Space", "up": "ArrowUp", "down": "ArrowDown", "left": "ArrowLeft",
    "right": "ArrowRight", "home": "Home", "end": "End", "pageup": "PageUp", "pagedown": "PageDown",
    **{f"f{i}": f"F{i}" for i in range(1, 13)},
}  # fmt: skip


def playwright_chord(keys: str) -> str:
    """Playwright's name of a canonical chord (see `normalize_hotkey`): ctrl+shift+a -> Control+Shift+a."""
    *mods, key = keys[:-2].split("+") + ["+"] if keys.endswith("++") or keys == "+" else keys.split("+")
    mods = [m for m in mods if m]
    return "+".join([*(_PW_MODIFIERS[m] for m in mods), _PW_KEYS.get(key, key)])


_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}


def _iso_date(text: str) -> str | None:
    """"05/20/2010" (month first, as US forms write it), "2010-05-20", "May 20, 2010", "20 May 2010"."""
    t = text.strip()
    if m := re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", t):
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    elif m := re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", t):
        mo, d, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if mo > 12 >= d:  # 20/05/2010: the day came first
            mo, d = d, mo
    elif m := re.fullmatch(r"([A-Za-z]{3})[a-z]*\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})", t):
        mo, d, y = _MONTHS.get(m.group(1).lower(), 0), int(m.group(2)), int(m.group(3))
    elif m := re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]{3})[a-z]*\.?,?\s+(\d{4})", t):
        d, mo, y = int(m.group(1)), _MONTHS.get(m.group(2).lower(), 0), int(m.group(3))
    else:
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}" if 1 <= mo <= 12 and 1 <= d <= 31 else None


def _clock_time(text: str) -> str | None:
    """"9:37 PM" -> "21:37", "12:05 am" -> "00:05", "21:37" stays."""
    m = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?\s*([ap])?\.?\s*m?\.?", text.strip(), re.I)
    if m is None or (m.group(2) is None and m.group(4) is None):
        return None
    hour, minute = int(m.group(1)), int(m.group(2) or 0)
    half = (m.group(4) or "").lower()
    if half == "p" and hour < 12:
        hour += 12
    if half == "a" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        return None
    return f"{hour:02d}:{minute:02d}" + (f":{m.group(3)}" if m.group(3) else "")


def native_value(input_type: str, text: str) -> str:
    """`text` as a field of this `<input type>` takes it: a date field ISO dates, a time field 24-hour
    times; anything else (or text that is no date or time) unchanged."""
    if input_type == "date":
        return _iso_date(text) or text
    if input_type == "time":
        return _clock_time(text) or text
    return text


def _fold(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def _match(options: list[tuple[str, str, bool]], wanted: str) -> int | None:
    """The index of the option `wanted` names: exact text, exact value, then ignoring case and spaces,
    then the one option whose text contains it."""
    for i, (text, value, _) in enumerate(options):
        if wanted in (text, value):
            return i
    folded = _fold(wanted)
    for i, (text, value, _) in enumerate(options):
        if folded in (_fold(text), _fold(value)):
            return i
    partial = [i for i, (text, _, _) in enumerate(options) if folded and folded in _fold(text)]
    return partial[0] if len(partial) == 1 else None


async def choose_option(page: Page, field: Locator, option: str, timeout_s: float) -> str:
    """Choose `option` in the drop-down `field`; says what was chosen. Raises `Rejected` naming the choices."""
    info = await field.evaluate(SELECT_INFO_JS)
    if info["select"]:
        options = [(str(t), str(v), bool(d)) for t, v, d in info["options"]]
        index = _match(options, option)
        if index is None:
            shown = ", ".join(repr(t.strip()) for t, _, _ in options[:30])
            raise Rejected(f"no option {option!r} in this drop-down; its options are: {shown}")
        text, _, disabled = options[index]
        if disabled:
            raise Rejected(f"option {text.strip()!r} is disabled; choose another")
        if info["multiple"]:  # a list box keeps what is chosen already, as a ctrl+click adds to it
            chosen = [i for i, selected in enumerate(info["selected"]) if selected and i != index]
            await field.select_option(index=[*chosen, index])
            return f"added {text.strip()!r} to the choice ({len(chosen) + 1} chosen)"
        await field.select_option(index=index)
        return f"chose {text.strip()!r}"
    # A drawn drop-down: open it, then click the option it shows.
    await field.click()
    for role in ("option", "menuitem", "treeitem"):
        found = page.get_by_role(role, name=option).filter(visible=True)
        if await found.count():
            await found.first.click()
            return f"opened the drop-down and chose {option!r}"
    found = page.get_by_text(option, exact=True).filter(visible=True)
    if await found.count():
        await found.first.click(timeout=timeout_s * 1000)
        return f"opened the drop-down and chose {option!r}"
    raise Rejected(f"opened the drop-down but no option {option!r} appeared; observe to read its options, then tap one")
