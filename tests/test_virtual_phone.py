"""The virtual phone: real state changes through real screens, both input paths."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from collections import defaultdict

import pytest
from PIL import Image

from fleetmind.devices.base import (
    AskUser,
    Done,
    Fail,
    LaunchApp,
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
from fleetmind.devices.virtual import Contact, PhoneState, VirtualPhone

LAUNCHER = "com.android.launcher3"


def find(obs: Observation, *, cls: str = "", label: str = "", rid: str = "") -> UIElement:
    """The first element matching every given criterion (label = text or description)."""
    for e in obs.elements:
        if cls and e.cls != cls:
            continue
        if label and label not in (e.text, e.description):
            continue
        if rid and not e.resource_id.endswith(rid):
            continue
        return e
    shown = [(e.id, e.cls.rsplit(".", 1)[-1], e.label) for e in obs.elements]
    raise AssertionError(f"no element cls={cls!r} label={label!r} rid={rid!r} in {shown}")


def texts(obs: Observation) -> list[str]:
    return [e.text for e in obs.elements if e.text]


async def tap(phone: VirtualPhone, *, cls: str = "", label: str = "", rid: str = "") -> str:
    """Look (without drawing a screenshot), find an element, tap it by id; returns the detail."""
    el = find(phone.snapshot(screenshot=False), cls=cls, label=label, rid=rid)
    out = await phone.act(Tap(target=Target(element=el.id)))
    assert out.ok, out.error
    return out.detail


async def type_into(phone: VirtualPhone, rid: str, text: str, **kw: bool) -> None:
    await tap(phone, rid=rid)
    out = await phone.act(TypeText(text=text, **kw))
    assert out.ok, out.error


def seeded_contacts(n: int) -> list[dict[str, str]]:
    # Deliberately not in name order: the app must sort them.
    return [{"name": f"Person {(i * 7) % n:02d}", "phone": f"+1 555 01{i:02d}"} for i in range(n)]


def layout_problems(xml: str) -> list[str]:
    """Children outside their parent, overlapping siblings, top-level views of one app overlapping."""
    root = ET.fromstring(xml.encode())

    def rect(n: ET.Element) -> tuple[int, int, int, int]:
        left_top, right_bottom = n.attrib["bounds"][1:-1].split("][")
        left, top = map(int, left_top.split(","))
        right, bottom = map(int, right_bottom.split(","))
        return left, top, right, bottom

    def overlap(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
        return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]

    problems = []

    def check_siblings(nodes: list[ET.Element]) -> None:
        for i, a in enumerate(nodes):
            for b in nodes[i + 1 :]:
                if overlap(rect(a), rect(b)):
                    problems.append(f"{a.get('text') or a.get('resource-id')} overlaps {b.get('text')}")

    by_package: dict[str, list[ET.Element]] = defaultdict(list)
    for top in root:
        by_package[top.attrib["package"]].append(top)
    for group in by_package.values():
        check_siblings(group)
    for parent in root.iter("node"):
        p = rect(parent)
        kids = list(parent)
        check_siblings(kids)
        for kid in kids:
            k = rect(kid)
            if not (p[0] <= k[0] and p[1] <= k[1] and k[2] <= p[2] and k[3] <= p[3]):
                problems.append(f"{kid.get('text') or kid.get('content-desc')} sticks out of its parent")
    for n in root.iter("node"):
        left, top, right, bottom = rect(n)
        if not (0 <= left < right <= 1080 and 0 <= top < bottom <= 2400):
            problems.append(f"bad bounds {n.attrib['bounds']}")
    return problems


# ---------------------------------------------------------------------- settings


async def test_toggle_wifi_by_element_id_changes_state_and_switch() -> None:
    phone = VirtualPhone()
    assert (await phone.act(LaunchApp(app="settings"))).ok
    obs = await phone.observe()
    switch = find(obs, cls="android.widget.Switch", label="Wi-Fi")
    assert switch.checkable and switch.clickable and switch.checked
    assert phone.state.settings.wifi is True

    out = await phone.act(Tap(target=Target(element=switch.id)))

    assert out.ok and "Wi-Fi turned off" in out.detail
    assert phone.state.settings.wifi is False
    assert find(await phone.observe(), cls="android.widget.Switch", label="Wi-Fi").checked is False


async def test_toggle_by_coordinates_on_the_row_and_on_the_switch() -> None:
    phone = VirtualPhone()
    phone.launch("com.android.settings")
    obs = await phone.observe()
    title = find(obs, label="Bluetooth", rid="android:id/title")  # the row's text, not the switch
    x, y = title.bounds.center
    assert (await phone.act(Tap(target=Target(x=x, y=y)))).ok
    assert phone.state.settings.bluetooth is True

    switch = find(await phone.observe(), cls="android.widget.Switch", label="Bluetooth")
    assert switch.checked
    x, y = switch.bounds.center
    assert (await phone.act(Tap(target=Target(x=x, y=y)))).ok
    assert phone.state.settings.bluetooth is False


async def test_airplane_mode_language_and_steppers() -> None:
    phone = VirtualPhone()
    phone.launch("Settings")
    await tap(phone, cls="android.widget.Switch", label="Airplane mode")
    assert phone.state.settings.airplane_mode and not phone.state.settings.wifi
    await tap(phone, label="Increase volume")
    assert phone.state.settings.volume == 8
    await tap(phone, label="Language")
    await phone.act(Scroll(direction="down"))
    await tap(phone, label="日本語")
    assert phone.state.settings.language == "日本語"
    assert "日本語" in texts(await phone.observe())  # back on Settings, summary updated


# ---------------------------------------------------------------------- contacts


async def test_add_contact_through_the_form() -> None:
    phone = VirtualPhone()
    phone.seed(contacts=[{"name": "Zed", "phone": "+1 555 0999"}])
    await tap(phone, label="Contacts")  # the home-screen icon
    await tap(phone, label="Create contact")
    obs = await phone.observe()
    name = find(obs, cls="android.widget.EditText", rid="com.android.contacts:id/name")
    assert name.editable and name.text == "Name" and not obs.keyboard_shown

    await tap(phone, rid="com.android.contacts:id/name")
    obs = await phone.observe()
    assert obs.keyboard_shown and find(obs, rid="contacts:id/name").focused
    assert (await phone.act(TypeText(text="Ada Lovelace"))).ok
    await type_into(phone, "contacts:id/phone", "+44 20 7946 0000")
    await tap(phone, label="Save")

    assert phone.state.contacts[-1] == Contact(name="Ada Lovelace", phone="+44 20 7946 0000")
    detail = texts(await phone.observe())
    assert "Ada Lovelace" in detail and "+44 20 7946 0000" in detail
    assert (await phone.act(PressKey(key="back"))).ok
    names = [e.text for e in (await phone.observe()).elements if e.resource_id.endswith("contact_name")]
    assert names == ["Ada Lovelace", "Zed"]


async def test_saving_without_a_name_shows_an_error_and_saves_nothing() -> None:
    phone = VirtualPhone()
    phone.launch("Contacts")
    await tap(phone, label="Create contact")
    await tap(phone, label="Save")
    assert phone.state.contacts == []
    assert "Name is required" in texts(await phone.observe())


async def test_unicode_text_arrives_intact() -> None:
    phone = VirtualPhone()
    phone.launch("Notes")
    await tap(phone, label="New note")
    title, body = "你好, café ☕", 'مرحبا 👋🏽 <&> "q"\nline 2'
    obs = await phone.observe()
    out = await phone.act(TypeText(text=title, target=Target(element=find(obs, rid="notes:id/title").id)))
    assert out.ok, out.error
    obs = await phone.observe()
    body_id = find(obs, rid="notes:id/body").id
    out = await phone.act(TypeText(text=body, target=Target(element=body_id), submit=True))
    assert out.ok, out.error  # enter on the last field saves

    assert phone.state.notes[0].title == title and phone.state.notes[0].body == body
    root = ET.fromstring(phone.ui_xml().encode())
    assert title in [n.get("text") for n in root.iter("node")]


async def test_clear_replaces_text_and_typing_needs_a_focused_field() -> None:
    phone = VirtualPhone()
    phone.launch("Contacts")
    out = await phone.act(TypeText(text="nowhere"))
    assert not out.ok and "no text field is focused" in (out.error or "")
    await tap(phone, label="Create contact")
    await type_into(phone, "contacts:id/name", "Mistake")
    assert (await phone.act(TypeText(text="Grace", clear=True))).ok
    assert find(await phone.observe(), rid="contacts:id/name").text == "Grace"
    assert (await phone.act(PressKey(key="delete"))).ok
    assert find(await phone.observe(), rid="contacts:id/name").text == "Grac"


async def test_scrolling_a_long_contact_list_reveals_other_items() -> None:
    phone = VirtualPhone()
    phone.seed(contacts=seeded_contacts(40))
    phone.launch("Contacts")

    def visible(obs: Observation) -> list[str]:
        return [e.text for e in obs.elements if e.resource_id.endswith("contact_name")]

    obs = await phone.observe()
    first = visible(obs)
    assert first[0] == "Person 00" and 5 < len(first) < 40
    assert first == sorted(first)
    listing = find(obs, cls="androidx.recyclerview.widget.RecyclerView")
    assert listing.scrollable
    assert all(
        listing.bounds.top <= e.bounds.top and e.bounds.bottom <= listing.bounds.bottom
        for e in obs.elements
        if e.resource_id.endswith("contact_name")
    )

    out = await phone.act(Scroll(direction="down"))
    assert out.ok and "scrolled down" in out.detail
    second = visible(await phone.observe())
    assert second[0] > first[0] and set(second) - set(first)

    seen = set(first) | set(second)
    for _ in range(10):
        out = await phone.act(Scroll(direction="down"))
        seen |= set(visible(await phone.observe()))
        if "already at the bottom" in out.detail:
            break
    assert seen == {f"Person {i:02d}" for i in range(40)}

    # A finger swipe from the bottom of the list to the top scrolls back up the other way.
    x = listing.bounds.center[0]
    await phone.act(Swipe(start=Target(x=x, y=400), end=Target(x=x, y=2200)))
    assert visible(await phone.observe())[0] < "Person 39"
    while "already at the top" not in (await phone.act(Scroll(direction="up"))).detail:
        pass
    assert visible(await phone.observe()) == first


# ---------------------------------------------------------------------- navigation


async def test_back_stack_and_home() -> None:
    phone = VirtualPhone()
    phone.seed(contacts=[{"name": "Ada", "phone": "1"}])
    phone.launch("Contacts")
    await tap(phone, label="Ada")
    await tap(phone, label="Edit contact")
    await tap(phone, rid="contacts:id/phone")
    assert phone.current_activity() == "com.android.contacts/.activities.ContactEditorActivity"

    assert (await phone.act(PressKey(key="back"))).detail == "hid the keyboard"
    obs = await phone.observe()
    assert not obs.keyboard_shown and find(obs, label="Edit contact")
    await phone.act(PressKey(key="back"))
    assert phone.current_activity().endswith("QuickContactActivity")
    await phone.act(PressKey(key="back"))
    assert phone.current_activity().endswith("PeopleActivity")
    await phone.act(PressKey(key="back"))
    obs = await phone.observe()
    assert obs.foreground_package == LAUNCHER and obs.foreground_app == "Home"
    assert (await phone.act(PressKey(key="back"))).detail == "already on the home screen"

    await phone.act(LaunchApp(app="CLOCK"))
    await tap(phone, label="Add alarm")
    assert (await phone.act(PressKey(key="home"))).ok
    assert phone.current_package() == LAUNCHER and phone.state.nav.stack == []


async def test_tap_on_nothing_stale_ids_and_terminal_actions() -> None:
    phone = VirtualPhone()
    out = await phone.act(Tap(target=Target(x=900, y=1800)))  # empty wallpaper
    assert out.ok and "nothing clickable" in out.detail

    obs = await phone.observe()
    contacts_icon = find(obs, label="Contacts")
    phone.launch("Settings")  # the screen changes under the old observation
    out = await phone.act(Tap(target=Target(element=contacts_icon.id)))
    assert not out.ok and "stale" in (out.error or "")
    out = await phone.act(Tap(target=Target(element="e999")))
    assert not out.ok and "e999" in (out.error or "")

    for action in (Done(answer="x"), Fail(reason="x"), AskUser(question="x")):
        out = await phone.act(action)
        assert not out.ok and out.error == "terminal actions are not for devices"
    assert (await phone.act(Wait(seconds=2))).ok


async def test_unknown_app_launch_gives_a_clear_error() -> None:
    phone = VirtualPhone()
    out = await phone.act(LaunchApp(app="Twitter"))
    assert not out.ok
    assert (out.error or "").startswith("no app named 'Twitter'; installed apps: ")
    assert "Contacts (com.android.contacts)" in (out.error or "")
    assert phone.current_package() == LAUNCHER


# ---------------------------------------------------------------------- messages, shade


async def test_permission_prompt_then_send_sms() -> None:
    phone = VirtualPhone()
    phone.seed(contacts=[{"name": "Ada", "phone": "+1 555 0100"}])
    phone.launch("Messages")
    obs = await phone.observe()
    assert obs.elements[1].text == "Allow Messages to send SMS?"  # the dialog comes first
    start = find(obs, label="Start chat")
    assert not start.enabled
    await phone.act(Tap(target=Target(x=start.bounds.center[0], y=start.bounds.center[1])))
    assert phone.state.nav.top is not None and phone.state.nav.top.name == "list"  # blocked

    await tap(phone, label="Allow")
    assert phone.state.permissions["com.google.android.apps.messaging"] is True
    await tap(phone, label="Start chat")
    await type_into(phone, "recipient_text_view", "ada")
    await type_into(phone, "compose_message_text", "Dinner at 7? 🍝")
    await tap(phone, label="Send")

    sms = phone.state.messages[-1]
    assert (sms.to, sms.body) == ("+1 555 0100", "Dinner at 7? 🍝")
    obs = await phone.observe()
    assert find(obs, rid="toolbar_title").text == "Ada" and "Dinner at 7? 🍝" in texts(obs)
    phone.launch("Messages")
    assert phone.state.nav.dialog is None  # asked once


async def test_notification_shade_lists_sms_and_toggles_wifi() -> None:
    phone = VirtualPhone()
    phone.state.receive_sms("+1 555 0100", "Running late")
    out = await phone.act(Swipe(start=Target(x=540, y=10), end=Target(x=540, y=1200)))
    assert out.ok and "notification shade" in out.detail
    obs = await phone.observe()
    assert "Running late" in texts(obs)
    await tap(phone, cls="android.widget.Switch", label="Wi-Fi")
    assert phone.state.settings.wifi is False
    await phone.act(PressKey(key="back"))
    assert "Running late" not in texts(await phone.observe())


async def test_clock_alarm_form_and_switch() -> None:
    phone = VirtualPhone()
    phone.launch("Clock")
    await tap(phone, label="Add alarm")
    await type_into(phone, "deskclock:id/hour", "7")
    await phone.act(PressKey(key="enter"))  # enter moves to the next field
    await phone.act(TypeText(text="05"))
    await phone.act(PressKey(key="tab"))
    await phone.act(TypeText(text="Gym", submit=True))
    assert [(a.hour, a.minute, a.label, a.enabled) for a in phone.state.alarms] == [(7, 5, "Gym", True)]
    await tap(phone, cls="android.widget.Switch", label="Alarm 07:05 Gym")
    assert phone.state.alarms[0].enabled is False


# ---------------------------------------------------------------------- bank, secure screens


async def test_bank_login_screen_is_secure() -> None:
    phone = VirtualPhone()
    await phone.act(LaunchApp(app="com.fleetmind.bank"))
    obs = await phone.observe()
    assert obs.secure is True and obs.screenshot is None
    assert "secure" in (obs.screenshot_error or "")
    assert find(obs, rid="bank:id/password").password

    await type_into(phone, "bank:id/password", "hunter2")
    assert "hunter2" not in phone.ui_xml()  # password fields show bullets only
    assert find(await phone.observe(), rid="bank:id/password").text == "\u2022" * 7
    await tap(phone, label="Log in")
    obs = await phone.observe()
    assert find(obs, rid="bank:id/balance").text == "$2,450.75"
    assert obs.secure and obs.screenshot is None

    image = Image.open(io.BytesIO(phone.screencap_png()))
    assert image.size == (1080, 2400) and image.convert("L").getextrema() == (0, 0)  # all black


# ---------------------------------------------------------------------- pop-ups


def popup_sequence(seed: int, popups: float, steps: int = 40) -> list[str | None]:
    phone = VirtualPhone(seed=seed, popups=popups)
    seen: list[str | None] = []
    for _ in range(steps):
        assert phone.perform(Wait(seconds=0)).ok
        dialog = phone.state.nav.dialog
        seen.append(dialog.title if dialog else None)
        phone.state.nav.dialog = None
    return seen


def test_popups_are_seeded_deterministic_and_off_by_default() -> None:
    a = popup_sequence(seed=7, popups=0.3)
    assert a == popup_sequence(seed=7, popups=0.3)
    assert a != popup_sequence(seed=8, popups=0.3)
    assert {"Rate this app", "Battery saver"} & set(a)
    assert popup_sequence(seed=7, popups=0.0) == [None] * 40
    assert VirtualPhone().popups == 0.0


async def test_popup_blocks_the_screen_until_dismissed() -> None:
    phone = VirtualPhone(seed=1, popups=1.0)
    phone.launch("Settings")
    obs = await phone.observe()
    assert obs.elements[1].text in ("Rate this app", "Battery saver")
    wifi = find(obs, cls="android.widget.Switch", label="Wi-Fi")
    phone.popups = 0.0
    await phone.act(Tap(target=Target(x=wifi.bounds.center[0], y=wifi.bounds.center[1])))
    assert phone.state.settings.wifi is True  # the tap hit the pop-up's scrim, not the switch
    await tap(phone, label="Dismiss")
    assert phone.state.nav.dialog is None
    await tap(phone, cls="android.widget.Switch", label="Wi-Fi")
    assert phone.state.settings.wifi is False


# ---------------------------------------------------------------------- outside views


async def test_ui_xml_parses_and_matches_the_elements() -> None:
    phone = VirtualPhone()
    phone.seed(contacts=seeded_contacts(3))
    phone.launch("Messages")  # a dialog over a screen: two windows
    obs = await phone.observe()
    xml = phone.ui_xml()
    assert xml.startswith("<?xml version='1.0' encoding='UTF-8' standalone='yes' ?><hierarchy rotation=\"0\">")
    nodes = list(ET.fromstring(xml.encode()).iter("node"))
    assert len(nodes) == len(obs.elements)
    for node, e in zip(nodes, obs.elements, strict=True):
        b = e.bounds
        assert node.attrib["bounds"] == f"[{b.left},{b.top}][{b.right},{b.bottom}]"
        assert (node.attrib["text"], node.attrib["class"], node.attrib["content-desc"]) == (
            e.text,
            e.cls,
            e.description,
        )
        assert node.attrib["clickable"] == str(e.clickable).lower()
        assert node.attrib["enabled"] == str(e.enabled).lower()


async def test_every_screen_is_laid_out_without_overlaps() -> None:
    phone = VirtualPhone()
    phone.seed(
        contacts=seeded_contacts(30),
        alarms=[{"hour": 6, "minute": 0, "label": "Run"}],
        notes=[{"title": "Groceries", "body": "eggs"}],
        files=[{"name": "a.pdf", "size": 1200}],
        events=[{"title": "Dentist", "date": "2025-06-03", "start": "10:00", "end": "11:00", "location": "Main St"}],
        timers=[{"duration": 90}],
        permissions={"com.google.android.apps.messaging": True},
    )
    phone.state.receive_sms("+1 555 0103", "hi")
    screens: list[tuple[str, str]] = [("", "")]
    for app, opener in [
        ("Settings", ""),
        ("Settings", "Language"),
        ("Contacts", ""),
        ("Contacts", "Create contact"),
        ("Contacts", "Person 00"),
        ("Messages", ""),
        ("Messages", "Start chat"),
        ("Messages", "Conversation with Person 21"),
        ("Clock", ""),
        ("Clock", "Add alarm"),
        ("Notes", ""),
        ("Notes", "New note"),
        ("Bank", ""),
        ("Files", ""),
        ("Calendar", ""),
        ("Calendar", "New event"),
        ("Calendar", "Dentist"),
        ("Clock", "Timer"),
    ]:
        phone.launch(app)
        if opener:
            await tap(phone, label=opener)
        screens.append((app, opener))
        assert layout_problems(phone.ui_xml()) == [], (app, opener)
    # Forms with their validation message and the keyboard up.
    for app, opener, save in [("Calendar", "New event", "Save"), ("Clock", "Timer", "Add timer")]:
        phone.launch(app)
        await tap(phone, label=opener)
        await tap(phone, label=save)
        if app == "Clock":
            await tap(phone, label="Start")
        assert phone.state.nav.top is not None and phone.state.nav.top.error, app
        await tap(phone, label="Title" if app == "Calendar" else "Minutes")
        assert layout_problems(phone.ui_xml()) == [], app
    await tap(phone, label="Overview")
    assert layout_problems(phone.ui_xml()) == []
    phone.swipe(540, 5, 540, 1500)
    assert layout_problems(phone.ui_xml()) == []
    # With the keyboard up, the thread's reply box moves above it.
    phone.launch("Messages")
    await tap(phone, label="Conversation with Person 21")
    await tap(phone, rid="compose_message_text")
    reply = find(await phone.observe(), rid="compose_message_text")
    assert reply.bounds.bottom <= 1440


async def test_screenshot_is_a_png_of_the_screen_and_cached() -> None:
    phone = VirtualPhone()
    obs = await phone.observe()
    assert obs.screenshot is not None and obs.screenshot_error is None
    image = Image.open(io.BytesIO(obs.screenshot))
    assert image.format == "PNG" and image.size == (1080, 2400)
    assert (await phone.observe()).screenshot is obs.screenshot  # unchanged screen: cached
    phone.launch("Settings")
    assert (await phone.observe()).screenshot != obs.screenshot
    assert phone.screencap_png() == (await phone.observe()).screenshot


# ---------------------------------------------------------------------- device, state, adb path


async def test_info_and_two_phones_keep_separate_state() -> None:
    a, b = VirtualPhone("phone-a"), VirtualPhone("phone-b")
    assert a.info.kind == "phone" and a.info.platform == "android"
    assert (a.info.screen_width, a.info.screen_height) == (1080, 2400)
    assert {"Settings", "Contacts", "Messages", "Clock", "Notes", "Bank", "Calendar"} <= set(a.info.apps)
    assert find(await a.observe(), label="Calendar").clickable  # its icon on the home screen
    a.launch("Settings")
    await tap(a, cls="android.widget.Switch", label="Wi-Fi")
    a.state.contacts.append(Contact(name="Only on A"))
    assert a.state.settings.wifi is False and b.state.settings.wifi is True
    assert b.state.contacts == [] and b.current_package() == LAUNCHER
    assert (await b.observe()).device_id == "phone-b"


def test_state_round_trips_through_json() -> None:
    phone = VirtualPhone()
    phone.seed(
        contacts=seeded_contacts(12),
        settings={"dark_theme": True},
        events=[{"title": "Dentist", "date": "2025-06-03", "start": "10:00", "end": "11:00"}],
        timers=[{"duration": 60}],
    )
    phone.launch("Contacts")
    phone.scroll("down")
    copy = VirtualPhone(state=PhoneState.model_validate_json(phone.state.model_dump_json()))
    assert copy.state == phone.state
    assert copy.snapshot(screenshot=False).digest == phone.snapshot(screenshot=False).digest
    with pytest.raises(ValueError):
        phone.state.settings.brightness = 101


def test_low_level_adb_path_shares_the_behaviour() -> None:
    phone = VirtualPhone()
    assert phone.launch("com.android.settings") == "opened Settings"
    assert phone.current_package() == "com.android.settings"
    assert phone.current_activity() == "com.android.settings/.Settings"
    assert "Wi-Fi turned off" in phone.tap(950, 340)  # the Wi-Fi switch
    assert phone.state.settings.wifi is False
    phone.keyevent(3)
    assert phone.current_package() == LAUNCHER
    phone.launch("contacts")
    phone.tap(960, 180)  # "Create contact" in the app bar
    phone.swipe(540, 380, 540, 380, 800)  # adb's long-press idiom focuses the Name field
    assert phone.state.nav.keyboard_shown
    phone.input_text("Linus")
    phone.keyevent(66)
    phone.input_text("555")
    phone.keyevent(66)
    phone.keyevent(66)  # enter on the last field saves
    assert phone.state.contacts == [Contact(name="Linus", phone="555")]
    phone.keyevent(187)
    assert phone.state.nav.recents_open
    phone.keyevent(4)
    assert not phone.state.nav.recents_open
