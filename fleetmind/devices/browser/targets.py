"""Action targets resolved against the device's last observation: element ids to locators, points checked.

An element id (`eN`) is valid only for the page and the observation it came
from; it is found again by the `data-fm-id` stamp the walk left, in the top
document, its open shadow roots, or a same-origin iframe.
"""

from __future__ import annotations

import re

from playwright.async_api import Locator, Page

from fleetmind.devices.base import Target

from .rejection import Rejected
from .snapshot import ELEMENT_ATTR

__all__ = ["Targets", "describe_target"]

_ELEMENT_ID = re.compile(r"e[1-9][0-9]*")


class Targets:
    """What the last observation showed, and how to find its elements and points again."""

    def __init__(self, viewport: tuple[int, int]) -> None:
        """`viewport`: the page's size in CSS pixels; points outside it are refused."""
        self.viewport = viewport
        self.page: Page | None = None
        self.ids: frozenset[str] = frozenset()

    def observed(self, page: Page | None, ids: frozenset[str]) -> None:
        """Remember the page and element ids of the newest observation."""
        self.page, self.ids = page, ids

    async def locate(self, page: Page, element_id: str) -> Locator:
        """The element an id of the last observation names. Raises `Rejected` when it is unknown or gone."""
        if not _ELEMENT_ID.fullmatch(element_id) or element_id not in self.ids:
            raise Rejected(f"unknown element id {element_id!r}: it is not in the last observation; observe again")
        if page is not self.page:
            raise Rejected(f"element {element_id} belongs to another tab than the one in front; observe again")
        selector = f'[{ELEMENT_ATTR}="{element_id}"]'
        for frame in page.frames:  # the top document first, then same-origin iframes
            locator = frame.locator(selector)
            if await locator.count():
                return locator.first
        raise Rejected(
            f"element {element_id} is no longer on the page (it changed or navigated since the last "
            "observation); observe again"
        )

    def point(self, t: Target) -> tuple[int, int]:
        """A point target, checked to lie inside the viewport."""
        assert t.x is not None and t.y is not None
        if not (0 <= t.x < self.viewport[0] and 0 <= t.y < self.viewport[1]):
            raise Rejected(f"point ({t.x},{t.y}) is outside the {self.viewport[0]}x{self.viewport[1]} viewport")
        return t.x, t.y

    async def resolve_point(self, page: Page, t: Target, *, scroll: bool = True) -> tuple[int, int]:
        """A target as a viewport point: an element's centre (scrolled into view first unless `scroll` is
        False, when it must already be on screen) or the point itself."""
        if t.element is None:
            return self.point(t)
        locator = await self.locate(page, t.element)
        if scroll:
            await locator.scroll_into_view_if_needed()
        box = await locator.bounding_box()
        if box is None:
            raise Rejected(f"element {t.element} is not visible any more; observe again")
        x, y = int(box["x"] + box["width"] / 2), int(box["y"] + box["height"] / 2)
        if not scroll and not (0 <= x < self.viewport[0] and 0 <= y < self.viewport[1]):
            raise Rejected(f"element {t.element} is off screen at ({x},{y}); scroll it into view first")
        return x, y


def describe_target(t: Target | None) -> str:
    """`element e3` or `(x,y)`, for outcome details."""
    if t is None:
        return ""
    return f"element {t.element}" if t.element is not None else f"({t.x},{t.y})"
