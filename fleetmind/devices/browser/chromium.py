"""Finding Debian's Chromium and the flags it is launched with.

fleetmind never drives a browser that Playwright downloads: it launches the
`chromium` package from Debian's archive, which `scripts/install-system-deps.sh`
installs.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from fleetmind.devices.base import DeviceError

__all__ = ["CHROMIUM_ARGS", "CHROMIUM_CANDIDATES", "INSTALL_COMMAND", "find_chromium", "resolve_chromium"]

# The real binary first: /usr/bin/chromium is a shell wrapper that sources
# /etc/chromium.d/ and adds flags of its own (GPU rasterization, extension
# loading, Google API keys) that a headless, offline driver does not want.
CHROMIUM_CANDIDATES: tuple[Path, ...] = (Path("/usr/lib/chromium/chromium"), Path("/usr/bin/chromium"))

INSTALL_COMMAND = (
    "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver fonts-liberation"
)

CHROMIUM_ARGS: tuple[str, ...] = (
    # Root in a container has no user namespaces for the sandbox.
    "--no-sandbox",
    "--disable-gpu",
    # On a closed network Chromium's own background connections (QUIC probes,
    # component updates, sync, variations) are refused many at a time and slow
    # every start; none of them matter to a driven browser.
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Containers often mount a small /dev/shm; shared memory in /tmp works everywhere.
    "--disable-dev-shm-usage",
)


def find_chromium() -> Path | None:
    """Debian's Chromium binary, or None when the package is not installed."""
    for path in CHROMIUM_CANDIDATES:
        if path.is_file() and os.access(path, os.X_OK):
            return path
    found = shutil.which("chromium")
    return Path(found) if found else None


def resolve_chromium(executable: str | os.PathLike[str] | None) -> Path:
    """The binary to launch: `executable` when given, else Debian's Chromium.

    Raises DeviceError naming the install command when there is none.
    """
    if executable is not None:
        path = Path(executable)
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise DeviceError(
                f"browser executable {str(path)!r} does not exist or is not executable; "
                f"pass the path of a Chromium binary, or install Debian's: {INSTALL_COMMAND}"
            )
        return path
    found = find_chromium()
    if found is None:
        looked = ", ".join(str(p) for p in CHROMIUM_CANDIDATES)
        raise DeviceError(
            f"no Chromium found (looked at {looked} and PATH); install Debian's package with "
            f"`{INSTALL_COMMAND}` (or run scripts/install-system-deps.sh), or pass executable=..."
        )
    return found
