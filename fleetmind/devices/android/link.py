"""`AdbLink`: one Android device on an ADB server, through adbutils, with limits and clear errors.

Every call blocks (run it in a thread from async code), has a socket timeout,
and turns adbutils' errors into `DeviceError`s that say what to do. Two
adbutils habits are changed on purpose: a closed server port is an error here
(adbutils would run `adb start-server` with its bundled binary), and the
server version is asked once instead of before every command.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from typing import Any, TypeVar

import adbutils  # type: ignore[import-untyped]
from adbutils.errors import AdbConnectionError, AdbError, AdbTimeout  # type: ignore[import-untyped]

from ..base import DeviceError
from .dumpsys import parse_rotation, parse_wm_size
from .uidump import HierarchyError

__all__ = ["DUMP_PATH", "AdbLink", "DumpTimeout"]

log = logging.getLogger(__name__)

DUMP_PATH = "/data/local/tmp/uidump.xml"
T = TypeVar("T")


class DumpTimeout(Exception):
    """`uiautomator dump` did not finish in time (the screen never went idle)."""


class _DirectConnection(adbutils.AdbConnection):  # type: ignore[misc]
    """An adbutils connection that never spawns `adb start-server` when the port is closed."""

    def _safe_connect(self) -> socket.socket:
        return self._create_socket()  # type: ignore[no-any-return]


class _Client(adbutils.AdbClient):  # type: ignore[misc]
    """adbutils' client with a timeout on every socket and the server version asked once."""

    def __init__(self, host: str, port: int, timeout_s: float) -> None:
        super().__init__(host=host, port=port)
        self.timeout_s = timeout_s
        self._version: int | None = None

    def make_connection(self, timeout: float | None = None) -> adbutils.AdbConnection:
        conn = _DirectConnection(self.host, self.port)
        conn.conn.settimeout(min(t for t in (timeout, self.timeout_s) if t))
        return conn

    def server_version(self) -> int:
        if self._version is None:
            self._version = int(super().server_version())
        return self._version


class AdbLink:
    """One device on the ADB server at host:port.

    serial: the device; None picks the only usable one at `open()`.
    timeout_s: the limit on any socket read or write.
    """

    def __init__(self, host: str, port: int, serial: str | None, timeout_s: float) -> None:
        self.host = host
        self.port = port
        self.serial = serial
        self.timeout_s = timeout_s
        self._client = _Client(host, port, timeout_s)
        self._device: adbutils.AdbDevice | None = None

    @property
    def where(self) -> str:
        """The ADB server address, host:port."""
        return f"{self.host}:{self.port}"

    @property
    def is_open(self) -> bool:
        """Whether `open()` found the device."""
        return self._device is not None

    @property
    def device(self) -> adbutils.AdbDevice:
        """adbutils' device object (for uiautomator2); DeviceError before `open()`."""
        if self._device is None:
            raise DeviceError("the Android device is not connected yet: `await device.connect()` first")
        return self._device

    def _check_server(self) -> None:
        try:
            socket.create_connection((self.host, self.port), timeout=3).close()
        except OSError as exc:
            raise DeviceError(
                f"no ADB server at {self.where} ({exc.strerror or exc}): start it with `adb start-server` "
                "(or `fleetmind device virtual --adb-port N` for virtual phones), or pass adb_host/adb_port"
            ) from None

    def open(self) -> None:
        """Find the device on the server; DeviceError naming what to do if it is absent or unusable."""
        self._check_server()
        infos = self.call(lambda: self._client.list())
        listed = ", ".join(f"{i.serial} ({i.state})" for i in infos) or "none"
        if self.serial is None:
            ready = [i for i in infos if i.state == "device"]
            if len(ready) > 1:
                raise DeviceError(f"{len(ready)} devices are connected ({listed}): pass the serial of one")
            if not ready:
                if infos:
                    _check_state(infos[0].serial, infos[0].state)
                raise DeviceError(
                    f"no Android device is connected to the ADB server at {self.where}: plug one in with USB "
                    "debugging on, or `adb connect HOST:PORT`; list devices with `adb devices`"
                )
            self.serial = ready[0].serial
        else:
            match = next((i for i in infos if i.serial == self.serial), None)
            if match is None:
                raise DeviceError(
                    f"no device '{self.serial}' on the ADB server at {self.where} (connected: {listed}); "
                    "list devices with `adb devices`"
                )
            _check_state(match.serial, match.state)
        self._device = self._client.device(self.serial)

    def close(self) -> None:
        """Forget the device (adbutils keeps no connection open between calls)."""
        self._device = None

    def connect_wifi(self, address: str) -> str:
        """`adb connect ADDRESS`: the server's answer, e.g. "connected to 10.0.0.5:5555"."""
        self._check_server()
        return str(self.call(lambda: self._client.connect(address, timeout=self.timeout_s)))

    def call(self, fn: Callable[[], T]) -> T:
        """Run an adbutils call; its errors become DeviceErrors that say what to do."""
        try:
            return fn()
        except (AdbError, OSError) as exc:
            raise self._explain(exc) from None

    def _explain(self, exc: Exception) -> DeviceError:
        text = str(exc)
        if isinstance(exc, AdbConnectionError) or (isinstance(exc, AdbTimeout) and "connect" in text):
            return DeviceError(f"lost the ADB server at {self.where} ({text}): is it still running? `adb devices`")
        if isinstance(exc, AdbTimeout):
            return DeviceError(f"{self.serial}: adb call timed out ({text}); the phone may be busy or asleep")
        if "unauthorized" in text:
            return DeviceError(f"device {self.serial} is unauthorized: accept the USB debugging prompt on the phone")
        if "offline" in text:
            return DeviceError(f"device {self.serial} is offline: reconnect it or run `adb reconnect`")
        if "not found" in text:
            return DeviceError(f"device {self.serial} is gone from the ADB server ({text}); see `adb devices`")
        return DeviceError(f"{self.serial}: adb error: {text}")

    def shell(self, cmd: list[str], timeout: float | None = None) -> str:
        """Run a command (arguments are shell-quoted); its output, trailing whitespace stripped."""
        device = self.device
        return str(self.call(lambda: device.shell(cmd, timeout=timeout or self.timeout_s)))

    def shell_bytes(self, cmd: list[str]) -> bytes:
        """Run a command; its raw output (screencap's PNG)."""
        device = self.device
        return bytes(self.call(lambda: device.shell(cmd, timeout=self.timeout_s, encoding=None)))

    def screen(self) -> tuple[tuple[int, int], int]:
        """((width, height) as the screen is turned now, rotation 0-3)."""
        size = parse_wm_size(self.shell(["wm", "size"]))
        rotation = parse_rotation(self.shell(["dumpsys", "display"]))
        if size is None:
            raise DeviceError(f"{self.serial}: `wm size` printed no screen size; is the device fully booted?")
        w, h = size
        return ((h, w) if rotation % 2 else (w, h)), rotation

    def dump_hierarchy(self, timeout_s: float) -> str:
        """`uiautomator dump` then a pull of the file; DumpTimeout if the dump takes over timeout_s."""
        device = self.device
        command = f"rm -f {DUMP_PATH}; uiautomator dump {DUMP_PATH} && echo success"
        try:
            out = device.shell(command, timeout=timeout_s)
        except AdbTimeout:
            raise DumpTimeout from None
        except (AdbError, OSError) as exc:
            raise self._explain(exc) from None
        if "ERROR" in out or "success" not in out:  # e.g. "ERROR: could not get idle state."
            raise HierarchyError(f"uiautomator dump failed: {out.strip()[:200]}")
        data: bytes = self.call(lambda: b"".join(device.sync.iter_content(DUMP_PATH)))
        return data.decode("utf-8", errors="replace")

    def uiautomator2(self) -> Any:
        """A uiautomator2 session on the device (it pushes and starts its server); raises if it cannot."""
        import uiautomator2  # type: ignore[import-untyped]

        return uiautomator2.connect(self.device)


def _check_state(serial: str, state: str) -> None:
    if state == "unauthorized":
        raise DeviceError(
            f"device {serial} is unauthorized: unlock it and accept the USB debugging prompt on the phone "
            "(tick 'Always allow'), then retry"
        )
    if state != "device":
        raise DeviceError(
            f"device {serial} is {state}: reconnect its cable or run `adb reconnect`, "
            "then check it shows as 'device' in `adb devices`"
        )
