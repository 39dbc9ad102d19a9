"""Browser agents on the offline VirtualWeb in real Chromium, and a mixed fleet end to end."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from typer.testing import CliRunner

from fleetmind.agents.loop import GuiAgent, SubtaskSpec
from fleetmind.cli import app
from fleetmind.devices.base import PressKey
from fleetmind.devices.browser import BrowserDevice, find_chromium
from fleetmind.devices.virtual.web import VirtualWeb

pytestmark = pytest.mark.skipif(find_chromium() is None, reason="Debian's chromium is not installed (make install)")


@pytest.fixture(scope="module")
def web() -> Any:
    with VirtualWeb(seed=7) as site:
        yield site


@pytest.fixture
async def browser(web: VirtualWeb) -> AsyncIterator[BrowserDevice]:
    device = BrowserDevice("browser-1", start_url=web.url)
    await device.start()
    yield device
    await device.close()


async def test_weather_lookup_returns_the_forecast_the_site_shows(web: VirtualWeb, browser: BrowserDevice) -> None:
    result = await GuiAgent(browser).run(SubtaskSpec(goal="Look up the weather in Kyoto", outputs=["result"]))
    assert result.status == "succeeded"
    assert result.outputs["result"] == f"Weather in Kyoto: {web.forecast('Kyoto')}"
    assert web.state.forecasts[-1] == "Kyoto"


async def test_question_about_a_name_searches_and_reads_the_article(
    web: VirtualWeb, browser: BrowserDevice, local_model: Any
) -> None:
    await browser.act(PressKey(key="home"))
    result = await GuiAgent(browser, local=local_model).run(
        SubtaskSpec(goal="Find out who Grace Hopper was in the encyclopedia", outputs=["result"])
    )
    assert result.status == "succeeded"
    assert "compiler" in result.outputs["result"]
    assert web.state.searches[-1] == "Grace Hopper"


def test_mixed_fleet_data_flows_from_browser_to_phone() -> None:
    request = "Look up the weather in Paris on the web, then send it to Ada Lovelace by SMS"
    result = CliRunner().invoke(app, ["run", "--devices", "phone:1,browser:1", "--yes", "--json", request])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    s1, s2 = data["subtasks"]
    assert s1["device_id"] == "browser-1" and s2["device_id"] == "phone-1"
    (forecast,) = s1["result"]["outputs"].values()  # the planner names the output after what is asked
    assert forecast.startswith("Weather in Paris: ")
    assert s2["result"]["verified"], s2["result"]["summary"]
    assert forecast in s2["result"]["summary"]  # the phone shows the sent forecast in the thread
