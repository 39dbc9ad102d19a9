"""Secrets (PINs, passwords, card numbers) kept on the device host and typed on the device.

A request names a secret ("log in to the bank with my bank PIN" -> `bank-pin`); the value
lives in the OS keyring or an encrypted file on the device host (store.py), stands as a
placeholder everywhere between the request and the keyboard (names.py), and is swapped in
by the device host only as the device types it (keeper.py, which sits on top of the agent
loop's question types and is imported from there, not from this package's top).
`fleetmind secrets set|list|rm` manages the store.
"""

from __future__ import annotations

from .names import InvalidName, default_name, normalise_name, placeholder, referenced_secret
from .store import FileStore, KeyringStore, SecretStore, SecretStoreError, keyring_available, open_store

__all__ = [
    "FileStore",
    "InvalidName",
    "KeyringStore",
    "SecretStore",
    "SecretStoreError",
    "default_name",
    "keyring_available",
    "normalise_name",
    "open_store",
    "placeholder",
    "referenced_secret",
]
