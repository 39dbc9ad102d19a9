"""Gesture geometry: where a scroll's swipe starts and ends. Pure, no adb."""

from __future__ import annotations

from ..base import Bounds

__all__ = ["scroll_swipe"]


def scroll_swipe(direction: str, area: Bounds, width: int, height: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """The swipe (start, end) that scrolls `area` in `direction`, kept on a `width` x `height` screen.

    "down" shows what is below, so the finger moves up; the swipe covers 60% of the area.
    """
    cx, cy = area.center
    dx, dy = area.width * 3 // 10, area.height * 3 // 10
    start, end = {
        "down": ((cx, cy + dy), (cx, cy - dy)),
        "up": ((cx, cy - dy), (cx, cy + dy)),
        "right": ((cx + dx, cy), (cx - dx, cy)),
        "left": ((cx - dx, cy), (cx + dx, cy)),
    }[direction]
    (x1, y1), (x2, y2) = [(min(max(px, 0), width - 1), min(max(py, 0), height - 1)) for px, py in (start, end)]
    return (x1, y1), (x2, y2)
