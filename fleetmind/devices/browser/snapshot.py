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

__all__ = ["ELEMENT_ATTR", "SNAPSHOT_JS", "PageSnapshot", "label_fields_by_place", "parse_snapshot"]

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


def label_fields_by_place(elements: list[UIElement]) -> list[UIElement]:
    """A field the page names nowhere is named by the words a person reads beside it: the text just to
    its left on the same line (a table form's "Director | [    ]"), else the text right above it."""
    texts = [e for e in elements if e.text.strip() and not (e.editable or e.clickable or e.checkable)]
    out = []
    for el in elements:
        if el.editable and not el.description:
            b = el.bounds
            middle = (b.top + b.bottom) // 2
            left = [t for t in texts if t.bounds.right <= b.left + 2 and t.bounds.top <= middle <= t.bounds.bottom
                    and b.left - t.bounds.right <= 150]
            above = [t for t in texts if t.bounds.bottom <= b.top + 2 and b.top - t.bounds.bottom <= 20
                     and t.bounds.left < b.right and t.bounds.right > b.left
                     and not any(o is not t and abs(o.bounds.top - t.bounds.top) <= 3 for o in texts)]
            # (a text sharing its line with others is a table row, not a field's caption)
            near = max(left, key=lambda t: t.bounds.right, default=None) or max(
                above, key=lambda t: t.bounds.bottom, default=None
            )
            words = near.text.strip().rstrip(":").strip() if near is not None else ""
            if words and len(words.split()) <= 4:
                el = el.model_copy(update={"description": words})
        out.append(el)
    return out


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
    elements = label_fields_by_place(elements)
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
