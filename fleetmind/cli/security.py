"""What `fleetmind serve` and `fleetmind device` decide about credentials and TLS.

serve: where the client token comes from (a file, the environment; `--token` works but
shows in the process list), whether devices must enrol (always off loopback, or once
the key store holds a key), which browser origins and hosts are allowed, and the TLS
certificate. device: the device key file, the enrolment token and the CA to trust.
"""

from __future__ import annotations

import os
import ssl
from dataclasses import dataclass
from pathlib import Path

from ..orchestrator.identity import LOOPBACK_HOSTS, BrowserPolicy, DeviceKeys, is_loopback
from .common import console, fail

ARGV_WARNING = (
    "[yellow]--token shows in the process list (ps) of every user on this machine; prefer --token-file FILE"
    " or the FLEETMIND_TOKEN environment variable[/]"
)


def client_token(flag: str | None, resolved: str | None) -> str | None:
    """The client token: `resolved` (from --token, --token-file or the config), else $FLEETMIND_TOKEN.

    Warns when it came from --token on the command line.
    """
    if flag:
        console.print(ARGV_WARNING, soft_wrap=True)
    token = resolved or os.environ.get("FLEETMIND_TOKEN") or None
    if token is not None and not token.strip():
        raise fail("the client token is empty; put the token itself in --token-file or FLEETMIND_TOKEN")
    return token


@dataclass
class ServeSecurity:
    """The decisions behind one `fleetmind serve`."""

    keys: DeviceKeys
    require_enrolment: bool
    browser: BrowserPolicy
    tls_cert: str | None
    tls_key: str | None

    def device_lines(self, agents_url: str, token_flag: str, db: str) -> str:
        """What to print about attaching devices: that the endpoint is open (development mode)
        and the commands, with `token_flag` (how they pass the client token); or how to enrol."""
        if not (self.require_enrolment or self.keys.configured()):
            return (
                "devices: open (loopback development mode): any program on this machine may attach devices"
                f"{' that presents the token' if token_flag else ''}; to require device keys, enrol them"
                " (fleetmind keys enrol --db FILE)\n"
                f"attach devices:\n  fleetmind device virtual --connect {agents_url}{token_flag} --count 2\n"
                f"  fleetmind device android --connect {agents_url}{token_flag} [--serial S]\n"
                f"  fleetmind device browser --connect {agents_url}{token_flag}"
            )
        enrolment = self.keys.create_enrolment(3600)
        more = f"fleetmind keys enrol --db {db}" if db != ":memory:" else "restart with --db FILE to keep keys"
        return (
            "devices: enrolment required (a device key on every hello)\n"
            f"enrol one device host with this one-time token (valid 1 h; more: {more}):\n"
            f"  FLEETMIND_ENROL={enrolment} fleetmind device virtual --connect {agents_url} --count 2"
        )

    def in_process_token(self, token: str | None) -> str | None:
        """What devices run by serve itself present: a fresh key when enrolment is required."""
        if self.require_enrolment or self.keys.configured():
            return self.keys.issue([], "fleetmind serve --devices").key
        return token


def serve_security(
    *,
    host: str,
    db: str,
    require_enrolment: bool,
    allow_origin: list[str],
    allow_host: list[str],
    tls_cert: str | None,
    tls_key: str | None,
) -> ServeSecurity:
    """Check the security flags of `serve` and open the key store (`db`, or memory)."""
    if (tls_cert is None) != (tls_key is None):
        raise fail("give both --tls-cert FILE and --tls-key FILE (PEM), or neither")
    if tls_cert is not None and tls_key is not None:
        try:
            ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(tls_cert, tls_key)
        except (OSError, ssl.SSLError) as exc:
            raise fail(f"cannot use --tls-cert {tls_cert} with --tls-key {tls_key}: {exc}") from None
    for origin in allow_origin:
        if not origin.startswith(("http://", "https://")) or origin.count("/") != 2:
            raise fail(f"--allow-origin {origin!r}: give an origin like https://ops.example.com:8443 (no path)")
    loopback = is_loopback(host)
    hosts = frozenset(h.lower() for h in allow_host) | (LOOPBACK_HOSTS if loopback else frozenset())
    try:
        keys = DeviceKeys(db)
    except Exception as exc:  # sqlite3.Error, OSError
        raise fail(f"cannot open --db {db}: {exc}") from None
    return ServeSecurity(
        keys=keys,
        require_enrolment=require_enrolment or not loopback,
        browser=BrowserPolicy(hosts=hosts, origins=frozenset(o.rstrip("/") for o in allow_origin), loopback=loopback),
        tls_cert=tls_cert,
        tls_key=tls_key,
    )


@dataclass(frozen=True)
class DeviceAccess:
    """A device command's credentials: the enrolment token, the key file option, the CA file."""

    enrol: str | None = None
    key_file: str | None = None
    ca_file: str | None = None


def device_key_file(option: str | None, state_dir: Path | None, agent_id: str) -> Path:
    """Where a device host keeps its key: --key-file, else its state directory, else the
    user's data directory under fleetmind/hosts/<agent id>/device.key."""
    from ..agents.host.key import KEY_FILE
    from ..agents.host.state import default_state_dir

    if option:
        return Path(option).expanduser()
    return (state_dir or default_state_dir(agent_id)) / KEY_FILE
