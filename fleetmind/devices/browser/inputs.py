"""The browser device's inputs, one function per kind of action; the device lets the page react after each.

Every function resolves its targets through `Targets` (element ids of the last
observation, or viewport points), does the input, and returns a short detail of
what happened; what cannot be done as asked raises `Rejected`.
"""

from __future__ import annotations

from typing import Literal

from playwright.async_api import Page

from fleetmind.devices.base import Target

from .controls import choose_option, native_value, playwright_chord
from .gestures import drag, focused_field_takes_text, type_into_focused, wheel
from .page_scripts import FOCUS_POINT_JS, SCROLL_ELEMENT_JS, SCROLL_PAGE_JS
from .rejection import Rejected
from .sliders import set_slider, slider_kind
from .targets import Targets, describe_target

__all__ = ["click", "drag_to", "focus", "hover", "press_chord", "scroll", "select", "type_text"]

_FOCUS_JS = """
(el) => {
  // The focus event counts too: a page may move the focus on at once (to the next field, or away).
  let got = false;
  el.addEventListener('focus', () => { got = true; }, {once: true});
  el.focus();
  const root = el.getRootNode();
  const editable = el.isContentEditable || el.tagName === 'TEXTAREA' || (el.tagName === 'INPUT'
    && !['checkbox', 'radio', 'button', 'submit', 'reset', 'file', 'image', 'range', 'color'].includes(el.type));
  const empty = editable && !(el.value || el.innerText || '').trim();
  return {focused: got || root.activeElement === el, editable, empty};
}
"""


async def click(page: Page, targets: Targets, t: Target, button: Literal["left", "right"] = "left") -> str:
    """A left (tap) or right (context menu) click on an element or a point."""
    if t.element is not None:
        await (await targets.locate(page, t.element)).click(button=button)
    else:
        await page.mouse.click(*targets.point(t), button=button)
    return f"{'tapped' if button == 'left' else 'right-clicked'} {describe_target(t)}"


async def scroll(page: Page, targets: Targets, direction: str, t: Target | None, fraction: float) -> str:
    """Scroll the target's nearest scroll container that can move (or the page, or the largest list);
    the mouse wheel over the target is the fallback for pages that scroll themselves."""
    if t is not None and t.element is not None:
        field = await targets.locate(page, t.element)
        moved: str = await field.evaluate(SCROLL_ELEMENT_JS, [direction, fraction])
    else:
        x, y = targets.point(t) if t is not None else (None, None)
        moved = await page.evaluate(SCROLL_PAGE_JS, [x, y, direction, fraction])
    if moved:
        return f"scrolled {direction}: {moved}"
    w, h = targets.viewport
    x, y = await targets.resolve_point(page, t) if t is not None else (w // 2, h // 2)
    dx = {"left": -w, "right": w}.get(direction, 0) * fraction
    dy = {"up": -h, "down": h}.get(direction, 0) * fraction
    if not await wheel(page, x, y, dx, dy):
        return f"scrolled {direction} at ({x},{y}): nothing moved (already at the edge?)"
    return f"scrolled {direction} at ({x},{y}) with the mouse wheel"


async def type_text(page: Page, targets: Targets, text: str, t: Target | None, clear: bool, submit: bool) -> str:
    """Type into the target field (focused first) or the focused one; `clear` replaces, `submit` presses Enter."""
    if t is not None and t.element is not None:
        field = await targets.locate(page, t.element)
        if clear:  # a date or time field takes its own form of the value ("2010-05-20", "21:37")
            kind = await field.evaluate("(el) => el.tagName === 'INPUT' ? (el.type || '').toLowerCase() : ''")
            await field.fill(native_value(str(kind), text))
        else:
            await field.click()
            await _require_focused_field(page, describe_target(t))
            await type_into_focused(page, text, clear=False)
    else:
        if t is not None:
            await page.mouse.click(*targets.point(t))
        await _require_focused_field(page, describe_target(t))
        await type_into_focused(page, text, clear=clear)
    detail = f"typed {len(text)} characters"
    if submit:
        await page.keyboard.press("Enter")
        detail += " and pressed Enter"
    return detail


async def _require_focused_field(page: Page, where: str) -> None:
    if not await focused_field_takes_text(page):
        what = f"{where} is not a text field" if where else "no text field has focus"
        raise Rejected(f"cannot type: {what}; tap a field first or give a target")


async def drag_to(page: Page, targets: Targets, start: Target, end: Target, ms: int) -> str:
    """Press on `start`, move to `end` in small steps over `ms`, release; both must be on screen together."""
    p0 = await targets.resolve_point(page, start)
    p1 = await targets.resolve_point(page, end, scroll=False)
    if end.element is not None:
        # Release a little past the target's centre, still inside it, as a hand does: a sorted list
        # moves an item only once it crosses the middle of the one it is dropped on.
        box = await (await targets.locate(page, end.element)).bounding_box()
        dx, dy = p1[0] - p0[0], p1[1] - p0[1]
        length = max(1.0, (dx * dx + dy * dy) ** 0.5)
        if box is not None:
            p1 = (int(p1[0] + dx / length * box["width"] * 0.2), int(p1[1] + dy / length * box["height"] * 0.2))
    await drag(page, p0, p1, ms)
    return f"dragged {describe_target(start)} {p0} onto {describe_target(end)} {p1}"


async def select(page: Page, targets: Targets, t: Target, option: str, timeout_s: float) -> str:
    """Choose `option` in the drop-down at the target."""
    if t.element is None:
        raise Rejected("select_option needs an element id of a drop-down, not a point; observe and use its id")
    field = await targets.locate(page, t.element)
    number = _number(option)
    if number is not None and await slider_kind(field):  # "select 40 with the slider"
        return await set_slider(page, field, number)
    return await choose_option(page, field, option, timeout_s)


def _number(text: str) -> float | None:
    try:
        return float(text.strip())
    except ValueError:
        return None


async def focus(page: Page, targets: Targets, t: Target) -> str:
    """Give the target the keyboard focus without clicking it."""
    where = describe_target(t)
    if t.element is None:
        what: str = await page.evaluate(FOCUS_POINT_JS, list(targets.point(t)))
        if not what:
            raise Rejected(f"nothing at {where} can take the keyboard focus; tap it instead")
        return f"focused {what} at {where}"
    state = await (await targets.locate(page, t.element)).evaluate(_FOCUS_JS)
    if not state["focused"]:
        raise Rejected(f"{where} cannot take the keyboard focus; tap it instead")
    kind = "an empty text field" if state["empty"] else "a text field" if state["editable"] else "a control"
    return f"focused {where} ({kind})"


async def hover(page: Page, targets: Targets, t: Target) -> str:
    """Rest the pointer over the target (scrolled into view)."""
    x, y = await targets.resolve_point(page, t)
    await page.mouse.move(x, y)
    return f"hovering over {describe_target(t)} at ({x},{y})"


async def press_chord(page: Page, keys: str) -> str:
    """Press a canonical key chord ("ctrl+a") on the focused element."""
    chord = playwright_chord(keys)
    await page.keyboard.press(chord)
    return f"pressed {chord}"
