"""Where `press_key back` may go: never off the page a task started on, never to an empty page.

The device anchors the tab's history entry that `launch_app` (or `home`, or the
start) opened: that is the page the agent's subtask started on. Back from there,
or back onto `about:blank` or an error page, is refused with a reason, because
it would leave the task's page for nothing useful. Chromium's history (through
CDP's `Page.getNavigationHistory`) is read rather than the page's own
`history`, which a page script can rewrite and which hides other origins' entries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from playwright.async_api import Page

from .rejection import Rejected

__all__ = ["Anchor", "anchor_of", "check_back"]

_NOWHERE = ("about:blank", "chrome-error://", "chrome://", "data:,")


@dataclass(frozen=True)
class Anchor:
    """The history entry of one tab that a task started on."""

    page: Page
    entry_id: int
    url: str


async def _history(page: Page) -> tuple[int, list[dict[str, Any]]]:
    cdp = await page.context.new_cdp_session(page)
    try:
        history = await cdp.send("Page.getNavigationHistory")
    finally:
        await cdp.detach()
    return int(history["currentIndex"]), list(history["entries"])


async def anchor_of(page: Page) -> Anchor:
    """An anchor at the page's current history entry."""
    index, entries = await _history(page)
    return Anchor(page=page, entry_id=int(entries[index]["id"]), url=str(entries[index]["url"]))


async def check_back(page: Page, anchor: Anchor | None) -> bool:
    """Whether this tab has an entry to go back to. Raises `Rejected` when going back would leave
    the anchored page or land on an empty or error page."""
    index, entries = await _history(page)
    if anchor is not None and anchor.page is page:
        at = next((i for i, e in enumerate(entries) if int(e["id"]) == anchor.entry_id), None)
        if at is not None and index <= at:
            raise Rejected(
                f"{page.url} is the page this task started on; back would leave it"
                + (f" for {entries[index - 1]['url']}" if index > 0 else "")
                + ". Stay on it (scroll, tap, or finish), or launch_app a URL when the goal asks for another page"
            )
    if index == 0:
        return False
    previous = str(entries[index - 1]["url"])
    if previous.startswith(_NOWHERE):
        raise Rejected(
            f"back from {page.url} would land on an empty page ({previous}); "
            "stay here, or launch_app a URL when the goal asks for another page"
        )
    return True
