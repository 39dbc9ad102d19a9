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
from fleetmind.devices.base import LaunchApp, Observation, Tap, Target, TypeText, UIElement
from fleetmind.devices.browser import BrowserDevice, find_chromium

if find_chromium() is None:
    pytest.skip(
        "Debian's chromium is not installed (scripts/install-system-deps.sh installs it)", allow_module_level=True
    )

pytestmark = pytest.mark.asyncio(loop_scope="module")

FORM = """<!doctype html><title>Sign in</title>
<p><label>Username</label><input type="text" id="u"></p>
<p><label>Password:</label><input type="password" id="p"></p>
<p><input type="date" id="when"> <input type="time" id="at"></p>
<div style="cursor:pointer;width:220px">
  <span class="reply" onclick="document.body.dataset.hit='reply'"><div>Reply</div></span>
  <span class="forward" onclick="document.body.dataset.hit='forward'"><div>Forward</div></span>
</div>
<span class="fa fa-trash" style="display:inline-block;width:16px;height:16px;background:#999"
  onclick="document.body.dataset.hit='trash'"></span>
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
