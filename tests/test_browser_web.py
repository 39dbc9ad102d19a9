"""The web as a person sees it, against real Chromium (Debian's package) and pages served on loopback.

What the snapshot shows (SVG, canvas, same-origin iframes, shadow roots, elements
clickable only through JavaScript, drop-down options, slider and checkbox
state, static text) and the actions beyond a tap (drag, select_option, focus,
hover, right_click, hotkey, scrolling a list, downloads, staying on the task's page).
One browser serves the whole module.
"""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import pytest_asyncio

from fleetmind.devices.base import (
    Drag,
    Focus,
    Hotkey,
    Hover,
    LaunchApp,
    Observation,
    PressKey,
    RightClick,
    Scroll,
    SelectOption,
    Tap,
    Target,
    TypeText,
    UIElement,
)
from fleetmind.devices.browser import BrowserDevice, find_chromium

if find_chromium() is None:
    pytest.skip(
        "Debian's chromium is not installed (scripts/install-system-deps.sh installs it)", allow_module_level=True
    )

pytestmark = pytest.mark.asyncio(loop_scope="module")

SEE = """<!doctype html><title>See</title>
<svg id="chart" width="300" height="120" style="display:block">
  <rect x="0" y="0" width="300" height="120" fill="#eeeeee"></rect>
  <circle id="dot" cx="40" cy="60" r="20" fill="red"></circle>
  <rect id="box" x="100" y="40" width="40" height="40" fill="blue" aria-label="Blue box"></rect>
  <text x="200" y="65">$12.50</text>
</svg>
<canvas id="play" role="button" aria-label="Play" width="80" height="40" style="display:block"></canvas>
<iframe id="frame" style="width:300px;height:80px;border:5px solid black;padding:0"
  srcdoc="<body style='margin:0'><button id='inner' style='margin:10px'
  onclick=&quot;document.body.dataset.hit='yes'&quot;>Inner button</button></body>"></iframe>
<div id="card" style="cursor:pointer;width:200px"><span>Open card</span></div>
<div id="listened" style="width:200px">Listened div</div>
<div id="plain" style="width:200px">Plain text</div>
<select id="fruit" aria-label="Fruit"><option>Apple</option><option value="b">Banana</option>
  <option>Cherry pie</option></select>
<select id="pets" multiple size="3"><option>Cat</option><option>Dog</option><option>Fish</option></select>
<input type="range" id="vol" min="10" max="50" value="30" aria-label="Volume">
<label><input type="checkbox" id="agree" checked> I agree</label>
<button id="toggle" aria-pressed="true">Bold</button>
<p id="total">Total: <b>3 items</b> due 2024-05-01</p>
<fancy-widget></fancy-widget>
<script>
  document.getElementById('listened').addEventListener('click', () => { document.title = 'listened'; });
  customElements.define('fancy-widget', class extends HTMLElement {
    connectedCallback() {
      this.attachShadow({mode: 'open'}).innerHTML = '<button id="shadowed">Shadow button</button>';
    }
  });
</script>"""

DO = """<!doctype html><title>Do</title>
<style>body{margin:0} .row{height:30px} #menu{display:none} #hover:hover #menu{display:block}</style>
<div id="list" style="height:100px;width:200px;overflow:auto">
  <div class="row">Row 0</div><div class="row">Row 1</div><div class="row">Row 2</div><div class="row">Row 3</div>
  <div class="row">Row 4</div><div class="row">Row 5</div><div class="row">Row 6</div><div class="row">Row 7</div>
</div>
<div id="wide" style="width:200px;overflow-x:auto;white-space:nowrap"><span style="display:inline-block;width:900px">
  Wide row</span></div>
<div id="src" style="position:absolute;left:300px;top:20px;width:60px;height:40px;background:#fc0">Card</div>
<div id="zone" style="position:absolute;left:500px;top:20px;width:120px;height:80px;border:1px solid">Drop here</div>
<div id="h5" draggable="true" style="position:absolute;left:300px;top:140px;width:60px;height:30px">Tag</div>
<div id="h5zone" style="position:absolute;left:500px;top:140px;width:120px;height:60px;border:1px solid">Bin</div>
<div id="hover" style="position:absolute;left:700px;top:20px;width:100px">Menu<div id="menu">Secret item</div></div>
<div id="ctx" style="position:absolute;left:700px;top:120px;width:100px">Context here</div>
<input id="empty" aria-label="Nickname" style="position:absolute;left:700px;top:200px">
<input id="keys" aria-label="Keys" style="position:absolute;left:700px;top:240px">
<div id="combo" role="combobox" tabindex="0" style="position:absolute;left:300px;top:240px">Pick a size</div>
<ul id="sizes" role="listbox" style="display:none;position:absolute;left:300px;top:260px">
  <li role="option">Small</li><li role="option">Large</li></ul>
<a id="csv" href="/report.csv" style="position:absolute;left:300px;top:320px">Report (attachment)</a>
<a id="dl" href="/notes.txt" download="named.txt" style="position:absolute;left:300px;top:350px">Named download</a>
<div style="height:3000px"></div>
<script>
  window.keys = [];
  document.getElementById('keys').addEventListener('keydown', (e) => {
    window.keys.push((e.ctrlKey ? 'ctrl+' : '') + (e.shiftKey ? 'shift+' : '') + e.key);
  });
  const src = document.getElementById('src'), zone = document.getElementById('zone');
  let grab = null;
  src.addEventListener('mousedown', (e) => { grab = {dx: e.clientX - src.offsetLeft, dy: e.clientY - src.offsetTop}; });
  document.addEventListener('mousemove', (e) => {
    if (grab) { src.style.left = (e.clientX - grab.dx) + 'px'; src.style.top = (e.clientY - grab.dy) + 'px'; }
  });
  document.addEventListener('mouseup', (e) => {
    if (!grab) return;
    grab = null;
    const z = zone.getBoundingClientRect();
    window.dropped = e.clientX >= z.left && e.clientX <= z.right && e.clientY >= z.top && e.clientY <= z.bottom;
  });
  const h5zone = document.getElementById('h5zone');
  document.getElementById('h5').addEventListener('dragstart', (e) => e.dataTransfer.setData('text/plain', 'tag'));
  h5zone.addEventListener('dragover', (e) => e.preventDefault());
  h5zone.addEventListener('drop', (e) => {
    e.preventDefault(); window.h5dropped = e.dataTransfer.getData('text/plain');
  });
  document.getElementById('ctx').addEventListener('contextmenu', (e) => {
    e.preventDefault(); e.target.textContent = 'Context menu open';
  });
  const combo = document.getElementById('combo'), sizes = document.getElementById('sizes');
  combo.addEventListener('click', () => { sizes.style.display = 'block'; });
  for (const li of sizes.children) li.addEventListener('click', () => {
    combo.textContent = li.textContent; sizes.style.display = 'none';
  });
</script>"""

LIST_ONLY = (
    """<!doctype html><title>List only</title><body style="margin:0;overflow:hidden">
<div id="only" style="height:100px;width:200px;overflow:auto">"""
    + "".join(f'<div style="height:30px">Item {i}</div>' for i in range(20))
    + "</div>"
)

PAGES = {"/see": SEE, "/do": DO, "/list": LIST_ONLY}
CSV = b"name,total\nAda,3\n"


class _App(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if self.path in ("/report.csv", "/notes.txt"):
            body, kind = CSV, "text/csv" if self.path.endswith(".csv") else "text/plain"
        elif self.path in PAGES:
            body, kind = PAGES[self.path].encode(), "text/html; charset=utf-8"
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", kind)
        if self.path == "/report.csv":
            self.send_header("Content-Disposition", 'attachment; filename="report.csv"')
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
async def device(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[BrowserDevice]:
    dev = BrowserDevice(navigation_timeout_s=10, downloads_dir=tmp_path_factory.mktemp("downloads"))
    await dev.start()
    yield dev
    await dev.close()


async def open_page(device: BrowserDevice, url: str) -> Observation:
    outcome = await device.act(LaunchApp(app=url))
    assert outcome.ok, outcome.error
    return await device.observe()


def by_rid(obs: Observation, rid: str) -> UIElement:
    found = [e for e in obs.elements if e.resource_id == rid]
    assert found, f"no element #{rid} among {[(e.resource_id, e.label) for e in obs.elements]}"
    return found[0]


def find(obs: Observation, label: str) -> UIElement:
    for e in obs.elements:
        if label in (e.text, e.description):
            return e
    raise AssertionError(f"no element {label!r} among {[e.label for e in obs.elements]}")


def at(el: UIElement) -> Target:
    return Target(element=el.id)


# ---- what the snapshot shows ---------------------------------------------------------


async def test_svg_shapes_and_text_and_a_canvas_button_have_bounds(device: BrowserDevice, base_url: str) -> None:
    obs = await open_page(device, f"{base_url}/see")
    dot, box = by_rid(obs, "dot"), by_rid(obs, "box")
    assert (dot.cls, dot.description) == ("circle", "red circle")
    assert (dot.bounds.left, dot.bounds.top, dot.bounds.right, dot.bounds.bottom) == (28, 48, 68, 88)
    assert (box.cls, box.description) == ("rect", "Blue box")
    assert box.bounds.center == (128, 68)
    price = find(obs, "$12.50")
    assert price.cls == "text" and 200 <= price.bounds.left < 240
    assert not any(e.cls == "rect" and e.bounds.width >= 300 for e in obs.elements)  # the background
    play = find(obs, "Play")
    assert (play.cls, play.clickable, play.bounds.width, play.bounds.height) == ("button", True, 80, 40)
    assert any("canvas" in note for note in obs.notes)


async def test_iframe_button_is_seen_offset_and_clicked_by_id(device: BrowserDevice, base_url: str) -> None:
    obs = await open_page(device, f"{base_url}/see")
    inner = find(obs, "Inner button")
    frame = await device.page.eval_on_selector(
        "#frame", "f => [f.getBoundingClientRect().x, f.getBoundingClientRect().y]"
    )
    # inside the frame's 5 px border, 10 px margin
    assert inner.bounds.left == int(frame[0]) + 5 + 10 and inner.bounds.top == int(frame[1]) + 5 + 10
    assert inner.clickable and not any("iframe" in note for note in obs.notes)
    outcome = await device.act(Tap(target=at(inner)))
    assert outcome.ok, outcome.error
    hit = await device.page.frame_locator("#frame").locator("body").get_attribute("data-hit")
    assert hit == "yes"


async def test_listener_and_pointer_elements_are_clickable_and_shadow_dom_is_seen(
    device: BrowserDevice, base_url: str
) -> None:
    obs = await open_page(device, f"{base_url}/see")
    listened, card, plain = by_rid(obs, "listened"), by_rid(obs, "card"), find(obs, "Plain text")
    assert listened.clickable and listened.text == "Listened div"
    assert card.clickable and card.text == "Open card"
    assert not plain.clickable
    assert find(obs, "Shadow button").clickable
    assert (await device.act(Tap(target=at(listened)))).ok
    assert (await device.observe()).foreground_app == "listened"


async def test_options_slider_checked_state_and_static_text_are_reported(device: BrowserDevice, base_url: str) -> None:
    obs = await open_page(device, f"{base_url}/see")
    fruit = by_rid(obs, "fruit")
    assert (fruit.cls, fruit.text, fruit.description) == ("combobox", "Apple", "Fruit")
    assert fruit.options == ("Apple", "Banana", "Cherry pie")
    vol = by_rid(obs, "vol")
    assert (vol.cls, vol.text, vol.value_range) == ("slider", "30", (10.0, 50.0))
    agree, bold = by_rid(obs, "agree"), by_rid(obs, "toggle")
    assert agree.checkable and agree.checked and bold.checkable and bold.checked
    total = by_rid(obs, "total")
    assert total.text == "Total: 3 items due 2024-05-01"


# ---- actions -----------------------------------------------------------------------------


async def test_select_option_by_text_value_and_loose_text(device: BrowserDevice, base_url: str) -> None:
    obs = await open_page(device, f"{base_url}/see")
    fruit = at(by_rid(obs, "fruit"))
    outcome = await device.act(SelectOption(target=fruit, option="Banana"))
    assert outcome.ok and "Banana" in outcome.detail
    assert await device.page.eval_on_selector("#fruit", "s => s.value") == "b"
    assert (await device.act(SelectOption(target=fruit, option="cherry PIE"))).ok
    assert by_rid(await device.observe(), "fruit").text == "Cherry pie"
    fruit = at(by_rid(await device.observe(), "fruit"))
    missing = await device.act(SelectOption(target=fruit, option="Durian"))
    assert not missing.ok and "'Apple', 'Banana', 'Cherry pie'" in (missing.error or "")
    pets = at(by_rid(await device.observe(), "pets"))  # a list box adds to its choice
    assert (await device.act(SelectOption(target=pets, option="Cat"))).ok
    assert (await device.act(SelectOption(target=pets, option="Fish"))).ok
    chosen = await device.page.eval_on_selector("#pets", "s => Array.from(s.selectedOptions).map((o) => o.text)")
    assert chosen == ["Cat", "Fish"]


async def test_select_option_in_a_drawn_drop_down(device: BrowserDevice, base_url: str) -> None:
    obs = await open_page(device, f"{base_url}/do")
    outcome = await device.act(SelectOption(target=at(by_rid(obs, "combo")), option="Large"))
    assert outcome.ok, outcome.error
    assert by_rid(await device.observe(), "combo").text == "Large"


async def test_drag_moves_a_card_and_drops_an_html5_draggable(device: BrowserDevice, base_url: str) -> None:
    obs = await open_page(device, f"{base_url}/do")
    outcome = await device.act(Drag(start=at(by_rid(obs, "src")), end=at(by_rid(obs, "zone")), duration_ms=100))
    assert outcome.ok, outcome.error
    assert await device.page.evaluate("window.dropped") is True
    obs = await device.observe()
    outcome = await device.act(Drag(start=at(by_rid(obs, "h5")), end=at(by_rid(obs, "h5zone")), duration_ms=100))
    assert outcome.ok, outcome.error
    assert await device.page.evaluate("window.h5dropped") == "tag"


async def test_scroll_with_a_target_scrolls_its_list_not_the_window(device: BrowserDevice, base_url: str) -> None:
    obs = await open_page(device, f"{base_url}/do")
    outcome = await device.act(Scroll(direction="down", target=at(find(obs, "Row 1"))))
    assert outcome.ok and "#list" in outcome.detail, outcome
    assert await device.page.evaluate("document.getElementById('list').scrollTop") == 60  # 0.6 of its 100 px
    assert await device.page.evaluate("window.scrollY") == 0
    right = await device.act(Scroll(direction="right", target=at(by_rid(obs, "wide"))))
    assert right.ok and "#wide" in right.detail
    assert await device.page.evaluate("document.getElementById('wide').scrollLeft") > 0
    assert await device.page.evaluate("window.scrollX") == 0
    obs = await open_page(device, f"{base_url}/list")  # the page itself cannot scroll: the list does
    outcome = await device.act(Scroll(direction="down"))
    assert outcome.ok and "#only" in outcome.detail
    assert await device.page.evaluate("document.getElementById('only').scrollTop") > 0


async def test_focus_hover_right_click_and_hotkeys(device: BrowserDevice, base_url: str) -> None:
    obs = await open_page(device, f"{base_url}/do")
    focused = await device.act(Focus(target=at(by_rid(obs, "empty"))))
    assert focused.ok and "empty text field" in focused.detail
    assert await device.page.evaluate("document.activeElement.id") == "empty"
    assert by_rid(await device.observe(), "empty").focused
    assert "Secret item" not in {e.text for e in obs.elements}
    assert (await device.act(Hover(target=at(by_rid(obs, "hover"))))).ok
    obs = await device.observe()
    assert find(obs, "Secret item")
    assert (await device.act(RightClick(target=at(by_rid(obs, "ctx"))))).ok
    assert by_rid(await device.observe(), "ctx").text == "Context menu open"
    keys = at(by_rid(await device.observe(), "keys"))
    assert (await device.act(TypeText(text="hello", target=keys))).ok
    for chord in ("ctrl+a", "backspace", "Shift+Tab", "down"):
        outcome = await device.act(Hotkey(keys=chord))
        assert outcome.ok, outcome.error
    assert await device.page.evaluate("document.getElementById('keys').value") == ""  # selected, then erased
    assert (await device.page.evaluate("window.keys")).count("ctrl+a") == 1
    assert "shift+Tab" in await device.page.evaluate("window.keys")


async def test_downloads_return_promptly_with_the_file(device: BrowserDevice, base_url: str) -> None:
    obs = await open_page(device, f"{base_url}/do")
    for rid, name in (("csv", "report.csv"), ("dl", "named.txt")):
        started = time.monotonic()
        outcome = await device.act(Tap(target=at(by_rid(obs, rid))))
        elapsed = time.monotonic() - started
        assert outcome.ok and f"downloaded {name}" in outcome.detail, outcome
        assert elapsed < 5, f"{rid}: the tap took {elapsed:.1f} s"
        obs = await device.observe()
        assert obs.foreground_package == f"{base_url}/do"
    assert [p.read_bytes() for p in device.downloads.saved[-2:]] == [CSV, CSV]
    assert isinstance(device.downloads.saved[-1], Path) and device.downloads.saved[-1].name == "named.txt"


async def test_back_never_leaves_the_page_the_task_started_on(device: BrowserDevice, base_url: str) -> None:
    assert (await device.act(LaunchApp(app="about:blank"))).ok
    await open_page(device, f"{base_url}/see")
    back = await device.act(PressKey(key="back"))
    assert not back.ok and "started on" in (back.error or "")
    assert (await device.observe()).foreground_package == f"{base_url}/see"
    # a page reached from it (here by the page itself, not by launch_app) may go back to it
    await device.page.goto(f"{base_url}/do")
    back = await device.act(PressKey(key="back"))
    assert back.ok, back.error
    assert (await device.observe()).foreground_package == f"{base_url}/see"
    assert not (await device.act(PressKey(key="back"))).ok
    home = await device.act(PressKey(key="home"))  # no home page configured: not off to about:blank either
    assert not home.ok and "no home page" in (home.error or "")
    assert (await device.observe()).foreground_package == f"{base_url}/see"
