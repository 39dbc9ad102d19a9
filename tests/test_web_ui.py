"""The web chat UI end to end in real headless Chromium (Playwright on Debian's chromium) against
a served orchestrator with virtual phones, or a protocol-level fake agent where a test needs an
agent that asks or holds. Each test saves a screenshot in its tmp dir (pytest --basetemp=DIR
keeps them somewhere known); with FLEETMIND_UPDATE_SCREENSHOT=1 the first also refreshes
docs/ui.png for the README."""

from __future__ import annotations

import asyncio
import base64
import os
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect
from test_api import FakeAgent, served

from fleetmind.devices.browser.chromium import CHROMIUM_ARGS, find_chromium
from fleetmind.devices.virtual import VirtualPhone
from fleetmind.protocol.messages import Answer, Assign, Cancel, Progress, Question, Result

# One browser for the file (launching one takes seconds), so the tests share the module's loop.
pytestmark = [
    pytest.mark.skipif(find_chromium() is None, reason="needs Debian's chromium"),
    pytest.mark.asyncio(loop_scope="module"),
]
Opener = Callable[[str], Awaitable[Page]]
REQUEST = "Turn on Wi-Fi and dark theme, then turn on Bluetooth"
DOCS_SCREENSHOT = Path(__file__).resolve().parent.parent / "docs" / "ui.png"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(find_chromium()), args=list(CHROMIUM_ARGS))
        yield browser
        await browser.close()


@pytest_asyncio.fixture(loop_scope="module")
async def open_page(browser: Browser) -> AsyncIterator[Callable[[str], Awaitable[Page]]]:
    """Opens a page in a fresh context (no cache, storage or token from another test)."""
    contexts: list[BrowserContext] = []

    async def opener(url: str) -> Page:
        contexts.append(context := await browser.new_context(viewport={"width": 1440, "height": 900}))
        page = await context.new_page()
        page.set_default_timeout(15_000)
        await page.goto(url)
        return page

    yield opener
    for context in contexts:
        await context.close()


async def submit(page: Page, text: str) -> None:
    await page.get_by_label("Request").fill(text)
    await page.get_by_label("Request").press("Enter")


async def test_a_request_runs_to_the_end_with_the_dag_and_device_tiles_updating(
    open_page: Opener, tmp_path: Path
) -> None:
    async with asyncio.timeout(45), served(phones=2) as (_orch, server, _api):
        page = await open_page(server.url + "/")
        # Fast on loopback because everything comes from this server, nothing from a CDN (a load-time
        # budget in a unit test would only measure how busy the machine is).
        load_ms = await page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
        hosts = await page.evaluate(
            "[...new Set(performance.getEntriesByType('resource').map(r => new URL(r.name).host))]"
        )
        assert load_ms > 0 and set(hosts) <= {server.url.split("//", 1)[1].rstrip("/")}, hosts
        await expect(page.locator("[data-device]")).to_have_count(2)
        # Record every status a subtask node and a device tile shows, to see them change live.
        await page.evaluate("""() => {
            window.seen = {nodes: new Set(), busy: new Set()};
            new MutationObserver(() => {
                document.querySelectorAll('[data-subtask]').forEach(n => window.seen.nodes.add(n.dataset.status));
                document.querySelectorAll('.device.busy').forEach(d => window.seen.busy.add(d.dataset.device));
            }).observe(document.body, {subtree: true, childList: true, attributes: true});
        }""")
        await submit(page, REQUEST)

        result = page.locator(".msg.result")
        await expect(page.locator(".conversation .msg").first).to_have_text(REQUEST)
        await expect(result).to_contain_text("Done.")
        for output in ["Wi-Fi on", "Dark theme on", "Bluetooth on"]:
            await expect(result).to_contain_text(output)
        await expect(page.locator("[data-subtask][data-status=succeeded]")).to_have_count(3)
        await expect(page.locator("#dag path.edge")).to_have_count(2)
        await expect(page.locator("#task-status")).to_have_text("succeeded")
        await expect(page.locator("#task-stats")).to_contain_text("rule")
        await expect(page.locator("#task-list li").first).to_contain_text(REQUEST)
        await expect(page.locator("[data-device=phone-1] .tier")).to_have_text("rule")
        await expect(page.locator("[data-device=phone-2] .step")).to_contain_text("done")
        seen = await page.evaluate("({nodes: [...window.seen.nodes], busy: [...window.seen.busy]})")
        assert "running" in seen["nodes"] and "succeeded" in seen["nodes"], seen
        assert seen["busy"], "no device tile ever showed a running subtask"

        await page.locator("[data-subtask=s3]").click()
        panel = page.locator("#subtask")
        await expect(panel).to_contain_text("Turn on Bluetooth")
        await expect(panel).to_contain_text("result = Bluetooth on")
        await expect(panel.locator(".steps li")).not_to_have_count(0)
        await page.screenshot(path=tmp_path / "finished.png")
        if os.environ.get("FLEETMIND_UPDATE_SCREENSHOT"):  # a test run leaves tracked files alone
            shutil.copy(tmp_path / "finished.png", DOCS_SCREENSHOT)


async def test_an_agents_question_is_answered_inline(open_page: Opener, tmp_path: Path) -> None:
    async with asyncio.timeout(45), served() as (orch, server, _api), FakeAgent(server.agent_url) as agent:
        await orch.wait_for_devices(1)
        page = await open_page(server.url + "/")
        await submit(page, "Send the weekly report to Ada Lovelace")
        assign = await agent.next(Assign)
        screen = await VirtualPhone(device_id="phone-9").observe()
        assert screen.screenshot is not None
        await agent.send(
            Progress(
                subtask_id=assign.subtask_id,
                step=1,
                action={"kind": "launch_app", "app": "Messages"},
                summary="open Messages",
                tier="local",
                why="the local model ranked it first",
                thumbnail_png_b64=base64.b64encode(screen.screenshot).decode(),
            )
        )
        await agent.send(Question(subtask_id=assign.subtask_id, question="Send the report to Ada now?", kind="confirm"))
        tile = page.locator("[data-device=phone-9]")
        await expect(tile.locator("img")).to_be_visible()
        await expect(tile.locator(".step")).to_contain_text("open Messages")
        await expect(tile.locator(".why")).to_have_text("the local model ranked it first")

        question = page.locator(".msg.question")
        await expect(question).to_contain_text("Send the report to Ada now?")
        await expect(page.locator("[data-subtask=s1]")).to_have_attribute("data-status", "running")
        await page.screenshot(path=tmp_path / "question.png")
        await question.get_by_role("button", name="Yes").click()
        answer = await agent.next(Answer)
        assert answer.text == "yes" and answer.subtask_id == assign.subtask_id
        await expect(page.locator(".msg.user")).to_have_text(["Send the weekly report to Ada Lovelace", "yes"])
        await expect(question.get_by_role("button")).to_have_count(0)  # answered: no more buttons

        await agent.send(Result(subtask_id=assign.subtask_id, status="succeeded", outputs={"sent": "report"}))
        await expect(page.locator(".msg.result")).to_contain_text("sent")
        await expect(page.locator("#task-status")).to_have_text("succeeded")
        await page.screenshot(path=tmp_path / "answered.png")


async def test_a_running_task_is_cancelled(open_page: Opener, tmp_path: Path) -> None:
    async with asyncio.timeout(45), served() as (orch, server, _api), FakeAgent(server.agent_url) as agent:
        await orch.wait_for_devices(1)
        page = await open_page(server.url + "/")
        await submit(page, "Wait for the bus")
        held = await agent.next(Assign)
        await expect(page.locator("[data-subtask=s1]")).to_have_attribute("data-status", "running")
        await expect(page.locator("[data-device=phone-9]")).to_have_class("device busy")
        await page.get_by_role("button", name="Cancel").click()
        cancel = await agent.next(Cancel)
        assert cancel.subtask_id == held.subtask_id
        await expect(page.locator("#task-status")).to_have_text("cancelled")
        await expect(page.locator(".msg.result")).to_contain_text("cancelled")
        await expect(page.get_by_role("button", name="Cancel")).to_be_hidden()
        await expect(page.locator("[data-device=phone-9]")).to_have_class("device")  # idle again
        await expect(page.locator("#task-list li").first).to_contain_text("cancelled")
        await page.screenshot(path=tmp_path / "cancelled.png")


async def test_a_wrong_token_is_refused_and_the_right_one_kept_for_the_tab(open_page: Opener, tmp_path: Path) -> None:
    async with asyncio.timeout(45), served(token="s3cret", phones=1) as (_orch, server, _api):
        page = await open_page(server.url + "/")
        dialog = page.locator("#token-dialog")
        await expect(dialog).to_be_visible()
        await page.get_by_label("Token").fill("wrong")
        await page.get_by_role("button", name="Use token").click()
        await expect(dialog).to_contain_text("wrong token")
        await page.screenshot(path=tmp_path / "wrong-token.png")
        await expect(page.locator("[data-device]")).to_have_count(0)

        await page.get_by_label("Token").fill("s3cret")
        await page.get_by_role("button", name="Use token").click()
        await expect(dialog).to_be_hidden()
        await expect(page.locator("[data-device=phone-1]")).to_be_visible()
        await expect(page.locator("#conn")).to_have_text("live")
        assert await page.evaluate("sessionStorage.getItem('fleetmind.token')") == "s3cret"

        # The URL serve prints carries the token in its fragment: no dialog at all.
        other = await open_page(server.url + "/#token=s3cret")
        await expect(other.locator("[data-device=phone-1]")).to_be_visible()
        await expect(other.locator("#token-dialog")).to_be_hidden()
        assert "token" not in other.url
