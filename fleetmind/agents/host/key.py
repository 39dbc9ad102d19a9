"""The device host's credentials: its device key (kept in a 0600 file), the enrolment
token it trades for one, and the TLS context for a wss:// orchestrator.

On its first hello a host presents an enrolment token (`--enrol TOKEN`); the
orchestrator's welcome carries a device key, which is written to the key file and
presented on every hello after that, the token being used up. A host with neither
presents the shared token, if any (loopback development mode).
"""

from __future__ import annotations

import logging
import os
import ssl
from pathlib import Path

log = logging.getLogger(__name__)

KEY_FILE = "device.key"
"""The key file's name inside a host's state directory."""


class HostCredentials:
    """What a host presents on its hello, and where it keeps the key it is given.

    key_file: where the device key is (or will be) kept; None keeps an issued key in memory.
    enrolment: a one-time enrolment token, used when there is no key yet.
    token: the shared token of a development-mode orchestrator.
    """

    def __init__(
        self, *, key_file: str | Path | None = None, enrolment: str | None = None, token: str | None = None
    ) -> None:
        self.key_file = Path(key_file).expanduser() if key_file is not None else None
        self.enrolment = enrolment
        self.token = token
        self.key = read_key(self.key_file) if self.key_file is not None else None

    def present(self) -> str | None:
        """The credential for the next hello: the key, else the enrolment token, else the token."""
        return self.key or self.enrolment or self.token

    def store(self, key: str) -> None:
        """Keep a key the orchestrator issued, in the key file (mode 0600) when there is one."""
        self.key, self.enrolment = key, None
        if self.key_file is None:
            log.warning("enrolled, but no key file to keep the device key in: it ends with this host")
            return
        write_key(self.key_file, key)
        log.warning("enrolled: device key saved in %s", self.key_file)


def read_key(path: Path) -> str | None:
    """The key in `path`, or None when there is no such file."""
    try:
        text = path.read_text().strip()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise OSError(f"cannot read the device key file {path}: {exc.strerror or exc}") from None
    return text or None


def write_key(path: Path, key: str) -> None:
    """Write `key` to `path`, readable by its owner only (created 0600, never world-readable)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key + "\n")
    os.chmod(path, 0o600)


def client_ssl(url: str, ca_file: str | Path | None) -> ssl.SSLContext | None:
    """The TLS context to dial `url` with: None for ws://, the system's CAs (plus `ca_file`,
    for a self-signed or private CA) for wss://."""
    if not url.startswith(("wss://", "https://")):
        return None
    context = ssl.create_default_context()
    if ca_file is not None:
        try:
            context.load_verify_locations(cafile=str(Path(ca_file).expanduser()))
        except (OSError, ssl.SSLError) as exc:
            raise OSError(f"cannot use {ca_file} as a CA file: {exc}") from None
    return context
