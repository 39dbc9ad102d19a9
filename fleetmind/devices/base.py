"""The device contract: what every agent sees (`Observation`) and may do (`Action`).

One coordinate convention everywhere: device pixels, origin top-left. A model that
speaks another scale (0-1000, 0-999) is converted at its adapter, never here.

This module imports nothing of fleetmind's: protocol, agents and every device
driver build on it.
"""

from __future__ import annotations

import hashlib
import time
from abc import ABC, abstractmethod
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "Action",
    "ActionOutcome",
    "AskUser",
    "Bounds",
    "Device",
    "DeviceError",
    "DeviceInfo",
    "Done",
    "Drag",
    "HOTKEY_KEYS",
    "Fail",
    "Focus",
    "Hotkey",
    "Hover",
    "LaunchApp",
    "LongPress",
    "Observation",
    "PressKey",
    "RightClick",
    "Scroll",
    "SelectOption",
    "Swipe",
    "Tap",
    "Target",
    "TypeText",
    "UIElement",
    "Wait",
    "describe_action",
    "element_digest",
    "normalize_hotkey",
]


class DeviceError(RuntimeError):
    """A device could not do what was asked; the message says why and what to do."""


class Bounds(BaseModel):
    """A rectangle in device pixels, origin top-left; `right`/`bottom` exclusive."""

    model_config = ConfigDict(frozen=True)

    left: int
    top: int
    right: int
    bottom: int

    @property
    def center(self) -> tuple[int, int]:
        """The point a tap on this rectangle lands on."""
        return ((self.left + self.right) // 2, (self.top + self.bottom) // 2)

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top

    def contains(self, x: int, y: int) -> bool:
        """Whether the point (x, y) lies inside."""
        return self.left <= x < self.right and self.top <= y < self.bottom


class UIElement(BaseModel):
    """One node of the screen's element tree, as a model or a test sees it."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(description="Unique within one observation; what actions target.")
    cls: str = Field("", description="Class or role, e.g. android.widget.Button or button.")
    text: str = ""
    description: str = Field("", description="content-desc or aria-label.")
    resource_id: str = ""
    bounds: Bounds
    clickable: bool = False
    editable: bool = False
    checkable: bool = False
    checked: bool = False
    focused: bool = False
    scrollable: bool = False
    password: bool = False
    enabled: bool = True
    options: tuple[str, ...] = Field((), description="A drop-down's or list box's choices, in order (select_option).")
    value_range: tuple[float, float] | None = Field(None, description="A slider's (min, max); its value is `text`.")

    @property
    def label(self) -> str:
        """The best human-readable name of the element."""
        return self.text or self.description or self.resource_id.rsplit("/", 1)[-1]


def element_digest(elements: list[UIElement]) -> str:
    """A short hash of what the screen shows, for change detection."""
    h = hashlib.blake2b(digest_size=8)
    for e in elements:
        # Fields added later are left out while empty, so digests of older kinds of screens stay the same.
        skip = {"id", "focused"} | ({"options"} if not e.options else set())
        skip |= {"value_range"} if e.value_range is None else set()
        h.update(e.model_dump_json(exclude=skip).encode())
    return h.hexdigest()


class Observation(BaseModel):
    """What one look at a device returns."""

    device_id: str
    ts: float = Field(default_factory=time.time)
    screen_width: int
    screen_height: int
    screenshot: bytes | None = Field(None, description="PNG bytes; None when the screen is secure or capture failed.")
    screenshot_error: str | None = Field(None, description="Why screenshot is None.")
    elements: list[UIElement] = Field(default_factory=list)
    foreground_app: str = Field("", description="Human-readable name of the app in front.")
    foreground_package: str = ""
    keyboard_shown: bool = False
    secure: bool = Field(
        False,
        description="FLAG_SECURE, a focused password field, or an app on the sensitive list.",
    )
    digest: str = ""
    notes: list[str] = Field(default_factory=list, description="Fallbacks taken and why.")

    @model_validator(mode="after")
    def _fill_digest(self) -> Observation:
        if not self.digest:
            self.digest = element_digest(self.elements)
        return self

    def element(self, element_id: str) -> UIElement | None:
        """The element with this id, if the screen shows it."""
        return next((e for e in self.elements if e.id == element_id), None)

    def inside(self, el: UIElement) -> list[UIElement]:
        """The other elements whose centre lies in `el`'s box: a list row's lines, its switch."""
        return [e for e in self.elements if e.id != el.id and el.bounds.contains(*e.bounds.center)]


class Target(BaseModel):
    """Where an action lands: an element of the current observation, or a point."""

    model_config = ConfigDict(frozen=True)

    element: str | None = Field(None, description="Element id from the current observation.")
    x: int | None = Field(None, description="Device pixels from the left edge.")
    y: int | None = Field(None, description="Device pixels from the top edge.")

    @model_validator(mode="after")
    def _one_kind(self) -> Target:
        has_point = self.x is not None and self.y is not None
        if (self.element is None) == (not has_point):
            raise ValueError("a target is either an element id or both x and y")
        return self


class _ActionBase(BaseModel):
    model_config = ConfigDict(frozen=True)
    why: str = Field("", description="The agent's reason, shown to the user.")


class Tap(_ActionBase):
    kind: Literal["tap"] = "tap"
    target: Target


class LongPress(_ActionBase):
    kind: Literal["long_press"] = "long_press"
    target: Target
    duration_ms: int = 800


class Swipe(_ActionBase):
    kind: Literal["swipe"] = "swipe"
    start: Target
    end: Target
    duration_ms: int = 300


class Scroll(_ActionBase):
    kind: Literal["scroll"] = "scroll"
    direction: Literal["up", "down", "left", "right"]
    target: Target | None = None


class TypeText(_ActionBase):
    kind: Literal["type_text"] = "type_text"
    text: str = Field(description="Any Unicode text.")
    target: Target | None = Field(None, description="Field to focus first; None = focused one.")
    clear: bool = False
    submit: bool = False


class PressKey(_ActionBase):
    kind: Literal["press_key"] = "press_key"
    key: Literal["back", "home", "enter", "recents", "delete", "tab", "escape"]


class LaunchApp(_ActionBase):
    kind: Literal["launch_app"] = "launch_app"
    app: str = Field(description="App label or package name (browsers: a URL).")


class Wait(_ActionBase):
    kind: Literal["wait"] = "wait"
    seconds: float = Field(1.0, ge=0, le=60)


class Done(_ActionBase):
    kind: Literal["done"] = "done"
    answer: str = ""
    outputs: dict[str, str] = Field(default_factory=dict)


class AskUser(_ActionBase):
    kind: Literal["ask_user"] = "ask_user"
    question: str


class Fail(_ActionBase):
    kind: Literal["fail"] = "fail"
    reason: str


class Drag(_ActionBase):
    """Press on `start`, move to `end`, release: moves a card, reorders a list, drops a file on a zone."""

    kind: Literal["drag"] = "drag"
    start: Target = Field(description="What is picked up.")
    end: Target = Field(description="Where it is dropped.")
    duration_ms: int = Field(500, ge=0, le=10_000)


class SelectOption(_ActionBase):
    """Choose one of a drop-down's (or list box's) options by its text or value."""

    kind: Literal["select_option"] = "select_option"
    target: Target
    option: str = Field(description="The option's visible text, or its value.")


class Focus(_ActionBase):
    """Put the keyboard focus on a field or control without clicking it."""

    kind: Literal["focus"] = "focus"
    target: Target


class Hover(_ActionBase):
    """Rest the pointer over an element: opens hover menus and tooltips."""

    kind: Literal["hover"] = "hover"
    target: Target


class RightClick(_ActionBase):
    """A secondary (right) click: opens context menus."""

    kind: Literal["right_click"] = "right_click"
    target: Target


_MODIFIERS = {"ctrl": "ctrl", "control": "ctrl", "alt": "alt", "option": "alt", "shift": "shift",
              "meta": "meta", "cmd": "meta", "command": "meta", "super": "meta", "win": "meta"}  # fmt: skip
_NAMED_KEYS = {
    "enter": "enter", "return": "enter", "tab": "tab", "escape": "escape", "esc": "escape",
    "backspace": "backspace", "delete": "delete", "del": "delete", "insert": "insert", "space": "space",
    "up": "up", "down": "down", "left": "left", "right": "right", "arrowup": "up", "arrowdown": "down",
    "arrowleft": "left", "arrowright": "right", "home": "home", "end": "end", "pageup": "pageup",
    "pagedown": "pagedown", "plus": "+", **{f"f{i}": f"f{i}" for i in range(1, 13)},
}  # fmt: skip
HOTKEY_KEYS = frozenset(_NAMED_KEYS.values())
"""The named keys a `hotkey` may end with (besides any single character)."""


def normalize_hotkey(keys: str) -> str:
    """A key chord in canonical form: "Ctrl+Shift+A" -> "ctrl+shift+a", "Cmd+ArrowUp" -> "meta+up".

    Modifiers come first (ctrl, alt, shift, meta, in that order); the last part is one
    character or a named key (enter, tab, escape, backspace, delete, arrows, home,
    end, pageup, pagedown, space, f1-f12). Raises ValueError naming what is wrong.
    """
    text = keys.strip()
    if text == "+" or text.endswith("++"):  # the plus key itself
        parts = [*(p.strip() for p in text[:-2].split("+") if text != "+"), "+"]
    else:
        parts = [p.strip() for p in text.split("+")]
    if not text or any(not p for p in parts):
        raise ValueError(f"hotkey {keys!r} is empty or has an empty part; write keys like 'ctrl+a' or 'shift+tab'")
    *mods, key = parts
    canon_mods = set()
    for m in mods:
        if m.lower() not in _MODIFIERS:
            raise ValueError(f"hotkey {keys!r}: {m!r} is not a modifier (use ctrl, alt, shift or meta)")
        canon_mods.add(_MODIFIERS[m.lower()])
    if key.lower() in _MODIFIERS:
        raise ValueError(f"hotkey {keys!r} ends with a modifier; name the key it modifies, e.g. 'ctrl+a'")
    if len(key) == 1:
        canon_key = key.lower() if canon_mods - {"shift"} else key
    elif key.lower() in _NAMED_KEYS:
        canon_key = _NAMED_KEYS[key.lower()]
    else:
        raise ValueError(
            f"hotkey {keys!r}: unknown key {key!r}; use one character or one of {', '.join(sorted(HOTKEY_KEYS))}"
        )
    order = [m for m in ("ctrl", "alt", "shift", "meta") if m in canon_mods]
    return "+".join([*order, canon_key])


class Hotkey(_ActionBase):
    """A key or key chord with modifiers: "ctrl+a", "shift+tab", "down", "ctrl+enter".

    `press_key` keeps the phone's keys; this is the keyboard a desktop browser has.
    The chord is checked and normalized on creation (see `normalize_hotkey`).
    """

    kind: Literal["hotkey"] = "hotkey"
    keys: str = Field(description="Modifiers and one key joined by '+', e.g. 'ctrl+a', 'shift+tab', 'down'.")

    @field_validator("keys")
    @classmethod
    def _canonical(cls, keys: str) -> str:
        return normalize_hotkey(keys)


Action = Annotated[
    Tap
    | LongPress
    | Swipe
    | Scroll
    | TypeText
    | PressKey
    | LaunchApp
    | Wait
    | Done
    | AskUser
    | Fail
    | Drag
    | SelectOption
    | Focus
    | Hover
    | RightClick
    | Hotkey,
    Field(discriminator="kind"),
]

TERMINAL_KINDS = frozenset({"done", "fail", "ask_user"})


class ActionOutcome(BaseModel):
    """What happened when a device carried out an action."""

    ok: bool
    error: str | None = None
    detail: str = ""


def describe_action(action: Action, obs: Observation | None = None) -> str:
    """A short human sentence for an action, naming the element it targets."""

    def where(t: Target | None) -> str:
        if t is None:
            return ""
        if t.element is not None:
            el = obs.element(t.element) if obs else None
            if el is not None and not el.label and obs is not None:  # a list row: the words inside it
                inside = [e.text for e in obs.inside(el) if e.text]
                return f" the row '{' · '.join(inside[:3])[:60]}'" if inside else f" element {t.element}"
            return f" '{el.label}'" if el else f" element {t.element}"
        return f" ({t.x},{t.y})"

    match action:
        case Tap(target=t):
            return f"tap{where(t)}"
        case LongPress(target=t):
            return f"long-press{where(t)}"
        case Swipe(start=s, end=e):
            return f"swipe{where(s)} ->{where(e)}"
        case Scroll(direction=d, target=t):
            return f"scroll {d}{where(t)}"
        case TypeText(text=text, target=t):
            return f"type {text!r}{' into' + where(t) if t else ''}"
        case PressKey(key=k):
            return f"press {k}"
        case LaunchApp(app=a):
            return f"open {a}"
        case Wait(seconds=s):
            return f"wait {s:g}s"
        case Done(answer=a):
            return f"done{': ' + a if a else ''}"
        case AskUser(question=q):
            return f"ask user: {q}"
        case Fail(reason=r):
            return f"give up: {r}"
        case Drag(start=s, end=e):
            return f"drag{where(s)} onto{where(e)}"
        case SelectOption(target=t, option=o):
            return f"choose {o!r} in{where(t)}"
        case Focus(target=t):
            return f"focus{where(t)}"
        case Hover(target=t):
            return f"hover over{where(t)}"
        case RightClick(target=t):
            return f"right-click{where(t)}"
        case Hotkey(keys=k):
            return f"press {k}"
    return action.kind  # pragma: no cover


class DeviceInfo(BaseModel):
    """A device's profile, as announced to the orchestrator."""

    id: str
    kind: Literal["phone", "browser", "desktop"]
    platform: str = Field(description="android, chromium, linux ...")
    screen_width: int
    screen_height: int
    capabilities: list[str] = Field(default_factory=list)
    apps: list[str] = Field(default_factory=list)


class Device(ABC):
    """An async driver for one device. Implementations: VirtualPhone, AndroidDevice, BrowserDevice."""

    @property
    @abstractmethod
    def info(self) -> DeviceInfo:
        """The device's profile."""

    @abstractmethod
    async def observe(self) -> Observation:
        """Look at the screen now."""

    @abstractmethod
    async def act(self, action: Action) -> ActionOutcome:
        """Carry out one action; terminal actions (done, fail, ask_user) are not for devices."""

    async def today(self) -> date:
        """The device's own calendar day: what "tomorrow" or "June 5th" in a request is counted from.
        By default the host's; devices with a clock of their own (a phone) read it."""
        return date.today()

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release the device."""
