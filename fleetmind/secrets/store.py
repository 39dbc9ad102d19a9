"""Where secrets are kept on the device host: the OS keyring, or an encrypted file.

`open_store("auto")` takes the OS keyring (through the `keyring` library) when the machine
has one, else the encrypted file. A headless machine usually has no keyring backend:
`keyring` then reports its `fail` backend, which we detect rather than let it raise later.

The encrypted file is `<data dir>/secrets.json` (data dir: $FLEETMIND_DATA_DIR, else
$XDG_DATA_HOME/fleetmind, else ~/.local/share/fleetmind), the whole name -> value map in
one Fernet token (cryptography: AES-128-CBC + HMAC-SHA256). Its key comes from, chosen
when the file is first written and remembered in it:
- $FLEETMIND_SECRETS_PASSPHRASE, stretched with scrypt (n=2**15, r=8, p=1) and a random
  salt: the file alone and the machine's disk alone do not open it; or
- without that variable, a random key in `<data dir>/secrets.key`, created with mode 0600
  on first use: this keeps secrets out of plaintext (backups of the .json, grep, logs),
  but anyone who can read that user's files can read the secrets.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets as random
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal, Protocol

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from .names import normalise_name

__all__ = [
    "PASSPHRASE_ENV",
    "Backend",
    "FileStore",
    "KeyringStore",
    "SecretStore",
    "SecretStoreError",
    "data_dir",
    "keyring_available",
    "open_store",
]

Backend = Literal["auto", "keyring", "file"]
PASSPHRASE_ENV = "FLEETMIND_SECRETS_PASSPHRASE"
SERVICE = "fleetmind"
"""The keyring service name every secret is stored under."""
_INDEX = "__fleetmind_secret_names__"
"""A keyring entry listing the names (keyring itself cannot list what a service holds)."""
_SCRYPT_N = 2**15


class SecretStoreError(RuntimeError):
    """The store cannot be opened or written; the message says what to do."""


class SecretStore(Protocol):
    """Named secrets on this machine. Names are normalised (`normalise_name`)."""

    where: str
    """Where the secrets are, for messages ("the OS keyring (SecretService)", a file path)."""

    def get(self, name: str) -> str | None:
        """The value of `name`, or None when it is not stored."""
        ...

    def set(self, name: str, value: str) -> None:
        """Store `value` under `name`, replacing any earlier value."""
        ...

    def delete(self, name: str) -> bool:
        """Remove `name`; False when it was not there."""
        ...

    def names(self) -> list[str]:
        """The stored names, sorted (never the values)."""
        ...


def data_dir() -> Path:
    """fleetmind's data directory: $FLEETMIND_DATA_DIR, else $XDG_DATA_HOME/fleetmind, else ~/.local/share/fleetmind."""
    if explicit := os.environ.get("FLEETMIND_DATA_DIR"):
        return Path(explicit).expanduser()
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "fleetmind"


def keyring_available() -> bool:
    """True when the `keyring` library has a usable backend here (not its `fail` or a null one)."""
    try:
        import keyring
    except ImportError:
        return False
    return float(getattr(keyring.get_keyring(), "priority", 0)) > 0


class KeyringStore:
    """Secrets in the OS keyring (macOS Keychain, Windows Credential Locker, Secret Service).

    backend: a `keyring.backend.KeyringBackend` to use instead of the system's (tests pass an
    in-memory one).
    """

    def __init__(self, backend: Any = None) -> None:
        import keyring

        self._keyring = backend if backend is not None else keyring.get_keyring()
        if float(getattr(self._keyring, "priority", 0)) <= 0:
            raise SecretStoreError(
                "no OS keyring is available on this machine (a headless system has none); "
                "use the encrypted file instead: secrets.backend = 'file' (or FLEETMIND_SECRETS__BACKEND=file)"
            )
        self.where = f"the OS keyring ({type(self._keyring).__name__})"

    def _call(self, fn: str, *args: str) -> Any:
        from keyring.errors import KeyringError

        try:
            return getattr(self._keyring, fn)(SERVICE, *args)
        except KeyringError as exc:
            raise SecretStoreError(f"{self.where}: {exc}; is the keyring unlocked?") from None

    def get(self, name: str) -> str | None:
        """The value of `name`, or None."""
        value: str | None = self._call("get_password", normalise_name(name))
        return value

    def set(self, name: str, value: str) -> None:
        """Store `value` under `name`."""
        key = normalise_name(name)
        self._call("set_password", key, value)
        self._write_index({*self.names(), key})

    def delete(self, name: str) -> bool:
        """Remove `name`; False when it was not there."""
        key = normalise_name(name)
        if self.get(key) is None:
            return False
        from keyring.errors import PasswordDeleteError

        with contextlib.suppress(PasswordDeleteError):
            self._call("delete_password", key)
        self._write_index(set(self.names()) - {key})
        return True

    def names(self) -> list[str]:
        """The stored names."""
        raw = self._call("get_password", _INDEX)
        return sorted(json.loads(raw)) if raw else []

    def _write_index(self, names: Iterable[str]) -> None:
        self._call("set_password", _INDEX, json.dumps(sorted(names)))


class FileStore:
    """Secrets in one Fernet-encrypted file (see the module docstring for where its key comes from)."""

    def __init__(self, directory: Path | None = None, *, passphrase: str | None = None) -> None:
        self.directory = directory if directory is not None else data_dir()
        self.path = self.directory / "secrets.json"
        self.key_path = self.directory / "secrets.key"
        self.where = str(self.path)
        self._passphrase = passphrase if passphrase is not None else os.environ.get(PASSPHRASE_ENV) or None

    def get(self, name: str) -> str | None:
        """The value of `name`, or None."""
        return self._read().get(normalise_name(name))

    def set(self, name: str, value: str) -> None:
        """Store `value` under `name`."""
        values = self._read()
        values[normalise_name(name)] = value
        self._write(values)

    def delete(self, name: str) -> bool:
        """Remove `name`; False when it was not there."""
        values = self._read()
        if values.pop(normalise_name(name), None) is None:
            return False
        self._write(values)
        return True

    def names(self) -> list[str]:
        """The stored names."""
        return sorted(self._read())

    # the file ------------------------------------------------------------------------

    def _read(self) -> dict[str, str]:
        try:
            doc = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise SecretStoreError(f"cannot read the secret store {self.path}: {exc}") from None
        try:
            plain = self._fernet(doc).decrypt(doc["token"].encode())
        except InvalidToken:
            what = f"${PASSPHRASE_ENV}" if doc.get("kdf") == "scrypt" else f"the key in {self.key_path}"
            raise SecretStoreError(f"{what} does not open {self.path}; was it changed?") from None
        values: dict[str, str] = json.loads(plain)
        return values

    def _write(self, values: dict[str, str]) -> None:
        try:
            doc = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:  # a new file: how it is keyed is chosen now, and kept
            doc = {"version": 1, "kdf": "scrypt" if self._passphrase else "keyfile"}
            if self._passphrase:
                doc["salt"] = base64.b64encode(random.token_bytes(16)).decode()
        token = self._fernet(doc).encrypt(json.dumps(values, sort_keys=True).encode())
        _write_private(self.path, json.dumps({**doc, "token": token.decode()}, indent=1).encode())

    def _fernet(self, doc: dict[str, Any]) -> Fernet:
        if doc.get("kdf") == "scrypt":
            if not self._passphrase:
                raise SecretStoreError(f"{self.path} is locked with a passphrase; set ${PASSPHRASE_ENV} to open it")
            salt = base64.b64decode(doc["salt"])
            key = Scrypt(salt=salt, length=32, n=_SCRYPT_N, r=8, p=1).derive(self._passphrase.encode())
            return Fernet(base64.urlsafe_b64encode(key))
        return Fernet(self._key_file())

    def _key_file(self) -> bytes:
        try:
            return self.key_path.read_bytes().strip()
        except FileNotFoundError:
            if self.path.exists():
                raise SecretStoreError(
                    f"{self.key_path} is missing, so {self.path} cannot be opened; restore the key file "
                    "or remove both files and save the secrets again"
                ) from None
        key = Fernet.generate_key()
        _write_private(self.key_path, key)
        return key


def _write_private(path: Path, data: bytes) -> None:
    """Replace `path` with `data`, readable by this user only (0600) from its first byte."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")  # mkstemp: mode 0600
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def open_store(backend: Backend = "auto", directory: Path | None = None) -> SecretStore:
    """The store to use: the OS keyring when there is one ("auto") or when asked ("keyring",
    which fails saying so when there is none), else the encrypted file in `directory`
    (default: the data dir)."""
    if backend == "keyring" or (backend == "auto" and keyring_available()):
        return KeyringStore()
    return FileStore(directory)
