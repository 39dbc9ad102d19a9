"""System UI: home screen, status bar, navigation bar, notification shade, recents, dialogs.

Each builder returns the nodes of one window; `frame.compose` stacks the windows.
The system commands (back, home, recents, launching an app) live here too, since
the navigation bar's buttons and the key events share them.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fleetmind.devices.base import DeviceError

from .apps import APPS, app_for_package, find_app
from .apps.settings import set_toggle
from .dialogs import ask_permission, has_permission, press
from .state import PhoneState
from .ui import (
    NAV_TOP,
    PAD,
    SCREEN_H,
    SCREEN_W,
    STATUS_BOTTOM,
    SYSTEMUI_PACKAGE,
    Command,
    Node,
    box,
)
from .widgets import button, text_view

__all__ = [
    "back",
    "dialog_nodes",
    "go_home",
    "home_nodes",
    "launch",
    "nav_bar_nodes",
    "recents_nodes",
    "shade_nodes",
    "status_bar_nodes",
    "toggle_recents",
]

PERMISSION_PACKAGE = "com.google.android.permissioncontroller"
ICON_W, ICON_H, ICONS_TOP = 270, 300, 560


def clock_text(state: PhoneState) -> str:
    """The virtual time as the status bar shows it, e.g. 09:41."""
    return datetime.fromtimestamp(state.now, UTC).strftime("%H:%M")


def launch(state: PhoneState, name: str) -> str:
    """Open an installed app at its main screen, by label or package (case-insensitive)."""
    app = find_app(name)
    if app is None:
        installed = ", ".join(f"{a.label} ({a.package})" for a in APPS)
        raise DeviceError(f"no app named {name!r}; installed apps: {installed}")
    if app.on_launch is not None:
        app.on_launch(state)
    state.nav.start(app.main_ref())
    if app.permission_prompt and not has_permission(state, app.package):
        ask_permission(state, app.package, app.label, app.permission_prompt)
    return f"opened {app.label}"


def back(state: PhoneState) -> str:
    """The back key: closes the topmost thing (dialog, shade, recents, keyboard, screen)."""
    nav = state.nav
    if nav.dialog is not None:
        # Back on a permission prompt denies it, as on Android.
        return press(state, "Deny" if nav.dialog.kind == "permission" else "Dismiss")
    if nav.shade_open:
        nav.shade_open = False
        return "closed the notification shade"
    if nav.recents_open:
        nav.recents_open = False
        return "closed recent apps"
    if nav.keyboard_shown:
        nav.keyboard_shown = False
        return "hid the keyboard"
    if not nav.pop():
        return "already on the home screen"
    top = nav.top
    if top is None:
        return "back to the home screen"
    app = app_for_package(top.app)
    return f"back to {app.label if app else top.app} ({top.name})"


def go_home(state: PhoneState) -> str:
    """The home key: every app and overlay gives way to the home screen."""
    state.nav.go_home()
    return "went to the home screen"


def toggle_recents(state: PhoneState) -> str:
    """The overview key: show or hide the recent-apps list."""
    nav = state.nav
    nav.recents_open = not nav.recents_open
    nav.shade_open = False
    nav.keyboard_shown = False
    return "opened recent apps" if nav.recents_open else "closed recent apps"


def _launcher(name: str) -> Command:
    return lambda state: launch(state, name)


def home_nodes(state: PhoneState) -> list[Node]:
    """The launcher: a clock widget and one icon per installed app, four per row."""
    when = datetime.fromtimestamp(state.now, UTC)
    nodes = [
        text_view(when.strftime("%H:%M"), box(PAD, 180, SCREEN_W - PAD, 340), rid="com.android.launcher3:id/clock"),
        text_view(f"{when:%a, %b} {when.day}", box(PAD, 340, SCREEN_W - PAD, 420), rid="com.android.launcher3:id/date"),
    ]
    for i, app in enumerate(APPS):
        left, top = (i % 4) * ICON_W, ICONS_TOP + (i // 4) * (ICON_H + 40)
        nodes.append(
            Node(
                "android.widget.TextView",
                box(left, top, left + ICON_W, top + ICON_H),
                text=app.label,
                description=app.label,
                clickable=True,
                long_clickable=True,
                on_tap=_launcher(app.package),
            )
        )
    return nodes


def status_bar_nodes(state: PhoneState) -> list[Node]:
    """Clock on the left; airplane, Wi-Fi, Bluetooth and battery icons on the right."""
    s = state.settings
    icons: list[tuple[str, str]] = []
    if s.airplane_mode:
        icons.append(("airplane", "Airplane mode on"))
    icons.append(("wifi_signal", "Wi-Fi signal full" if s.wifi else "Wi-Fi off"))
    if s.bluetooth:
        icons.append(("bluetooth", "Bluetooth on"))
    icons.append(("battery", f"Battery {state.battery} percent"))
    children = [text_view(clock_text(state), box(PAD, 20, 260, 80), rid=f"{SYSTEMUI_PACKAGE}:id/clock")]
    # Icons are right-aligned, 76 px apart, listed in reading order.
    first_left = SCREEN_W - PAD - 60 - 76 * (len(icons) - 1)
    for i, (name, description) in enumerate(icons):
        left = first_left + 76 * i
        children.append(
            Node(
                "android.widget.ImageView",
                box(left, 20, left + 60, 80),
                description=description,
                resource_id=f"{SYSTEMUI_PACKAGE}:id/{name}",
            )
        )
    return [
        Node(
            "android.widget.FrameLayout",
            box(0, 0, SCREEN_W, STATUS_BOTTOM),
            resource_id=f"{SYSTEMUI_PACKAGE}:id/status_bar",
            children=tuple(children),
        )
    ]


def nav_bar_nodes(state: PhoneState) -> list[Node]:
    """Back, Home and Overview buttons."""
    third = SCREEN_W // 3
    keys: tuple[tuple[str, str, Command], ...] = (
        ("back", "Back", back),
        ("home", "Home", go_home),
        ("recent_apps", "Overview", toggle_recents),
    )
    children = tuple(
        button(
            "",
            box(i * third, NAV_TOP, (i + 1) * third, SCREEN_H),
            command,
            description=description,
            rid=f"{SYSTEMUI_PACKAGE}:id/{name}",
            cls="android.widget.ImageButton",
        )
        for i, (name, description, command) in enumerate(keys)
    )
    return [
        Node(
            "android.widget.FrameLayout",
            box(0, NAV_TOP, SCREEN_W, SCREEN_H),
            resource_id=f"{SYSTEMUI_PACKAGE}:id/navigation_bar",
            children=children,
        )
    ]


def _quick_toggle(attr: str) -> Command:
    def run(state: PhoneState) -> str:
        return set_toggle(state, attr, not getattr(state.settings, attr))

    return run


def _open_notification(index: int) -> Command:
    def run(state: PhoneState) -> str:
        note = state.notifications.pop(index)
        return launch(state, note.package)

    return run


def _clear_notifications(state: PhoneState) -> str:
    state.notifications.clear()
    return "cleared all notifications"


def shade_nodes(state: PhoneState) -> list[Node]:
    """Quick-settings tiles (Wi-Fi, Bluetooth, Airplane mode) and the notifications."""
    rid = f"{SYSTEMUI_PACKAGE}:id/"
    tiles = (("Wi-Fi", "wifi"), ("Bluetooth", "bluetooth"), ("Airplane mode", "airplane_mode"))
    children: list[Node] = []
    tile_w = (SCREEN_W - 2 * PAD) // 3
    for i, (label, attr) in enumerate(tiles):
        left = PAD + i * tile_w
        children.append(
            Node(
                "android.widget.Switch",
                box(left + 8, 140, left + tile_w - 8, 320),
                text=label,
                description=label,
                resource_id=rid + "tile",
                clickable=True,
                checkable=True,
                checked=bool(getattr(state.settings, attr)),
                on_tap=_quick_toggle(attr),
            )
        )
    children.append(text_view("Notifications", box(PAD, 360, 700, 440), rid=rid + "header"))
    top = 460
    shown = list(enumerate(state.notifications))[::-1][: (NAV_TOP - 200 - top) // 200]
    for index, n in shown:
        app = app_for_package(n.package)
        app_label = app.label if app else n.package
        children.append(
            Node(
                "android.widget.FrameLayout",
                box(PAD, top, SCREEN_W - PAD, top + 180),
                description=f"{app_label} notification: {n.title}: {n.text}",
                resource_id=rid + "notification",
                clickable=True,
                on_tap=_open_notification(index),
                children=(
                    text_view(n.title, box(PAD + 32, top + 16, SCREEN_W - PAD - 32, top + 84), rid="android:id/title"),
                    text_view(n.text, box(PAD + 32, top + 92, SCREEN_W - PAD - 32, top + 164), rid="android:id/text"),
                ),
            )
        )
        top += 200
    if state.notifications:
        children.append(
            button(
                "Clear all",
                box(SCREEN_W - 400, top + 20, SCREEN_W - PAD, top + 140),
                _clear_notifications,
                rid=rid + "clear_all",
            )
        )
    else:
        children.append(text_view("No notifications", box(PAD, top, SCREEN_W - PAD, top + 100)))
    return [
        Node(
            "android.widget.FrameLayout",
            box(0, STATUS_BOTTOM, SCREEN_W, NAV_TOP),
            resource_id=rid + "notification_panel",
            children=tuple(children),
        )
    ]


def _clear_recents(state: PhoneState) -> str:
    state.nav.recent_apps.clear()
    state.nav.recents_open = False
    return "cleared recent apps"


def recents_nodes(state: PhoneState) -> list[Node]:
    """One card per recently used app, newest first, and "Clear all"."""
    rid = "com.android.launcher3:id/"
    children: list[Node] = []
    top = STATUS_BOTTOM + 60
    for package in state.nav.recent_apps[:8]:
        app = app_for_package(package)
        if app is None:
            continue
        children.append(
            button(
                app.label,
                box(PAD, top, SCREEN_W - PAD, top + 200),
                _launcher(package),
                description=f"{app.label} (recent app)",
                rid=rid + "snapshot",
            )
        )
        top += 240
    if children:
        children.append(
            button(
                "Clear all", box(SCREEN_W - 400, top, SCREEN_W - PAD, top + 140), _clear_recents, rid=rid + "clear_all"
            )
        )
    else:
        children.append(text_view("No recent items", box(PAD, top, SCREEN_W - PAD, top + 100)))
    return [
        Node(
            "android.widget.FrameLayout",
            box(0, STATUS_BOTTOM, SCREEN_W, NAV_TOP),
            resource_id=rid + "overview_panel",
            children=tuple(children),
        )
    ]


def _press(label: str) -> Command:
    return lambda state: press(state, label)


def dialog_package(state: PhoneState) -> str:
    """The package that owns the open dialog's window."""
    dialog = state.nav.dialog
    if dialog is None:
        return ""
    return PERMISSION_PACKAGE if dialog.kind == "permission" else dialog.package or SYSTEMUI_PACKAGE


def dialog_nodes(state: PhoneState) -> list[Node]:
    """The open dialog as a centred card: title, message, buttons right-aligned."""
    dialog = state.nav.dialog
    if dialog is None:
        return []
    left, right, top = 60, SCREEN_W - 60, 860
    children = [text_view(dialog.title, box(left + 48, top + 48, right - 48, top + 160), rid="android:id/alertTitle")]
    y = top + 180
    if dialog.message:
        children.append(text_view(dialog.message, box(left + 48, y, right - 48, y + 160), rid="android:id/message"))
        y += 180
    permission = dialog.kind == "permission"
    n = len(dialog.buttons)
    for j, label in enumerate(dialog.buttons):
        # Buttons sit right-aligned in list order; the first is the positive one (button1).
        bx = right - 32 - (n - 1 - j) * 300
        name = (
            f"{PERMISSION_PACKAGE}:id/permission_{label.lower()}_button" if permission else f"android:id/button{j + 1}"
        )
        children.append(button(label, box(bx - 280, y, bx, y + 140), _press(label), rid=name))
    return [
        Node(
            "android.widget.FrameLayout",
            box(left, top, right, y + 180),
            resource_id="android:id/parentPanel",
            children=tuple(children),
        )
    ]
