"""Reusable pieces of Android-looking screens: app bar, rows, switches, fields, lists.

Labelling conventions every app follows (agents and tests rely on them):
- a Switch has `description` = its row's label ("Wi-Fi") and `checked` = the setting;
  the row around it is clickable too and toggles the same thing;
- an EditText has `description` = its label ("Name") always, and `text` = what was
  typed or, while empty, the hint (the label, or a format such as "YYYY-MM-DD"),
  as uiautomator reports it;
  password fields show one bullet per character;
- icon-only buttons have empty text and a `description` ("Create contact", "Navigate up").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from fleetmind.devices.base import Bounds

from .state import PhoneState
from .ui import APP_BAR_BOTTOM, PAD, ROW_H, SCREEN_W, STATUS_BOTTOM, Command, Node, ScrollArea, View, box

__all__ = [
    "BarAction",
    "RowBuilder",
    "app_bar",
    "button",
    "error_text",
    "fab",
    "field",
    "go_up",
    "scroll_list",
    "switch_row",
    "text_view",
    "two_line_row",
]

FIELD_H = 150
FIELD_GAP = 40

RowBuilder = Callable[[Bounds], Node]
"""Builds one list row inside the bounds the list gives it."""

BarAction = tuple[str, str, Command]
"""An app-bar action: (text, description, command)."""


def go_up(state: PhoneState) -> str:
    """The "Navigate up" arrow: leave the current screen."""
    state.nav.pop()
    return "went back"


def text_view(text: str, bounds: Bounds, *, rid: str = "", description: str = "") -> Node:
    """A non-interactive line of text."""
    return Node("android.widget.TextView", bounds, text=text, description=description, resource_id=rid)


def button(
    text: str,
    bounds: Bounds,
    on_tap: Command,
    *,
    description: str = "",
    rid: str = "",
    cls: str = "android.widget.Button",
) -> Node:
    """A clickable button; icon buttons pass text="" and a description."""
    return Node(cls, bounds, text=text, description=description, resource_id=rid, clickable=True, on_tap=on_tap)


def app_bar(v: View, title: str, *, up: bool = True, actions: Sequence[BarAction] = ()) -> list[Node]:
    """The toolbar: optional "Navigate up" arrow, the title, actions from the right."""
    nodes: list[Node] = []
    left = PAD
    if up:
        nodes.append(
            button(
                "",
                box(0, STATUS_BOTTOM, 160, APP_BAR_BOTTOM),
                go_up,
                description="Navigate up",
                cls="android.widget.ImageButton",
            )
        )
        left = 176
    right = SCREEN_W - PAD - 228 * len(actions)
    nodes.append(
        text_view(
            title,
            box(left, STATUS_BOTTOM + 40, max(right, left + 200), APP_BAR_BOTTOM - 40),
            rid=v.rid("toolbar_title"),
        )
    )
    for slot, (text, description, command) in enumerate(reversed(actions)):
        r = SCREEN_W - 8 - slot * 228
        nodes.append(
            button(
                text,
                box(r - 220, STATUS_BOTTOM + 20, r, APP_BAR_BOTTOM - 20),
                command,
                description=description,
                cls="android.widget.Button" if text else "android.widget.ImageButton",
            )
        )
    return nodes


def switch_row(v: View, label: str, checked: bool, top: int, on_toggle: Command, *, summary: str = "") -> Node:
    """A settings-style row: label (+ summary) and a Switch; tapping either toggles."""
    row = box(0, top, SCREEN_W, top + ROW_H)
    children = [
        text_view(label, box(PAD, top + 24, 820, top + (88 if summary else ROW_H - 24)), rid="android:id/title")
    ]
    if summary:
        children.append(text_view(summary, box(PAD, top + 92, 820, top + ROW_H - 16), rid="android:id/summary"))
    children.append(
        Node(
            "android.widget.Switch",
            box(880, top + 40, SCREEN_W - PAD, top + ROW_H - 40),
            description=label,
            resource_id="android:id/switch_widget",
            clickable=True,
            checkable=True,
            checked=checked,
            on_tap=on_toggle,
        )
    )
    return Node("android.widget.LinearLayout", row, clickable=True, on_tap=on_toggle, children=tuple(children))


def field(
    v: View,
    key: str,
    label: str,
    top: int,
    *,
    name: str,
    password: bool = False,
    height: int = FIELD_H,
    right: int = SCREEN_W - PAD,
    hint: str = "",
) -> Node:
    """An EditText whose text lives in the stack entry under `key`; `hint` (default: the label) shows while empty."""
    value = v.value(key)
    shown = ("\u2022" * len(value) if password else value) or hint or label
    return Node(
        "android.widget.EditText",
        box(PAD, top, right, top + height),
        text=shown,
        description=label,
        resource_id=v.rid(name),
        clickable=True,
        editable=True,
        long_clickable=True,
        password=password,
        focused=v.state.nav.focus == key,
        field=key,
    )


def error_text(v: View, top: int) -> list[Node]:
    """The inline validation message of a form, when there is one."""
    if not v.ref.error:
        return []
    return [text_view(v.ref.error, box(PAD, top, SCREEN_W - PAD, top + 80), rid=v.rid("error"))]


def fab(text: str, description: str, on_tap: Command, bottom: int) -> Node:
    """A floating action button in the bottom-right corner, above `bottom`."""
    return button(
        text,
        box(560, bottom - 184, SCREEN_W - PAD, bottom - 24),
        on_tap,
        description=description,
        rid="com.fleetmind:id/fab",
        cls="android.widget.Button" if text else "android.widget.ImageButton",
    )


def scroll_list(
    v: View,
    rows: Sequence[RowBuilder],
    top: int,
    bottom: int,
    *,
    row_h: int = ROW_H,
    rid: str = "list",
) -> tuple[Node, ScrollArea]:
    """A RecyclerView showing the window of `rows` that fits between top and bottom.

    Only visible rows exist as nodes, as on a real phone; the stack entry's
    `scroll` is the first visible index, clamped here so a list that shrank
    never shows an empty page.
    """
    visible = max(1, (bottom - top) // row_h)
    area_bounds = box(0, top, SCREEN_W, bottom)
    offset = min(v.ref.scroll, max(0, len(rows) - visible))
    shown = [
        build(box(0, top + i * row_h, SCREEN_W, top + (i + 1) * row_h))
        for i, build in enumerate(rows[offset : offset + visible])
    ]
    node = Node(
        "androidx.recyclerview.widget.RecyclerView",
        area_bounds,
        resource_id=v.rid(rid),
        scrollable=len(rows) > visible,
        children=tuple(shown),
    )
    return node, ScrollArea(area_bounds, total=len(rows), visible=visible, offset=offset)


def two_line_row(
    bounds: Bounds, title: str, subtitle: str, on_tap: Command | None, *, rid: str = "", description: str = ""
) -> Node:
    """A clickable list row with a title line and a secondary line."""
    t, b = bounds.top, bounds.bottom
    children = [text_view(title, box(PAD, t + 16, SCREEN_W - PAD, t + 84), rid=rid)]
    if subtitle:
        children.append(text_view(subtitle, box(PAD, t + 88, SCREEN_W - PAD, b - 12)))
    return Node(
        "android.widget.LinearLayout",
        bounds,
        description=description,
        clickable=on_tap is not None,
        on_tap=on_tap,
        children=tuple(children),
    )
