"""Days as people name them, counted from the device's own clock (not the host's)."""

from __future__ import annotations

from datetime import date

import pytest

from fleetmind.agents.dates import day_named
from fleetmind.devices.android import AndroidDevice
from fleetmind.devices.virtual import VirtualPhone
from fleetmind.devices.virtual.adbd import AdbServerThread

MONDAY = date(2025, 6, 2)


@pytest.mark.parametrize(
    ("text", "said", "day"),
    [
        ("lunch with Priya on June 5th at 12:30", "June 5th", "2025-06-05"),
        ("on 5 June", "5 June", "2025-06-05"),
        ("the 12th of June", "12th of June", "2025-06-12"),
        ("a haircut tomorrow at 16:00", "tomorrow", "2025-06-03"),
        ("what's on the 4th", "the 4th", "2025-06-04"),
        ("on the 1st", "the 1st", "2025-07-01"),  # this month's 1st has passed: next month's
        ("next Friday", "next Friday", "2025-06-06"),
        ("on Monday", "on Monday", "2025-06-09"),  # today is Monday: the next one
        ("May 1st", "May 1st", "2026-05-01"),  # passed this year: next year's
    ],
)
def test_a_named_day_is_counted_from_today(text: str, said: str, day: str) -> None:
    assert day_named(text, MONDAY) == (said, day)


@pytest.mark.parametrize("text", ["meet at 10", "February 30", "call Ada", "set the volume to 5"])
def test_no_day_or_an_impossible_one_stays_unread(text: str) -> None:
    assert day_named(text, MONDAY) is None


async def test_a_phone_reports_its_own_day_over_adb() -> None:
    phone = VirtualPhone()
    assert await phone.today() == phone.state.today != date.today()  # the virtual clock, not the host's
    with AdbServerThread({"emulator-5554": phone}) as server:
        device = await AndroidDevice("emulator-5554", adb_port=server.port).connect()
        try:
            assert await device.today() == phone.state.today
        finally:
            await device.close()


async def test_each_run_reads_the_day_again_a_long_lived_agent_outlives_midnight() -> None:
    from fleetmind.agents.loop import GuiAgent, SubtaskSpec
    from fleetmind.protocol.messages import Budget

    phone = VirtualPhone()
    agent = GuiAgent(phone)
    spec = SubtaskSpec(goal="Turn on Bluetooth", outputs=["result"], budget=Budget(max_steps=4))
    await agent.run(spec)
    first = agent.goal_of({"answers": {}})  # type: ignore[typeddict-item]
    phone.state.now += 86_400  # the next day
    await agent.run(SubtaskSpec(goal="Add lunch tomorrow at 12:30", outputs=["result"], budget=Budget(max_steps=1)))
    assert first.text == "Turn on Bluetooth"
    assert agent.goal_of({"answers": {}}).values["date"] == "2025-06-04"  # type: ignore[typeddict-item]
