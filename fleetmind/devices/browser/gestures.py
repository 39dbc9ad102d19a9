"""Pointer and keyboard gestures on a page, in viewport pixels; the device resolves targets first."""

from __future__ import annotations

import asyncio

from playwright.async_api import Page

from .page_scripts import FOCUSED_EDITABLE_JS, SCROLL_SETTLE_JS, SCROLL_STATE_JS

__all__ = ["KEYS", "drag", "focused_field_takes_text", "long_press", "type_into_focused", "wheel"]

# press_key names to Playwright keys. Android's DEL (our "delete") erases backwards: Backspace.
KEYS = {"enter": "Enter", "tab": "Tab", "escape": "Escape", "delete": "Backspace"}


async def long_press(page: Page, x: int, y: int, ms: int) -> None:
    """Hold the left button at (x, y) for `ms` milliseconds."""
    await page.mouse.move(x, y)
    await page.mouse.down()
    await asyncio.sleep(ms / 1000)  # the press itself lasts this long
    await page.mouse.up()


async def drag(page: Page, start: tuple[int, int], end: tuple[int, int], ms: int) -> None:
    """A mouse drag from `start` to `end` spread over `ms` milliseconds, one move per ~20 ms."""
    (x0, y0), (x1, y1) = start, end
    steps = max(2, ms // 20)
    await page.mouse.move(x0, y0)
    await page.mouse.down()
    for i in range(1, steps + 1):
        await page.mouse.move(x0 + (x1 - x0) * i / steps, y0 + (y1 - y0) * i / steps)
        await asyncio.sleep(ms / 1000 / steps)  # the drag itself lasts `ms`
    await page.mouse.up()


async def wheel(page: Page, x: int, y: int, dx: float, dy: float) -> bool:
    """Turn the mouse wheel over (x, y) and wait until scrolling stops; whether anything moved."""
    before = await page.evaluate(SCROLL_STATE_JS, [x, y])
    await page.mouse.move(x, y)
    await page.mouse.wheel(dx, dy)
    after = await page.evaluate(SCROLL_SETTLE_JS, [x, y])
    return bool(after != before)


async def focused_field_takes_text(page: Page) -> bool:
    """Whether the focused element is a text field; if so the caret moves to its end."""
    return bool(await page.evaluate(FOCUSED_EDITABLE_JS, True))


async def type_into_focused(page: Page, text: str, *, clear: bool) -> None:
    """Type `text` at the caret of the focused field, after erasing its content when `clear`."""
    if clear:
        await page.keyboard.press("ControlOrMeta+A")
        await page.keyboard.press("Backspace")
    await page.keyboard.type(text)
