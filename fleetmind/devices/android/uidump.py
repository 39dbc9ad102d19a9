"""A `uiautomator dump` hierarchy, read into `UIElement`s. Pure: text in, elements out.

Every `<node>` becomes one element, in document order, with id `e<n>` (the n-th
node), so ids match the dump line for line. Bounds are device pixels parsed
from `[left,top][right,bottom]`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from fleetmind.devices.base import Bounds, UIElement

__all__ = ["EDITABLE_CLASSES", "HierarchyError", "parse_bounds", "parse_hierarchy"]

_BOUNDS = re.compile(r"\[(-?\d+),(-?\d+)\]\[(-?\d+),(-?\d+)\]")

EDITABLE_CLASSES = ("EditText", "AutoCompleteTextView", "SearchView$SearchAutoComplete")
"""Class-name endings of text fields (EditText and its stock subclasses, also androidx AppCompat ones)."""


class HierarchyError(ValueError):
    """The dump is not a uiautomator hierarchy (truncated, empty, or not XML)."""


def parse_bounds(text: str) -> Bounds:
    """`[l,t][r,b]` as Bounds; an unreadable or inverted rectangle becomes an empty one."""
    m = _BOUNDS.fullmatch(text.strip())
    if m is None:
        return Bounds(left=0, top=0, right=0, bottom=0)
    left, top, right, bottom = (int(g) for g in m.groups())
    return Bounds(left=left, top=top, right=max(left, right), bottom=max(top, bottom))


def _flag(node: ET.Element, name: str) -> bool:
    return node.get(name, "false") == "true"


def parse_hierarchy(xml: str) -> list[UIElement]:
    """The dump's nodes as elements e0, e1, ... in document order; HierarchyError if it is not one."""
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        raise HierarchyError(f"the hierarchy dump is not valid XML ({exc})") from None
    if root.tag != "hierarchy":
        raise HierarchyError(f"the dump's root is <{root.tag}>, not <hierarchy>")
    elements = []
    for i, node in enumerate(root.iter("node")):
        cls = node.get("class", "")
        elements.append(
            UIElement(
                id=f"e{i}",
                cls=cls,
                text=node.get("text", ""),
                description=node.get("content-desc", ""),
                resource_id=node.get("resource-id", ""),
                bounds=parse_bounds(node.get("bounds", "")),
                clickable=_flag(node, "clickable"),
                editable=cls.endswith(EDITABLE_CLASSES),
                checkable=_flag(node, "checkable"),
                checked=_flag(node, "checked"),
                focused=_flag(node, "focused"),
                scrollable=_flag(node, "scrollable"),
                password=_flag(node, "password"),
                enabled=node.get("enabled", "true") == "true",
            )
        )
    return elements
