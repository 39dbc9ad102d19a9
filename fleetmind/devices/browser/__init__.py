"""The browser device: Debian's Chromium driven by Playwright (never a browser Playwright downloads).

`BrowserDevice` implements the `Device` contract; `find_chromium` tells whether
the system package is installed (scripts/install-system-deps.sh installs it).
"""

from .chromium import CHROMIUM_ARGS, INSTALL_COMMAND, find_chromium
from .device import BrowserDevice, normalize_url

__all__ = ["CHROMIUM_ARGS", "INSTALL_COMMAND", "BrowserDevice", "find_chromium", "normalize_url"]
