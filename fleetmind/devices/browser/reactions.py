"""Waiting for what an input makes the page do, and only for that: a tab it opens, a navigation it
starts, a file it downloads.

Hooks in every document (`page_scripts.PAGE_HOOKS_JS`) tell, right after the
input, whether a tab or a download was asked for and whether the document
started replacing itself; these functions wait for exactly those events,
bounded by the device's timeouts, and say in the outcome's detail what happened.
"""

from __future__ import annotations

import asyncio
import contextlib

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from .downloads import Downloads
from .page_scripts import AFTER_INPUT_JS, NAVIGATION_DONE_JS, RESET_NAVIGATION_JS
from .tabs import Tabs

__all__ = ["after_input", "settle"]


async def settle(page: Page, downloads: Downloads, timeout_s: float) -> str:
    """Wait out a navigation the page started, if any, unless it turned into a download.
    Returns a note ('' when there is nothing to say)."""
    if page.is_closed():
        return ""
    navigated = asyncio.ensure_future(page.wait_for_function(NAVIGATION_DONE_JS, timeout=timeout_s * 1000))
    downloaded = asyncio.ensure_future(downloads.arrived.wait())
    try:
        await asyncio.wait({navigated, downloaded}, return_when=asyncio.FIRST_COMPLETED)
        if not navigated.done():  # the "navigation" is a file being saved: the page stays
            navigated.cancel()
            with contextlib.suppress(PlaywrightError):
                await page.evaluate(RESET_NAVIGATION_JS)
            return "; ".join(await downloads.collect(timeout_s))
        navigated.result()
        await page.wait_for_load_state("domcontentloaded")
    except PlaywrightTimeoutError:
        await page.evaluate(RESET_NAVIGATION_JS)
        return f"a navigation did not finish within {timeout_s:g} s"
    except PlaywrightError:
        if not page.is_closed():
            raise
    finally:
        for task in (navigated, downloaded):
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError, PlaywrightError):
            await navigated
    return ""


async def after_input(
    page: Page, detail: str, tabs: Tabs, downloads: Downloads, action_timeout_s: float, navigation_timeout_s: float
) -> str:
    """Let the page react to an input: a tab it opens comes to front, a navigation lands, a download
    it starts is saved. Returns `detail` with what happened after it."""
    notes = [detail]
    expected = {"popup": False, "download": False}
    if not page.is_closed():
        with contextlib.suppress(PlaywrightError):  # replaced by a navigation: settle() waits for it
            expected = await page.evaluate(AFTER_INPUT_JS)
    if expected["popup"] and not tabs.opened.is_set():
        try:
            await asyncio.wait_for(tabs.opened.wait(), action_timeout_s)
        except TimeoutError:
            notes.append(f"the page asked for a new tab but none opened within {action_timeout_s:g} s")
    if expected["download"] and not downloads.arrived.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(downloads.arrived.wait(), action_timeout_s)
    notes.append(await settle(page, downloads, navigation_timeout_s))
    if downloads.arrived.is_set():  # started without a navigation (a `download` link)
        notes.extend(await downloads.collect(navigation_timeout_s))
    front = tabs.front_or_none
    if front is not page:
        notes.append(f"a new tab is in front: {front.url if front else 'none'}")
    return "; ".join(n for n in notes if n)
