"""Forms as pages write them, in real Chromium: a label before a field without `for`, unnamed date and
time fields, icon buttons named by their class or by a word inside them, date and time values typed
as people write them; and the agent filling a login form and pressing the button the request names."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import pytest_asyncio

from fleetmind.agents.loop import GuiAgent, SubtaskSpec
from fleetmind.agents.records import StepRecord
from fleetmind.devices.base import LaunchApp, Observation, SelectOption, Tap, Target, TypeText, UIElement
from fleetmind.devices.browser import BrowserDevice, find_chromium

if find_chromium() is None:
    pytest.skip(
        "Debian's chromium is not installed (scripts/install-system-deps.sh installs it)", allow_module_level=True
    )

pytestmark = pytest.mark.asyncio(loop_scope="module")

FORM = """<!doctype html><title>Sign in</title>
<p><label>Username</label><input type="text" id="u"></p>
<p><label>Password:</label><input type="password" id="p"></p>
<p><textarea id="note" aria-label="Note">Two  spaces, a line
and a trailing space </textarea></p>
<p><input type="date" id="when"> <input type="time" id="at"></p>
<div style="cursor:pointer;width:220px">
  <span class="reply" onclick="document.body.dataset.hit='reply'"><div>Reply</div></span>
  <span class="forward" onclick="document.body.dataset.hit='forward'"><div>Forward</div></span>
</div>
<span class="fa fa-trash" style="display:inline-block;width:16px;height:16px;background:#999"
  onclick="document.body.dataset.hit='trash'"></span>
<p><input type="range" id="vol" min="0" max="50" step="5" value="10" aria-label="Volume"></p>
<div id="temp-slider" style="width:120px;height:12px;background:#ccc" onclick="">
  <span id="knob" class="handle" tabindex="0"
    style="display:inline-block;width:12px;height:12px;background:#333"></span>
</div><span id="readout">20</span>
<script>
  let t = 20;  // a slider drawn by a page: its handle takes the keys, the page writes its value beside it
  document.getElementById('knob').addEventListener('keydown', (e) => {
    if (e.key === 'Home') t = -10; else if (e.key === 'ArrowRight') t = Math.min(30, t + 2);
    else if (e.key === 'ArrowLeft') t = Math.max(-10, t - 2); else return;
    document.getElementById('readout').textContent = t;
  });
</script>
<p><button id="go" onclick="document.body.dataset.sent=document.getElementById('u').value + '/'
  + document.getElementById('p').value">Login</button>
  <button onclick="document.body.dataset.sent='help'">Help</button></p>
"""


class _App(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        body = FORM.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _App)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/form"
    server.shutdown()
    server.server_close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def device() -> AsyncIterator[BrowserDevice]:
    dev = BrowserDevice(navigation_timeout_s=10)
    await dev.start()
    yield dev
    await dev.close()


async def fresh(device: BrowserDevice, url: str) -> Observation:
    assert (await device.act(LaunchApp(app=url))).ok
    return await device.observe()


def named(obs: Observation, label: str) -> UIElement:
    return next(e for e in obs.elements if e.label == label and (e.editable or e.clickable))


async def test_fields_and_icon_buttons_are_named_as_a_person_reads_them(device: BrowserDevice, url: str) -> None:
    obs = await fresh(device, url)
    fields = {e.description for e in obs.elements if e.editable}
    assert {"Username", "Password", "date", "time"} <= fields  # "Password:" is the field Password
    for word in ("Reply", "Forward", "trash"):
        assert (await device.act(Tap(target=Target(element=named(obs, word).id)))).ok
        assert await device.page.evaluate("document.body.dataset.hit") == word.lower()


async def test_a_fields_value_is_reported_as_it_is_spaces_and_all(device: BrowserDevice, url: str) -> None:
    obs = await fresh(device, url)
    note = next(e for e in obs.elements if e.description == "Note")
    assert note.text == "Two  spaces, a line\nand a trailing space "  # what a copy would copy


async def test_dates_and_times_are_typed_as_people_write_them(device: BrowserDevice, url: str) -> None:
    obs = await fresh(device, url)
    for field, said, stored in [("date", "05/20/2010", "2010-05-20"), ("time", "9:37 PM", "21:37")]:
        el = next(e for e in obs.elements if e.description == field)
        assert (await device.act(TypeText(text=said, target=Target(element=el.id), clear=True))).ok
        kind = "when" if field == "date" else "at"
        assert await device.page.evaluate(f"document.getElementById('{kind}').value") == stored


async def test_the_agent_fills_a_login_form_and_presses_the_button_the_request_names(
    device: BrowserDevice, url: str
) -> None:
    await fresh(device, url)
    goal = 'Log in with the username "ada" and the password "pw-1", then click Login'
    steps: list[str] = []

    async def seen(record: StepRecord) -> None:
        steps.append(record.summary)

    result = await GuiAgent(device).run(SubtaskSpec(goal=goal), on_step=seen)
    assert await device.page.evaluate("document.body.dataset.sent") == "ada/pw-1"  # not Help, nothing else
    assert result.status == "succeeded" and not result.verified, result.summary  # pressed, not seen done
    assert len(steps) <= 4, steps  # two fields, the button, done


async def test_sliders_are_set_to_a_number_natively_or_by_their_handle(device: BrowserDevice, url: str) -> None:
    obs = await fresh(device, url)
    volume = next(e for e in obs.elements if e.description == "Volume")
    assert (await device.act(SelectOption(target=Target(element=volume.id), option="35"))).ok
    assert await device.page.evaluate("document.getElementById('vol').value") == "35"
    drawn = next(e for e in obs.elements if e.resource_id == "temp-slider")
    assert (await device.act(SelectOption(target=Target(element=drawn.id), option="14"))).ok
    assert await device.page.evaluate("document.getElementById('readout').textContent") == "14"
    off_step = await device.act(SelectOption(target=Target(element=drawn.id), option="15"))
    assert not off_step.ok and "not 15" in (off_step.error or "")  # between its steps: said, not faked
