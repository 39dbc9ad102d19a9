"""AndroidDevice through adbutils, over a loopback ADB server, against virtual phones."""

from __future__ import annotations

import asyncio
import io
import socket
from collections.abc import AsyncIterator, Iterator

import pytest
from PIL import Image

from fleetmind.devices.android import AndroidDevice
from fleetmind.devices.base import (
    AskUser,
    DeviceError,
    Done,
    LaunchApp,
    LongPress,
    Observation,
    PressKey,
    Scroll,
    Swipe,
    Tap,
    Target,
    TypeText,
    UIElement,
    Wait,
)
from fleetmind.devices.virtual import Contact, VirtualPhone
from fleetmind.devices.virtual.adbd import AdbServerThread

pytestmark = pytest.mark.timeout(60)

A, B = "emulator-5554", "emulator-5556"


@pytest.fixture
def phones() -> dict[str, VirtualPhone]:
    return {A: VirtualPhone(A), B: VirtualPhone(B, seed=1)}


@pytest.fixture
def adb(phones: dict[str, VirtualPhone]) -> Iterator[AdbServerThread]:
    with AdbServerThread(phones) as server:
        yield server


async def open_device(adb: AdbServerThread, serial: str = A, **options: object) -> AndroidDevice:
    options.setdefault("use_uiautomator2", False)
    return await AndroidDevice(serial, adb_port=adb.port, **options).connect()  # type: ignore[arg-type]


@pytest.fixture
async def device(adb: AdbServerThread) -> AsyncIterator[AndroidDevice]:
    d = await open_device(adb)
    yield d
    await d.close()


def find(obs: Observation, *, label: str = "", cls: str = "", rid: str = "") -> UIElement:
    for e in obs.elements:
        if (not label or label in (e.text, e.description)) and e.cls.endswith(cls) and e.resource_id.endswith(rid):
            return e
    raise AssertionError(f"no element label={label!r} cls={cls!r} rid={rid!r}: {[e.label for e in obs.elements]}")


async def ok(device: AndroidDevice, action: object) -> str:
    out = await device.act(action)  # type: ignore[arg-type]
    assert out.ok, out.error
    return out.detail


async def tap(device: AndroidDevice, **where: str) -> Observation:
    await ok(device, Tap(target=Target(element=find(await device.observe(), **where).id)))
    return await device.observe()


# ------------------------------------------------------------------ connecting


async def test_info_names_the_phone_and_its_apps(device: AndroidDevice, phones: dict[str, VirtualPhone]) -> None:
    info = device.info
    assert (info.id, info.kind, info.platform, info.screen_width, info.screen_height) == (
        A,
        "phone",
        "android",
        1080,
        2400,
    )
    assert info.capabilities == ["android", "touch", "adb"]
    assert set(phones[A].info.apps) <= set(info.apps)


async def test_uiautomator2_is_tried_and_declined(adb: AdbServerThread) -> None:
    d = await open_device(adb, use_uiautomator2=None)
    assert "uiautomator2" not in d.info.capabilities  # the virtual phone cannot run its server: plain adb
    assert (await d.observe()).elements


async def test_unknown_serial_says_what_is_connected(adb: AdbServerThread) -> None:
    with pytest.raises(DeviceError) as err:
        await open_device(adb, "emulator-9999")
    assert "no device 'emulator-9999'" in str(err.value)
    assert f"{A} (device)" in str(err.value) and "adb devices" in str(err.value)
    with pytest.raises(DeviceError, match="pass the serial"):
        await AndroidDevice(adb_port=adb.port).connect()


async def test_unauthorized_device_says_to_accept_the_prompt(adb: AdbServerThread) -> None:
    adb.call(lambda: setattr(adb.server.handset(B), "adb_state", "unauthorized"))
    with pytest.raises(DeviceError, match="accept the USB debugging prompt"):
        await open_device(adb, B)
    d = await AndroidDevice(adb_port=adb.port, use_uiautomator2=False).connect()  # the only usable one
    assert d.serial == A


async def test_no_adb_server_says_how_to_start_one() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once closed
    with pytest.raises(DeviceError, match="adb start-server"):
        await AndroidDevice(A, adb_port=port).connect()
    with pytest.raises(DeviceError, match="connect"):
        _ = AndroidDevice(A, adb_port=port).info


async def test_connect_wifi() -> None:
    with AdbServerThread({"127.0.0.1:5555": VirtualPhone("wifi-phone")}) as adb:
        d = await AndroidDevice.connect_wifi("127.0.0.1:5555", adb_port=adb.port, use_uiautomator2=False)
        assert d.info.id == "127.0.0.1:5555"
        with pytest.raises(DeviceError, match="Wireless debugging"):
            await AndroidDevice.connect_wifi("127.0.0.1:5599", adb_port=adb.port)


# ------------------------------------------------------------------ observing


async def test_observation_matches_the_phones_own(device: AndroidDevice, phones: dict[str, VirtualPhone]) -> None:
    for app in (None, "Settings", "Contacts"):
        if app:
            await ok(device, LaunchApp(app=app))
        obs = await device.observe()
        own = phones[A].snapshot(screenshot=False)
        assert obs.elements == own.elements  # ids, labels, bounds and flags
        assert [e.label for e in obs.elements] == [e.label for e in own.elements]
        assert (obs.foreground_app, obs.foreground_package) == (own.foreground_app, own.foreground_package)
        assert (obs.screen_width, obs.screen_height, obs.keyboard_shown, obs.secure) == (1080, 2400, False, False)
        assert obs.digest == own.digest
        assert obs.screenshot is not None and Image.open(io.BytesIO(obs.screenshot)).size == (1080, 2400)


async def test_secure_bank_screen_has_no_screenshot(device: AndroidDevice) -> None:
    await ok(device, LaunchApp(app="Bank"))
    obs = await device.observe()
    assert obs.secure and obs.screenshot is None
    assert "FLAG_SECURE" in (obs.screenshot_error or "")
    assert "sensitive-apps list" in (obs.screenshot_error or "")
    assert find(obs, label="Password").password  # elements are still read


async def test_all_black_capture_counts_as_secure(adb: AdbServerThread) -> None:
    adb.call(lambda: setattr(adb.server.handset(A), "hide_window_flags", True))
    d = await open_device(adb, sensitive_apps=())
    await ok(d, LaunchApp(app="Bank"))
    obs = await d.observe()
    assert obs.secure and obs.screenshot is None
    assert "all black" in (obs.screenshot_error or "")


async def test_focused_password_field_counts_as_secure(adb: AdbServerThread) -> None:
    adb.call(lambda: setattr(adb.server.handset(A), "hide_window_flags", True))
    d = await open_device(adb, sensitive_apps=())
    await ok(d, LaunchApp(app="com.fleetmind.bank"))
    obs = await tap(d, label="Password")
    assert obs.secure and obs.screenshot is None and obs.keyboard_shown
    assert "password field is focused" in (obs.screenshot_error or "")


async def test_hanging_dump_times_out_then_falls_back(adb: AdbServerThread) -> None:
    d = await open_device(adb, hierarchy_timeout_s=0.5)
    adb.call(lambda: setattr(adb.server.handset(A), "hang_dumps", 1))
    obs = await d.observe()
    assert obs.elements and obs.notes == ["UI hierarchy dump 1 timed out after 0.5s"]  # the retry worked
    adb.call(lambda: setattr(adb.server.handset(A), "hang_dumps", -1))
    obs = await d.observe()
    assert obs.elements == [] and obs.screenshot is not None
    assert "dump 2 timed out" in obs.notes[1] and "no UI elements" in obs.notes[2]
    out = await d.act(Tap(target=Target(element="e3")))
    assert not out.ok and "it has no elements" in (out.error or "")


# ------------------------------------------------------------------ acting


async def test_tap_by_id_and_by_coordinates_toggles_wifi(
    device: AndroidDevice, phones: dict[str, VirtualPhone]
) -> None:
    await ok(device, LaunchApp(app="Settings"))
    switch = find(await device.observe(), label="Wi-Fi", cls="Switch")
    await ok(device, Tap(target=Target(element=switch.id)))
    assert phones[A].state.settings.wifi is False
    x, y = switch.bounds.center
    await ok(device, Tap(target=Target(x=x, y=y)))
    assert phones[A].state.settings.wifi is True
    assert find(await device.observe(), label="Wi-Fi", cls="Switch").checked


async def test_long_press_focuses_a_field(device: AndroidDevice, phones: dict[str, VirtualPhone]) -> None:
    await ok(device, LaunchApp(app="Contacts"))
    await tap(device, label="Create contact")
    name = find(await device.observe(), label="Name", cls="EditText")
    await ok(device, LongPress(target=Target(element=name.id)))
    obs = await device.observe()
    assert obs.keyboard_shown and find(obs, label="Name", cls="EditText").focused


async def test_swipe_and_scroll_move_a_long_contact_list(
    device: AndroidDevice, phones: dict[str, VirtualPhone]
) -> None:
    phones[A].seed(contacts=[Contact(name=f"Person {i:02d}", phone=f"555 01{i:02d}") for i in range(40)])
    await ok(device, LaunchApp(app="Contacts"))
    top = phones[A].state.nav.top
    assert top is not None and top.scroll == 0
    obs = await device.observe()
    assert find(obs, label="Person 00")
    await ok(device, Scroll(direction="down"))
    assert top.scroll > 0
    after_scroll = top.scroll
    assert "Person 00" not in [e.text for e in (await device.observe()).elements]
    await ok(device, Swipe(start=Target(x=540, y=2000), end=Target(x=540, y=1200)))
    assert top.scroll > after_scroll
    rv = find(await device.observe(), cls="RecyclerView")
    await ok(device, Scroll(direction="up", target=Target(element=rv.id)))
    await ok(device, Scroll(direction="up", target=Target(x=540, y=1200)))
    await ok(device, Scroll(direction="up"))
    assert top.scroll == 0


async def test_press_keys(device: AndroidDevice, phones: dict[str, VirtualPhone]) -> None:
    await ok(device, LaunchApp(app="Settings"))
    await tap(device, label="Language")
    assert phones[A].state.nav.top is not None and phones[A].state.nav.top.name == "language"
    await ok(device, PressKey(key="back"))
    assert phones[A].state.nav.top is not None and phones[A].state.nav.top.name == "main"
    await ok(device, PressKey(key="recents"))
    assert phones[A].state.nav.recents_open
    await ok(device, PressKey(key="home"))
    assert phones[A].state.nav.stack == [] and not phones[A].state.nav.recents_open
    out = await device.act(PressKey(key="delete"))
    assert not out.ok and "no text field is focused" in (out.error or "")


async def test_launch_app_by_label_package_and_url(device: AndroidDevice, phones: dict[str, VirtualPhone]) -> None:
    assert "Contacts" in await ok(device, LaunchApp(app="Contacts"))
    assert phones[A].current_package() == "com.android.contacts"
    await ok(device, LaunchApp(app="com.android.settings"))
    assert phones[A].current_package() == "com.android.settings"
    await ok(device, LaunchApp(app="notes"))
    assert (await device.observe()).foreground_app == "Notes"
    out = await device.act(LaunchApp(app="Frobnicator"))
    assert not out.ok and "no app 'Frobnicator'" in (out.error or "") and "Settings" in (out.error or "")
    out = await device.act(LaunchApp(app="https://example.com"))
    assert not out.ok and "no app on emulator-5554 opens https://example.com" in (out.error or "")
    await ok(device, LaunchApp(app="sms:+15550100"))
    assert phones[A].current_package() == "com.google.android.apps.messaging"


async def test_type_text_in_any_language_arrives_intact(device: AndroidDevice, phones: dict[str, VirtualPhone]) -> None:
    await ok(device, LaunchApp(app="Contacts"))
    await tap(device, label="Create contact")
    name = find(await device.observe(), label="Name", cls="EditText")
    detail = await ok(device, TypeText(text="你好, café ☕", target=Target(element=name.id)))
    assert "clipboard" in detail
    ref = phones[A].state.nav.top
    assert ref is not None and ref.fields["name"] == "你好, café ☕"
    assert find(await device.observe(), cls="EditText", rid="name").text == "你好, café ☕"


async def test_type_text_clear_and_submit_fill_a_form(device: AndroidDevice, phones: dict[str, VirtualPhone]) -> None:
    await ok(device, LaunchApp(app="Contacts"))
    await tap(device, label="Create contact")
    name = find(await device.observe(), label="Name", cls="EditText")
    await ok(device, TypeText(text="Ada L", target=Target(element=name.id)))
    await ok(device, TypeText(text="Ada Lovelace", clear=True, submit=True))  # enter moves on to Phone
    await ok(device, TypeText(text="+1 555 0100", submit=True))
    await ok(device, TypeText(text="ada@example.com", submit=True))  # enter on the last field saves
    assert phones[A].state.contacts == [Contact(name="Ada Lovelace", phone="+1 555 0100", email="ada@example.com")]
    out = await device.act(TypeText(text="more"))
    assert not out.ok and "no text field is focused" in (out.error or "")


async def test_bad_targets_and_terminal_actions_are_refused(
    device: AndroidDevice, phones: dict[str, VirtualPhone]
) -> None:
    out = await device.act(Tap(target=Target(element="e0")))
    assert not out.ok and "no observation yet" in (out.error or "")
    await ok(device, LaunchApp(app="Settings"))
    obs = await device.observe()
    out = await device.act(Tap(target=Target(element="e999")))
    assert not out.ok and "no element 'e999'" in (out.error or "")
    out = await device.act(Tap(target=Target(x=5000, y=10)))
    assert not out.ok and "outside the 1080x2400 screen" in (out.error or "")
    out = await device.act(TypeText(text="x", target=Target(element=find(obs, label="Wi-Fi", cls="Switch").id)))
    assert not out.ok and "not a text field" in (out.error or "")
    await ok(device, Tap(target=Target(element=find(obs, label="Language").id)))  # a new screen opens
    out = await device.act(Tap(target=Target(element=find(obs, label="Wi-Fi", cls="Switch").id)))
    assert not out.ok and "stale" in (out.error or "")
    assert phones[A].state.settings.language == "English"
    for terminal in (Done(answer="x"), AskUser(question="?")):
        out = await device.act(terminal)
        assert not out.ok and "terminal" in (out.error or "")
    assert "waited" in await ok(device, Wait(seconds=0))


async def test_two_phones_keep_separate_state(adb: AdbServerThread, phones: dict[str, VirtualPhone]) -> None:
    a, b = await asyncio.gather(open_device(adb, A), open_device(adb, B))
    await asyncio.gather(ok(a, LaunchApp(app="Settings")), ok(b, LaunchApp(app="Contacts")))
    obs_a, obs_b = await asyncio.gather(a.observe(), b.observe())
    assert (obs_a.device_id, obs_a.foreground_app) == (A, "Settings")
    assert (obs_b.device_id, obs_b.foreground_app) == (B, "Contacts")
    await asyncio.gather(
        ok(a, Tap(target=Target(element=find(obs_a, label="Wi-Fi", cls="Switch").id))),
        ok(b, Tap(target=Target(element=find(obs_b, label="Create contact").id))),
    )
    name = find(await b.observe(), label="Name", cls="EditText")
    await ok(b, TypeText(text="Grace Hopper", target=Target(element=name.id), submit=False))
    assert phones[A].state.settings.wifi is False and phones[B].state.settings.wifi is True
    ref_b = phones[B].state.nav.top
    assert ref_b is not None and ref_b.fields["name"] == "Grace Hopper"
    assert phones[A].current_package() == "com.android.settings"
