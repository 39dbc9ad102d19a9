"""What `launch_app` opens on a browser: the app name read as a URL."""

from __future__ import annotations

import re

__all__ = ["normalize_url"]

_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_HOST_PORT = re.compile(r"^[^/:]+:\d+(/|$)")


def normalize_url(app: str) -> str:
    """The URL `launch_app` opens: `app` as given when it has a scheme, else https://app.

    `localhost:8000/x` counts as having no scheme (it is a host and port).
    Raises ValueError for text that cannot be a URL (empty, or with spaces).
    """
    url = app.strip()
    if not url or any(ch.isspace() for ch in url):
        raise ValueError(f"launch_app on a browser takes a URL, got {app!r}")
    if _SCHEME.match(url) and not _HOST_PORT.match(url):
        return url
    return "https://" + url
