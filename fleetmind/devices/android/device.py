"""`AndroidDevice`: a real (or virtual) Android phone driven over adb with adbutils.

    device = await AndroidDevice("emulator-5554", adb_port=5037).connect()
    obs = await device.observe()
    await device.act(Tap(target=Target(element="e12")))

Everything adbutils does blocks, so each call runs in `asyncio.to_thread`, and
every socket has a timeout: no call can hang an agent.

Looking: `dumpsys window windows` (focused app and its FLAG_SECURE), `dumpsys
input_method` (keyboard), `wm size` + `dumpsys display` (screen, rotation) and
`uiautomator dump` (elements) run side by side; the screenshot (`screencap -p`)
is taken only when nothing says the screen is secure, and an all-black capture
is treated as secure too. A dump that hangs is abandoned after
`hierarchy_timeout_s` and retried once; then the observation has no elements and
says why in `notes`.

Typing (any language, through a chain of methods) lives in `keyboard.py`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from ..base import (
    Action,
    ActionOutcome,
    AskUser,
    Bounds,
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
from .apps import APP_LABELS, DEFAULT_SENSITIVE_APPS, HOME_PACKAGES, app_label, find_package, is_sensitive
from .dumpsys import parse_focus, parse_keyboard_shown, parse_packages
from .gestures import scroll_swipe
from .keyboard import KEYCODE_ENTER, Keyboard
from .launcher import SHELL_ERROR, is_url, open_url, start_package
from .link import AdbLink, DumpTimeout
from .screen import capture_screen, dump_hierarchy, read_hierarchy
from .uidump import HierarchyError, parse_hierarchy

__all__ = ["KEYCODES", "AndroidDevice"]

log = logging.getLogger(__name__)

KEYCODES: dict[str, int] = {
    "back": 4,
    "home": 3,
    "enter": KEYCODE_ENTER,
    "recents": 187,
    "delete": 67,
    "tab": 61,
    "escape": 111,
}
"""`PressKey.key` -> Android KEYCODE."""


def _same_element(seen: UIElement, now: UIElement) -> bool:
    if (seen.cls, seen.bounds, seen.resource_id, seen.description) != (
        now.cls,
        now.bounds,
        now.resource_id,
        now.description,
    ):
        return False
    return seen.editable or seen.text == now.text


class AndroidDevice(Device):
    """An Android phone over adb (USB, Wi-Fi, an emulator, or `AdbServer`'s virtual phones).

    serial: the device's adb serial; None picks the only one connected.
    adb_host/adb_port: the ADB server (`adb start-server` listens on 127.0.0.1:5037).
    use_uiautomator2: True requires it, False never uses it, None (default) tries it
        and falls back to plain adb when it cannot start (virtual phones decline it).
    hierarchy_timeout_s: how long one `uiautomator dump` may take before it is abandoned.
    command_timeout_s: the limit on any other adb call.
    sensitive_apps: fnmatch patterns of packages never captured (their screens are secure).
    app_labels: package -> label, added to (and overriding) the built-in table.
    verify_element_ids: before acting on an element id after another action, dump the
        screen again and refuse the id if that element changed (it is stale).
    device_id: the id in `info` and observations; defaults to the serial.
    """

    def __init__(
        self,
        serial: str | None = None,
        *,
        adb_host: str = "127.0.0.1",
        adb_port: int = 5037,
        use_uiautomator2: bool | None = None,
        hierarchy_timeout_s: float = 10.0,
        command_timeout_s: float = 30.0,
        sensitive_apps: Iterable[str] = DEFAULT_SENSITIVE_APPS,
        app_labels: Mapping[str, str] | None = None,
        verify_element_ids: bool = True,
        device_id: str | None = None,
    ) -> None:
        self.use_uiautomator2 = use_uiautomator2
        self.hierarchy_timeout_s = hierarchy_timeout_s
        self.command_timeout_s = command_timeout_s
        self.sensitive_apps = tuple(sensitive_apps)
        self.labels = {**APP_LABELS, **(app_labels or {})}
        self.verify_element_ids = verify_element_ids
        self._device_id = device_id
        self._link = AdbLink(adb_host, adb_port, serial, command_timeout_s)
        self._u2: Any = None
        self._screen = (0, 0)
        self._packages: list[str] = []
        self._third_party: list[str] = []
        self._last: Observation | None = None
        self._acted = False  # an action ran since the last observation
        self._keys = Keyboard(self._run, self._shell, serial or "android")
        self._lock = asyncio.Lock()

    # ------------------------------------------------------------------ connecting

    @property
    def serial(self) -> str | None:
        """The device's adb serial (found at connect() when none was given)."""
        return self._link.serial

    @property
    def where(self) -> str:
        """The ADB server address, host:port."""
        return self._link.where

    @classmethod
    async def connect_wifi(cls, address: str, **options: Any) -> AndroidDevice:
        """`adb connect HOST[:PORT]` (Wi-Fi debugging), then a connected device for it.

        options: the constructor's keyword arguments (adb_host, adb_port, ...).
        """
        if ":" not in address:
            address += ":5555"
        device = cls(address, **options)
        message = await asyncio.to_thread(device._link.connect_wifi, address)
        if not message.startswith(("connected to", "already connected to")):
            raise DeviceError(
                f"adb could not connect to {address}: {message}. Turn on Wireless debugging on the phone "
                "(Android 11+: pair first with `adb pair HOST:PORT`; older: `adb tcpip 5555` over USB), "
                "and check that this computer can reach it"
            )
        return await device.connect()

    async def connect(self) -> AndroidDevice:
        """Find the device, read its screen and apps, try uiautomator2; returns self. Idempotent."""
        async with self._lock:
            if not self._link.is_open:
                await asyncio.to_thread(self._connect_sync)
        return self

    def _connect_sync(self) -> None:
        link = self._link
        link.open()
        self._screen = link.screen()[0]
        self._packages = parse_packages(link.shell(["pm", "list", "packages"]))
        self._third_party = parse_packages(link.shell(["pm", "list", "packages", "-3"]))
        if self.use_uiautomator2 is not False:
            try:
                self._u2 = link.uiautomator2()
            except Exception as exc:  # uiautomator2 raises many kinds; any of them means "not here"
                if self.use_uiautomator2:
                    link.close()
                    raise DeviceError(
                        f"uiautomator2 could not start on {self.serial}: {exc}; "
                        "pass use_uiautomator2=None to fall back to plain adb"
                    ) from None
                log.info("android %s: uiautomator2 unavailable (%s); using plain adb", self.serial, str(exc)[:200])
        self._keys.u2, self._keys.name = self._u2, self.serial or "android"
        log.info("android %s: connected via %s (%s)", self.serial, self.where, "uiautomator2" if self._u2 else "adb")

    async def _shell(self, *cmd: str) -> str:
        return await asyncio.to_thread(self._link.shell, list(cmd))

    async def _run(self, *cmd: str, what: str) -> str:
        """A shell command whose printed error (Error: ..., not found) makes the action fail."""
        out = await self._shell(*cmd)
        m = SHELL_ERROR.search(out)
        if m:
            raise DeviceError(f"{what} failed: {out[m.start() :].strip()[:300]}")
        return out

    # ------------------------------------------------------------------ info

    @property
    def device_id(self) -> str:
        """The id this device reports (the serial unless given)."""
        return self._device_id or self.serial or "android"

    @property
    def info(self) -> DeviceInfo:
        """Profile of the connected phone; DeviceError before `await connect()`."""
        if not self._link.is_open:
            raise DeviceError("the AndroidDevice is not connected yet: `await device.connect()` first")
        known = {app_label(p, self.labels) for p in self._packages if p in self.labels}
        unknown = [p for p in self._third_party if p not in self.labels and p not in HOME_PACKAGES]
        return DeviceInfo(
            id=self.device_id,
            kind="phone",
            platform="android",
            screen_width=self._screen[0],
            screen_height=self._screen[1],
            capabilities=["android", "touch", "adb", *(["uiautomator2"] if self._u2 is not None else [])],
            apps=sorted(known) + unknown,
        )

    async def today(self) -> date:
        """The phone's own day (`date +%F`); the host's when the phone's answer cannot be read."""
        await self.connect()
        try:
            return date.fromisoformat((await self._shell("date", "+%F")).strip())
        except ValueError:
            return await super().today()

    # ------------------------------------------------------------------ observe

    async def observe(self) -> Observation:
        """Look at the screen: elements, foreground app, keyboard, and a screenshot unless it is secure."""
        await self.connect()
        window, ime, screen, (elements, notes) = await asyncio.gather(
            self._shell("dumpsys", "window", "windows"),
            self._shell("dumpsys", "input_method"),
            asyncio.to_thread(self._link.screen),
            self._hierarchy(),
        )
        (width, height), _ = screen
        self._screen = (width, height)
        focus = parse_focus(window)
        package = focus.package
        label = app_label(package, self.labels)
        reasons = []
        if focus.secure:
            reasons.append(f"{label} shows a secure screen (FLAG_SECURE); screenshots are blocked")
        if is_sensitive(package, self.sensitive_apps):
            reasons.append(f"{package} is on the sensitive-apps list; its screens are not captured")
        if any(e.password and e.focused for e in elements):
            reasons.append("a password field is focused; the screen is not captured")
        png: bytes | None = None
        error: str | None = "; ".join(reasons) or None
        if not reasons:
            png, error, black = await self._screenshot()
            if black:
                reasons.append(error or "")
        notes.extend(reasons)
        obs = Observation(
            device_id=self.device_id,
            screen_width=width,
            screen_height=height,
            screenshot=png,
            screenshot_error=error,
            elements=elements,
            foreground_app=label,
            foreground_package=package,
            keyboard_shown=parse_keyboard_shown(ime),
            secure=bool(reasons),
            notes=notes,
        )
        self._last, self._acted, self._keys.field_len = obs, False, None
        return obs

    async def _screenshot(self) -> tuple[bytes | None, str | None, bool]:
        return await capture_screen(self._link)

    def _dump_sync(self) -> str:
        return dump_hierarchy(self._link, self._u2, self.hierarchy_timeout_s, self.serial)

    async def _hierarchy(self) -> tuple[list[UIElement], list[str]]:
        return await read_hierarchy(self._dump_sync, self.hierarchy_timeout_s)

    # ------------------------------------------------------------------ act

    async def act(self, action: Action) -> ActionOutcome:
        """Carry out one action; failures come back as ok=False with the reason, never raised."""
        if isinstance(action, Done | Fail | AskUser):
            return ActionOutcome(ok=False, error="terminal actions are not for devices")
        try:
            await self.connect()
            detail = await self._dispatch(action)
        except DeviceError as exc:
            log.info("android %s: %s failed: %s", self.serial, action.kind, exc)
            return ActionOutcome(ok=False, error=str(exc))
        if not isinstance(action, Wait):
            self._acted = True
        return ActionOutcome(ok=True, detail=detail)

    async def _dispatch(self, action: Action) -> str:
        match action:
            case Tap(target=t):
                x, y = await self._point(t)
                await self._run("input", "tap", str(x), str(y), what="tap")
                self._note_tap(t)
                return f"tapped ({x}, {y})"
            case LongPress(target=t, duration_ms=ms):
                x, y = await self._point(t)
                await self._run("input", "swipe", str(x), str(y), str(x), str(y), str(ms), what="long press")
                return f"long-pressed ({x}, {y}) for {ms} ms"
            case Swipe(start=s, end=e, duration_ms=ms):
                (x1, y1), (x2, y2) = await self._point(s), await self._point(e)
                await self._run("input", "swipe", *map(str, (x1, y1, x2, y2, ms)), what="swipe")
                return f"swiped ({x1}, {y1}) -> ({x2}, {y2})"
            case Scroll(direction=d, target=t):
                return await self._scroll(d, t)
            case TypeText(text=text, target=t, clear=clear, submit=submit):
                return await self._type_action(text, t, clear, submit)
            case PressKey(key=key):
                await self._run("input", "keyevent", str(KEYCODES[key]), what=f"press {key}")
                return f"pressed {key}"
            case LaunchApp(app=app):
                return await self._launch(app)
            case Wait(seconds=seconds):
                await asyncio.sleep(seconds)
                return f"waited {seconds:g}s"
        raise DeviceError(f"action kind {action.kind!r} is not supported by an Android device")

    def _element(self, element_id: str) -> UIElement:
        if self._last is None:
            raise DeviceError("no observation yet: call observe() and target element ids from it")
        el = self._last.element(element_id)
        if el is None:
            n = len(self._last.elements)
            ids = f"ids e0..e{n - 1}" if n else "it has no elements"
            raise DeviceError(
                f"no element {element_id!r} in the last observation ({ids}); use an id from the latest observe()"
            )
        return el

    async def _point(self, target: Target) -> tuple[int, int]:
        width, height = self._screen
        if target.element is None:
            assert target.x is not None and target.y is not None  # Target's validator guarantees it
            if not (0 <= target.x < width and 0 <= target.y < height):
                raise DeviceError(
                    f"point ({target.x}, {target.y}) is outside the {width}x{height} screen; "
                    "use device pixels with the origin at the top-left"
                )
            return target.x, target.y
        el = self._element(target.element)
        if self._acted and self.verify_element_ids:
            await self._check_fresh(el)
        return el.bounds.center

    async def _check_fresh(self, seen: UIElement) -> None:
        try:
            xml = await asyncio.to_thread(self._dump_sync)
            now = {e.id: e for e in parse_hierarchy(xml)}
        except (DumpTimeout, DeviceError, HierarchyError) as exc:
            log.info("android %s: could not re-check %s (%s); using it as observed", self.serial, seen.id, exc)
            return
        current = now.get(seen.id)
        if current is None or not _same_element(seen, current):
            raise DeviceError(
                f"element {seen.id} ({seen.label!r}) is stale: the screen changed since the observation it "
                "came from; observe() again and use the new ids"
            )

    def _note_tap(self, target: Target) -> None:
        el = self._last.element(target.element) if self._last and target.element else None
        # An empty field shows its hint as text: counting it too only costs a few harmless deletes.
        self._keys.field_len = len(el.text) if el is not None and el.editable else None

    async def _scroll(self, direction: str, target: Target | None) -> str:
        width, height = self._screen
        if target is not None and target.element is not None:
            area = self._element(target.element).bounds
            if self._acted and self.verify_element_ids:
                await self._check_fresh(self._element(target.element))
        elif target is not None:
            x, y = await self._point(target)  # a band around the point, as tall as half the screen
            half_w, half_h = min(x, width - x), height // 4
            area = Bounds(left=x - half_w, top=max(0, y - half_h), right=x + half_w, bottom=min(height, y + half_h))
        else:
            lists = [e for e in (self._last.elements if self._last else []) if e.scrollable]
            biggest = max(lists, key=lambda e: e.bounds.width * e.bounds.height, default=None)
            area = biggest.bounds if biggest else Bounds(left=0, top=height // 5, right=width, bottom=height * 4 // 5)
        (x1, y1), (x2, y2) = scroll_swipe(direction, area, width, height)
        await self._run("input", "swipe", *map(str, (x1, y1, x2, y2, 400)), what=f"scroll {direction}")
        return f"scrolled {direction}: swiped ({x1}, {y1}) -> ({x2}, {y2})"

    # ------------------------------------------------------------------ typing

    async def _type_action(self, text: str, target: Target | None, clear: bool, submit: bool) -> str:
        steps = []
        if target is not None:
            if target.element is not None and not self._element(target.element).editable:
                el = self._element(target.element)
                raise DeviceError(f"element {el.id} ({el.label!r}) is not a text field")
            x, y = await self._point(target)
            await self._run("input", "tap", str(x), str(y), what="tap the field")
            self._note_tap(target)
            steps.append(f"tapped ({x}, {y})")
        if clear:
            focused = [e for e in (self._last.elements if self._last else []) if e.editable and e.focused]
            steps.append(await self._keys.clear(len(focused[0].text) if focused else None))
        if text:
            steps.append(await self._keys.type(text))
        if submit:
            steps.append(await self._keys.submit())
        return "; ".join(steps)

    # ------------------------------------------------------------------ apps

    async def _launch(self, app: str) -> str:
        app = app.strip()
        if is_url(app):
            return await open_url(self._shell, app, self.serial)
        package = find_package(app, self._packages, self.labels)
        if package is None:
            self._packages = parse_packages(await self._shell("pm", "list", "packages"))
            package = find_package(app, self._packages, self.labels)
        if package is None:
            raise DeviceError(f"no app {app!r} on {self.serial}; installed apps: {', '.join(self.info.apps)}")
        return await start_package(self._shell, package, self.labels)

    async def close(self) -> None:
        """Stop uiautomator2's server if this device started it, and forget the connection."""
        u2, self._u2, self._keys.u2 = self._u2, None, None
        if u2 is not None:
            try:
                await asyncio.to_thread(u2.stop_uiautomator, False)
            except Exception as exc:
                log.info("android %s: stopping uiautomator2 failed (%s)", self.serial, exc)
        self._link.close()

    def __repr__(self) -> str:
        return f"AndroidDevice({self.serial!r}, adb={self.where})"
