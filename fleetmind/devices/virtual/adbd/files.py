"""The files a virtual phone shows over adb: shared storage and /data/local/tmp.

Files under /sdcard are the phone's Files app (`PhoneState.files`): a pushed file
appears in the app, a seeded entry can be pulled (its bytes are zeros unless
something was pushed). /data/local/tmp holds scratch files such as uiautomator
dumps. Everything else is a read-only skeleton of directories.
"""

from __future__ import annotations

import posixpath
import stat
from collections.abc import Iterator
from dataclasses import dataclass

from fleetmind.devices.virtual import FileEntry, PhoneState

__all__ = ["FileStat", "FilesError", "VirtualFiles"]

SDCARD = "/sdcard"
TMP = "/data/local/tmp"
_ALIASES = ("/storage/emulated/0", "/storage/self/primary", "/mnt/sdcard")
_SKELETON = frozenset(
    {
        "/",
        "/data",
        "/data/local",
        TMP,
        "/sdcard",
        "/storage",
        "/storage/emulated",
        "/system",
        "/system/bin",
        "/sdcard/Download",
        "/sdcard/Documents",
        "/sdcard/Pictures",
        "/sdcard/DCIM",
    }
)
DIR_MODE = stat.S_IFDIR | 0o771
FILE_MODE = stat.S_IFREG | 0o660
CHUNK = 64 * 1024


class FilesError(Exception):
    """A file operation failed; the message reads like the shell's (`No such file or directory`)."""


@dataclass(frozen=True)
class FileStat:
    """What `stat` says about a path."""

    mode: int
    size: int
    mtime: int

    @property
    def is_dir(self) -> bool:
        return stat.S_ISDIR(self.mode)


def normalize(path: str) -> str:
    """An absolute, normalised path with the shared-storage aliases folded into /sdcard."""
    if not path.startswith("/"):
        path = posixpath.join("/", path)  # `adb shell` starts in /
    path = posixpath.normpath(path)
    if path.startswith("//"):
        path = path[1:]
    for alias in _ALIASES:
        if path == alias or path.startswith(alias + "/"):
            return SDCARD + path[len(alias) :]
    return path


class VirtualFiles:
    """One phone's file system as adb sees it.

    max_file_bytes / max_total_bytes bound what pushes and dumps may store.
    """

    def __init__(self, state: PhoneState, *, max_file_bytes: int = 64 << 20, max_total_bytes: int = 256 << 20):
        self._state = state
        self._data: dict[str, bytes] = {}
        self._mtime: dict[str, int] = {}
        self._dirs: set[str] = set(_SKELETON)
        self.max_file_bytes = max_file_bytes
        self.max_total_bytes = max_total_bytes

    # ------------------------------------------------------------------ queries

    def _entries(self) -> dict[str, FileEntry]:
        # The Files app's list, keyed by the path each entry has on shared storage.
        return {normalize(f"{SDCARD}/{f.folder}/{f.name}"): f for f in self._state.files}

    def _all_dirs(self) -> set[str]:
        dirs = set(self._dirs)
        for path in [*self._entries(), *self._data]:
            parent = posixpath.dirname(path)
            while parent not in dirs:
                dirs.add(parent)
                parent = posixpath.dirname(parent)
        return dirs

    def stat(self, path: str) -> FileStat | None:
        """Mode, size and mtime of a file or directory; None when it does not exist."""
        path = normalize(path)
        now = int(self._state.now)
        if path in self._data:
            return FileStat(FILE_MODE, len(self._data[path]), self._mtime.get(path, now))
        entry = self._entries().get(path)
        if entry is not None:
            return FileStat(FILE_MODE, entry.size, now)
        if path in self._all_dirs():
            return FileStat(DIR_MODE, 4096, now)
        return None

    def listdir(self, path: str) -> list[tuple[str, FileStat]]:
        """The names in a directory with their stats, sorted; FilesError if it is not one."""
        path = normalize(path)
        found = self.stat(path)
        if found is None:
            raise FilesError(f"{path}: No such file or directory")
        if not found.is_dir:
            raise FilesError(f"{path}: Not a directory")
        names = {
            p[len(path) :].lstrip("/").split("/", 1)[0]
            for p in [*self._all_dirs(), *self._entries(), *self._data]
            if p != path and p.startswith(path.rstrip("/") + "/")
        }
        out = []
        for name in sorted(names):
            child = self.stat(posixpath.join(path, name))
            if child is not None:
                out.append((name, child))
        return out

    def read(self, path: str) -> Iterator[bytes]:
        """A file's bytes in chunks of at most 64 KiB; FilesError if it cannot be read."""
        path = normalize(path)
        found = self.stat(path)
        if found is None:
            raise FilesError(f"{path}: No such file or directory")
        if found.is_dir:
            raise FilesError(f"{path}: Is a directory")
        data = self._data.get(path)
        if data is not None:
            for i in range(0, len(data), CHUNK):
                yield data[i : i + CHUNK]
            return
        # A seeded entry has a size but no content: zeros, produced a chunk at a time.
        left = found.size
        while left > 0:
            n = min(CHUNK, left)
            yield bytes(n)
            left -= n

    def read_all(self, path: str, limit: int = 1 << 20) -> bytes:
        """The first `limit` bytes of a file (for cat and md5sum)."""
        out = bytearray()
        for chunk in self.read(path):
            out += chunk
            if len(out) >= limit:
                break
        return bytes(out[:limit])

    # ------------------------------------------------------------------ changes

    def _writable(self, path: str) -> None:
        if not (path.startswith(SDCARD + "/") or path.startswith(TMP + "/")):
            raise FilesError(f"{path}: Read-only file system (write to /sdcard or /data/local/tmp)")

    def write(self, path: str, data: bytes, mtime: int | None = None) -> None:
        """Create or replace a file; a file on shared storage shows up in the Files app."""
        path = normalize(path)
        self._writable(path)
        existing = self.stat(path)
        if existing is not None and existing.is_dir:
            raise FilesError(f"{path}: Is a directory")
        if len(data) > self.max_file_bytes:
            raise FilesError(f"{path}: File too large (limit {self.max_file_bytes} bytes)")
        used = sum(len(d) for p, d in self._data.items() if p != path)
        if used + len(data) > self.max_total_bytes:
            raise FilesError(f"{path}: No space left on device")
        self._data[path] = data
        self._mtime[path] = int(self._state.now if mtime is None else mtime)
        if path.startswith(SDCARD + "/"):
            folder, name = posixpath.split(path[len(SDCARD) + 1 :])
            self._state.files[:] = [f for f in self._state.files if normalize(f"{SDCARD}/{f.folder}/{f.name}") != path]
            self._state.files.append(FileEntry(name=name, size=len(data), folder=folder))

    def remove(self, path: str, recursive: bool = False) -> None:
        """Delete a file (or, with recursive, a directory and what it holds)."""
        path = normalize(path)
        found = self.stat(path)
        if found is None:
            raise FilesError(f"{path}: No such file or directory")
        self._writable(path)
        if found.is_dir and not recursive:
            raise FilesError(f"{path}: Is a directory")
        gone = {p for p in [*self._data, *self._entries()] if p == path or p.startswith(path + "/")}
        for p in gone:
            self._data.pop(p, None)
            self._mtime.pop(p, None)
        self._state.files[:] = [f for f in self._state.files if normalize(f"{SDCARD}/{f.folder}/{f.name}") not in gone]
        self._dirs = {d for d in self._dirs if not (d == path or d.startswith(path + "/"))}

    def mkdir(self, path: str) -> None:
        """Create a directory and its parents."""
        path = normalize(path)
        self._writable(path)
        while path not in self._dirs and path != "/":
            self._dirs.add(path)
            path = posixpath.dirname(path)
