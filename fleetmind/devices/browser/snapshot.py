"""What a page shows, as `UIElement`s: the pure parser of the in-page walk.

`SNAPSHOT_JS` (in `page_walk`) runs in the page. It walks the DOM, open shadow
roots, same-origin iframes and SVG, keeps what a user can see and use (controls,
elements clickable through JavaScript, links, headings, images with alt text,
shapes, canvases, scroll containers, and text leaves), computes bounds clipped to
the viewport and to scrolling/overflow-hidden ancestors, and stamps each kept
node with `data-fm-id="eN"` so an action can find it again with a CSS
selector. The previous observation's stamps are removed first, so only ids of
the latest observation resolve.

`parse_snapshot` turns the walk's JSON into `UIElement`s; it has no I/O.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from fleetmind.devices.base import Bounds, UIElement

from .page_walk import SNAPSHOT_JS

__all__ = ["ELEMENT_ATTR", "SNAPSHOT_JS", "PageSnapshot", "parse_snapshot"]

ELEMENT_ATTR = "data-fm-id"

# The walk visits at most this many nodes, so a pathological page cannot stall observe().
WALK_BUDGET = 20_000


@dataclass
class PageSnapshot:
    """One walk of a page: its elements and the facts observe() reports beside them."""

    elements: list[UIElement]
    title: str = ""
    password_focused: bool = False
    notes: list[str] = field(default_factory=list)


def parse_snapshot(text: str, *, max_elements: int) -> PageSnapshot:
    """Turn `SNAPSHOT_JS`'s JSON into `UIElement`s and notes on what was left out."""
    raw: dict[str, Any] = json.loads(text)
    elements = [
        UIElement(
            id=item["id"],
            cls=item["role"],
            text=item["text"],
            description=item["name"],
            resource_id=item["resource_id"],
            bounds=Bounds(
                left=item["bounds"][0], top=item["bounds"][1], right=item["bounds"][2], bottom=item["bounds"][3]
            ),
            clickable=item["clickable"],
            editable=item["editable"],
            checkable=item["checkable"],
            checked=item["checked"],
            focused=item["focused"],
            scrollable=item["scrollable"],
            password=item["password"],
            enabled=item["enabled"],
            options=tuple(item["options"]),
            value_range=tuple(item["range"]) if item["range"] else None,
        )
        for item in raw["elements"]
    ]
    notes: list[str] = []
    if raw["total"] > len(elements):
        notes.append(
            f"element list truncated: {len(elements)} of {raw['total']} visible elements kept "
            f"(max_elements={max_elements}); scroll or zoom in to reach the rest"
        )
    if raw["budgetHit"]:
        notes.append(f"page walk stopped after {WALK_BUDGET} DOM nodes; later elements are missing")
    if raw["iframes"]:
        notes.append(
            f"{raw['iframes']} cross-origin iframe(s) not inspected: their contents appear only in the screenshot"
        )
    if raw["canvases"]:
        notes.append(f"{raw['canvases']} canvas(es) on screen: what they draw appears only in the screenshot")
    return PageSnapshot(
        elements=elements,
        title=raw["title"],
        password_focused=raw["passwordFocused"],
        notes=notes,
    )
