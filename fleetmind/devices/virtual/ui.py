"""The small UI toolkit the virtual apps are built from: nodes, screens, apps, layout.

A screen is a pure function of `PhoneState`: an app's builder takes a `View`
(state + the back-stack entry + the free content area) and returns a `Screen`
(a tree of `Node`s plus what typing, enter and scrolling do there). Nodes carry
their tap behaviour as a `Command`, a function that changes the state and says
what happened, so the element a model sees and what a tap does cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from fleetmind.devices.base import Bounds

from .state import LAUNCHER_PACKAGE, PhoneState, ScreenRef

__all__ = [
    "LAUNCHER_PACKAGE",
    "App",
    "Command",
    "Node",
    "Screen",
    "ScrollArea",
    "View",
    "box",
]

# Geometry of a 1080x2400 phone, in device pixels.
SCREEN_W = 1080
SCREEN_H = 2400
STATUS_BOTTOM = 100  # status bar: 0..100; a swipe starting here pulls the shade
APP_BAR_BOTTOM = 260  # app bar (title, up button, actions): 100..260
NAV_TOP = 2280  # three-button navigation bar: 2280..2400
KEYBOARD_TOP = 1440  # the IME covers 1440..2280; apps resize above it (adjustResize)
ROW_H = 160
PAD = 48

SYSTEMUI_PACKAGE = "com.android.systemui"

Command = Callable[[PhoneState], str]
"""What a tap (or enter) does: mutate the state, return a short account of it."""


def box(left: int, top: int, right: int, bottom: int) -> Bounds:
    """A `Bounds` from four numbers, for terse layout code."""
    return Bounds(left=left, top=top, right=right, bottom=bottom)


@dataclass(frozen=True)
class Node:
    """One view of a screen; becomes a `UIElement` and a uiautomator `<node>`."""

    cls: str
    bounds: Bounds
    text: str = ""
    description: str = ""
    resource_id: str = ""
    package: str = ""  # empty: the window's package
    clickable: bool = False
    long_clickable: bool = False
    editable: bool = False
    checkable: bool = False
    checked: bool = False
    focused: bool = False
    scrollable: bool = False
    password: bool = False
    selected: bool = False
    enabled: bool = True
    on_tap: Command | None = None
    field: str | None = None  # for EditTexts: the key their text is stored under
    seek: tuple[str, int] | None = None  # for SeekBars: (settings attribute, maximum)
    children: tuple[Node, ...] = ()

    @property
    def label(self) -> str:
        """The best human-readable name, as `UIElement.label` gives it."""
        return self.text or self.description or self.resource_id.rsplit("/", 1)[-1]

    @property
    def focusable(self) -> bool:
        """Whether the view can take input focus (EditTexts and anything clickable)."""
        return self.editable or self.clickable


@dataclass(frozen=True)
class ScrollArea:
    """The scrolling list of a screen: where it is and which window of items it shows."""

    bounds: Bounds
    total: int
    visible: int
    offset: int

    @property
    def max_offset(self) -> int:
        """The largest first-visible index; 0 when everything fits."""
        return max(0, self.total - self.visible)


@dataclass
class Screen:
    """What an app builder returns for one back-stack entry."""

    title: str
    nodes: list[Node]
    activity: str
    secure: bool = False  # FLAG_SECURE: screenshots are withheld
    fields: tuple[str, ...] = ()  # editable field keys, in focus (tab) order
    submit: Command | None = None  # what enter on the last field does
    scroll: ScrollArea | None = None


@dataclass(frozen=True)
class View:
    """What a screen builder may look at: the state, its stack entry, its free area."""

    state: PhoneState
    ref: ScreenRef
    package: str
    top: int = APP_BAR_BOTTOM
    bottom: int = NAV_TOP

    def value(self, key: str) -> str:
        """The text typed so far into field `key`."""
        return self.ref.fields.get(key, "")

    def rid(self, name: str) -> str:
        """A resource id in this app's namespace, e.g. com.android.contacts:id/name."""
        return f"{self.package}:id/{name}"


ScreenBuilder = Callable[[View], Screen]


@dataclass(frozen=True)
class App:
    """One installed app: its identity, its screens and how it starts."""

    label: str
    package: str
    activity: str  # the launcher activity, e.g. ".Settings"
    main: str  # the screen a launch opens
    screens: Mapping[str, ScreenBuilder] = field(default_factory=dict)
    permission_prompt: str = ""  # asked on first launch when non-empty, e.g. "send SMS"
    secure: bool = False  # every screen FLAG_SECURE (banking apps do this)
    on_launch: Callable[[PhoneState], None] | None = None

    def main_ref(self) -> ScreenRef:
        """The back-stack entry a fresh launch starts at."""
        return ScreenRef(app=self.package, name=self.main)
