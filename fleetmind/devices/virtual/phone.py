"""`VirtualPhone`: the simulated Android phone as a `Device`, plus ADB-shaped entry points.

Two doors into the same behaviour (`events.py`): the `Device` API an agent uses
(`observe()`, `act(action)`) and low-level calls an ADB server maps its shell
commands onto (`tap`, `swipe`, `input_text`, `keyevent`, `launch`, `ui_xml`,
`screencap_png`, ...). Everything runs synchronously in-process; the async
methods only wrap it, so nothing here sleeps or needs a loop.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any, Literal

from fleetmind.devices.base import (
    Action,
    ActionOutcome,
    AskUser,
    Device,
    DeviceError,
    DeviceInfo,
    Done,
    Fail,
    LaunchApp,
    LongPress,
    Observation,
    PressKey,
    Scroll,
    Swipe,
    Tap,
    Target,
    TypeText,
    UIElement,
    Wait,
)

from . import events, system
from .apps import APPS
from .dialogs import maybe_popup
from .frame import Frame, compose
from .render import black_png, render_png, ui_xml
from .state import PhoneState
from .ui import SCREEN_H, SCREEN_W

__all__ = ["KEYCODES", "VirtualPhone"]

log = logging.getLogger(__name__)

KEYCODES: dict[str, int] = {
    "back": events.KEYCODE_BACK,
    "home": events.KEYCODE_HOME,
    "enter": events.KEYCODE_ENTER,
    "delete": events.KEYCODE_DEL,
    "recents": events.KEYCODE_APP_SWITCH,
    "tab": events.KEYCODE_TAB,
    "escape": events.KEYCODE_ESCAPE,
}
"""`PressKey.key` -> Android KEYCODE number."""

SECONDS_PER_INPUT = 1.0  # the virtual clock moves on by this much per action


def _same_element(seen: UIElement, now: UIElement) -> bool:
    # Typing changes an EditText's text and focus moves around; neither makes its id stale.
    if (seen.cls, seen.bounds, seen.resource_id, seen.description) != (
        now.cls,
        now.bounds,
        now.resource_id,
        now.description,
    ):
        return False
    return seen.editable or seen.text == now.text


class VirtualPhone(Device):
    """A deterministic simulated Android phone with real state.

    device_id: the id announced in `info` and every observation.
    seed: seeds the only randomness, the interrupting pop-ups.
    popups: probability (0..1) of a "Rate this app" / "Battery saver" dialog after
        each action; 0 (the default) turns them off.
    state: the `PhoneState` to run on (used as-is, not copied); a fresh one if None.
    hierarchy: False draws the screen as usual but reports no elements (observations and
        `uiautomator dump` alike), as a game or a canvas app does: only the screenshot
        shows what is there, and actions must target points.
    """

    def __init__(
        self,
        device_id: str = "phone-1",
        seed: int = 0,
        popups: float = 0.0,
        state: PhoneState | None = None,
        hierarchy: bool = True,
    ) -> None:
        if not 0.0 <= popups <= 1.0:
            raise ValueError(f"popups={popups!r} is a probability; pass a number from 0 to 1")
        self.device_id = device_id
        self.popups = popups
        self.state = state if state is not None else PhoneState()
        self._rng = random.Random(seed)
        self._observed: dict[str, UIElement] = {}
        self._png: tuple[str, bytes] | None = None
        self._depth = 0
        self.hierarchy = hierarchy

    # ----------------------------------------------------------------- Device API

    @property
    def info(self) -> DeviceInfo:
        """Profile: a 1080x2400 Android phone with the virtual apps installed."""
        return DeviceInfo(
            id=self.device_id,
            kind="phone",
            platform="android",
            screen_width=SCREEN_W,
            screen_height=SCREEN_H,
            capabilities=["android", "touch", "sms", "contacts", "virtual"],
            apps=[a.label for a in APPS],
        )

    async def observe(self) -> Observation:
        """Look at the screen now (see `snapshot`)."""
        return self.snapshot()

    async def today(self) -> date:
        """The virtual clock's day, as the status bar and Calendar count it."""
        return self.state.today

    async def act(self, action: Action) -> ActionOutcome:
        """Carry out one action (see `perform`)."""
        return self.perform(action)

    def seed(self, **data: Any) -> VirtualPhone:
        """Add app data and settings; same keyword arguments as `PhoneState.seed`. Returns self."""
        self.state.seed(**data)
        return self

    def snapshot(self, screenshot: bool = True) -> Observation:
        """The current observation; its element ids are what the next actions may target.

        screenshot=False skips drawing the PNG (screenshot_error says so), for callers
        that only read elements.
        """
        frame = compose(self.state)
        elements = [e for e, _ in frame.elements()]
        self._observed = {e.id: e for e in elements} if self.hierarchy else {}
        notes = self._notes(frame)
        png: bytes | None = None
        error: str | None = None
        if frame.secure:
            error = f"{frame.app_label} shows a secure screen (FLAG_SECURE); screenshots are blocked"
            notes.append(error)
        elif screenshot:
            png = self._screenshot(frame, elements)
        else:
            error = "screenshot not requested"
        password_focused = any(e.password and e.focused for e in elements)
        return Observation(
            device_id=self.device_id,
            screen_width=SCREEN_W,
            screen_height=SCREEN_H,
            screenshot=png,
            screenshot_error=error,
            elements=elements if self.hierarchy else [],
            foreground_app=frame.app_label,
            foreground_package=frame.package,
            keyboard_shown=frame.keyboard_shown,
            secure=frame.secure or password_focused,
            notes=notes,
        )

    def perform(self, action: Action) -> ActionOutcome:
        """Carry out one action synchronously; errors come back as ok=False, never raised."""
        if isinstance(action, Done | Fail | AskUser):
            return ActionOutcome(ok=False, error="terminal actions are not for devices")
        try:
            with self._input():
                detail = self._dispatch(action)
        except DeviceError as exc:
            log.info("device %s: %s failed: %s", self.device_id, action.kind, exc)
            return ActionOutcome(ok=False, error=str(exc))
        return ActionOutcome(ok=True, detail=detail)

    def _dispatch(self, action: Action) -> str:
        match action:
            case Tap(target=t):
                return self.tap(*self._point(t))
            case LongPress(target=t, duration_ms=ms):
                return self.long_press(*self._point(t), ms)
            case Swipe(start=s, end=e, duration_ms=ms):
                return self.swipe(*self._point(s), *self._point(e), ms)
            case Scroll(direction=d, target=t):
                return self.scroll(d, *(self._point(t) if t is not None else ()))
            case TypeText(text=text, target=t, clear=clear, submit=submit):
                return self._type(text, t, clear, submit)
            case PressKey(key=key):
                return self.keyevent(KEYCODES[key])
            case LaunchApp(app=app):
                return self.launch(app)
            case Wait(seconds=seconds):
                self.state.now += seconds
                return f"waited {seconds:g}s"
        raise DeviceError(f"action kind {action.kind!r} is not supported by a virtual phone")

    def _type(self, text: str, target: Target | None, clear: bool, submit: bool) -> str:
        steps = []
        if target is not None:
            x, y = self._point(target)
            if target.element is not None and not self._observed[target.element].editable:
                label = self._observed[target.element].label
                raise DeviceError(f"element {target.element} ({label!r}) is not a text field")
            steps.append(self.tap(x, y))
        if clear:
            steps.append(self.clear_text())
        steps.append(self.input_text(text))
        if submit:
            steps.append(self.keyevent(events.KEYCODE_ENTER))
        return "; ".join(steps)

    def _point(self, target: Target) -> tuple[int, int]:
        if target.element is None:
            assert target.x is not None and target.y is not None  # Target's validator guarantees it
            return target.x, target.y
        if not self._observed:
            raise DeviceError("no observation yet: call observe() and target element ids from it")
        seen = self._observed.get(target.element)
        if seen is None:
            raise DeviceError(
                f"no element {target.element!r} in the last observation (ids e0..e{len(self._observed) - 1}); "
                "use an id from the latest observe()"
            )
        current = {e.id: e for e, _ in compose(self.state).elements()}
        now = current.get(target.element)
        if now is None or not _same_element(seen, now):
            raise DeviceError(
                f"element {target.element} ({seen.label!r}) is stale: the screen changed since the "
                "observation it came from; observe() again and use the new ids"
            )
        return seen.bounds.center

    # ----------------------------------------------------------- low-level input

    @contextmanager
    def _input(self) -> Iterator[None]:
        # One user action may call several low-level methods (type_text = tap + text +
        # enter); the clock tick and the pop-up draw happen once, when the outermost ends.
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
        if self._depth == 0:
            self.state.now += SECONDS_PER_INPUT
            title = maybe_popup(self.state, self._rng, self.popups)
            if title:
                log.info("device %s: pop-up %r", self.device_id, title)

    def tap(self, x: int, y: int) -> str:
        """`input tap x y`: a tap in device pixels; returns what happened."""
        with self._input():
            return events.tap(self.state, x, y)

    def long_press(self, x: int, y: int, duration_ms: int = 800) -> str:
        """A long press at (x, y) (adb: `input swipe x y x y 800`)."""
        with self._input():
            return events.long_press(self.state, x, y)

    def swipe(self, x1: int, y1: int, x2: int, y2: int, duration_ms: int = 300) -> str:
        """`input swipe x1 y1 x2 y2 ms`: from the status bar down opens the shade; else scrolls."""
        with self._input():
            return events.swipe(self.state, x1, y1, x2, y2, duration_ms)

    def scroll(
        self, direction: Literal["up", "down", "left", "right"], x: int | None = None, y: int | None = None
    ) -> str:
        """Scroll the list about a page ("down" reveals later items), as a swipe would."""
        at = (x, y) if x is not None and y is not None else None
        with self._input():
            return events.scroll(self.state, direction, at)

    def input_text(self, text: str) -> str:
        """`input text`: append any Unicode text to the focused field; DeviceError if none."""
        with self._input():
            return events.input_text(self.state, text)

    def clear_text(self) -> str:
        """Empty the focused field (what select-all + delete does); DeviceError if none."""
        with self._input():
            return events.clear_text(self.state)

    def keyevent(self, code: int) -> str:
        """`input keyevent CODE`: BACK=4, HOME=3, ENTER=66, DEL=67, TAB=61, APP_SWITCH=187."""
        with self._input():
            return events.keyevent(self.state, code)

    def launch(self, package_or_label: str) -> str:
        """`monkey -p PKG` / `am start`: open an app at its main screen (label or package)."""
        with self._input():
            return system.launch(self.state, package_or_label)

    # ------------------------------------------------------------ introspection

    def current_package(self) -> str:
        """The foreground package (com.android.launcher3 on the home screen)."""
        return compose(self.state).package

    def current_activity(self) -> str:
        """The foreground activity as `dumpsys window` names it, e.g. com.android.settings/.Settings."""
        frame = compose(self.state)
        return f"{frame.package}/{frame.activity}"

    def ui_xml(self) -> str:
        """`uiautomator dump`: the hierarchy XML; the n-th <node> is element e<n>."""
        frame = compose(self.state)
        return ui_xml(frame) if self.hierarchy else ui_xml(dataclasses.replace(frame, windows=[]))

    def screencap_png(self) -> bytes:
        """`screencap -p`: PNG bytes; all black on a secure screen, as a real phone gives."""
        frame = compose(self.state)
        if frame.secure:
            return black_png()
        return self._screenshot(frame, [e for e, _ in frame.elements()])

    def _screenshot(self, frame: Frame, elements: list[UIElement]) -> bytes:
        # Redrawing costs ~50 ms; an unchanged screen (same elements, focus, theme) reuses it.
        h = hashlib.blake2b(digest_size=16)
        h.update(f"{self.state.settings.dark_theme}|{frame.keyboard_shown}".encode())
        for e in elements:
            h.update(e.model_dump_json().encode())
        key = h.hexdigest()
        if self._png is None or self._png[0] != key:
            self._png = (key, render_png(frame, self.state.settings.dark_theme))
        return self._png[1]

    def _notes(self, frame: Frame) -> list[str]:
        notes: list[str] = []
        nav = self.state.nav
        if nav.dialog is not None:
            notes.append(f"dialog in front: {nav.dialog.title!r}; the screen behind is disabled")
        if nav.shade_open:
            notes.append("notification shade is open; back closes it")
        area = frame.screen.scroll if frame.screen is not None else None
        if area is not None and area.total > area.visible and not nav.shade_open:
            last = min(area.offset + area.visible, area.total)
            notes.append(f"list shows items {area.offset + 1}-{last} of {area.total}; scroll for more")
        return notes

    def __repr__(self) -> str:
        return f"VirtualPhone({self.device_id!r}, app={self.current_package()!r})"
