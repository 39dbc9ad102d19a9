"""The ADB server for virtual phones, byte for byte over loopback sockets, and through adbutils."""

from __future__ import annotations

import asyncio
import io
import struct
from collections.abc import AsyncIterator

import adbutils
import pytest
from PIL import Image

from fleetmind.devices.virtual import Contact, VirtualPhone
from fleetmind.devices.virtual.adbd import AdbServer, AdbServerThread, virtual_phones
from fleetmind.devices.virtual.adbd.shell import tokenize

pytestmark = pytest.mark.timeout(30)

A, B = "emulator-5554", "emulator-5556"


@pytest.fixture
async def server() -> AsyncIterator[AdbServer]:
    async with AdbServer(virtual_phones(2)) as s:
        yield s


class Client:
    """A raw ADB client: length-prefixed requests, OKAY/FAIL replies."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, server: AdbServer) -> Client:
        return cls(*await asyncio.open_connection("127.0.0.1", server.port))

    def send(self, request: str) -> None:
        raw = request.encode()
        self.writer.write(f"{len(raw):04x}".encode() + raw)

    async def status(self) -> bytes:
        return await asyncio.wait_for(self.reader.readexactly(4), 5)

    async def block(self) -> str:
        n = int(await asyncio.wait_for(self.reader.readexactly(4), 5), 16)
        return (await asyncio.wait_for(self.reader.readexactly(n), 5)).decode()

    async def okay(self, request: str) -> None:
        self.send(request)
        status = await self.status()
        assert status == b"OKAY", (status, await self.block())

    async def failure(self, request: str) -> str:
        self.send(request)
        assert await self.status() == b"FAIL"
        return await self.block()

    async def rest(self) -> bytes:
        return await asyncio.wait_for(self.reader.read(), 5)

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()


async def host(server: AdbServer, request: str) -> str:
    c = await Client.open(server)
    await c.okay(request)
    reply = await c.block()
    await c.close()
    return reply


async def shell(server: AdbServer, line: str, serial: str = A) -> bytes:
    c = await Client.open(server)
    await c.okay(f"host:transport:{serial}")
    await c.okay("shell:" + line)
    out = await c.rest()
    await c.close()
    return out


async def test_version_is_41_in_four_hex_digits(server: AdbServer) -> None:
    c = await Client.open(server)
    c.send("host:version")
    assert await c.rest() == b"OKAY" + b"0004" + b"0029"


async def test_devices_lists_both_phones(server: AdbServer) -> None:
    assert await host(server, "host:devices") == f"{A}\tdevice\n{B}\tdevice\n"
    long = (await host(server, "host:devices-l")).splitlines()
    assert [line.split()[:2] for line in long] == [[A, "device"], [B, "device"]]
    assert long[1].endswith("transport_id:2")


async def test_garbage_header_fails_and_the_server_keeps_serving(server: AdbServer) -> None:
    bad = await Client.open(server)
    bad.writer.write(b"zzzzhost:version")
    assert await bad.status() == b"FAIL"
    assert "bad request length header" in await bad.block()
    assert await bad.rest() == b""  # and the connection is closed
    half = await Client.open(server)
    half.writer.write(b"00")  # a client that stalls mid-header holds only its own connection
    assert await host(server, "host:version") == "0029"
    await half.close()


async def test_unknown_services_fail_with_a_message(server: AdbServer) -> None:
    c = await Client.open(server)
    assert "unknown host service 'host:frobnicate'" in await c.failure("host:frobnicate")
    c = await Client.open(server)
    assert await c.failure("host:tport:serial:nope") == "device 'nope' not found"
    c = await Client.open(server)
    await c.okay(f"host:transport:{A}")
    assert "unknown device service 'bogus:'" in await c.failure("bogus:")
    c = await Client.open(server)
    await c.okay(f"host:transport:{A}")
    assert "v2" in await c.failure("shell,v2:echo hi")
    c = await Client.open(server)
    assert "more than one device" in await c.failure("shell:echo hi")


async def test_tport_answers_the_transport_id_in_8_bytes(server: AdbServer) -> None:
    c = await Client.open(server)
    await c.okay(f"host:tport:serial:{B}")
    assert struct.unpack("<Q", await c.reader.readexactly(8)) == (2,)
    await c.okay("shell:getprop ro.serialno")
    assert await c.rest() == f"{B}\n".encode()


async def test_host_serial_services(server: AdbServer) -> None:
    assert await host(server, f"host-serial:{A}:get-state") == "device"
    features = await host(server, f"host-serial:{A}:features")
    assert "shell_v2" not in features and "cmd" in features.split(",")
    c = await Client.open(server)
    assert "not found" in await c.failure("host-serial:192.168.1.9:5555:get-state")


async def test_shell_runs_command_lines(server: AdbServer) -> None:
    out = await shell(server, "echo hi && wm size; false || echo 'still here'; nosuchtool -x; echo $?")
    assert out.decode() == ("hi\nPhysical size: 1080x2400\nstill here\n/system/bin/sh: nosuchtool: not found\n127\n")
    focus = (await shell(server, "dumpsys window windows | grep -F mCurrentFocus=")).decode().splitlines()
    assert len(focus) == 1 and focus[0].endswith(" u0 com.android.launcher3/com.android.launcher3.Launcher}")
    assert b"orientation=0" in await shell(server, "dumpsys display")
    assert (await shell(server, "getprop ro.build.version.sdk")).strip() == b"34"
    assert b"unterminated" in await shell(server, "echo 'oops")


async def test_sync_recv_pulls_the_uiautomator_dump(server: AdbServer) -> None:
    path = "/data/local/tmp/uidump.xml"
    out = await shell(server, f"rm -f {path}; uiautomator dump {path} && echo success")
    assert out == f"UI hierchary dumped to: {path}\nsuccess\n".encode()
    c = await Client.open(server)
    await c.okay(f"host:transport:{A}")
    await c.okay("sync:")
    c.writer.write(b"STAT" + struct.pack("<I", len(path)) + path.encode())
    stat = await c.reader.readexactly(16)
    assert stat[:4] == b"STAT" and struct.unpack("<III", stat[4:])[1] > 100
    c.writer.write(b"RECV" + struct.pack("<I", len(path)) + path.encode())
    data = b""
    while True:
        ident, n = struct.unpack("<4sI", await c.reader.readexactly(8))
        if ident == b"DONE":
            break
        assert ident == b"DATA"
        data += await c.reader.readexactly(n)
    c.writer.write(b"QUIT" + bytes(4))
    await c.close()
    assert data.startswith(b"<?xml")
    assert data.decode() == server.handset(A).phone.ui_xml()


async def test_sync_send_puts_a_file_in_the_files_app(server: AdbServer) -> None:
    c = await Client.open(server)
    await c.okay(f"host:transport:{B}")
    await c.okay("sync:")
    spec = b"/sdcard/Download/report.txt,33188"
    body = "résumé\n".encode()
    c.writer.write(b"SEND" + struct.pack("<I", len(spec)) + spec)
    c.writer.write(b"DATA" + struct.pack("<I", len(body)) + body + b"DONE" + struct.pack("<I", 1_700_000_000))
    assert await c.reader.readexactly(8) == b"OKAY" + bytes(4)
    c.writer.write(b"LIST" + struct.pack("<I", 17) + b"/sdcard/Download/")
    dent = await c.reader.readexactly(20)
    assert dent[:4] == b"DENT"
    assert await c.reader.readexactly(struct.unpack("<I", dent[16:])[0]) == b"report.txt"
    assert (await c.reader.readexactly(20))[:4] == b"DONE"
    await c.close()
    files = server.handset(B).phone.state.files
    assert [(f.name, f.folder, f.size) for f in files] == [("report.txt", "Download", len(body))]
    assert await shell(server, "cat /sdcard/Download/report.txt", B) == body
    assert server.handset(A).phone.state.files == []  # the other phone has its own storage


async def test_input_text_clipboard_and_select_all(server: AdbServer) -> None:
    phone = server.handset(A).phone
    await shell(server, "monkey -p com.android.contacts -c android.intent.category.LAUNCHER 1")
    await shell(server, "input tap 962 180")  # Create contact
    await shell(server, "input tap 540 375")  # the Name field
    await shell(server, "input text Ada%sLovelace")
    assert phone.state.nav.top is not None and phone.state.nav.top.fields["name"] == "Ada Lovelace"
    out = await shell(server, "am broadcast -a clipper.set -e text '你好, café ☕'")
    assert b"result=-1" in out
    await shell(server, "input keycombination 113 29 && input keyevent 279")  # select all, paste over it
    assert phone.state.nav.top.fields["name"] == "你好, café ☕"
    shown = await shell(server, "input keyevent 4 && dumpsys input_method | grep mInputShown")
    assert shown.strip().startswith(b"mInputShown=false")  # back hid the keyboard


async def test_settings_map_to_phone_settings(server: AdbServer) -> None:
    settings = server.handset(A).phone.state.settings
    await shell(server, "settings put global wifi_on 0; settings put secure ui_night_mode 2")
    assert settings.wifi is False and settings.dark_theme is True
    await shell(server, "settings put system screen_brightness 255")
    assert settings.brightness == 100
    assert await shell(server, "settings get global airplane_mode_on; settings get system nothing_here") == b"0\nnull\n"


async def test_secure_app_window_reports_flag_secure(server: AdbServer) -> None:
    await shell(server, "monkey -p com.fleetmind.bank -c android.intent.category.LAUNCHER 1")
    dump = (await shell(server, "dumpsys window windows")).decode()
    assert "mCurrentFocus=Window{" in dump and "com.fleetmind.bank/com.fleetmind.bank.LoginActivity}" in dump
    assert " SECURE " in dump
    png = await shell(server, "screencap -p")
    assert Image.open(io.BytesIO(png)).convert("L").getbbox() is None  # black, as a real phone gives


async def test_hanging_dump_holds_only_its_own_connection(server: AdbServer) -> None:
    server.handset(A).hang_dumps = 1
    c = await Client.open(server)
    await c.okay(f"host:transport:{A}")
    await c.okay("shell:uiautomator dump /data/local/tmp/x.xml")
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(c.reader.read(1), 0.2)
    assert (await shell(server, "echo alive")) == b"alive\n"
    await c.close()
    assert (await shell(server, "uiautomator dump /data/local/tmp/x.xml")).startswith(b"UI hierchary dumped")


async def test_host_kill_stops_the_server() -> None:
    server = AdbServer([VirtualPhone()])
    await server.start()
    c = await Client.open(server)
    c.send("host:kill")
    assert await c.status() == b"OKAY"
    await asyncio.wait_for(server.wait_closed(), 5)


def test_tokenizer_keeps_quoted_operators_as_words() -> None:
    assert tokenize("input text ';' && echo \"a $? b\" 2>&1 >/dev/null | grep x") == [
        (False, "input"),
        (False, "text"),
        (False, ";"),
        (True, "&&"),
        (False, "echo"),
        (False, "a \x00? b"),
        (True, "2>&"),
        (False, "1"),
        (True, ">"),
        (False, "/dev/null"),
        (True, "|"),
        (False, "grep"),
        (False, "x"),
    ]


def test_adbutils_drives_the_server_from_threads() -> None:
    phones = virtual_phones(2)
    phones[A].seed(contacts=[Contact(name=f"Person {i:02d}") for i in range(30)])
    with AdbServerThread(phones) as adb:
        client = adbutils.AdbClient("127.0.0.1", adb.port)
        assert [d.serial for d in client.device_list()] == [A, B]
        d = client.device(A)
        assert d.window_size() == (1080, 2400)
        assert d.screenshot().size == (1080, 2400)
        assert d.dump_hierarchy() == phones[A].ui_xml()
        d.app_start("com.android.settings")
        assert d.app_current().package == "com.android.settings"
        d.click(540, 340)  # the Wi-Fi row
        assert adb.call(lambda: phones[A].state.settings.wifi) is False
        d.app_start("com.android.contacts")
        d.swipe(540, 2000, 540, 800, 0.3)
        assert adb.call(lambda: phones[A].state.nav.top.scroll) > 0  # type: ignore[union-attr]
        d.keyevent("KEYCODE_HOME")
        assert d.app_current().package == "com.android.launcher3"
        d.sync.push(b"hello", "/sdcard/Download/hello.txt")
        assert d.sync.read_bytes("/sdcard/Download/hello.txt") == b"hello"
        assert "com.fleetmind.bank" in d.list_packages()
        assert d.battery().level == 85
        assert d.shell2("ls /nope").returncode == 1
        d.open_browser("example.com")  # no browser: the phone answers as Android does, nothing opens
        assert d.app_current().package == "com.android.launcher3"
        assert phones[B].state.settings.wifi is True
