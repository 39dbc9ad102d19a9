"""Who may speak for which device: enrolment, device keys, and the checks on every hello
and every message.

A device host enrols once with a one-time enrolment token (`fleetmind keys enrol`, or
the one `fleetmind serve` prints) and receives a device key bound to the devices it
announced. It presents the key on every hello from then on. Keys and tokens are
stored hashed (scrypt, with a salt) and compared in constant time; `keystore.DeviceKeys`
keeps them in the orchestrator's SQLite file (or in memory).

The decisions are pure: `decide_hello` (may this hello open or resume a session for
these devices?) and `check_message` (may this session report on this subtask?), both
given the facts and returning a verdict with a reason. `Gatekeeper` gathers the
facts (keys, live sessions) for the runtime. `BrowserPolicy` decides which Origin and
Host headers a browser may send.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from ..protocol.codec import CLOSE_PROTOCOL_VIOLATION, CLOSE_UNAUTHORIZED, quote
from ..protocol.messages import Accept, Hello, Message, Progress, Question, Reject, Result
from .keystore import ENROL_PREFIX, KEY_PREFIX, CredentialError, DeviceKeys, IssuedKey, KeyRecord
from .limits import Limits

__all__ = [
    "ENROL_PREFIX",
    "KEY_PREFIX",
    "Admission",
    "BrowserPolicy",
    "CredentialError",
    "DeviceKeys",
    "Gatekeeper",
    "HelloFacts",
    "IssuedKey",
    "KeyRecord",
    "check_message",
    "decide_hello",
    "is_loopback",
]

CLOSE_TRY_LATER = 1013
"""WebSocket close code "try again later": the refusal is temporary (a busy device, too many sessions)."""


# --- the decisions (pure) ----------------------------------------------------------------


@dataclass(frozen=True)
class Admission:
    """Whether a hello may go on; when not, the error code, the reason and the close code."""

    ok: bool
    code: str = ""
    reason: str = ""
    close_code: int = CLOSE_UNAUTHORIZED


ADMIT = Admission(True)


@dataclass(frozen=True)
class HelloFacts:
    """What `decide_hello` needs to know about one hello.

    key_id: the verified key (None: none was presented, or a new one is being enrolled);
    resume_session / resume_key: the known session the hello resumes and the key it was
    opened with; owners: the key each announced, enrolled device is bound to; live: the
    session of a live connection holding each announced device; sessions: held now.
    """

    device_ids: tuple[str, ...]
    running_listed: int
    key_id: str | None
    resume_session: str | None
    resume_key: str | None
    owners: Mapping[str, str]
    live: Mapping[str, str]
    sessions: int


def decide_hello(facts: HelloFacts, limits: Limits) -> Admission:
    """Admit a hello, or refuse it naming the rule:

    - too_many_devices / invalid_hello: more devices (or running ids) than allowed, or one twice;
    - session_key_mismatch: resuming a session opened with another key (or none);
    - device_claimed: a device is enrolled under another key;
    - device_busy: a device is held by another live connection (try later: it may be dying);
    - too_many_sessions: the orchestrator holds its maximum of sessions (try later).
    """
    ids = facts.device_ids
    if len(ids) > limits.max_devices_per_hello or facts.running_listed > limits.max_running_listed:
        return Admission(
            False,
            "too_many_devices",
            f"a hello may announce at most {limits.max_devices_per_hello} devices and list"
            f" {limits.max_running_listed} running subtasks; split them over several hosts",
            CLOSE_PROTOCOL_VIOLATION,
        )
    if len(set(ids)) != len(ids):
        twice = sorted({d for d in ids if ids.count(d) > 1})
        return Admission(
            False, "invalid_hello", f"device ids announced twice: {quote(twice)}", CLOSE_PROTOCOL_VIOLATION
        )
    if facts.resume_session is not None and facts.resume_key != facts.key_id:
        return Admission(
            False, "session_key_mismatch", "this session was opened with another device key; connect without resume"
        )
    claimed = [d for d in ids if d in facts.owners and facts.owners[d] != facts.key_id]
    if claimed:
        return Admission(
            False,
            "device_claimed",
            f"device {quote(claimed[0], 40)} is enrolled under another key; present that key,"
            " or announce another device id",
        )
    busy = [d for d in ids if d in facts.live and facts.live[d] != facts.resume_session]
    if busy:
        return Admission(
            False,
            "device_busy",
            f"device {quote(busy[0], 40)} is connected through another session; only that session may"
            " resume it (try again when it has gone)",
            CLOSE_TRY_LATER,
        )
    if facts.resume_session is None and facts.sessions >= limits.max_sessions:
        return Admission(
            False,
            "too_many_sessions",
            f"this orchestrator holds its maximum of {limits.max_sessions} agent sessions; try again later",
            CLOSE_TRY_LATER,
        )
    return ADMIT


SUBTASK_MESSAGES = (Progress, Result, Reject, Question, Accept)
"""Messages that report on one subtask: only the session whose device runs it may send them."""
Verdict = Literal["apply", "refuse", "stale"]


def check_message(message: Message, own_devices: Collection[str], holder: str | None) -> tuple[Verdict, str]:
    """May a session whose devices are `own_devices` send `message`?

    holder: the device running the live attempt the message's subtask id names (None when
    no attempt by that id is running: the subtask was cancelled, re-dispatched or never
    existed). "stale" messages are not applied; the runtime tells the sender to cancel.
    """
    if not isinstance(message, SUBTASK_MESSAGES):
        return "apply", ""
    if holder is None:
        return "stale", f"subtask {quote(message.subtask_id, 60)} is not running here"
    if holder not in own_devices:
        return "refuse", (
            f"{message.type} for subtask {quote(message.subtask_id, 60)} refused: it was not assigned to a device"
            " of this session; nothing was applied"
        )
    return "apply", ""


# --- the runtime's side -------------------------------------------------------------------


@dataclass(frozen=True)
class Credential:
    """What a hello's credential proved: a verified key, an enrolment to make, or nothing."""

    key_id: str | None = None
    enrolment: str | None = None


class Gatekeeper:
    """Checks hellos against device keys, for the orchestrator runtime.

    keys: the key store (None: no enrolment possible). required: True demands a device key
    or enrolment token on every hello; False (loopback development mode) admits devices
    without one unless the key store holds keys or enrolment tokens. shared_token: the
    client token, which devices may still present in development mode.
    """

    def __init__(self, keys: DeviceKeys | None, *, required: bool = False, shared_token: str | None = None) -> None:
        self.keys = keys
        self.required = required
        self.shared_token = shared_token
        self.session_keys: dict[str, str | None] = {}
        """The key each session was opened with."""

    def enrolment_required(self) -> bool:
        """True when devices must present a key or enrolment token."""
        return self.required or (self.keys is not None and self.keys.configured())

    async def credential(self, token: str | None) -> Credential:
        """Check a hello's credential (CredentialError when it is refused)."""
        given = token or ""
        if given.startswith(KEY_PREFIX) and self.keys is not None:
            return Credential(key_id=await asyncio.to_thread(self.keys.verify, given))
        if given.startswith(ENROL_PREFIX) and self.keys is not None:
            await asyncio.to_thread(self.keys.check_enrolment, given)
            return Credential(enrolment=given)
        if await asyncio.to_thread(self.enrolment_required):
            raise CredentialError(
                "unauthorized",
                "this orchestrator admits enrolled devices only: create an enrolment token there"
                " (`fleetmind keys enrol --db FILE`) and start this host with --enrol TOKEN",
            )
        if self.shared_token is not None and not secrets.compare_digest(
            given.encode("utf-8", "surrogatepass"), self.shared_token.encode("utf-8", "surrogatepass")
        ):
            raise CredentialError("unauthorized", "wrong or missing token; pass --token (or --token-file)")
        return Credential()

    async def owners(self, device_ids: Collection[str]) -> dict[str, str]:
        """The keys the announced devices are enrolled under."""
        if self.keys is None:
            return {}
        return await asyncio.to_thread(self.keys.owners, device_ids)

    async def enrol(self, hello: Hello, enrolment: str) -> IssuedKey:
        """Use the enrolment token: a new key for the hello's devices."""
        assert self.keys is not None
        return await asyncio.to_thread(self.keys.enrol, enrolment, [d.id for d in hello.devices], hello.agent_id)

    async def revoked(self, key_ids: Collection[str]) -> set[str]:
        """Which of these keys were revoked since their sessions opened."""
        if self.keys is None or not key_ids:
            return set()
        return await asyncio.to_thread(self.keys.revoked_among, key_ids)

    async def claim(self, key_id: str | None, device_ids: Collection[str]) -> None:
        """Bind a key's newly announced devices to it."""
        if key_id is not None and self.keys is not None:
            await asyncio.to_thread(self.keys.claim, key_id, device_ids)


LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def is_loopback(host: str) -> bool:
    """True for a loopback interface name or address."""
    return host.strip("[]") in LOOPBACK_HOSTS or host.startswith("127.")


def _hostname(value: str) -> str:
    try:
        return (urlsplit(f"//{value}").hostname or "").lower()
    except ValueError:
        return ""


@dataclass(frozen=True)
class BrowserPolicy:
    """Which Host and Origin headers are accepted, against DNS rebinding and foreign web pages.

    hosts: host names a request's Host header may name (empty: any, for a server reachable
    under names it cannot know). origins: extra origins allowed (e.g. "https://ops.example").
    A request without Origin (not from a browser) passes the Origin check; one from the page
    this server serves (same host and port) passes; a loopback page passes when the server
    listens on loopback. Everything else is refused with 403.
    """

    hosts: frozenset[str] = LOOPBACK_HOSTS
    origins: frozenset[str] = frozenset()
    loopback: bool = True

    @classmethod
    def listening_on(cls, host: str) -> BrowserPolicy:
        """The default for a server listening on `host`: loopback names and pages on loopback;
        elsewhere any host name (it cannot know them all) and only its own pages."""
        if is_loopback(host):
            return cls()
        return cls(hosts=frozenset(), loopback=False)

    def problem(self, host: str | None, origin: str | None) -> str | None:
        """Why a request with these headers is refused, or None."""
        host_name = _hostname(host or "")
        if self.hosts and host_name not in self.hosts:
            return f"Host {quote(host, 60)} is not served here; use one of {', '.join(sorted(self.hosts))}"
        if origin is None:
            return None
        if origin.rstrip("/") in self.origins:
            return None
        parts = urlsplit(origin) if origin.startswith(("http://", "https://")) else None
        if parts is not None and host and parts.netloc.lower() == host.lower():
            return None  # the page this server served
        if parts is not None and self.loopback and is_loopback(parts.hostname or ""):
            return None
        return (
            f"Origin {quote(origin, 60)} may not use this server; allow it with"
            " `fleetmind serve --allow-origin ORIGIN` if you trust that page"
        )
