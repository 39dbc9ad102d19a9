"""The web UI's question box for a password or PIN: a password input, the value goes to the agent
that asked, and the conversation shows ••• (real headless Chromium, a protocol-level fake agent)."""

from __future__ import annotations

import asyncio

import pytest
from playwright.async_api import expect
from test_api import FakeAgent, served
from test_web_ui import Opener, browser, open_page, submit

from fleetmind.devices.browser.chromium import find_chromium
from fleetmind.orchestrator.server import MASKED_ANSWER
from fleetmind.protocol.messages import Answer, Assign, Question

pytestmark = [
    pytest.mark.skipif(find_chromium() is None, reason="needs Debian's chromium"),
    pytest.mark.asyncio(loop_scope="module"),
]
__all__ = ["browser", "open_page"]  # fixtures shared with test_web_ui.py
PIN = "40713985"


async def test_a_secret_question_takes_a_hidden_answer_and_shows_dots(open_page: Opener) -> None:
    async with asyncio.timeout(45), served() as (orch, server, api), FakeAgent(server.agent_url) as agent:
        await orch.wait_for_devices(1)
        page = await open_page(server.url + "/")
        await submit(page, "Log in to the Bank and tell me my balance")
        assign = await agent.next(Assign)
        await agent.send(
            Question(subtask_id=assign.subtask_id, question="Bank asks for Password. What is it?", secret=True)
        )
        box = page.locator(".msg.question").get_by_label("Answer")
        await expect(box).to_have_attribute("type", "password")
        await box.fill(PIN)
        await box.press("Enter")
        answer = await agent.next(Answer)
        assert answer.text == PIN  # the agent that asked gets the value
        await expect(page.locator(".msg.user")).to_have_text(
            ["Log in to the Bank and tell me my balance", MASKED_ANSWER]
        )
        assert PIN not in await page.content()
        task_id = assign.subtask_id.split("/", 1)[0]
        assert PIN not in (await api.get(f"/api/tasks/{task_id}/events")).text
