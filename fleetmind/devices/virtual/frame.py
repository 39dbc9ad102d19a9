"""One frame of the phone: the stacked windows the state shows, and hit-testing on them.

`compose(state)` is pure. The window list is in document order, topmost first:
dialog, shade or recents, status bar, keyboard, the app (or home), navigation bar.
Element ids are given in that order (e0, e1, ... depth first), so a dialog's
elements come first, and `ui_xml()` lists its nodes in the same order.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass

from fleetmind.devices.base import Bounds, DeviceError, UIElement

from . import system
from .apps import app_for_package
from .state import LAUNCHER_PACKAGE, PhoneState
from .ui import (
    APP_BAR_BOTTOM,
    KEYBOARD_TOP,
    NAV_TOP,
    SCREEN_H,
    SCREEN_W,
    STATUS_BOTTOM,
    SYSTEMUI_PACKAGE,
    Node,
    Screen,
    View,
    box,
)

__all__ = ["Frame", "Window", "compose"]


@dataclass(frozen=True)
class Window:
    """One window: its nodes, and the area whose taps it receives."""

    name: str  # dialog, shade, recents, status_bar, keyboard, app, home, nav_bar
    package: str
    nodes: tuple[Node, ...]
    area: Bounds


@dataclass
class Frame:
    """Everything the screen shows right now, plus what the foreground screen does."""

    windows: list[Window]
    screen: Screen | None  # the app screen in front; None on the home screen
    app_label: str
    package: str
    activity: str
    secure: bool
    keyboard_shown: bool

    def walk(self) -> Iterator[tuple[Node, str]]:
        """Every node depth first in document order, with its window's package."""

        def visit(node: Node, package: str) -> Iterator[tuple[Node, str]]:
            yield node, node.package or package
            for child in node.children:
                yield from visit(child, package)

        for window in self.windows:
            for node in window.nodes:
                yield from visit(node, window.package)

    def elements(self) -> list[tuple[UIElement, Node]]:
        """The nodes as `UIElement`s with ids e0, e1, ... in document order."""
        return [(_element(f"e{i}", node), node) for i, (node, _) in enumerate(self.walk())]

    def hit(self, x: int, y: int) -> tuple[Window | None, Node | None]:
        """The window receiving a tap at (x, y), and the clickable node it lands on."""
        for window in self.windows:
            if window.area.contains(x, y):
                return window, _deepest_clickable(window.nodes, x, y)
        return None, None

    def field_node(self, key: str | None) -> Node | None:
        """The EditText of the foreground screen storing field `key`."""
        if key is None:
            return None
        return next((n for n, _ in self.walk() if n.editable and n.field == key), None)


def _element(element_id: str, n: Node) -> UIElement:
    return UIElement(
        id=element_id,
        cls=n.cls,
        text=n.text,
        description=n.description,
        resource_id=n.resource_id,
        bounds=n.bounds,
        clickable=n.clickable,
        editable=n.editable,
        checkable=n.checkable,
        checked=n.checked,
        focused=n.focused,
        scrollable=n.scrollable,
        password=n.password,
        enabled=n.enabled,
    )


def _deepest_clickable(nodes: tuple[Node, ...], x: int, y: int) -> Node | None:
    # Later siblings draw over earlier ones, and a child over its parent.
    for node in reversed(nodes):
        if not node.bounds.contains(x, y):
            continue
        inner = _deepest_clickable(node.children, x, y)
        if inner is not None:
            return inner
        if node.clickable or node.editable:
            return node
    return None


def _disabled(node: Node) -> Node:
    return dataclasses.replace(node, enabled=False, children=tuple(_disabled(c) for c in node.children))


def compose(state: PhoneState) -> Frame:
    """Build the frame the state shows. Pure: the state is not changed."""
    nav = state.nav
    keyboard = nav.keyboard_shown and nav.focus is not None
    ref = nav.top
    screen: Screen | None = None
    if ref is None:
        label, package, activity, secure = "Home", LAUNCHER_PACKAGE, ".Launcher", False
        main = Window("home", package, tuple(system.home_nodes(state)), box(0, STATUS_BOTTOM, SCREEN_W, NAV_TOP))
    else:
        app = app_for_package(ref.app)
        if app is None or ref.name not in app.screens:
            raise DeviceError(
                f"the back stack names screen {ref.app}/{ref.name}, which is not installed; "
                "seed nav.stack with ScreenRef(app=<package>, name=<screen>) of an installed app"
            )
        view = View(state, ref, app.package, APP_BAR_BOTTOM, KEYBOARD_TOP if keyboard else NAV_TOP)
        screen = app.screens[ref.name](view)
        label, package, secure = app.label, app.package, screen.secure or app.secure
        activity = screen.activity
        main = Window("app", package, tuple(screen.nodes), box(0, STATUS_BOTTOM, SCREEN_W, NAV_TOP))

    windows: list[Window] = []
    if nav.dialog is not None:
        # Modal: the dialog takes every tap above the navigation bar.
        windows.append(
            Window(
                "dialog", system.dialog_package(state), tuple(system.dialog_nodes(state)), box(0, 0, SCREEN_W, NAV_TOP)
            )
        )
        main = dataclasses.replace(main, nodes=tuple(_disabled(n) for n in main.nodes))
    overlay = None
    if nav.shade_open:
        overlay = Window(
            "shade", SYSTEMUI_PACKAGE, tuple(system.shade_nodes(state)), box(0, STATUS_BOTTOM, SCREEN_W, NAV_TOP)
        )
    elif nav.recents_open:
        overlay = Window(
            "recents", LAUNCHER_PACKAGE, tuple(system.recents_nodes(state)), box(0, STATUS_BOTTOM, SCREEN_W, NAV_TOP)
        )
    if overlay is not None:
        windows.append(overlay)
    windows.append(
        Window(
            "status_bar", SYSTEMUI_PACKAGE, tuple(system.status_bar_nodes(state)), box(0, 0, SCREEN_W, STATUS_BOTTOM)
        )
    )
    if overlay is None:
        if keyboard:
            # The IME is its own window: it has no nodes in a dump but takes the taps.
            windows.append(
                Window("keyboard", "com.google.android.inputmethod.latin", (), box(0, KEYBOARD_TOP, SCREEN_W, NAV_TOP))
            )
        windows.append(main)
    windows.append(
        Window("nav_bar", SYSTEMUI_PACKAGE, tuple(system.nav_bar_nodes(state)), box(0, NAV_TOP, SCREEN_W, SCREEN_H))
    )
    return Frame(
        windows=windows,
        screen=screen,
        app_label=label,
        package=package,
        activity=activity,
        secure=secure,
        keyboard_shown=keyboard,
    )
