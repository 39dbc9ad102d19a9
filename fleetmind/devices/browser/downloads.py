"""Files the pages of one browser context download, so a click that downloads returns at once.

A link to a file starts a navigation that never replaces the page; without this,
the device would wait for that navigation until its timeout. Every page reports
its downloads here (`watch`), the device races them against navigations, and
`collect` saves what arrived and says where it is.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from playwright.async_api import Download, Page
from playwright.async_api import Error as PlaywrightError

__all__ = ["Downloads"]

log = logging.getLogger(__name__)


class Downloads:
    """The downloads of one context; `arrived` is set by each new one until `collect` takes them."""

    def __init__(self, directory: Path | None, device_id: str) -> None:
        """Save into `directory` (created when needed); None leaves files in Playwright's temporary
        directory, which is deleted when the browser closes. `device_id` only labels the log lines."""
        self.directory = directory
        self._device_id = device_id
        self._pending: list[Download] = []
        self.arrived = asyncio.Event()
        self.saved: list[Path] = []
        """Every file downloaded so far, oldest first."""

    def watch(self, page: Page) -> None:
        """Report this page's downloads."""
        page.on("download", self._on_download)

    def _on_download(self, download: Download) -> None:
        log.info("device %s: download of %s started", self._device_id, download.suggested_filename)
        self._pending.append(download)
        self.arrived.set()

    async def collect(self, timeout_s: float) -> list[str]:
        """Wait (at most `timeout_s` each) for the downloads that arrived to finish; one note per file."""
        pending, self._pending = self._pending, []
        self.arrived.clear()
        return [await self._finish(d, timeout_s) for d in pending]

    async def _finish(self, download: Download, timeout_s: float) -> str:
        name = download.suggested_filename
        try:
            if self.directory is not None:
                self.directory.mkdir(parents=True, exist_ok=True)
                path = _free_path(self.directory / name)
                await asyncio.wait_for(download.save_as(path), timeout_s)
            else:
                path = await asyncio.wait_for(download.path(), timeout_s)
        except TimeoutError:
            return f"download of {name} from {download.url} still running after {timeout_s:g} s"
        except PlaywrightError as exc:
            failure = await download.failure()
            return f"download of {name} failed: {failure or str(exc).splitlines()[0]}"
        self.saved.append(path)
        return f"downloaded {name} ({path.stat().st_size} bytes) to {path}"


def _free_path(path: Path) -> Path:
    """`path`, or `stem (2).ext`, `stem (3).ext` ... when a file of that name exists, as browsers do."""
    n = 2
    candidate = path
    while candidate.exists():
        candidate = path.with_name(f"{path.stem} ({n}){path.suffix}")
        n += 1
    return candidate
