"""Setting a slider to a number, as `select_option` on a slider element does.

A native `<input type=range>` takes its value directly (with the input and change events a
drag fires). A drawn slider (a `role=slider` handle, or a box holding a focusable handle, as
jQuery UI draws them) is moved the way keyboard users move one: its handle focused, Home to
its minimum, then one arrow press per step. Where the handle reports no `aria-valuenow`, the
value is read where the page writes it: the number on the page that moved with the first
step. Nothing is guessed: if no such number moved, or the slider cannot reach the value, the
action is rejected with what was seen.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.async_api import Locator, Page

from .rejection import Rejected

__all__ = ["set_slider", "slider_kind"]

_KIND_JS = """
(el) => {
  const isRange = (e) => e.tagName === 'INPUT' && (e.type || '').toLowerCase() === 'range';
  if (isRange(el)) return 'range';
  const inner = el.querySelector('input[type=range]');
  if (inner) return 'inner-range';
  const handle = el.getAttribute('role') === 'slider' ? el
    : el.querySelector('[role=slider], .ui-slider-handle, [class*=slider] [tabindex], [class*=handle][tabindex]');
  const said = [el.id, el.className, el.getAttribute('role')].filter((w) => typeof w === 'string').join(' ');
  const named = /slider|range/i.test(said);
  return handle && (named || handle === el || handle.getAttribute('role') === 'slider') ? 'keys' : '';
}
"""

_SET_RANGE_JS = """
(el, value) => {
  const input = el.tagName === 'INPUT' ? el : el.querySelector('input[type=range]');
  const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
  setter.call(input, String(value));
  input.dispatchEvent(new Event('input', {bubbles: true}));
  input.dispatchEvent(new Event('change', {bubbles: true}));
  return parseFloat(input.value);
}
"""

_FOCUS_HANDLE_JS = """
(el) => {
  const handle = el.getAttribute('role') === 'slider' ? el
    : el.querySelector('[role=slider], .ui-slider-handle, [class*=slider] [tabindex], [class*=handle][tabindex]');
  handle.focus();
  return document.activeElement === handle;
}
"""

_READ_JS = """
() => {
  const a = document.activeElement;
  const now = a && a.getAttribute('aria-valuenow');
  const numbers = [];
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const p = n.parentElement;
    if (!p || p.closest('script, style') || !p.getClientRects().length) continue;
    for (const m of n.data.matchAll(/-?\\d+(?:\\.\\d+)?/g)) numbers.push(parseFloat(m[0]));
  }
  return {aria: now === null || now === undefined || now === '' ? null : parseFloat(now), numbers};
}
"""

MAX_PRESSES = 400
"""Arrow presses one setting may take (a slider of more steps than this is out of reach)."""


async def slider_kind(field: Locator) -> str:
    """'range' (a native range input, or one inside the element), 'keys' (a drawn slider moved by
    its handle), or '' when the element is no slider."""
    kind: str = await field.evaluate(_KIND_JS)
    return "range" if kind == "inner-range" else kind


async def set_slider(page: Page, field: Locator, value: float) -> str:
    """Set the slider `field` to `value`; says what it shows now. Raises `Rejected` when it cannot."""
    kind = await slider_kind(field)
    if kind == "range":
        got = float(await field.evaluate(_SET_RANGE_JS, value))
        if got != value:
            raise Rejected(f"the slider took {got:g}, not {value:g} (outside its range or between its steps)")
        return f"set the slider to {got:g}"
    if kind != "keys" or not await field.evaluate(_FOCUS_HANDLE_JS):
        raise Rejected("this element is no slider with a handle that takes the keyboard; drag its handle instead")
    await page.keyboard.press("Home")
    start = await page.evaluate(_READ_JS)
    await page.keyboard.press("ArrowRight")
    moved = await page.evaluate(_READ_JS)
    reading = _reader(start, moved)
    if reading is None:
        raise Rejected("pressed the slider's keys but no value on the page moved; drag its handle instead")
    now, step = reading(moved)
    presses = round((value - now) / step)
    key = "ArrowRight" if presses > 0 else "ArrowLeft"
    if abs(presses) > MAX_PRESSES:
        raise Rejected(f"{value:g} is {abs(presses)} steps away on this slider (more than {MAX_PRESSES})")
    for _ in range(abs(presses)):
        await page.keyboard.press(key)
    final, _ = reading(await page.evaluate(_READ_JS))
    if final != value:
        raise Rejected(f"the slider shows {final:g}, not {value:g} (outside its range or between its steps)")
    return f"set the slider to {final:g} with {abs(presses) + 1} arrow presses"


Reading = dict[str, Any]
"""What `_READ_JS` returns: the focused handle's aria-valuenow and every number the page shows."""


def _reader(before: Reading, after: Reading) -> Callable[[Reading], tuple[float, float]] | None:
    """How to read the slider's value (its aria-valuenow, or the page number that moved with one step)
    and the size of that step; None when nothing moved."""
    if before["aria"] is not None and after["aria"] is not None:
        step = float(after["aria"]) - float(before["aria"])
        if step:
            return lambda read: (float(read["aria"]), step)
    b, a = before["numbers"], after["numbers"]
    if len(a) != len(b):
        return None
    changed = [i for i, (x, y) in enumerate(zip(b, a, strict=True)) if x != y]
    if len(changed) != 1:
        return None
    i = changed[0]
    step = float(a[i]) - float(b[i])
    return lambda read: (float(read["numbers"][i]), step)
