"""`BrowserDevice`: the Device contract over Debian's Chromium, driven by Playwright's async API.

Launch. `chromium.launch(executable_path=...)` then one `new_context()`, rather
than `launch_persistent_context(tmpdir)`: for a plain launch Playwright itself
creates a fresh, empty `--user-data-dir` under the system temp dir and deletes it
when the browser closes, so no profile survives a device and none needs our
cleanup; and a plain browser leaves room to open more isolated contexts later.

Tabs (`tabs.Tabs`). Every page the context opens comes to the front as soon
as Playwright reports it. That report comes a little after the click that caused
it, so hooks installed in every document (`page_scripts.PAGE_HOOKS_JS`) note a
successful `window.open` or an unprevented click/submit aimed at `_blank`, and
after each input the device waits for the new tab when one was announced (and
only then). `press_key recents` switches to the next tab (cyclically) and lists
the open tabs in the outcome's detail; `press_key back` in a tab with no
history closes that tab and returns to the one that opened it, as Chrome on
Android does.

Navigation. The same hooks record, through the Navigation API, when the
document starts a cross-document navigation (link, form, `location = ...`);
after an input the device waits until a new document replaced it, so the next
observe() never reads a page that is about to go away. A navigation that turns
into a download does not keep it waiting: the download is raced against the
navigation (`downloads.Downloads`), saved, and named in the outcome.

Staying on the task's page. `press_key back` never leaves the page that
`launch_app` (or `home`, or the start) opened, and never lands on `about:blank`
or an error page (`history.check_back`): it is refused with a reason instead.

Actions beyond a phone's: drag, select_option, focus, hover, right_click and
hotkey (`inputs`); `scroll` with a target scrolls that element's own scroll
container, not whatever lies under the viewport's centre.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
from pathlib import Path

from playwright.async_api import Browser, Page, Playwright, async_playwright
from playwright.async_api import Error as PlaywrightError

from fleetmind.devices.base import (
    Action,
    ActionOutcome,
    AskUser,
    Device,
    DeviceError,
    DeviceInfo,
    Done,
    Drag,
    Fail,
    Focus,
    Hotkey,
    Hover,
    LaunchApp,
    LongPress,
    Observation,
    PressKey,
    RightClick,
    Scroll,
    SelectOption,
    Swipe,
    Tap,
    TypeText,
    Wait,
)

from . import inputs
from .chromium import CHROMIUM_ARGS, resolve_chromium
from .downloads import Downloads
from .gestures import KEYS, drag, long_press
from .history import Anchor, anchor_of, check_back
from .page_scripts import PAGE_HOOKS_JS
from .page_walk import LISTENER_HOOKS_JS
from .reactions import after_input, settle
from .rejection import Rejected
from .snapshot import ELEMENT_ATTR, SNAPSHOT_JS, WALK_BUDGET, parse_snapshot
from .tabs import Tabs
from .targets import Targets
from .urls import normalize_url

__all__ = ["BrowserDevice", "normalize_url"]

log = logging.getLogger(__name__)

_ERROR_PAGE = re.compile(r"^chrome-error://")


class BrowserDevice(Device):
    """One Chromium browser (Debian's package) as a fleetmind device.

    Coordinates are CSS pixels of the viewport, which are device pixels here
    (device scale factor 1). `start()` is optional: the first observe() or
    act() starts the browser. Use `async with BrowserDevice() as dev:` or call
    `close()` to end it.
    """

    def __init__(
        self,
        device_id: str = "browser-1",
        *,
        headless: bool = True,
        executable: str | os.PathLike[str] | None = None,
        viewport: tuple[int, int] = (1280, 800),
        start_url: str = "about:blank",
        max_elements: int = 300,
        action_timeout_s: float = 5.0,
        navigation_timeout_s: float = 15.0,
        scroll_fraction: float = 0.6,
        downloads_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        """Configure the device; nothing is launched until `start()` or first use.

        executable: a Chromium binary; None finds Debian's (`/usr/lib/chromium/chromium`).
        max_elements: observe() keeps at most this many elements and says so in `notes`.
        action_timeout_s: how long a tap or fill waits for its element to be actionable.
        navigation_timeout_s: how long launch_app, back, home and link clicks wait for a page.
        scroll_fraction: how much of the viewport (or of the scrolled list) one scroll moves.
        downloads_dir: where downloaded files are saved; None keeps them in a temporary
            directory that is deleted when the browser closes.
        """
        self.device_id = device_id
        self.headless = headless
        self.executable = executable
        self.viewport = viewport
        self.start_url = start_url
        self.max_elements = max_elements
        self.action_timeout_s = action_timeout_s
        self.navigation_timeout_s = navigation_timeout_s
        self.scroll_fraction = scroll_fraction
        self.downloads = Downloads(Path(downloads_dir) if downloads_dir is not None else None, device_id)
        self._lock = asyncio.Lock()
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._tabs: Tabs | None = None
        self._targets = Targets(viewport)
        self._anchor: Anchor | None = None

    # ---- lifecycle -------------------------------------------------------

    @property
    def info(self) -> DeviceInfo:
        """kind=browser, platform=chromium, screen = the viewport."""
        return DeviceInfo(
            id=self.device_id,
            kind="browser",
            platform="chromium",
            screen_width=self.viewport[0],
            screen_height=self.viewport[1],
            capabilities=["browser", "web", "keyboard"],
            apps=[],
        )

    @property
    def page(self) -> Page:
        """The Playwright page in front, for skills and tests that need the raw browser."""
        page = self._tabs.front_or_none if self._tabs is not None else None
        if page is None:
            raise DeviceError(f"browser device {self.device_id!r} has no open page; call start() first")
        return page

    async def start(self) -> None:
        """Launch Chromium and open `start_url`; does nothing when already started."""
        async with self._lock:
            if self._tabs is not None:
                return
            executable = resolve_chromium(self.executable)
            pw = await async_playwright().start()
            try:
                browser = await pw.chromium.launch(
                    executable_path=str(executable), headless=self.headless, args=list(CHROMIUM_ARGS)
                )
                context = await browser.new_context(
                    viewport={"width": self.viewport[0], "height": self.viewport[1]},
                    device_scale_factor=1,
                    accept_downloads=True,
                )
                context.set_default_timeout(self.action_timeout_s * 1000)
                context.set_default_navigation_timeout(self.navigation_timeout_s * 1000)
                await context.add_init_script(PAGE_HOOKS_JS)
                await context.add_init_script(LISTENER_HOOKS_JS)
                context.on("page", self.downloads.watch)
                self._playwright, self._browser, self._tabs = pw, browser, Tabs(context, self.device_id)
                page = await self._tabs.front()
                if self.start_url != "about:blank":
                    try:
                        await page.goto(self.start_url, wait_until="domcontentloaded")
                    except PlaywrightError as exc:  # the browser works; only the page is missing
                        log.warning("device %s: start_url %s: %s", self.device_id, self.start_url, _first_line(exc))
                self._anchor = await anchor_of(page)
            except BaseException as exc:
                await self._shutdown(pw)
                if isinstance(exc, PlaywrightError):
                    raise DeviceError(f"could not start Chromium at {executable}: {_first_line(exc)}") from exc
                raise
            log.info("device %s: Chromium %s started (%s)", self.device_id, browser.version, executable)

    async def close(self) -> None:
        """Close the browser; the device can be started again afterwards."""
        async with self._lock:
            await self._shutdown(self._playwright)

    async def _shutdown(self, pw: Playwright | None) -> None:
        browser, self._browser, self._tabs, self._playwright = self._browser, None, None, None
        self._targets.observed(None, frozenset())
        self._anchor = None
        try:
            if browser is not None:
                await browser.close()
        finally:
            if pw is not None:
                await pw.stop()

    async def __aenter__(self) -> BrowserDevice:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _current_page(self) -> Page:
        if self._browser is not None and not self._browser.is_connected():
            log.warning("device %s: Chromium went away; starting a new one", self.device_id)
            await self.close()
        await self.start()
        assert self._tabs is not None
        return await self._tabs.front()

    # ---- observe -------------------------------------------------------------

    async def observe(self) -> Observation:
        """Screenshot of the viewport plus the visible elements, stamped so act() can find them."""
        page = await self._current_page()
        await self._settle(page)
        raw = await self._walk(page)
        snap = parse_snapshot(raw, max_elements=self.max_elements)
        self._targets.observed(page, frozenset(e.id for e in snap.elements))
        notes = list(snap.notes)
        assert self._tabs is not None
        if len(self._tabs.pages()) > 1:
            notes.append(f"{len(self._tabs.pages())} tabs open; press_key recents switches between them")
        screenshot: bytes | None = None
        error: str | None = None
        if snap.password_focused:
            error = "a password field has focus: the screen is secure and not captured"
        else:
            try:
                screenshot = await page.screenshot(type="png")
            except PlaywrightError as exc:
                error = f"screenshot failed: {_first_line(exc)}"
                notes.append(error)
        return Observation(
            device_id=self.device_id,
            screen_width=self.viewport[0],
            screen_height=self.viewport[1],
            screenshot=screenshot,
            screenshot_error=error,
            elements=snap.elements,
            foreground_app=snap.title,
            foreground_package=page.url,
            keyboard_shown=False,
            secure=snap.password_focused,
            notes=notes,
        )

    async def _walk(self, page: Page) -> str:
        args = {"maxElements": self.max_elements, "attr": ELEMENT_ATTR, "walkBudget": WALK_BUDGET}
        for attempt in range(3):
            try:
                result: str = await page.evaluate(SNAPSHOT_JS, args)
                return result
            except PlaywrightError as exc:
                # A navigation that lands mid-walk destroys the context: walk the new document.
                if attempt == 2 or "context was destroyed" not in str(exc):
                    raise DeviceError(f"device {self.device_id}: could not read the page: {_first_line(exc)}") from exc
                await page.wait_for_load_state("domcontentloaded")
        raise AssertionError("unreachable")

    async def _settle(self, page: Page) -> str:
        return await settle(page, self.downloads, self.navigation_timeout_s)

    # ---- act ---------------------------------------------------------------------

    async def act(self, action: Action) -> ActionOutcome:
        """Carry out one action; failures come back as ok=False with the reason.

        Raises DeviceError only when the browser cannot be started at all.
        """
        if isinstance(action, Done | Fail | AskUser):
            return ActionOutcome(ok=False, error=f"{action.kind} is for the agent loop, not for a device")
        try:
            page = await self._current_page()
            assert self._tabs is not None
            self._tabs.opened.clear()
            detail = await self._dispatch(page, action)
        except Rejected as exc:
            log.info("device %s: %s rejected: %s", self.device_id, action.kind, exc)
            return ActionOutcome(ok=False, error=str(exc))
        except PlaywrightError as exc:
            log.info("device %s: %s failed: %s", self.device_id, action.kind, _first_line(exc))
            return ActionOutcome(ok=False, error=f"{action.kind} failed: {_first_line(exc)}")
        return ActionOutcome(ok=True, detail=detail)

    async def _dispatch(self, page: Page, action: Action) -> str:
        match action:
            case PressKey(key=key):
                return await self._press(page, key)
            case LaunchApp(app=app):
                try:
                    url = normalize_url(app)
                except ValueError as exc:
                    raise Rejected(str(exc)) from None
                return await self._goto(page, url)
            case Wait(seconds=seconds):
                await asyncio.sleep(seconds)
                return f"waited {seconds:g}s"
        return await self._after_input(page, await self._input(page, action))

    async def _input(self, page: Page, action: Action) -> str:
        """One pointer or keyboard input; the page's reaction is awaited by the caller."""
        targets = self._targets
        match action:
            case Tap(target=t):
                return await inputs.click(page, targets, t)
            case RightClick(target=t):
                return await inputs.click(page, targets, t, "right")
            case LongPress(target=t, duration_ms=ms):
                x, y = await targets.resolve_point(page, t)
                await long_press(page, x, y, ms)
                return f"long-pressed ({x},{y}) for {ms} ms"
            case Swipe(start=s, end=e, duration_ms=ms):
                # A mouse drag (selects text, moves sliders); Scroll is what scrolls a page.
                p0, p1 = await targets.resolve_point(page, s), await targets.resolve_point(page, e)
                await drag(page, p0, p1, ms)
                return f"dragged {p0} -> {p1}"
            case Drag(start=s, end=e, duration_ms=ms):
                return await inputs.drag_to(page, targets, s, e, ms)
            case Scroll(direction=d, target=t):
                return await inputs.scroll(page, targets, d, t, self.scroll_fraction)
            case TypeText(text=text, target=t, clear=clear, submit=submit):
                return await inputs.type_text(page, targets, text, t, clear, submit)
            case SelectOption(target=t, option=option):
                return await inputs.select(page, targets, t, option, self.action_timeout_s)
            case Focus(target=t):
                return await inputs.focus(page, targets, t)
            case Hover(target=t):
                return await inputs.hover(page, targets, t)
            case Hotkey(keys=keys):
                return await inputs.press_chord(page, keys)
        raise Rejected(f"action kind {action.kind!r} is not supported by a browser")

    async def _after_input(self, page: Page, detail: str) -> str:
        assert self._tabs is not None
        return await after_input(
            page, detail, self._tabs, self.downloads, self.action_timeout_s, self.navigation_timeout_s
        )

    # ---- keys and navigation ---------------------------------------------------------

    async def _press(self, page: Page, key: str) -> str:
        if key in KEYS:
            await page.keyboard.press(KEYS[key])
            return await self._after_input(page, f"pressed {KEYS[key]}")
        if key == "home":
            if self.start_url == "about:blank" and self._anchor is not None and self._anchor.url != "about:blank":
                raise Rejected(
                    f"this browser has no home page (start_url is about:blank); home would leave {page.url} "
                    "for an empty page. Stay on the task's page, or launch_app a URL"
                )
            return await self._goto(page, self.start_url)
        assert self._tabs is not None
        if key == "recents":
            await self._tabs.switch_to_next()
            return f"tabs: {await self._tabs.describe()}"
        if key == "back":
            return await self._back(page)
        raise Rejected(f"key {key!r} is not supported by a browser")

    async def _back(self, page: Page) -> str:
        before = page.url
        if await check_back(page, self._anchor):
            await page.go_back(wait_until="domcontentloaded")
            if page.url != before:
                return f"went back to {page.url}"
        assert self._tabs is not None
        if len(self._tabs.pages()) > 1 and not (self._anchor is not None and self._anchor.page is page):
            front = await self._tabs.close(page)
            return f"closed tab {before}; now on {front.url}"
        raise Rejected(f"nothing to go back to from {before}")

    async def _goto(self, page: Page, url: str) -> str:
        try:
            response = await page.goto(url, wait_until="domcontentloaded")
        except PlaywrightError as exc:
            reason = _first_line(exc)
            if "net::ERR_" in reason and "ERR_ABORTED" not in reason:
                # Chromium commits its error page just after goto fails; a goto issued
                # before that commit would be interrupted by it, so let it land first.
                with contextlib.suppress(PlaywrightError):
                    await page.wait_for_url(_ERROR_PAGE, timeout=2000)
            raise Rejected(f"could not open {url}: {reason}") from None
        self._anchor = await anchor_of(page)  # the page this task works on from now
        status = f" (HTTP {response.status})" if response is not None and response.status >= 400 else ""
        return f"opened {page.url}{status}"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
