"""Screens without a readable element tree: OCR text elements, their taps, and the agent on them.

Pure parts (unreadable trees, phrase grouping, switch states, target translation,
when OCR must not run) need no Tesseract; the rest runs Debian's tesseract on real
screenshots: a VirtualPhone drawn without a hierarchy, and a canvas-only page in
real Chromium served on loopback.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytesseract  # type: ignore[import-untyped]
import pytest
import pytest_asyncio

from fleetmind.agents.loop import GuiAgent, StepRecord, SubtaskSpec
from fleetmind.agents.models import ScriptedModel
from fleetmind.agents.perception import OcrEnricher, resolve_ocr_targets, tesseract_status, unreadable
from fleetmind.agents.perception.enrich import phrase_elements
from fleetmind.agents.perception.ocr import Phrase, Word, group_phrases
from fleetmind.devices.base import Bounds, Drag, LaunchApp, Observation, Tap, Target, UIElement
from fleetmind.devices.browser import BrowserDevice, find_chromium
from fleetmind.devices.virtual import VirtualPhone

HAS_TESSERACT = tesseract_status()[0] is not None
needs_tesseract = pytest.mark.skipif(
    not HAS_TESSERACT, reason="tesseract is not installed (scripts/install-system-deps.sh installs it)"
)
needs_chromium = pytest.mark.skipif(find_chromium() is None, reason="Debian's chromium is not installed")


def box(left: int, top: int, right: int, bottom: int) -> Bounds:
    return Bounds(left=left, top=top, right=right, bottom=bottom)


def word(text: str, left: int, top: int, width: int, line: int = 1, conf: float = 95.0) -> Word:
    return Word(text, box(left, top, left + width, top + 20), conf, (1, 1, line))


def observation(elements: list[UIElement], **kw: Any) -> Observation:
    return Observation(device_id="d", screen_width=1000, screen_height=800, elements=elements, **kw)


# --- pure: grouping, when a tree is unreadable, switches, targets ------------------------------


def test_words_group_into_phrases_split_at_wide_gaps_and_after_a_label() -> None:
    words = [
        word("Airplane", 10, 10, 80),
        word("mode", 96, 10, 50),  # a word space: one phrase
        word("Cancel", 400, 10, 60),  # far to the right: a new phrase
        word("Order", 10, 60, 50, line=2),
        word("total:", 66, 60, 50, line=2),
        word("$42.50", 122, 60, 60, line=2),  # after a label's colon: its value
        word("|", 300, 60, 4, line=2),  # a rule, read as a bar
        word("Maybe", 400, 60, 50, line=2, conf=20),  # too unsure
    ]
    assert [(p.text, p.bounds) for p in group_phrases(words)] == [
        ("Airplane mode", box(10, 10, 146, 30)),
        ("Cancel", box(400, 10, 460, 30)),
        ("Order total:", box(10, 60, 116, 80)),
        ("$42.50", box(122, 60, 182, 80)),
    ]


def test_unreadable_trees_and_readable_ones() -> None:
    screen = box(0, 0, 1000, 800)
    assert unreadable(observation([])) is not None
    assert unreadable(observation([])).regions == (screen,)  # type: ignore[union-attr]
    bare = [UIElement(id="e1", cls="android.view.View", bounds=box(0, 0, 1000, 800), clickable=True)]
    assert unreadable(observation(bare)).whole_screen  # type: ignore[union-attr]
    # a canvas reported as an element (or a game's surface), the nav bar readable beside it
    canvas = UIElement(id="e1", cls="canvas", resource_id="c", bounds=box(0, 0, 1000, 720))
    back = UIElement(id="e2", cls="button", description="Back", bounds=box(0, 720, 100, 800), clickable=True)
    blind = unreadable(observation([canvas, back]))
    assert blind is not None and blind.regions == (box(0, 0, 1000, 720),) and not blind.whole_screen
    assert "canvas covers 90%" in blind.reason
    # the same big container with readable things inside it is a normal screen
    inside = UIElement(id="e3", text="Bluetooth", bounds=box(10, 10, 300, 60), clickable=True)
    assert unreadable(observation([canvas, back, inside])) is None
    phone = VirtualPhone()
    phone.perform(LaunchApp(app="Settings"))
    assert unreadable(phone.snapshot(screenshot=False)) is None


def test_short_names_are_tappable_values_labels_and_sentences_are_text_and_on_off_makes_a_switch() -> None:
    phrases = [
        Phrase("Bluetooth", box(50, 470, 170, 490), 96),
        Phrase("Off", box(50, 530, 80, 550), 90),
        Phrase("Order total:", box(50, 600, 200, 620), 95),
        Phrase("$42.50", box(210, 600, 290, 620), 95),
        Phrase("Name is required", box(50, 700, 300, 720), 95),
        Phrase("Submit", box(600, 420, 680, 440), 96),
    ]
    els = {e.text: e for e in phrase_elements(phrases)}
    assert [e.id for e in els.values()] == ["ocr1", "ocr2", "ocr3", "ocr4", "ocr5", "ocr6"]
    assert {t for t, e in els.items() if e.clickable} == {"Bluetooth", "Submit"}
    assert els["Bluetooth"].checkable and not els["Bluetooth"].checked
    assert not els["Submit"].checkable
    assert "Order total" in els  # a label loses its colon, so it reads as the tree would name it
    assert all(e.cls == "ocr.Text" for e in els.values())


def test_actions_on_ocr_elements_become_taps_on_their_centres() -> None:
    ocr = UIElement(id="ocr3", cls="ocr.Text", text="Submit", bounds=box(600, 420, 680, 440), clickable=True)
    real = UIElement(id="e1", text="Back", bounds=box(0, 0, 10, 10), clickable=True)
    obs = observation([real, ocr])
    assert resolve_ocr_targets(Tap(target=Target(element="ocr3"), why="w"), obs) == Tap(
        target=Target(x=640, y=430), why="w"
    )
    drag = resolve_ocr_targets(Drag(start=Target(element="ocr3"), end=Target(element="e1")), obs)
    assert isinstance(drag, Drag)
    assert (drag.start, drag.end) == (Target(x=640, y=430), Target(element="e1"))
    same = Tap(target=Target(element="e1"))
    assert resolve_ocr_targets(same, obs) is same
    unknown = Tap(target=Target(element="ocr9"))  # not in this observation: the device will refuse it
    assert resolve_ocr_targets(unknown, obs) is unknown


async def test_ocr_never_runs_on_secure_screens_without_screenshots_or_on_readable_trees() -> None:
    calls: list[Bounds] = []

    def engine(png: bytes, region: Bounds, screen: tuple[int, int]) -> list[Word]:
        calls.append(region)
        return [word("Submit", 100, 100, 80)]

    enricher = OcrEnricher(engine=engine)
    secure = observation([], screenshot=b"\x89PNG...", secure=True)
    out = await enricher.enrich(secure)
    assert out.elements == [] and "OCR not run: the screen is secure" in out.notes[-1]
    blocked = observation([], screenshot_error="FLAG_SECURE: screenshots are blocked")
    assert "OCR not run: there is no screenshot (FLAG_SECURE" in (await enricher.enrich(blocked)).notes[-1]
    readable = observation([UIElement(id="e1", text="Hello", bounds=box(0, 0, 10, 10))], screenshot=b"png")
    assert await enricher.enrich(readable) is readable
    assert calls == []
    # a blind screen is read once per screenshot; the digest follows what was read
    blind = observation([], screenshot=b"png-1")
    first = await enricher.enrich(blind)
    again = await enricher.enrich(blind)
    assert [e.text for e in first.elements] == ["Submit"] and again.elements == first.elements
    assert calls == [box(0, 0, 1000, 800)] and enricher.passes == 1
    assert first.digest != blind.digest
    assert "text elements (ocr1..) read from the screenshot by OCR" in first.notes[-1]


async def test_without_tesseract_the_observation_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    import fleetmind.agents.perception.enrich as enrich

    monkeypatch.setattr(enrich, "tesseract_status", lambda: (None, "tesseract is not installed; install it"))
    out = await OcrEnricher().enrich(observation([], screenshot=b"png"))
    assert out.elements == []
    assert out.notes[-1] == "the device reports no elements; OCR unavailable: tesseract is not installed; install it"


# --- real Tesseract on a VirtualPhone drawn without a hierarchy ---------------------------------


def test_phone_without_hierarchy_draws_the_screen_but_reports_no_elements() -> None:
    plain, blind = VirtualPhone(), VirtualPhone(hierarchy=False)
    for p in (plain, blind):
        p.perform(LaunchApp(app="Settings"))
    seen = blind.snapshot()
    assert seen.elements == [] and seen.screenshot == plain.snapshot().screenshot
    assert "<node" not in blind.ui_xml() and "<node" in plain.ui_xml()


@needs_tesseract
async def test_ocr_reads_the_phone_labels_where_the_tree_has_them() -> None:
    phone = VirtualPhone()
    phone.perform(LaunchApp(app="Settings"))
    truth = phone.snapshot()
    blind = truth.model_copy(update={"elements": []})
    read = await OcrEnricher().enrich(blind)
    for label in ("Wi-Fi", "Bluetooth", "Airplane mode", "Dark theme", "Brightness", "Language"):
        ocr = next(e for e in read.elements if e.text == label)
        tree = next(e for e in truth.elements if e.text == label and not e.checkable)
        assert tree.bounds.contains(*ocr.bounds.center), (label, ocr.bounds, tree.bounds)
        assert ocr.clickable
    bluetooth = next(e for e in read.elements if e.text == "Bluetooth")
    assert bluetooth.checkable and not bluetooth.checked  # "Off" under it
    # tesseract's child ran on one OpenMP thread; this process's own OpenMP users keep theirs
    assert pytesseract.pytesseract.environ["OMP_THREAD_LIMIT"] == os.environ.get("OMP_THREAD_LIMIT", "1")


@needs_tesseract
async def test_agent_turns_on_bluetooth_on_a_phone_without_hierarchy() -> None:
    phone = VirtualPhone(hierarchy=False)
    steps: list[StepRecord] = []

    async def on_step(record: StepRecord) -> None:
        steps.append(record)

    agent = GuiAgent(phone)
    result = await agent.run(SubtaskSpec(goal="Turn on Bluetooth"), on_step=on_step)
    assert phone.state.settings.bluetooth
    assert result.status == "succeeded" and result.verified, result.summary
    taps = [s.action for s in steps if isinstance(s.action, Tap)]
    assert len(taps) == 1 and taps[0].target.element is not None and taps[0].target.element.startswith("ocr")
    assert agent.ocr is not None and agent.ocr.passes <= len(steps) + 1


@needs_tesseract
async def test_a_model_sees_ocr_elements_and_its_tap_on_one_lands_on_the_pixels() -> None:
    phone = VirtualPhone(hierarchy=False)
    shown: list[str] = []

    def reply(messages: list[dict[str, str]], schema: Any) -> dict[str, Any]:
        screen = messages[-1]["content"]
        shown.append(screen)
        if "'Bluetooth'" not in screen:
            return {"thought": "settings", "action": {"kind": "launch_app", "app": "Settings"}}
        if phone.state.settings.bluetooth:
            return {"thought": "on now", "action": {"kind": "done", "answer": "Bluetooth is on"}}
        line = next(ln for ln in screen.splitlines() if "'Bluetooth'" in ln)
        element = re.search(r"ocr\d+", line)
        assert element is not None, line
        return {"thought": "tap it", "action": {"kind": "tap", "target": {"element": element.group()}}}

    steps: list[StepRecord] = []

    async def on_step(record: StepRecord) -> None:
        steps.append(record)

    spec = SubtaskSpec(goal="Turn on Bluetooth", tier_policy="cloud-only")
    result = await GuiAgent(phone, cloud=ScriptedModel(reply)).run(spec, on_step=on_step)
    assert phone.state.settings.bluetooth and result.status == "succeeded", result.summary
    assert [s.tier for s in steps] == ["cloud", "cloud", "cloud"]
    assert isinstance(steps[1].action, Tap) and steps[1].summary == "tap 'Bluetooth'"


@needs_tesseract
async def test_agent_without_ocr_stays_blind() -> None:
    phone = VirtualPhone(hierarchy=False)
    agent = GuiAgent(phone, ocr=False)
    spec = SubtaskSpec(goal="Turn on Bluetooth")
    spec.budget.max_steps = 4
    await agent.run(spec)
    assert not phone.state.settings.bluetooth


# --- real Tesseract on a canvas-only page in Chromium ------------------------------------------

CANVAS = """<!doctype html><title>Checkout</title><style>body{margin:0}</style>
<canvas id="c" width="1280" height="720"></canvas>
<script>
  const c = document.getElementById('c'), g = c.getContext('2d');
  const button = {x: 540, y: 400, w: 200, h: 64};
  window.clicks = [];
  function draw(lines) {
    g.fillStyle = '#fff'; g.fillRect(0, 0, c.width, c.height);
    g.fillStyle = '#222'; g.font = '32px sans-serif';
    lines.forEach((line, i) => g.fillText(line, 480, 200 + 60 * i));
    g.fillStyle = '#1a73e8'; g.fillRect(button.x, button.y, button.w, button.h);
    g.fillStyle = '#fff'; g.font = '28px sans-serif'; g.fillText('Submit', button.x + 56, button.y + 42);
  }
  draw(['Order total: $42.50', 'Waiting']);
  c.addEventListener('click', (e) => {
    const r = c.getBoundingClientRect(), x = e.clientX - r.left, y = e.clientY - r.top;
    if (x >= button.x && x < button.x + button.w && y >= button.y && y < button.y + button.h) {
      window.clicks.push([Math.round(x), Math.round(y)]);
      draw(['Order total: $42.50', 'Order number: 58213']);
    }
  });
</script>"""


class _Page(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        body = CANVAS.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - base class signature
        pass


@pytest.fixture(scope="module")
def canvas_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/checkout"
    server.shutdown()
    server.server_close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def chromium(canvas_url: str) -> AsyncIterator[BrowserDevice]:
    device = BrowserDevice("browser-1", start_url=canvas_url)
    await device.start()
    yield device
    await device.close()


@pytest_asyncio.fixture(loop_scope="module")
async def browser(chromium: BrowserDevice, canvas_url: str) -> BrowserDevice:
    """The module's browser on a freshly loaded canvas page."""
    assert (await chromium.act(LaunchApp(app=canvas_url))).ok
    return chromium


@needs_tesseract
@needs_chromium
@pytest.mark.asyncio(loop_scope="module")  # one Chromium serves both
async def test_agent_taps_a_canvas_button_and_reads_the_answer_drawn_after_it(browser: BrowserDevice) -> None:
    steps: list[StepRecord] = []

    async def on_step(record: StepRecord) -> None:
        steps.append(record)

    spec = SubtaskSpec(goal="Submit the order, then tell me the order number", outputs=["result"], confirm="allow")
    result = await GuiAgent(browser).run(spec, on_step=on_step)
    clicks = await browser.page.evaluate("window.clicks")
    assert len(clicks) == 1
    x, y = clicks[0]
    assert 540 <= x < 740 and 400 <= y < 464  # inside the drawn button
    first = steps[0].action
    assert isinstance(first, Tap) and first.target.element is not None and first.target.element.startswith("ocr")
    assert result.status == "succeeded" and result.verified, result.summary
    assert "58213" in result.outputs["result"]


@needs_tesseract
@needs_chromium
@pytest.mark.asyncio(loop_scope="module")  # one Chromium serves both
async def test_canvas_page_observation_gains_ocr_text(browser: BrowserDevice) -> None:
    obs = await browser.observe()
    assert unreadable(obs) is not None  # a canvas element, or no elements: either is blind
    read = await OcrEnricher().enrich(obs)
    texts = {e.text: e for e in read.elements if e.cls == "ocr.Text"}
    assert {"Order total", "$42.50", "Waiting", "Submit"} <= texts.keys()
    assert texts["Submit"].clickable and not texts["$42.50"].clickable
    assert any("read from the screenshot by OCR" in n for n in read.notes)


def test_doctor_reports_tesseract_and_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import fleetmind.agents.perception as perception
    from fleetmind.doctor import check_ocr

    monkeypatch.setattr(perception, "tesseract_status", lambda: (None, "tesseract is not installed"))
    (missing,) = check_ocr()
    assert missing.status == "warn" and "tesseract-ocr tesseract-ocr-eng" in missing.fix
    monkeypatch.setattr(perception, "tesseract_status", lambda: ("tesseract 5.3.0", ""))
    (found,) = check_ocr()
    assert found.status == "ok" and "tesseract 5.3.0" in found.detail
