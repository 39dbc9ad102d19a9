"""`fleetmind bench android`: every template's check fails on the seeded phone and passes after its
reference plan; seeding and checks go through adb shell (in process, and once over the ADB server);
the content providers answer as Android's do; a small run writes its report and plots."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fleetmind.bench.android.oracle import replay
from fleetmind.bench.android.phone import AdbPhone, AdbShell, HandsetShell
from fleetmind.bench.android.suite import AndroidSuite
from fleetmind.bench.android.tasks import TEMPLATES
from fleetmind.bench.runner import AsyncioExecutor, BenchConfig, Episode, run_episodes
from fleetmind.cli import app
from fleetmind.devices.android import AndroidDevice
from fleetmind.devices.base import DeviceError
from fleetmind.devices.virtual import VirtualPhone
from fleetmind.devices.virtual.adbd import AdbServer, Handset
from fleetmind.embedded import UsageError


def _in_process(seed: int = 0) -> tuple[VirtualPhone, AdbPhone]:
    phone = VirtualPhone(device_id="phone-1", seed=seed)
    return phone, AdbPhone(HandsetShell(Handset.attach("emulator-5554", phone, 1)))


def test_the_suite_covers_levels_apps_and_kinds() -> None:
    assert len(TEMPLATES) >= 40
    assert {t.level for t in TEMPLATES} == {"easy", "medium", "hard"}
    apps = {a for t in TEMPLATES for a in t.apps}
    assert apps == {"Settings", "Contacts", "Messages", "Calendar", "Clock", "Notes", "Files", "Bank"}
    tags = [tag for t in TEMPLATES for tag in t.tags]
    for kind in ("retrieval", "multi-app", "scroll", "casual"):
        assert tags.count(kind) >= 3, kind


def test_parameters_come_from_the_seed() -> None:
    template = next(t for t in TEMPLATES if t.id == "contacts-add")
    assert template.instantiate(3) == template.instantiate(3)
    assert len({template.instantiate(s)[1] for s in range(6)}) > 1


@pytest.mark.parametrize("template", TEMPLATES, ids=[t.id for t in TEMPLATES])
async def test_check_fails_untouched_and_passes_after_the_reference_plan(template: object) -> None:
    from fleetmind.bench.android.spec import Template

    assert isinstance(template, Template)
    params, goal = template.instantiate(7)
    device, phone = _in_process()
    await phone.reset()
    await template.seed(phone, params)
    assert not await template.check(phone, params, ""), f"{template.id} passes on the untouched phone"
    assert not await template.check(phone, params, goal), f"{template.id} passes when the goal is parroted back"
    result = await replay(device, template.plan(params), params)
    assert result.ok, result.error
    assert await template.check(phone, params, result.answer), f"{template.id}: the reference plan did not pass"


async def test_over_the_adb_server_seeding_replay_and_checks_agree() -> None:
    phones = {"emulator-5554": VirtualPhone(device_id="phone-1")}
    chosen = [t for t in TEMPLATES if t.id in ("contacts-lookup-phone", "calendar-reschedule", "settings-language",
                                               "multi-contact-to-sms")]
    async with AdbServer(phones) as server:
        device = await AndroidDevice("emulator-5554", adb_port=server.port, use_uiautomator2=False).connect()
        phone = AdbPhone(AdbShell("emulator-5554", port=server.port))
        try:
            for template in chosen:
                params, _ = template.instantiate(1)
                await phone.reset()
                await template.seed(phone, params)
                assert not await template.check(phone, params, "")
                result = await replay(device, template.plan(params), params)
                assert result.ok, (template.id, result.error)
                assert await template.check(phone, params, result.answer), template.id
        finally:
            await device.close()


async def test_content_providers_answer_like_android() -> None:
    device, phone = _in_process()
    await phone.add_contact("Ada Lovelace", "555 0100", "ada@example.org")
    await phone.add_sms("555 0100", "hi, there, friend", minutes_ago=2)
    await phone.add_event("Dentist", "2025-06-03", "10:00", "11:30", "Room 4")
    assert await phone.contacts() == [{"name": "Ada Lovelace", "phone": "555 0100", "email": "ada@example.org"}]
    assert await phone.messages() == [{"address": "555 0100", "body": "hi, there, friend", "type": "1"}]
    assert await phone.events() == [{"title": "Dentist", "date": "2025-06-03", "start": "10:00", "end": "11:30",
                                     "location": "Room 4"}]
    assert device.state.contacts[0].email == "ada@example.org" and device.state.messages[0].sender == "555 0100"
    raw = await phone.shell.run("content query --uri content://com.android.contacts/data/phones "
                                "--projection display_name:data1")
    assert raw == "Row: 0 display_name=Ada Lovelace, data1=555 0100"
    assert await phone.shell.run("content query --uri content://sms/sent") == "No result found."
    refused = await phone.shell.run("content query --uri content://com.example/nothing")
    assert "Unknown URI" in refused
    with pytest.raises(DeviceError, match="Unknown URI"):
        await phone.sh("content query --uri content://com.example/nothing")
    with pytest.raises(DeviceError, match="COLUMN=VALUE"):
        await phone.sh("content delete --uri content://sms --where \"body LIKE '%hi%'\"")


async def test_reset_empties_every_table_and_restores_settings() -> None:
    device, phone = _in_process()
    device.seed(contacts=[{"name": "A", "phone": "1"}], notes=[{"title": "t"}], alarms=[{"hour": 7, "minute": 0}],
                settings={"wifi": False, "dark_theme": True, "language": "Deutsch"})
    await phone.start_timer(60)
    await phone.reset()
    s = device.state
    assert (s.contacts, s.notes, s.alarms, s.messages, s.events, s.files) == ([], [], [], [], [], [])
    assert all(not t.running for t in s.timers) or s.timers == []
    assert (s.settings.wifi, s.settings.dark_theme, s.settings.language) == (True, False, "English")
    assert s.permissions["com.google.android.apps.messaging"] is True


async def test_alarm_and_timer_intents_are_androids_public_ones() -> None:
    device, phone = _in_process()
    await phone.sh("am start -a android.intent.action.SET_ALARM --ei android.intent.extra.alarm.HOUR 6 "
                   "--ei android.intent.extra.alarm.MINUTES 45 --es android.intent.extra.alarm.MESSAGE Run")
    await phone.start_timer(90)
    assert await phone.alarms() == [{"hour": "6", "minutes": "45", "label": "Run", "enabled": "1"}]
    assert await phone.timers() == [{"length": "90", "running": "1"}]


def test_a_small_run_writes_report_and_plots(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["bench", "android", "--policy", "oracle", "--transport", "direct",
                                      "--only", "settings-wifi,notes-create,files-size", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["meta"]["policy"] == "oracle" and "virtual" in report["meta"]["devices"]
    assert "oracle" in report["meta"]["tiers"]
    assert [e["success"] for e in report["episodes"]] == [True, True, True]
    assert {g["group"] for g in report["groups"]["level"]} == {"easy", "medium"}
    assert any(p["system"].startswith("Human") for p in report["peers"])
    md = (tmp_path / "report.md").read_text()
    assert "Produced by: policy oracle" in md and "success_by_level.png" in md
    for name in report["plots"]:
        assert (tmp_path / name).read_bytes()[:4] == b"\x89PNG"


async def test_episodes_run_side_by_side_over_the_pool() -> None:
    config = BenchConfig(policy="oracle", parallel=2, transport="direct", episodes=4, only="alarm-set,timer-cancel")
    records = await run_episodes(AndroidSuite(), config, AsyncioExecutor(parallel=2, timeout_s=30))
    assert [r.task for r in records] == ["alarm-set", "alarm-set-label", "alarm-set-pm", "timer-cancel"]
    assert all(r.success for r in records), [r.error for r in records]
    assert len({r.device for r in records}) == 2  # both phones of the pool were used


async def test_a_failing_episode_is_a_record_not_a_crash() -> None:
    async def broken(episode: Episode) -> object:
        raise RuntimeError("device fell off the table")

    episodes = [Episode("a#0", "a", 0), Episode("b#0", "b", 0)]
    seen: list[str] = []
    records = await AsyncioExecutor(parallel=2).run(episodes, broken, lambda r: seen.append(r.episode))  # type: ignore[arg-type]
    assert [(r.status, r.success) for r in records] == [("error", False), ("error", False)]
    assert "device fell off the table" in (records[0].error or "") and sorted(seen) == ["a#0", "b#0"]


async def test_real_phones_need_wipe() -> None:
    suite = AndroidSuite()
    config = BenchConfig(policy="oracle", devices="android:SERIAL-1")
    with pytest.raises(UsageError, match="--wipe"):
        async with suite.session(config):
            pass


def test_unknown_only_prefix_is_a_usage_error() -> None:
    result = CliRunner().invoke(app, ["bench", "android", "--policy", "oracle", "--only", "nothing-like-this"])
    assert result.exit_code == 2 and "ids start with" in result.output


def test_summary_counts_an_episode_the_executor_gave_up_on(tmp_path: Path) -> None:
    from fleetmind.bench.runner import EpisodeRecord

    suite = AndroidSuite()
    config = BenchConfig(policy="oracle", only="sms-send")
    records = [EpisodeRecord("sms-send#0", "sms-send", 0, success=False, status="timed out", error="no end after 1s")]
    summary = suite.summarize(records, config, tmp_path)
    assert summary.groups["app"][0].group == "Messages" and summary.groups["app"][0].succeeded == 0
    assert all(p.exists() for p in summary.plots)
