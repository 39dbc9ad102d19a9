"""Who may speak for which device: enrolment, device keys, and the checks on every hello
and every message.

A device host enrols once with a one-time enrolment token (`fleetmind keys enrol`, or
the one `fleetmind serve` prints) and receives a device key bound to the devices it
announced. It presents the key on every hello from then on. Keys and tokens are
stored hashed (scrypt, with a salt) and compared in constant time; `DeviceKeys` keeps
them in the orchestrator's SQLite file (or in memory).

The decisions are pure: `decide_hello` (may this hello open or resume a session for
these devices?) and `check_message` (may this session report on this subtask?), both
given the facts and returning a verdict with a reason. `Gatekeeper` gathers the
facts (keys, live sessions) for the runtime. `BrowserPolicy` decides which Origin and
Host headers a browser may send.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import sqlite3
import threading
import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from ..protocol.codec import CLOSE_PROTOCOL_VIOLATION, CLOSE_UNAUTHORIZED, quote
from ..protocol.messages import Accept, Hello, Message, Progress, Question, Reject, Result
from .limits import Limits

KEY_PREFIX = "fmk_"
"""Device keys look like fmk_<id>_<secret>."""
ENROL_PREFIX = "fme_"
"""Enrolment tokens look like fme_<id>_<secret>."""
CLOSE_TRY_LATER = 1013
"""WebSocket close code "try again later": the refusal is temporary (a busy device, too many sessions)."""
_SCRYPT = {"n": 2**13, "r": 8, "p": 1, "dklen": 32}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS device_keys (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, salt BLOB NOT NULL, hash BLOB NOT NULL,
    created REAL NOT NULL, last_seen REAL, revoked REAL
);
CREATE TABLE IF NOT EXISTS device_owners (device_id TEXT PRIMARY KEY, key_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS enrolments (
    id TEXT PRIMARY KEY, salt BLOB NOT NULL, hash BLOB NOT NULL,
    created REAL NOT NULL, expires REAL NOT NULL, used REAL, key_id TEXT
);
"""


class CredentialError(PermissionError):
    """A key or enrolment token was refused; `code` says why (unauthorized, revoked, expired, used)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class KeyRecord:
    """One device key as `fleetmind keys list` shows it (never the key itself)."""

    id: str
    name: str
    devices: tuple[str, ...]
    created: float
    last_seen: float | None
    revoked: float | None


@dataclass(frozen=True)
class IssuedKey:
    """A key just made: `key` is shown once, only its hash is kept."""

    id: str
    key: str


def _split(credential: str, prefix: str) -> tuple[str, str] | None:
    if not credential.startswith(prefix):
        return None
    parts = credential[len(prefix) :].split("_", 1)
    return (parts[0], parts[1]) if len(parts) == 2 and parts[0] and parts[1] else None


def _hash(secret: str, salt: bytes) -> bytes:
    return hashlib.scrypt(secret.encode("utf-8", "surrogatepass"), salt=salt, **_SCRYPT)


class DeviceKeys:
    """Device keys and enrolment tokens in SQLite (`path`, or ":memory:")."""

    def __init__(self, path: str | Path = ":memory:") -> None:
        self.path = str(path)
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=10)
        self._lock = threading.Lock()
        with self._lock:
            if self.path != ":memory:":
                self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_SCHEMA)

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    # enrolment ----------------------------------------------------------------------

    def create_enrolment(self, ttl_s: float = 86_400.0) -> str:
        """A one-time enrolment token, valid for `ttl_s` seconds."""
        token_id, secret = secrets.token_hex(4), secrets.token_urlsafe(24)
        salt = secrets.token_bytes(16)
        now = time.time()
        with self._lock:
            self._db.execute(
                "INSERT INTO enrolments (id, salt, hash, created, expires) VALUES (?, ?, ?, ?, ?)",
                (token_id, salt, _hash(secret, salt), now, now + ttl_s),
            )
        return f"{ENROL_PREFIX}{token_id}_{secret}"

    def check_enrolment(self, token: str) -> str:
        """The id of a usable enrolment token; CredentialError when it is not one."""
        parts = _split(token, ENROL_PREFIX)
        with self._lock:
            row = self._db.execute(
                "SELECT salt, hash, expires, used FROM enrolments WHERE id = ?", (parts[0] if parts else "",)
            ).fetchone()
        if parts is None or row is None or not hmac.compare_digest(_hash(parts[1], row[0]), row[1]):
            raise CredentialError("unauthorized", "unknown enrolment token; create one with `fleetmind keys enrol`")
        if row[3] is not None:
            raise CredentialError(
                "used", "this enrolment token was already used; create another (`fleetmind keys enrol`)"
            )
        if row[2] < time.time():
            raise CredentialError(
                "expired", "this enrolment token has expired; create another (`fleetmind keys enrol`)"
            )
        return parts[0]

    def enrol(self, token: str, device_ids: Collection[str], name: str) -> IssuedKey:
        """Use up `token` and issue a key bound to `device_ids`; CredentialError if it cannot be used."""
        token_id = self.check_enrolment(token)
        issued = self.issue(device_ids, name)
        with self._lock:
            cursor = self._db.execute(
                "UPDATE enrolments SET used = ?, key_id = ? WHERE id = ? AND used IS NULL",
                (time.time(), issued.id, token_id),
            )
        if cursor.rowcount != 1:  # another hello used it in between: that one enrolled, not this one
            self.revoke(issued.id)
            raise CredentialError("used", "this enrolment token was already used; create another")
        return issued

    def issue(self, device_ids: Collection[str], name: str) -> IssuedKey:
        """A new key bound to `device_ids` (for devices this process runs itself, and tests)."""
        key_id, secret = secrets.token_hex(4), secrets.token_urlsafe(32)
        salt = secrets.token_bytes(16)
        with self._lock:
            self._db.execute(
                "INSERT INTO device_keys (id, name, salt, hash, created) VALUES (?, ?, ?, ?, ?)",
                (key_id, name[:120], salt, _hash(secret, salt), time.time()),
            )
        self.claim(key_id, device_ids)
        return IssuedKey(key_id, f"{KEY_PREFIX}{key_id}_{secret}")

    # keys ---------------------------------------------------------------------------

    def verify(self, key: str) -> str:
        """The id of a valid, unrevoked key; CredentialError otherwise."""
        parts = _split(key, KEY_PREFIX)
        with self._lock:
            row = self._db.execute(
                "SELECT salt, hash, revoked FROM device_keys WHERE id = ?", (parts[0] if parts else "",)
            ).fetchone()
        if parts is None or row is None or not hmac.compare_digest(_hash(parts[1], row[0]), row[1]):
            raise CredentialError("unauthorized", "unknown device key; enrol this host again (--enrol TOKEN)")
        if row[2] is not None:
            raise CredentialError("revoked", f"device key {parts[0]} was revoked; enrol this host again")
        with self._lock:
            self._db.execute("UPDATE device_keys SET last_seen = ? WHERE id = ?", (time.time(), parts[0]))
        return parts[0]

    def claim(self, key_id: str, device_ids: Collection[str]) -> None:
        """Bind the devices no key owns yet to `key_id`."""
        with self._lock:
            self._db.executemany("INSERT OR IGNORE INTO device_owners VALUES (?, ?)", [(d, key_id) for d in device_ids])

    def owners(self, device_ids: Collection[str]) -> dict[str, str]:
        """The key each of `device_ids` is bound to (unbound ones are left out)."""
        ids = list(device_ids)
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        with self._lock:
            rows = self._db.execute(
                f"SELECT o.device_id, o.key_id FROM device_owners o JOIN device_keys k ON k.id = o.key_id"
                f" WHERE k.revoked IS NULL AND o.device_id IN ({marks})",
                ids,
            ).fetchall()
        return {d: k for d, k in rows}

    def records(self) -> list[KeyRecord]:
        """Every key, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, name, created, last_seen, revoked FROM device_keys ORDER BY created"
            ).fetchall()
            owned = self._db.execute("SELECT key_id, device_id FROM device_owners ORDER BY device_id").fetchall()
        devices: dict[str, list[str]] = {}
        for key_id, device_id in owned:
            devices.setdefault(key_id, []).append(device_id)
        return [KeyRecord(r[0], r[1], tuple(devices.get(r[0], [])), r[2], r[3], r[4]) for r in rows]

    def revoked_among(self, key_ids: Collection[str]) -> set[str]:
        """Which of `key_ids` are revoked."""
        ids = list(key_ids)
        if not ids:
            return set()
        marks = ",".join("?" * len(ids))
        with self._lock:
            rows = self._db.execute(
                f"SELECT id FROM device_keys WHERE revoked IS NOT NULL AND id IN ({marks})", ids
            ).fetchall()
        return {r[0] for r in rows}

    def pending_enrolments(self) -> int:
        """Enrolment tokens not used and not expired."""
        with self._lock:
            row = self._db.execute(
                "SELECT COUNT(*) FROM enrolments WHERE used IS NULL AND expires > ?", (time.time(),)
            ).fetchone()
        return int(row[0])

    def revoke(self, key_id: str) -> bool:
        """Revoke a key (its devices may enrol again under a new one); False if there is no such key."""
        with self._lock:
            cursor = self._db.execute(
                "UPDATE device_keys SET revoked = ? WHERE id = ? AND revoked IS NULL", (time.time(), key_id)
            )
            if cursor.rowcount:
                self._db.execute("DELETE FROM device_owners WHERE key_id = ?", (key_id,))
        return cursor.rowcount > 0

    def configured(self) -> bool:
        """True once any key is active or any enrolment token waits: enrolment is then required."""
        with self._lock:
            keys = self._db.execute("SELECT COUNT(*) FROM device_keys WHERE revoked IS NULL").fetchone()[0]
        return bool(keys) or self.pending_enrolments() > 0


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
