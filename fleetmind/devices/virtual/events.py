"""Input events on a `PhoneState`: taps, swipes, scrolls, text and key codes.

These are the phone's whole behaviour, written as plain functions over the
state, so the `Device` path (`VirtualPhone.act`) and the ADB-shaped path
(`VirtualPhone.tap`, `.swipe`, `.input_text`, `.keyevent`) run the same code.
Each returns a one-line account of what happened; a request the phone cannot
carry out at all raises `DeviceError` saying what to do instead.
"""

from __future__ import annotations

from typing import Literal

from fleetmind.devices.base import DeviceError

from . import system
from .frame import Frame, compose
from .state import PhoneState
from .ui import SCREEN_H, SCREEN_W, STATUS_BOTTOM, Node, ScrollArea

__all__ = [
    "KEYCODE_APP_SWITCH",
    "KEYCODE_BACK",
    "KEYCODE_DEL",
    "KEYCODE_ENTER",
    "KEYCODE_ESCAPE",
    "KEYCODE_HOME",
    "KEYCODE_TAB",
    "KEYCODE_VOLUME_DOWN",
    "KEYCODE_VOLUME_UP",
    "clear_text",
    "input_text",
    "keyevent",
    "long_press",
    "scroll",
    "swipe",
    "tap",
]

# android.view.KeyEvent codes.
KEYCODE_HOME = 3
KEYCODE_BACK = 4
KEYCODE_VOLUME_UP = 24
KEYCODE_VOLUME_DOWN = 25
KEYCODE_TAB = 61
KEYCODE_ENTER = 66
KEYCODE_DEL = 67
KEYCODE_ESCAPE = 111
KEYCODE_APP_SWITCH = 187

LONG_PRESS_MS = 500  # `input swipe x y x y 800` is how adb long-presses
SLOP_PX = 20  # movement below this is a tap, not a swipe


def _check_point(x: int, y: int) -> None:
    if not (0 <= x < SCREEN_W and 0 <= y < SCREEN_H):
        raise DeviceError(
            f"point ({x}, {y}) is outside the {SCREEN_W}x{SCREEN_H} screen; "
            "use device pixels with the origin at the top-left"
        )


def tap(state: PhoneState, x: int, y: int) -> str:
    """A finger tap at (x, y) in device pixels."""
    _check_point(x, y)
    frame = compose(state)
    window, node = frame.hit(x, y)
    if node is None:
        if window is not None and window.name == "keyboard":
            return f"tapped the on-screen keyboard at ({x}, {y}); type with input text / type_text"
        if window is not None and window.name == "dialog" and state.nav.dialog is not None:
            return f"tapped outside the dialog {state.nav.dialog.title!r}; it stays open"
        return f"nothing clickable at ({x}, {y}); nothing happened"
    if not node.enabled:
        return f"{_name(node)!r} is disabled; nothing happened"
    if node.editable:
        state.nav.focus = node.field
        state.nav.keyboard_shown = True
        return f"focused the {node.description!r} field"
    if node.seek is not None:
        attr, maximum = node.seek
        fraction = (x - node.bounds.left) / max(1, node.bounds.width - 1)
        value = round(min(1.0, max(0.0, fraction)) * maximum)
        setattr(state.settings, attr, value)
        return f"set {node.description} to {value}"
    if node.on_tap is None:  # pragma: no cover - every clickable node has a command
        return f"tapped {_name(node)!r}"
    return f"tapped {_name(node)!r}: {node.on_tap(state)}"


def _name(node: Node) -> str:
    # A list row has no text of its own; people name it by its first line.
    if node.label:
        return node.label
    return next((c.label for c in node.children if c.label), node.cls.rsplit(".", 1)[-1])


def long_press(state: PhoneState, x: int, y: int) -> str:
    """A long press: focuses a text field; elsewhere no context menus are simulated."""
    _check_point(x, y)
    _, node = compose(state).hit(x, y)
    if node is not None and node.editable and node.enabled:
        return tap(state, x, y)
    where = repr(_name(node)) if node is not None else f"({x}, {y})"
    return f"long-pressed {where}; nothing happened (no long-press menu here)"


def swipe(state: PhoneState, x1: int, y1: int, x2: int, y2: int, duration_ms: int = 300) -> str:
    """A swipe: pulls the shade from the status bar, scrolls lists, or long-presses in place."""
    _check_point(x1, y1)
    _check_point(x2, y2)
    dx, dy = x2 - x1, y2 - y1
    if abs(dx) < SLOP_PX and abs(dy) < SLOP_PX:
        return long_press(state, x1, y1) if duration_ms >= LONG_PRESS_MS else tap(state, x1, y1)
    nav = state.nav
    if nav.shade_open:
        if dy < 0 and abs(dy) > abs(dx):
            nav.shade_open = False
            return "closed the notification shade"
        return "the notification shade is open; swipe up or press back to close it"
    if nav.dialog is not None:
        return f"the dialog {nav.dialog.title!r} is open; swipes do nothing until it is closed"
    if y1 < STATUS_BOTTOM and dy > 0:
        nav.shade_open = True
        nav.recents_open = False
        nav.keyboard_shown = False
        return "opened the notification shade"
    if abs(dx) > abs(dy):
        return "nothing scrolls sideways here"
    area = _scroll_area(compose(state))
    if area is None or not area.bounds.contains(x1, y1):
        return f"nothing scrollable at ({x1}, {y1})"
    row_h = area.bounds.height / area.visible
    rows = max(1, round(abs(dy) / row_h))
    # The content follows the finger: moving it up reveals what is below.
    return _scroll_by(state, area, rows if dy < 0 else -rows)


def scroll(
    state: PhoneState,
    direction: Literal["up", "down", "left", "right"],
    at: tuple[int, int] | None = None,
) -> str:
    """Scroll the screen's list by about a page, as the swipe a person would make."""
    if direction in ("left", "right"):
        return "nothing scrolls sideways here"
    frame = compose(state)
    area = _scroll_area(frame)
    if area is None or state.nav.dialog is not None or (at is not None and not area.bounds.contains(*at)):
        return "nothing to scroll here"
    row_h = area.bounds.height // area.visible
    x = area.bounds.center[0]
    low = area.bounds.top + row_h // 2 + (area.visible - 1) * row_h
    high = area.bounds.top + row_h // 2
    if area.visible == 1:  # a one-row list still needs a finger movement of one row
        low, high = area.bounds.bottom - 1, area.bounds.bottom - 1 - row_h
    start, end = (low, high) if direction == "down" else (high, low)
    return swipe(state, x, start, x, end, 400)


def _scroll_area(frame: Frame) -> ScrollArea | None:
    if frame.screen is None or frame.screen.scroll is None:
        return None
    if any(w.name in ("shade", "recents") for w in frame.windows):
        return None
    return frame.screen.scroll


def _scroll_by(state: PhoneState, area: ScrollArea, delta: int) -> str:
    ref = state.nav.top
    if ref is None or area.total <= area.visible:
        return "the list already shows everything; nothing to scroll"
    new = min(area.max_offset, max(0, area.offset + delta))
    if new == area.offset:
        return f"already at the {'bottom' if delta > 0 else 'top'} of the list"
    ref.scroll = new
    last = min(new + area.visible, area.total)
    return f"scrolled {'down' if delta > 0 else 'up'}: items {new + 1}-{last} of {area.total} shown"


def _focused(state: PhoneState) -> tuple[Frame, Node]:
    frame = compose(state)
    nav = state.nav
    if nav.dialog is not None:
        raise DeviceError(f"the dialog {nav.dialog.title!r} is in front; answer it before typing")
    node = frame.field_node(nav.focus) if frame.screen is not None else None
    if node is None or nav.shade_open or nav.recents_open:
        raise DeviceError("no text field is focused; tap a text field first (or give type_text a target)")
    return frame, node


def input_text(state: PhoneState, text: str) -> str:
    """Type `text` (any Unicode) at the end of the focused field."""
    _, node = _focused(state)
    ref = state.nav.stack[-1]
    key = node.field or ""
    ref.fields[key] = ref.fields.get(key, "") + text
    ref.error = ""  # editing a form clears its validation message, as Android's do
    return f"typed {text!r} into {node.description!r}"


def clear_text(state: PhoneState) -> str:
    """Empty the focused field (select-all + delete)."""
    _, node = _focused(state)
    state.nav.stack[-1].fields[node.field or ""] = ""
    return f"cleared {node.description!r}"


def _enter(state: PhoneState) -> str:
    frame = compose(state)
    nav = state.nav
    screen = frame.screen
    if nav.dialog is not None or screen is None or nav.focus not in screen.fields:
        return "enter: no text field is focused; nothing happened"
    i = screen.fields.index(nav.focus)
    if i + 1 < len(screen.fields):
        nav.focus = screen.fields[i + 1]
        node = frame.field_node(nav.focus)
        return f"moved to the {node.description if node else nav.focus!r} field"
    if screen.submit is None:
        return "enter: nothing to submit here"
    return screen.submit(state)


def _tab(state: PhoneState) -> str:
    frame = compose(state)
    screen = frame.screen
    if screen is None or not screen.fields or state.nav.dialog is not None:
        return "tab: no text fields here"
    nav = state.nav
    i = screen.fields.index(nav.focus) if nav.focus in screen.fields else -1
    nav.focus = screen.fields[(i + 1) % len(screen.fields)]
    nav.keyboard_shown = True
    return f"focus moved to {nav.focus!r}"


def _delete(state: PhoneState) -> str:
    _, node = _focused(state)
    fields = state.nav.stack[-1].fields
    key = node.field or ""
    fields[key] = fields.get(key, "")[:-1]
    return f"deleted a character in {node.description!r}"


def _volume(state: PhoneState, delta: int) -> str:
    state.settings.volume = min(15, max(0, state.settings.volume + delta))
    return f"volume {state.settings.volume}"


def keyevent(state: PhoneState, code: int) -> str:
    """An Android key event by KEYCODE number (back 4, home 3, enter 66, del 67, ...)."""
    match code:
        case 4 | 111:  # KEYCODE_BACK, KEYCODE_ESCAPE
            return system.back(state)
        case 3:
            return system.go_home(state)
        case 66:
            return _enter(state)
        case 67:
            return _delete(state)
        case 61:
            return _tab(state)
        case 187:
            return system.toggle_recents(state)
        case 24 | 25:
            return _volume(state, 1 if code == KEYCODE_VOLUME_UP else -1)
    return f"key code {code} has no effect here"
