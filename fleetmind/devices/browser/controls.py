"""Widgets a tap alone does not work: drop-downs (native and drawn), and key chords.

`choose_option` picks a drop-down's option by its text or value: a native
`<select>` through Playwright's `select_option` (which fires input and change
as a person's choice does); a drawn drop-down (role combobox or listbox) by
opening it and clicking the option that appears. `playwright_chord` turns a
`Hotkey`'s canonical chord into Playwright's key names.
"""

from __future__ import annotations

import re

from playwright.async_api import Locator, Page

from .page_scripts import SELECT_INFO_JS
from .rejection import Rejected

__all__ = ["choose_option", "playwright_chord"]

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
