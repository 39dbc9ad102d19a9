"""The virtual phone's Calendar app and the Clock's Timer: real state through real screens, and over ADB."""

from __future__ import annotations

import adbutils
import pytest

from fleetmind.devices.android import AndroidDevice
from fleetmind.devices.base import LaunchApp, Observation, PressKey, Tap, Target, TypeText, UIElement, Wait
from fleetmind.devices.virtual import Event, Timer, VirtualPhone
from fleetmind.devices.virtual.adbd import AdbServerThread, virtual_phones
from fleetmind.devices.virtual.apps.timer import clock_text

CALENDAR = "com.google.android.calendar"
# The virtual clock starts at 2025-06-02 09:00 UTC, a Monday.
TODAY, TOMORROW = "2025-06-02", "2025-06-03"


def find(obs: Observation, *, label: str = "", rid: str = "") -> UIElement:
    """The first element with this text or description and resource-id suffix."""
    for e in obs.elements:
        if (not label or label in (e.text, e.description)) and (not rid or e.resource_id.endswith(rid)):
            return e
    raise AssertionError(f"no element label={label!r} rid={rid!r} in {[(e.id, e.label) for e in obs.elements]}")


def texts(obs: Observation) -> list[str]:
    return [e.text for e in obs.elements if e.text]


async def tap(phone: VirtualPhone, *, label: str = "", rid: str = "") -> str:
    el = find(phone.snapshot(screenshot=False), label=label, rid=rid)
    out = await phone.act(Tap(target=Target(element=el.id)))
    assert out.ok, out.error
    return out.detail


async def fill(phone: VirtualPhone, values: dict[str, str]) -> None:
    """Type into form fields found by label (their description), clearing what was there."""
    for label, text in values.items():
        el = find(phone.snapshot(screenshot=False), label=label)
        assert el.editable and el.description == label
        out = await phone.act(TypeText(text=text, target=Target(element=el.id), clear=True))
        assert out.ok, out.error


def row_titles(obs: Observation) -> list[str]:
    return [e.text for e in obs.elements if e.resource_id == f"{CALENDAR}:id/event_title"]


# ---------------------------------------------------------------------- calendar


async def test_new_event_through_the_form_lands_in_state_and_the_list() -> None:
    phone = VirtualPhone()
    assert (await phone.act(LaunchApp(app="Calendar"))).ok
    assert phone.current_activity() == f"{CALENDAR}/com.android.calendar.AllInOneActivity"
    obs = await phone.observe()
    assert "Today: Monday, June 2, 2025" in texts(obs) and "No upcoming events" in texts(obs)
    await tap(phone, label="New event")
    form = await phone.observe()
    assert [e.description for e in form.elements if e.editable] == ["Title", "Date", "Start", "End", "Location"]
    assert find(form, label="Date").text == "YYYY-MM-DD"  # the hint says the format
    await fill(phone, {"Title": "Dentist", "Date": "2025-06-04", "Start": "9:30", "End": "10:15"})
    await fill(phone, {"Location": "Main St 4"})
    await tap(phone, label="Save")
    assert phone.state.events == [
        Event(title="Dentist", date="2025-06-04", start="09:30", end="10:15", location="Main St 4")
    ]
    obs = await phone.observe()
    assert phone.state.nav.top is not None and phone.state.nav.top.name == "list"
    assert row_titles(obs) == ["Dentist"]
    assert obs.screenshot is not None and obs.screenshot_error is None
    assert "Wed, Jun 4 \u00b7 09:30 - 10:15 \u00b7 Main St 4" in texts(obs)


async def test_blank_date_is_today_and_blank_end_an_hour_later_enter_saves() -> None:
    phone = VirtualPhone()
    phone.launch("Calendar")
    await tap(phone, label="New event")
    await tap(phone, label="Title")
    for text in ("Standup", "", "23:30", ""):  # enter moves field to field, then saves
        if text:
            assert (await phone.act(TypeText(text=text))).ok
        await phone.act(PressKey(key="enter"))
    await phone.act(PressKey(key="enter"))
    assert phone.state.events == [Event(title="Standup", date=TODAY, start="23:30", end="23:59")]
    assert "Today \u00b7 23:30 - 23:59" in texts(await phone.observe())


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"Date": "06/04/2025"}, "Date must be YYYY-MM-DD"),
        ({"Date": "2025-02-30"}, "does not exist"),
        ({"Start": "9.30"}, "Time must be HH:MM"),
        ({"End": "25:00"}, "Time must be HH:MM"),
        ({"Start": "11:00", "End": "10:00"}, "End time 10:00 is before the start time 11:00"),
        ({"Title": ""}, "Enter a title"),
    ],
)
async def test_malformed_form_shows_an_error_keeps_the_form_and_creates_nothing(
    values: dict[str, str], message: str
) -> None:
    phone = VirtualPhone()
    phone.launch("Calendar")
    await tap(phone, label="New event")
    await fill(phone, {"Title": "Dentist", "Date": TOMORROW, "Start": "10:00", "End": "11:00", **values})
    await tap(phone, label="Save")
    assert phone.state.events == []
    obs = await phone.observe()
    assert message in find(obs, rid="calendar:id/error").text
    assert obs.foreground_package == CALENDAR and find(obs, label="Title").editable  # still the form
    await tap(phone, label="Start")
    await phone.act(TypeText(text="0"))  # editing clears the message, as Android forms do
    assert not [e for e in (await phone.observe()).elements if e.resource_id.endswith(":id/error")]


async def test_open_edit_and_delete_an_event() -> None:
    phone = VirtualPhone()
    phone.seed(
        events=[
            {"title": "Dentist", "date": TOMORROW, "start": "10:00", "end": "11:00", "location": "Main St 4"},
            {"title": "Gym", "date": TOMORROW, "start": "18:00", "end": "19:00"},
        ]
    )
    phone.launch("Calendar")
    await tap(phone, label="Dentist")
    obs = await phone.observe()
    assert phone.current_activity() == f"{CALENDAR}/com.android.calendar.EventInfoActivity"
    details = {e.resource_id.rsplit("/", 1)[-1]: e.text for e in obs.elements if e.resource_id.startswith(CALENDAR)}
    assert details["title"] == "Dentist"
    assert details["date"] == "Tuesday, June 3, 2025"
    assert details["time"] == "10:00 - 11:00"
    assert details["location"] == "Main St 4"

    await tap(phone, label="Edit event")
    await fill(phone, {"Title": "Dentist (moved)", "Start": "12:00", "End": "13:00"})
    await tap(phone, label="Save")  # back on the event, changed
    assert find(await phone.observe(), rid="calendar:id/time").text == "12:00 - 13:00"
    assert phone.state.events[0].title == "Dentist (moved)"

    await tap(phone, label="Delete event")
    assert [e.title for e in phone.state.events] == ["Gym"]
    obs = await phone.observe()
    assert row_titles(obs) == ["Gym"] and obs.foreground_package == CALENDAR


async def test_seeded_events_show_sorted_from_today_and_scroll() -> None:
    phone = VirtualPhone()
    seeded = [
        {"title": "Later today", "date": TODAY, "start": "15:00", "end": "16:00"},
        {"title": "Last month", "date": "2025-05-02", "start": "09:00", "end": "10:00"},
        {"title": "Breakfast", "date": TOMORROW, "start": "8:00", "end": "9:00"},
        {"title": "Early today", "date": TODAY, "start": "07:00", "end": "08:00"},
        {"title": "New year", "date": "2026-01-01", "start": "00:00", "end": "01:00"},
    ]
    seeded += [
        {"title": f"Week {n:02d}", "date": f"2025-07-{n:02d}", "start": "12:00", "end": "13:00"} for n in range(1, 13)
    ]
    phone.seed(events=seeded[::-1])  # seeded order must not matter
    assert len(phone.state.events) == 17
    phone.launch("Calendar")
    obs = await phone.observe()
    first = row_titles(obs)
    assert first[:4] == ["Early today", "Later today", "Breakfast", "Week 01"]
    assert "Last month" not in first  # past events stay in state, off the upcoming list
    assert "Today \u00b7 07:00 - 08:00" in texts(obs) and "Tomorrow \u00b7 08:00 - 09:00" in texts(obs)
    assert any("list shows items 1-" in n for n in obs.notes)
    seen = list(first)
    for _ in range(5):
        phone.scroll("down")
        seen += [t for t in row_titles(await phone.observe()) if t not in seen]
    expected = ["Early today", "Later today", "Breakfast", *(f"Week {n:02d}" for n in range(1, 13)), "New year"]
    assert seen == expected
    assert "Thu, Jan 1, 2026 \u00b7 00:00 - 01:00" in texts(await phone.observe())


def test_seeding_a_malformed_event_raises() -> None:
    phone = VirtualPhone()
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        phone.seed(events=[{"title": "x", "date": "June 3", "start": "10:00", "end": "11:00"}])
    with pytest.raises(ValueError, match="before the start"):
        phone.seed(events=[{"title": "x", "date": TOMORROW, "start": "10:00", "end": "09:00"}])


# ---------------------------------------------------------------------- timer


def timer_text(obs: Observation) -> str:
    return find(obs, rid="deskclock:id/timer_time").text


async def test_one_minute_timer_counts_down_with_the_virtual_clock_and_cancels() -> None:
    phone = VirtualPhone()
    phone.launch("Clock")
    await tap(phone, label="Timer")
    obs = await phone.observe()
    assert [e.description for e in obs.elements if e.editable] == ["Minutes", "Seconds", "Label"]
    await fill(phone, {"Minutes": "1"})
    started_at = phone.state.now
    await tap(phone, label="Start")
    assert phone.state.timers == [Timer(duration=60, started_at=started_at, running=True)]
    timer = phone.state.timers[0]

    obs = await phone.observe()
    assert timer_text(obs) == "00:59" == clock_text(timer.remaining(phone.state.now))
    assert "01:00 timer" in texts(obs) and not phone.state.nav.keyboard_shown
    left = []
    for _ in range(3):
        await phone.act(Wait(seconds=4))  # 4 s of waiting + the action's own second
        left.append(timer_text(await phone.observe()))
    assert left == ["00:54", "00:49", "00:44"]

    await tap(phone, label="Cancel")
    assert phone.state.timers[0].running is False and phone.state.timers[0].remaining(phone.state.now) == 0
    obs = await phone.observe()
    assert find(obs, label="Start") and not [e for e in obs.elements if e.text == "Cancel"]


async def test_timer_runs_out_and_validates_its_fields() -> None:
    phone = VirtualPhone()
    phone.seed(timers=[{"duration": 5}])
    assert phone.state.timers[0].started_at == phone.state.now
    phone.launch("Clock")
    await tap(phone, label="Timer")
    assert timer_text(await phone.observe()) == "00:03"
    await phone.act(Wait(seconds=10))
    obs = await phone.observe()
    assert timer_text(obs) == "00:00" and "Time's up" in texts(obs)
    assert phone.state.timers[0].running  # running until cancelled, as a ringing timer is

    await tap(phone, label="Add timer")  # a second timer beside the first
    await fill(phone, {"Seconds": "75"})
    await tap(phone, label="Start")
    assert "Seconds must be a number from 0 to 59" in find(await phone.observe(), rid="deskclock:id/error").text
    await fill(phone, {"Seconds": "0"})
    await tap(phone, label="Start")
    assert "above 0" in find(await phone.observe(), rid="deskclock:id/error").text
    await fill(phone, {"Minutes": "2", "Seconds": "30"})
    await tap(phone, label="Start")
    assert [t.duration for t in phone.state.timers] == [5, 150]
    obs = await phone.observe()
    assert [e.text for e in obs.elements if e.resource_id.endswith("timer_time")] == ["00:00", "02:29"]
    await tap(phone, label="Cancel 00:05 timer")
    assert [t.running for t in phone.state.timers] == [False, True]
    await phone.act(PressKey(key="back"))
    assert phone.state.nav.top is not None and phone.state.nav.top.name == "list"  # back to Alarms


# ---------------------------------------------------------------------- ADB


def test_calendar_through_the_adb_server() -> None:
    phones = virtual_phones(1)
    (serial, phone), *_ = phones.items()
    phone.seed(events=[{"title": "Dentist", "date": TOMORROW, "start": "10:00", "end": "11:00"}])
    with AdbServerThread(phones) as adb:
        d = adbutils.AdbClient(host="127.0.0.1", port=adb.port).device(serial)
        assert CALENDAR in d.list_packages()
        d.app_start(CALENDAR)
        assert adb.call(phone.current_package) == CALENDAR
        assert d.app_current().package == CALENDAR
        assert 'text="Dentist"' in d.dump_hierarchy()
        d.keyevent("KEYCODE_HOME")
        out = d.shell("monkey -p com.google.android.calendar -c android.intent.category.LAUNCHER 1")
        assert "Events injected: 1" in out and adb.call(phone.current_package) == CALENDAR
        assert d.screenshot().size == (1080, 2400)
        assert d.shell("pm clear com.google.android.calendar").strip() == "Success"
        assert adb.call(lambda: phone.state.events) == []
        assert adb.call(phone.current_package) == "com.android.launcher3"
        adb.call(lambda: phone.seed(timers=[{"duration": 60}], alarms=[{"hour": 7, "minute": 0}]))
        assert d.shell("pm clear com.android.deskclock").strip() == "Success"
        assert adb.call(lambda: (phone.state.timers, phone.state.alarms)) == ([], [])


async def test_android_device_launches_calendar_by_label() -> None:
    phones = virtual_phones(1)
    (serial, phone), *_ = phones.items()
    phone.seed(events=[{"title": "Dentist", "date": TOMORROW, "start": "10:00", "end": "11:00"}])
    with AdbServerThread(phones) as adb:
        device = await AndroidDevice(serial, adb_port=adb.port, use_uiautomator2=False).connect()
        try:
            assert (await device.act(LaunchApp(app="Calendar"))).ok
            obs = await device.observe()
            assert (obs.foreground_app, obs.foreground_package) == ("Calendar", CALENDAR)
            assert obs.elements == phone.snapshot(screenshot=False).elements
        finally:
            await device.close()
