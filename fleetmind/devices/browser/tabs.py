"""Which tab of a browser context is in front.

The newest page is in front: every page the context opens (ours, a
`target=_blank` link, `window.open`) takes the front as Playwright reports it.
When the front tab closes, the most recent remaining one takes its place.
"""

from __future__ import annotations

import asyncio
import logging

from playwright.async_api import BrowserContext, Page

__all__ = ["Tabs"]

log = logging.getLogger(__name__)


class Tabs:
    """The open pages of one context and the one in front, kept current by the context's events."""

    def __init__(self, context: BrowserContext, device_id: str) -> None:
        """Follow `context` from now on; `device_id` only labels the log lines."""
        self._context = context
        self._device_id = device_id
        self._front: Page | None = None
        self.opened = asyncio.Event()  # set by every new page; the device clears it before each action
        context.on("page", self._on_new_page)

    def _on_new_page(self, page: Page) -> None:
        # Fires for every page of the context, the ones we open included.
        log.info("device %s: tab %s opened and in front", self._device_id, page.url)
        self._front = page
        self.opened.set()
        page.on("close", self._on_page_closed)

    def _on_page_closed(self, page: Page) -> None:
        if page is self._front:
            remaining = self.pages()
            self._front = remaining[-1] if remaining else None

    @property
    def front_or_none(self) -> Page | None:
        """The page in front, or None when every tab is closed."""
        if self._front is not None and self._front.is_closed():
            self._on_page_closed(self._front)
        return self._front

    def pages(self) -> list[Page]:
        """The open tabs, oldest first."""
        return [p for p in self._context.pages if not p.is_closed()]

    async def front(self) -> Page:
        """The page in front; opens an empty tab when none is left."""
        page = self.front_or_none
        if page is None:
            page = await self._context.new_page()
            self._front = page
        return page

    async def switch_to_next(self) -> Page:
        """Bring the next tab (cyclically, in opening order) to the front."""
        pages = self.pages()
        current = await self.front()
        if len(pages) > 1:
            current = pages[(pages.index(current) + 1) % len(pages)] if current in pages else pages[-1]
            await current.bring_to_front()
            self._front = current
        return current

    async def close(self, page: Page) -> Page:
        """Close `page` and bring the tab that opened it (else the newest) to the front."""
        opener = await page.opener()
        await page.close(run_before_unload=False)
        if opener is not None and not opener.is_closed():
            self._front = opener
        front = await self.front()
        await front.bring_to_front()
        return front

    async def describe(self) -> str:
        """One line listing the tabs, the front one starred: `*[0] 'Title' url; [1] ...`."""
        front = self.front_or_none
        rows = []
        for i, p in enumerate(self.pages()):
            rows.append(f"{'*' if p is front else ' '}[{i}] {await p.title()!r} {p.url}")
        return "; ".join(rows)
