"""Opening apps and links on an Android device: `monkey` for a package, a VIEW intent for a URL."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping

from ..base import DeviceError
from .apps import app_label

__all__ = ["SHELL_ERROR", "is_url", "open_url", "start_package"]

_URL = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*://|www\.|(sms|smsto|tel|mailto|geo|market):)")
SHELL_ERROR = re.compile(r"^(Error|Exception|java\.lang\.\w+|/system/bin/sh: .*not found)", re.M)
"""What a shell command prints when it failed (adb's exit status does not say)."""

Shell = Callable[..., Awaitable[str]]


def is_url(app: str) -> bool:
    """True when `app` is a link (scheme://, www., sms:, tel:, ...) rather than an app's name."""
    return bool(_URL.match(app))


async def open_url(shell: Shell, url: str, serial: str | None) -> str:
    """Open `url` with whatever app handles it (`am start -a VIEW -d URL`)."""
    url = "https://" + url if url.startswith("www.") else url
    out = await shell("am", "start", "-a", "android.intent.action.VIEW", "-d", url)
    if SHELL_ERROR.search(out):
        raise DeviceError(f"no app on {serial} opens {url}: {out.strip().splitlines()[-1][:200]}")
    return f"opened {url}"


async def start_package(shell: Shell, package: str, labels: Mapping[str, str]) -> str:
    """Start `package`'s launcher activity (`monkey -p PACKAGE -c LAUNCHER 1`)."""
    out = await shell("monkey", "-p", package, "-c", "android.intent.category.LAUNCHER", "1")
    if "No activities found" in out or "aborted" in out:
        raise DeviceError(f"{package} has no launcher activity to open: {out.strip()[-200:]}")
    return f"opened {app_label(package, labels)} ({package})"
