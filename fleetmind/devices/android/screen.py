"""Reading an Android screen over adb: the screenshot and the UI hierarchy, each bounded.

A capture that is not a PNG, or is all black (an app with FLAG_SECURE), gives no
image and says why. A hierarchy dump that hangs is abandoned after its timeout
and tried once more; after that the observation has no elements and its notes
say so.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Callable
from typing import Any

from PIL import Image

from ..base import UIElement
from .link import AdbLink, DumpTimeout
from .uidump import HierarchyError, parse_hierarchy

__all__ = ["PNG_MAGIC", "capture_screen", "dump_hierarchy", "read_hierarchy"]

log = logging.getLogger(__name__)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _all_black(png: bytes) -> bool:
    with Image.open(io.BytesIO(png)) as image:
        return image.convert("L").getbbox() is None


async def capture_screen(link: AdbLink) -> tuple[bytes | None, str | None, bool]:
    """(png, error, all_black): the capture, or why there is none."""
    data = await asyncio.to_thread(link.shell_bytes, ["screencap", "-p"])
    if not data.startswith(PNG_MAGIC):
        return None, f"screencap returned no PNG ({data[:80]!r})", False
    if await asyncio.to_thread(_all_black, data):
        return None, "the capture is all black: the app most likely sets FLAG_SECURE; it is withheld", True
    return data, None, False


def dump_hierarchy(link: AdbLink, u2: Any, timeout_s: float, serial: str | None) -> str:
    """The hierarchy XML: uiautomator2's dump when it runs (bounded), else `uiautomator dump`. Blocks."""
    if u2 is not None:
        try:  # bounded: uiautomator2's own default waits 300 s
            xml = u2.jsonrpc.dumpWindowHierarchy(False, 50, http_timeout=timeout_s)
            if xml:
                return str(xml)
        except Exception as exc:  # fall through to the adb dump
            log.info("android %s: uiautomator2 dump failed (%s); using uiautomator dump", serial, exc)
    return link.dump_hierarchy(timeout_s)


async def read_hierarchy(dump: Callable[[], str], timeout_s: float) -> tuple[list[UIElement], list[str]]:
    """The elements, dumping at most twice; on failure none, with the reasons as notes."""
    notes: list[str] = []
    for attempt in (1, 2):
        try:
            xml = await asyncio.to_thread(dump)
            return parse_hierarchy(xml), notes
        except DumpTimeout:
            notes.append(f"UI hierarchy dump {attempt} timed out after {timeout_s:g}s")
        except HierarchyError as exc:
            notes.append(f"UI hierarchy dump {attempt} failed: {exc}")
    notes.append("no UI elements: the hierarchy dump failed twice; target actions by x/y from the screenshot")
    return [], notes
