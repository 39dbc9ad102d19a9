"""`AdbServer`: virtual phones behind the ADB host protocol, on a loopback TCP port.

Any ADB client (adbutils, uiautomator2's adb layer, `adb -P PORT` itself for
host services and `shell`) talks to it as to the `adb start-server` daemon:

    server = AdbServer(virtual_phones(2), port=5037)
    await server.start()        # adbutils.AdbClient("127.0.0.1", server.port).device_list()
    await server.wait_closed()  # until stop() or a client's `host:kill`

One connection carries one request, as with the real server: a host service
(`host:version`, `host:devices[-l]`, `host-serial:<s>:get-state`, ...), or a
transport selection (`host:transport:<s>`, `host:tport:serial:<s>`, ...)
followed by one device service (`shell:<line>`, `exec:<line>`, `sync:`).
A malformed request gets `FAIL` + reason and its connection is closed; the
server keeps serving everyone else. Shell command lines run in `Shell` with
the commands of `commands.py`, on the event loop's thread, one at a time, so
a `VirtualPhone` is never touched by two threads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import struct
from collections.abc import Mapping, Sequence

from fleetmind.devices.virtual import VirtualPhone

from .commands import COMMANDS
from .handset import Handset
from .shell import Shell
from .sync import serve_sync
from .wire import OKAY, ProtocolError, block, fail, parse_length

__all__ = ["ADB_SERVER_VERSION", "AdbServer", "emulator_serial", "virtual_phones"]

log = logging.getLogger(__name__)

ADB_SERVER_VERSION = 41  # adbutils selects devices with host:tport: from 41 on
DEVICE_FEATURES = "cmd,fixed_push_mkdir,fixed_push_symlink_timestamp,apex"  # no shell_v2: only v1 framing is served
_HOST_ON_DEVICE = (
    "get-state",
    "get-serialno",
    "get-devpath",
    "features",
    "forward:",
    "killforward",
    "list-forward",
    "wait-for-",
    "reconnect",
)
_UNSUPPORTED = ("reboot:", "remount:", "tcpip:", "usb:", "reverse:", "framebuffer:", "jdwp", "track-jdwp", "abb")
_SOCKETS = ("tcp:", "localabstract:", "localfilesystem:", "localreserved:", "dev:")
_CHUNK = 64 * 1024


class Refused(Exception):
    """A request the server answers with FAIL and its message."""


def emulator_serial(index: int) -> str:
    """The serial adb gives the index-th emulator: emulator-5554, emulator-5556, ..."""
    return f"emulator-{5554 + 2 * index}"


def virtual_phones(count: int, seed: int = 0) -> dict[str, VirtualPhone]:
    """`count` fresh virtual phones keyed by emulator serials, each seeded differently."""
    if count < 1:
        raise ValueError(f"count={count}: pass at least 1 phone")
    return {emulator_serial(i): VirtualPhone(device_id=emulator_serial(i), seed=seed + i) for i in range(count)}


class AdbServer:
    """An asyncio ADB server for virtual phones.

    phones: serial -> phone, or a list of phones (serials emulator-5554, -5556, ...).
    host/port: where to listen; port 0 picks a free one (read `.port` after start()).
    hang_dump: every `uiautomator dump` hangs until the client gives up (see
        `Handset.hang_dumps` to hang only some, on one phone).
    request_timeout_s: how long a connection may take to send its request or a sync packet.
    """

    def __init__(
        self,
        phones: Mapping[str, VirtualPhone] | Sequence[VirtualPhone],
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        hang_dump: bool = False,
        request_timeout_s: float = 30.0,
    ) -> None:
        items = (
            list(phones.items())
            if isinstance(phones, Mapping)
            else [(emulator_serial(i), p) for i, p in enumerate(phones)]
        )
        if not items:
            raise ValueError("an AdbServer needs at least one phone")
        for serial, _ in items:
            if not serial or any(c.isspace() for c in serial):
                raise ValueError(f"serial {serial!r} is empty or has spaces; use e.g. 'emulator-5554'")
        self.handsets: dict[str, Handset] = {
            serial: Handset.attach(serial, phone, i + 1) for i, (serial, phone) in enumerate(items)
        }
        for h in self.handsets.values():
            h.hang_dumps = -1 if hang_dump else 0
        self._shells = {serial: Shell(h, COMMANDS) for serial, h in self.handsets.items()}
        self.host = host
        self._requested_port = port
        self.request_timeout_s = request_timeout_s
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopped = asyncio.Event()
        self._kill: asyncio.Task[None] | None = None

    # ------------------------------------------------------------------ lifecycle

    @property
    def port(self) -> int:
        """The TCP port clients connect to (the bound one once started)."""
        if self._server is not None and self._server.sockets:
            return int(self._server.sockets[0].getsockname()[1])
        return self._requested_port

    @property
    def serials(self) -> list[str]:
        """The phones' serials, in `adb devices` order."""
        return list(self.handsets)

    def handset(self, serial: str) -> Handset:
        """The handset (phone, files, clipboard, faults) under `serial`."""
        try:
            return self.handsets[serial]
        except KeyError:
            raise KeyError(f"no phone {serial!r}; serials: {', '.join(self.handsets)}") from None

    async def start(self) -> None:
        """Listen; returns once the port is bound. OSError if it is taken."""
        if self._server is not None:
            return
        self._stopped.clear()
        self._server = await asyncio.start_server(self._accept, self.host, self._requested_port)
        log.info("adb server for %s listening on %s:%d", ", ".join(self.handsets), self.host, self.port)

    async def stop(self) -> None:
        """Stop listening and drop every open connection."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
        tasks = [t for t in self._tasks if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if server is not None:
            await server.wait_closed()
        self._stopped.set()

    async def wait_closed(self) -> None:
        """Wait until the server is stopped (by stop() or a client's host:kill)."""
        await self._stopped.wait()

    async def __aenter__(self) -> AdbServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ connections

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._session(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, TimeoutError):
            pass  # the client went away or stalled; nothing to answer
        except Exception:  # a bug here must not take the server down with it
            log.exception("adb server: connection failed")
        finally:
            self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(ConnectionError, asyncio.CancelledError):
                await writer.wait_closed()

    async def _request(self, reader: asyncio.StreamReader) -> str:
        header = await asyncio.wait_for(reader.readexactly(4), self.request_timeout_s)
        length = parse_length(header)
        if length == 0:
            raise ProtocolError("empty request: send a service name such as host:version")
        body = await asyncio.wait_for(reader.readexactly(length), self.request_timeout_s)
        try:
            return body.decode()
        except UnicodeDecodeError:
            raise ProtocolError("the request is not UTF-8 text") from None

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await self._request(reader)
            handset: Handset | None
            if request.startswith(("host:", "host-serial:", "host-transport-id:", "host-usb:", "host-local:")):
                handset = await self._host(request, reader, writer)
                if handset is None:
                    return
                request = await self._request(reader)
            else:
                handset = self._usable(self._any())  # as adb does for a service sent without choosing a device
            await self._device(handset, request, reader, writer)
        except (ProtocolError, Refused) as exc:
            log.info("adb server: FAIL %s", exc)
            writer.write(fail(str(exc)))
            await writer.drain()

    # ------------------------------------------------------------------ host services

    def _find(self, serial: str) -> Handset:
        h = self.handsets.get(serial)
        if h is None:
            raise Refused(f"device '{serial}' not found")
        return h

    @staticmethod
    def _usable(h: Handset) -> Handset:
        # adb's own words for a phone it cannot talk to.
        if h.adb_state == "unauthorized":
            raise Refused(
                "device unauthorized.\nThis adb server's $ADB_VENDOR_KEYS is not set\n"
                "Try 'adb kill-server' if that seems wrong.\nOtherwise check for a confirmation dialog on your device."
            )
        if h.adb_state != "device":
            raise Refused(f"device {h.adb_state}")
        return h

    def _any(self) -> Handset:
        if len(self.handsets) > 1:
            raise Refused("more than one device/emulator")
        return next(iter(self.handsets.values()))

    def _by_id(self, text: str) -> Handset:
        h = next((h for h in self.handsets.values() if str(h.transport_id) == text), None)
        if h is None:
            raise Refused(f"no device with transport id '{text}'")
        return h

    def _split_serial(self, rest: str) -> tuple[str, str]:
        # Serials may hold colons (192.168.1.5:5555), so find where the command starts.
        for serial in sorted(self.handsets, key=len, reverse=True):
            if rest.startswith(serial + ":"):
                return serial, rest[len(serial) + 1 :]
        for i, c in enumerate(rest):
            if c == ":" and rest[i + 1 :].startswith(_HOST_ON_DEVICE):
                return rest[:i], rest[i + 1 :]
        serial, _, command = rest.partition(":")
        return serial, command

    def _devices(self, long: bool) -> str:
        if not long:
            return "".join(f"{s}\t{h.adb_state}\n" for s, h in self.handsets.items())
        return "".join(
            f"{s:<22} {h.adb_state} product:fleetmind_virtual model:Virtual_Phone device:virtual "
            f"transport_id:{h.transport_id}\n"
            for s, h in self.handsets.items()
        )

    async def _host(self, request: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> Handset | None:
        """Answer a host service; returns the handset when the request selected a transport."""
        if request.startswith("host-serial:"):
            serial, command = self._split_serial(request[len("host-serial:") :])
            await self._host_device(self._find(serial), command, writer)
            return None
        if request.startswith("host-transport-id:"):
            tid, _, command = request[len("host-transport-id:") :].partition(":")
            await self._host_device(self._by_id(tid), command, writer)
            return None
        if request.startswith(("host-usb:", "host-local:")):
            await self._host_device(self._any(), request.split(":", 1)[1], writer)
            return None
        service = request[len("host:") :]
        reply: bytes
        if service == "version":
            reply = OKAY + block(f"{ADB_SERVER_VERSION:04x}")
        elif service in ("devices", "devices-l"):
            reply = OKAY + block(self._devices(service == "devices-l"))
        elif service in ("features", "host-features"):
            reply = OKAY + block("fixed_push_mkdir,apex,cmd")
        elif service == "list-forward":
            reply = OKAY + block("")
        elif service.startswith("connect:"):
            reply = OKAY + block(self._connect(service[len("connect:") :]))
        elif service.startswith("disconnect:"):
            address = service[len("disconnect:") :]
            reply = OKAY + block(f"disconnected {address}")
        elif service == "track-devices":
            writer.write(OKAY + block(self._devices(False)))
            await writer.drain()
            while await reader.read(4096):  # the list never changes: hold the line until the client leaves
                pass
            return None
        elif service == "kill":
            writer.write(OKAY)
            await writer.drain()
            log.info("adb server: host:kill received, stopping")
            self._kill = asyncio.get_running_loop().create_task(self.stop())
            return None
        elif service.startswith(("transport:", "tport:", "transport-", "get-state", "get-serialno", "get-devpath")):
            return await self._select(service, writer)
        else:
            raise Refused(f"unknown host service '{request}'")
        writer.write(reply)
        await writer.drain()
        return None

    def _connect(self, address: str) -> str:
        # Wi-Fi adb: only addresses that already are serials here are "reachable"; no connection is made.
        if ":" not in address:
            address += ":5555"
        if address in self.handsets:
            return f"already connected to {address}"
        return f"failed to connect to '{address}': Connection refused"

    async def _select(self, service: str, writer: asyncio.StreamWriter) -> Handset | None:
        if service.startswith(("get-state", "get-serialno", "get-devpath")):
            await self._host_device(self._any(), service, writer)
            return None
        tport = service.startswith("tport:")
        target = service.split(":", 1)[1] if tport else service
        if target.startswith("serial:"):
            h = self._find(target[len("serial:") :])
        elif target.startswith("transport:"):
            h = self._find(target[len("transport:") :])
        elif target.startswith("transport-id:"):
            h = self._by_id(target[len("transport-id:") :])
        elif target in ("any", "usb", "local", "transport-any", "transport-usb", "transport-local"):
            h = self._any()
        else:
            raise Refused(f"unknown host service 'host:{service}'")
        self._usable(h)
        writer.write(OKAY + (struct.pack("<Q", h.transport_id) if tport else b""))
        await writer.drain()
        return h

    async def _host_device(self, h: Handset, command: str, writer: asyncio.StreamWriter) -> None:
        """host-serial:<s>:<command> and friends: questions the server answers about one device."""
        if command == "get-state":
            reply = OKAY + block(h.adb_state)
        elif command == "get-serialno":
            reply = OKAY + block(h.serial)
        elif command == "get-devpath":
            reply = OKAY + block(f"virtual:{h.transport_id}")
        elif command == "features":
            reply = OKAY + block(DEVICE_FEATURES if self._usable(h) else "")
        elif command == "list-forward":
            reply = OKAY + block("")
        elif command == "killforward-all":
            reply = OKAY
        elif command.startswith("wait-for-") and command.endswith("-device"):
            reply = OKAY + OKAY
        elif command.startswith(("forward:", "killforward:")):
            raise Refused("port forwarding is not supported: nothing listens on a virtual phone")
        else:
            raise Refused(f"unknown host service '{command}' for device '{h.serial}'")
        writer.write(reply)
        await writer.drain()

    # ------------------------------------------------------------------ device services

    async def _device(
        self, h: Handset, request: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        name, _, arg = request.partition(":")
        if name == "shell" or name.startswith("shell,") or name == "exec":
            if "v2" in name.split(",")[1:]:
                raise Refused("shell protocol v2 is not supported (it is not in the device's features); use shell:")
            if not arg.strip():
                raise Refused("interactive shells are not supported by virtual phones; pass a command line")
            writer.write(OKAY)
            result = self._shells[h.serial].run(arg)
            for i in range(0, len(result.output), _CHUNK):
                writer.write(result.output[i : i + _CHUNK])
                await writer.drain()
            await writer.drain()
            if result.hung:
                log.info("adb server: %s: %r hangs until the client gives up", h.serial, arg)
                while await reader.read(4096):
                    pass
            return
        if request == "sync:":
            writer.write(OKAY)
            await serve_sync(h.files, reader, writer, self.request_timeout_s)
            return
        if request.startswith(_SOCKETS):
            raise Refused(f"closed: nothing listens on {request} on a virtual phone (it runs no on-device servers)")
        if request in ("root:", "unroot:"):
            writer.write(OKAY + b"adbd cannot run as root in production builds\n")
            await writer.drain()
            return
        if request.startswith(_UNSUPPORTED):
            raise Refused(f"service '{name}' is not supported by virtual phones")
        raise Refused(f"unknown device service '{request}'")
