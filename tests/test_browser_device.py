"""BrowserDevice against real Chromium (Debian's package) and a small app served on loopback.

One browser serves the whole module; each test opens the page it needs first.
"""

from __future__ import annotations

import html
import re
import socket
import struct
import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
import pytest_asyncio

from fleetmind.devices.base import (
    AskUser,
    DeviceError,
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
from fleetmind.devices.browser import BrowserDevice, find_chromium, normalize_url

if find_chromium() is None:
    pytest.skip(
        "Debian's chromium is not installed (scripts/install-system-deps.sh installs it)", allow_module_level=True
    )

pytestmark = pytest.mark.asyncio(loop_scope="module")

FORM = """<!doctype html><title>Form</title>
<h1 id="status">Ready</h1>
<label for="name">Name</label> <input id="name">
<label for="pw">Password</label> <input id="pw" type="password">
<label><input type="checkbox" id="agree"> I agree</label>
<button id="go" onclick="document.getElementById('status').textContent = 'Clicked'">Go</button>
<button id="count" onclick="this.textContent = 'Count ' + (++window.clicks)">Count 0</button>
<a id="next" href="/second">Second page</a>
<a id="popup" href="/second?popup=1" target="_blank">Open in new tab</a>
<form action="/result"><input id="q" name="q" aria-label="Search"></form>
<div id="pad" style="width:400px;height:100px;background:#ddd;user-select:none">drag pad</div>
<p id="padlog">idle</p>
<button style="display:none">Hidden</button><p style="visibility:hidden">Invisible</p>
<p style="position:absolute;top:2000px">Below the fold</p>
<script>
  window.clicks = 0;
  const pad = document.getElementById('pad');
  let down = null;
  pad.addEventListener('mousedown', (e) => { down = {x: e.offsetX, y: e.offsetY, t: performance.now()}; });
  pad.addEventListener('mouseup', (e) => {
    const held = Math.round(performance.now() - down.t);
    document.getElementById('padlog').textContent =
      `drag ${down.x},${down.y} -> ${e.offsetX},${e.offsetY} held ${held}`;
  });
</script>"""
SECOND = "<!doctype html><title>Second</title><h1>Second page</h1>"
LONG = "<!doctype html><title>Long</title>" + "".join(
    f'<p style="height:40px;margin:0">Row {i}</p>' for i in range(100)
)
MANY = "<!doctype html><title>Many</title>" + "".join(
    f'<button style="width:40px;height:20px;padding:0">{i}</button>' for i in range(400)
)
PAGES = {"/form": FORM, "/second": SECOND, "/long": LONG, "/many": MANY}


class _App(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        url = urlsplit(self.path)
        if url.path == "/result":
            q = parse_qs(url.query).get("q", [""])[0]
            page = f"<!doctype html><title>Result</title><h1>Result: {html.escape(q)}</h1>"
        elif url.path in PAGES:
            page = PAGES[url.path]
        else:
            self.send_error(404)
            return
        body = page.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - base class signature
        pass


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _App)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def device(base_url: str) -> AsyncIterator[BrowserDevice]:
    dev = BrowserDevice(start_url=f"{base_url}/form")
    await dev.start()
    yield dev
    await dev.close()


async def open_page(device: BrowserDevice, url: str) -> Observation:
    outcome = await device.act(LaunchApp(app=url))
    assert outcome.ok, outcome.error
    return await device.observe()


def find(obs: Observation, label: str, cls: str = "") -> UIElement:
    """The first element whose text or description is `label` (and whose role is `cls`, when given)."""
    for e in obs.elements:
        if label in (e.text, e.description) and (not cls or e.cls == cls):
            return e
    raise AssertionError(f"no element {label!r} among {[e.label for e in obs.elements]}")


def by_rid(obs: Observation, rid: str) -> UIElement:
    return next(e for e in obs.elements if e.resource_id == rid)


def labels(obs: Observation) -> set[str]:
    return {e.label for e in obs.elements}


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


async def test_info_and_screenshot_is_a_viewport_png(device: BrowserDevice, base_url: str) -> None:
    info = device.info
    assert (info.kind, info.platform, info.screen_width, info.screen_height) == ("browser", "chromium", 1280, 800)
    assert info.capabilities == ["browser", "web", "keyboard"]
    obs = await open_page(device, f"{base_url}/form")
    assert obs.screenshot is not None and obs.screenshot_error is None
    assert png_size(obs.screenshot) == (1280, 800)
    assert (obs.foreground_app, obs.foreground_package) == ("Form", f"{base_url}/form")
    assert not obs.secure and not obs.keyboard_shown
    name = by_rid(obs, "name")
    assert (name.cls, name.description, name.editable) == ("textbox", "Name", True)
    assert find(obs, "Go", "button").clickable
    assert not {"Hidden", "Invisible", "Below the fold"} & labels(obs)
    for e in obs.elements:
        assert 0 <= e.bounds.left < e.bounds.right <= 1280 and 0 <= e.bounds.top < e.bounds.bottom <= 800


async def test_tap_element_changes_the_page(device: BrowserDevice, base_url: str) -> None:
    obs = await open_page(device, f"{base_url}/form")
    assert find(obs, "Ready", "heading")
    outcome = await device.act(Tap(target=Target(element=find(obs, "Go", "button").id)))
    assert outcome.ok, outcome.error
    assert find(await device.observe(), "Clicked", "heading")


async def test_tap_coordinates_changes_the_page(device: BrowserDevice, base_url: str) -> None:
    obs = await open_page(device, f"{base_url}/form")
    x, y = find(obs, "Count 0", "button").bounds.center
    assert (await device.act(Tap(target=Target(x=x, y=y)))).ok
    assert (await device.act(Tap(target=Target(x=x, y=y)))).ok
    assert find(await device.observe(), "Count 2", "button")


async def test_type_unicode_lands_in_the_input(device: BrowserDevice, base_url: str) -> None:
    obs = await open_page(device, f"{base_url}/form")
    text = "你好, café ☕"
    outcome = await device.act(TypeText(text=text, target=Target(element=by_rid(obs, "name").id), clear=True))
    assert outcome.ok, outcome.error
    assert await device.page.eval_on_selector("#name", "el => el.value") == text
    name = by_rid(await device.observe(), "name")
    assert name.text == text and name.focused


async def test_type_appends_and_clear_replaces(device: BrowserDevice, base_url: str) -> None:
    obs = await open_page(device, f"{base_url}/form")
    field = Target(element=by_rid(obs, "name").id)
    assert (await device.act(TypeText(text="abc", target=field))).ok
    assert (await device.act(TypeText(text="def", target=field))).ok
    assert by_rid(await device.observe(), "name").text == "abcdef"
    assert (await device.act(TypeText(text="xyz", clear=True))).ok  # into the focused field
    assert (await device.act(PressKey(key="delete"))).ok
    assert by_rid(await device.observe(), "name").text == "xy"
    x, y = by_rid(obs, "name").bounds.center
    assert (await device.act(TypeText(text="new", target=Target(x=x, y=y), clear=True))).ok
    assert by_rid(await device.observe(), "name").text == "new"


async def test_type_without_a_focused_field_is_refused(device: BrowserDevice, base_url: str) -> None:
    obs = await open_page(device, f"{base_url}/form")
    outcome = await device.act(TypeText(text="lost"))
    assert not outcome.ok and "no text field has focus" in (outcome.error or "")
    outcome = await device.act(TypeText(text="lost", target=Target(element=find(obs, "Go", "button").id)))
    assert not outcome.ok and "not a text field" in (outcome.error or "")


async def test_submit_sends_the_form(device: BrowserDevice, base_url: str) -> None:
    obs = await open_page(device, f"{base_url}/form")
    search = find(obs, "Search", "textbox")
    outcome = await device.act(TypeText(text="café ☕", target=Target(element=search.id), submit=True))
    assert outcome.ok, outcome.error
    after = await device.observe()
    assert after.foreground_app == "Result"
    assert find(after, "Result: café ☕", "heading")


async def test_checkbox_reports_checked(device: BrowserDevice, base_url: str) -> None:
    obs = await open_page(device, f"{base_url}/form")
    box = by_rid(obs, "agree")
    assert box.checkable and not box.checked
    assert (await device.act(Tap(target=Target(element=box.id)))).ok
    obs = await device.observe()
    assert by_rid(obs, "agree").checked
    assert (await device.act(Tap(target=Target(element=find(obs, "I agree", "label").id)))).ok
    assert not by_rid(await device.observe(), "agree").checked


async def test_focused_password_makes_the_screen_secure(device: BrowserDevice, base_url: str) -> None:
    obs = await open_page(device, f"{base_url}/form")
    pw = by_rid(obs, "pw")
    assert pw.password
    assert (await device.act(TypeText(text="hunter2", target=Target(element=pw.id)))).ok
    secure = await device.observe()
    assert secure.secure and secure.screenshot is None
    assert "password" in (secure.screenshot_error or "")
    field = by_rid(secure, "pw")
    assert field.focused and "hunter2" not in field.text
    assert (await device.act(PressKey(key="tab"))).ok
    after = await device.observe()
    assert not after.secure and after.screenshot is not None
    assert by_rid(after, "agree").focused


async def test_scroll_moves_the_page(device: BrowserDevice, base_url: str) -> None:
    obs = await open_page(device, f"{base_url}/long")
    assert "Row 0" in labels(obs) and "Row 40" not in labels(obs)
    edge = await device.act(Scroll(direction="up"))
    assert edge.ok and "nothing moved" in edge.detail
    assert (await device.act(Scroll(direction="down"))).ok
    assert await device.page.evaluate("window.scrollY") > 0
    down = await device.observe()
    assert "Row 0" not in labels(down) and "Row 25" in labels(down)
    assert (await device.act(Scroll(direction="up", target=Target(element=find(down, "Row 25").id)))).ok
    assert await device.page.evaluate("window.scrollY") == 0
    assert "Row 0" in labels(await device.observe())


async def test_swipe_drags_and_long_press_holds(device: BrowserDevice, base_url: str) -> None:
    obs = await open_page(device, f"{base_url}/form")
    pad = find(obs, "drag pad")
    left, top = pad.bounds.left, pad.bounds.top
    swipe = Swipe(start=Target(x=left + 20, y=top + 30), end=Target(x=left + 220, y=top + 30), duration_ms=100)
    assert (await device.act(swipe)).ok
    log = by_rid(await device.observe(), "padlog").text
    x0, y0, x1, y1 = (int(v) for v in re.findall(r"\d+", log)[:4])  # "drag x0,y0 -> x1,y1 held ms"
    assert (x1 - x0, y1 - y0) == (200, 0) and 19 <= x0 <= 21
    assert (await device.act(LongPress(target=Target(element=pad.id), duration_ms=300))).ok
    log = by_rid(await device.observe(), "padlog").text
    assert int(log.rsplit(" ", 1)[1]) >= 290


async def test_link_then_back(device: BrowserDevice, base_url: str) -> None:
    obs = await open_page(device, f"{base_url}/form")
    assert (await device.act(Tap(target=Target(element=find(obs, "Second page", "link").id)))).ok
    second = await device.observe()
    assert second.foreground_app == "Second" and find(second, "Second page", "heading")
    back = await device.act(PressKey(key="back"))
    assert back.ok, back.error
    assert (await device.observe()).foreground_package == f"{base_url}/form"


async def test_popup_becomes_the_current_tab_and_recents_switches(device: BrowserDevice, base_url: str) -> None:
    obs = await open_page(device, f"{base_url}/form")
    outcome = await device.act(Tap(target=Target(element=find(obs, "Open in new tab", "link").id)))
    assert outcome.ok and "new tab" in outcome.detail
    popup = await device.observe()
    assert popup.foreground_package == f"{base_url}/second?popup=1"
    assert any("2 tabs open" in note for note in popup.notes)
    recents = await device.act(PressKey(key="recents"))
    assert recents.ok and "/second?popup=1" in recents.detail and "/form" in recents.detail
    assert (await device.observe()).foreground_package == f"{base_url}/form"
    assert (await device.act(PressKey(key="recents"))).ok
    assert (await device.observe()).foreground_package == f"{base_url}/second?popup=1"
    closed = await device.act(PressKey(key="back"))  # a new tab has no history: back closes it
    assert closed.ok and "closed tab" in closed.detail
    after = await device.observe()
    assert after.foreground_package == f"{base_url}/form"
    assert not any("tabs open" in note for note in after.notes)


async def test_home_opens_the_start_url(device: BrowserDevice, base_url: str) -> None:
    await open_page(device, f"{base_url}/second")
    assert (await device.act(PressKey(key="home"))).ok
    assert (await device.observe()).foreground_package == f"{base_url}/form"


async def test_unreachable_url_fails_and_the_device_still_works(device: BrowserDevice, base_url: str) -> None:
    with socket.socket() as s:  # a port that nothing listens on
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/"
    outcome = await device.act(LaunchApp(app=dead))
    assert not outcome.ok and "ERR_CONNECTION_REFUSED" in (outcome.error or "")
    assert not (await device.act(LaunchApp(app="not a url"))).ok
    obs = await open_page(device, f"{base_url}/second")
    assert obs.foreground_app == "Second" and obs.screenshot is not None


async def test_unknown_and_stale_element_ids_are_refused(device: BrowserDevice, base_url: str) -> None:
    obs = await open_page(device, f"{base_url}/form")
    unknown = await device.act(Tap(target=Target(element="e9999")))
    assert not unknown.ok and "unknown element id" in (unknown.error or "")
    assert not (await device.act(Tap(target=Target(element="#go")))).ok
    go = find(obs, "Go", "button")
    assert (await device.act(LaunchApp(app=f"{base_url}/form"))).ok  # a new document, not observed yet
    stale = await device.act(Tap(target=Target(element=go.id)))
    assert not stale.ok and "no longer on the page" in (stale.error or "")
    outside = await device.act(Tap(target=Target(x=5000, y=10)))
    assert not outside.ok and "outside" in (outside.error or "")


async def test_terminal_actions_are_refused_and_wait_waits(device: BrowserDevice) -> None:
    for action in (Done(answer="x"), Fail(reason="x"), AskUser(question="x")):
        outcome = await device.act(action)
        assert not outcome.ok and "not for a device" in (outcome.error or "")
    assert (await device.act(Wait(seconds=0.01))).ok


async def test_element_cap_is_noted(device: BrowserDevice, base_url: str) -> None:
    obs = await open_page(device, f"{base_url}/many")
    assert len(obs.elements) == device.max_elements == 300
    assert any("truncated: 300 of 400" in note for note in obs.notes)


async def test_missing_executable_names_the_install_command() -> None:
    dev = BrowserDevice(executable="/nonexistent/chromium")
    with pytest.raises(DeviceError, match="apt-get install -y chromium"):
        await dev.start()
    await dev.close()


async def test_starts_lazily_and_closes(base_url: str) -> None:
    dev = BrowserDevice("browser-lazy", viewport=(640, 480), start_url=f"{base_url}/second")
    try:
        obs = await dev.observe()
        assert obs.device_id == "browser-lazy" and obs.foreground_app == "Second"
        assert obs.screenshot is not None and png_size(obs.screenshot) == (640, 480)
    finally:
        await dev.close()
    await dev.close()  # closing twice is harmless


async def test_normalize_url() -> None:
    assert normalize_url("example.com") == "https://example.com"
    assert normalize_url(" localhost:8000/x ") == "https://localhost:8000/x"
    assert normalize_url("http://127.0.0.1:8080/a") == "http://127.0.0.1:8080/a"
    assert normalize_url("about:blank") == "about:blank"
    with pytest.raises(ValueError, match="takes a URL"):
        normalize_url("My App")


async def test_a_browser_that_went_away_is_started_again(device: BrowserDevice, base_url: str) -> None:
    browser = device.page.context.browser
    assert browser is not None
    await browser.close()
    obs = await device.observe()  # a new Chromium, on start_url
    assert obs.foreground_package == f"{base_url}/form" and obs.screenshot is not None
