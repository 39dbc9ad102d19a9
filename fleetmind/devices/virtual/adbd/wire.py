"""Bytes of the ADB host protocol and of its file-sync sub-protocol, with no I/O.

Host requests are 4 ASCII hex digits of length then the request; the server
answers `OKAY`, or `FAIL` + 4-hex length + message. Once a connection has been
switched to `sync:`, packets are a 4-byte id and a little-endian u32.
"""

from __future__ import annotations

import struct

__all__ = [
    "FAIL",
    "MAX_REQUEST",
    "MAX_SYNC_DATA",
    "MAX_SYNC_PATH",
    "OKAY",
    "ProtocolError",
    "block",
    "fail",
    "parse_length",
    "sync_dent",
    "sync_fail",
    "sync_header",
    "sync_stat",
    "unpack_sync_header",
]

OKAY = b"OKAY"
FAIL = b"FAIL"

MAX_REQUEST = 0xFFFF  # four hex digits cannot say more
MAX_SYNC_PATH = 1024  # adbd's own limit on a sync path
MAX_SYNC_DATA = 64 * 1024  # adbd's SYNC_DATA_MAX


class ProtocolError(Exception):
    """The peer sent bytes the protocol does not allow; the message is sent back in a FAIL."""


def parse_length(header: bytes) -> int:
    """The length a 4-byte request header announces; ProtocolError if it is not 4 hex digits."""
    if len(header) != 4 or any(c not in b"0123456789abcdefABCDEF" for c in header):
        raise ProtocolError(f"bad request length header {header!r}: expected 4 hex digits, e.g. b'000c'")
    return int(header, 16)


def block(data: str | bytes) -> bytes:
    """A length-prefixed block: 4 hex digits then the bytes (UTF-8 for text)."""
    raw = data.encode() if isinstance(data, str) else data
    if len(raw) > MAX_REQUEST:
        raise ValueError(f"a block holds at most {MAX_REQUEST} bytes, got {len(raw)}")
    return f"{len(raw):04x}".encode() + raw


def fail(message: str) -> bytes:
    """A FAIL reply carrying `message`, cut to what a block can hold."""
    raw = message.encode()[:MAX_REQUEST]
    return FAIL + block(raw)


def sync_header(ident: bytes, value: int) -> bytes:
    """A sync packet header: 4-byte id and a little-endian u32 (a length or a time)."""
    return ident + struct.pack("<I", value)


def unpack_sync_header(header: bytes) -> tuple[bytes, int]:
    """The id and the u32 of an 8-byte sync header."""
    return header[:4], struct.unpack("<I", header[4:8])[0]


def sync_fail(message: str) -> bytes:
    """A sync FAIL packet."""
    raw = message.encode()[:MAX_SYNC_PATH]
    return sync_header(FAIL, len(raw)) + raw


def sync_stat(mode: int, size: int, mtime: int) -> bytes:
    """The reply to STAT: all zeros when the path does not exist."""
    return b"STAT" + struct.pack("<III", mode, size & 0xFFFFFFFF, mtime)


def sync_dent(mode: int, size: int, mtime: int, name: str) -> bytes:
    """One LIST entry."""
    raw = name.encode()
    return b"DENT" + struct.pack("<IIII", mode, size & 0xFFFFFFFF, mtime, len(raw)) + raw
