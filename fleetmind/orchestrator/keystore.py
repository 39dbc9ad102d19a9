"""Device keys and enrolment tokens, kept in SQLite: the store behind `identity`.

Keys look like fmk_<id>_<secret> and enrolment tokens like fme_<id>_<secret>; only a
salted scrypt hash of each secret is stored, and comparisons are constant-time. The
orchestrator's SQLite file holds them (`fleetmind serve --db FILE`), so `fleetmind keys`
in another process changes what the running server accepts.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
import threading
import time
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ENROL_PREFIX", "KEY_PREFIX", "CredentialError", "DeviceKeys", "IssuedKey", "KeyRecord"]

KEY_PREFIX = "fmk_"
"""Device keys look like fmk_<id>_<secret>."""
ENROL_PREFIX = "fme_"
"""Enrolment tokens look like fme_<id>_<secret>."""
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
