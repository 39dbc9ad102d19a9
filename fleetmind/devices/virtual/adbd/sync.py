"""The file-sync sub-protocol of an ADB device service (`sync:`), over asyncio streams.

Packets are a 4-byte id and a little-endian u32: STAT / LIST / RECV / SEND
requests carry a path; RECV answers with DATA chunks then DONE, SEND sends DATA
chunks then DONE <mtime> and gets OKAY or FAIL; QUIT ends the session.
"""

from __future__ import annotations

import asyncio

from .files import FilesError, VirtualFiles
from .wire import (
    MAX_SYNC_DATA,
    MAX_SYNC_PATH,
    OKAY,
    sync_dent,
    sync_fail,
    sync_header,
    sync_stat,
    unpack_sync_header,
)

__all__ = ["serve_sync"]


async def serve_sync(
    files: VirtualFiles, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, timeout_s: float
) -> None:
    """The file-sync protocol: STAT, LIST, RECV, SEND, QUIT, until the client quits or leaves."""
    while True:
        ident, length = unpack_sync_header(await asyncio.wait_for(reader.readexactly(8), timeout_s))
        if ident == b"QUIT":
            return
        if ident not in (b"STAT", b"LIST", b"RECV", b"SEND"):
            writer.write(sync_fail(f"unknown sync command {ident!r}: use STAT, LIST, RECV, SEND or QUIT"))
            await writer.drain()
            return
        if length > MAX_SYNC_PATH:
            writer.write(sync_fail(f"path of {length} bytes is longer than {MAX_SYNC_PATH}"))
            await writer.drain()
            return
        path = (await asyncio.wait_for(reader.readexactly(length), timeout_s)).decode(errors="replace")
        if ident == b"STAT":
            st = files.stat(path)
            writer.write(sync_stat(st.mode, st.size, st.mtime) if st else sync_stat(0, 0, 0))
        elif ident == b"LIST":
            try:
                entries = files.listdir(path)
            except FilesError:
                entries = []  # adbd lists nothing for a missing directory
            for name, st in entries:
                writer.write(sync_dent(st.mode, st.size, st.mtime, name))
            writer.write(b"DONE" + bytes(16))
        elif ident == b"RECV":
            await _send_file(files, path, writer)
        elif not await _receive_file(files, path, reader, writer, timeout_s):
            return
        await writer.drain()


async def _send_file(files: VirtualFiles, path: str, writer: asyncio.StreamWriter) -> None:
    try:
        for chunk in files.read(path):
            writer.write(sync_header(b"DATA", len(chunk)) + chunk)
            await writer.drain()
    except FilesError as exc:
        writer.write(sync_fail(str(exc)))
        return
    writer.write(sync_header(b"DONE", 0))


async def _receive_file(
    files: VirtualFiles, spec: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, timeout_s: float
) -> bool:
    """SEND: DATA packets then DONE <mtime>; False if the client broke the protocol."""
    path = spec.rpartition(",")[0] if "," in spec else spec
    data = bytearray()
    too_big = False
    while True:
        ident, value = unpack_sync_header(await asyncio.wait_for(reader.readexactly(8), timeout_s))
        if ident == b"DONE":
            break
        if ident != b"DATA" or value > MAX_SYNC_DATA:
            writer.write(sync_fail(f"expected DATA of at most {MAX_SYNC_DATA} bytes or DONE, got {ident!r}"))
            return False
        chunk = await asyncio.wait_for(reader.readexactly(value), timeout_s)
        if len(data) + len(chunk) > files.max_file_bytes:
            too_big = True  # keep reading so the reply lands after the client's DONE
        else:
            data += chunk
    if too_big:
        writer.write(sync_fail(f"{path}: File too large (limit {files.max_file_bytes} bytes)"))
        return True
    try:
        files.write(path, bytes(data), mtime=value or None)
    except FilesError as exc:
        writer.write(sync_fail(str(exc)))
        return True
    writer.write(sync_header(OKAY, 0))
    return True
