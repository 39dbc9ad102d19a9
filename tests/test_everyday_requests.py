"""Requests phrased the way people talk: hedged numbers, a setting by its everyday name, a reminder's
text, a value given after the request. Agent tests run the grounding alone (no model) on a VirtualPhone
and read its own state."""

from __future__ import annotations

from typing import Any

import pytest

from fleetmind.agents.grounding import parse_goal, target_value
from fleetmind.agents.loop import GuiAgent, LoopResult, SubtaskSpec
from fleetmind.devices.virtual import VirtualPhone
from fleetmind.protocol.messages import Budget


async def run(p: VirtualPhone, goal: str, *, ask: Any = None, steps: int = 16) -> LoopResult:
    return await GuiAgent(p).run(
        SubtaskSpec(goal=goal, outputs=["result"], budget=Budget(max_steps=steps)), on_step=None, ask=ask
    )


# -- a hedged number is still the number ---------------------------------------------------


@pytest.mark.parametrize(
    ("goal", "level"),
    [
        ("set brightness to like 30 percent", 30),
        ("turn the volume to, like, 12", 12),
        ("brightness to about 40%", 40),
        ("put the volume at around 5", 5),
        ("set the brightness to maybe 70 percent", 70),
        ("screen brightness to roughly 25", 25),
    ],
)
def test_filler_words_before_a_level_do_not_hide_it(goal: str, level: int) -> None:
    assert target_value(goal) == level


@pytest.mark.parametrize(
    ("goal", "time"),
    [
        ("set an alarm for around 6:45 am", ("6", "45")),
        ("move my alarm to about 7:15", ("7", "15")),
        ("wake me up at like 6 am", ("6", "00")),
    ],
)
def test_filler_words_before_a_time_do_not_hide_it(goal: str, time: tuple[str, str]) -> None:
    values = parse_goal(goal).values
    assert (values["hour"], values["minute"]) == time


def test_a_hedge_before_a_duration_or_a_count_is_not_a_level() -> None:
    assert target_value("set a timer to about 10 minutes") is None
    assert target_value("make a table for like 4 people") is None


async def test_a_hedged_level_is_reached_and_checked() -> None:
    p = VirtualPhone(seed=5)
    result = await run(p, "Set brightness to like 30 percent")
    assert result.status == "succeeded" and result.verified, result.summary
    assert p.state.settings.brightness == 30


# -- a setting by its everyday name, in a question too --------------------------------------


@pytest.mark.parametrize(
    ("question", "setting", "label"),
    [
        ("Is dark mode on right now?", "dark_theme", "Dark theme"),
        ("is the dark mode enabled?", "dark_theme", "Dark theme"),
        ("is flight mode on?", "airplane_mode", "Airplane mode"),
    ],
)
async def test_a_question_reads_the_setting_its_everyday_name_means(question: str, setting: str, label: str) -> None:
    p = VirtualPhone(seed=5)
    setattr(p.state.settings, setting, True)
    before = p.state.settings.model_copy()
    result = await run(p, question)
    assert result.status == "succeeded" and result.verified, result.summary
    assert result.outputs["result"] == f"{label} is on"
    assert p.state.settings == before  # a question changes nothing


# -- a value given after the request belongs to it -------------------------------------------


@pytest.mark.parametrize(
    "goal",
    [
        "Whats my bank balance? pin is 4321",
        "What is my balance: My PIN is 4321",
        "How much money do I have in the bank? password's 4321",
        "Check my balance. PIN: 4321",
    ],
)
async def test_a_pin_given_after_the_question_logs_in_and_the_balance_is_read(goal: str) -> None:
    p = VirtualPhone(seed=5)
    p.state.bank.balance = 1234.5
    result = await run(p, goal)
    assert result.status == "succeeded" and result.verified, result.summary
    assert "1,234.50" in result.outputs["result"]
    assert p.state.bank.transactions == VirtualPhone(seed=5).state.bank.transactions  # nothing sent


@pytest.mark.parametrize(
    ("goal", "password"),
    [
        ("whats my bank balance? pin is 4321", "4321"),
        ("Log into the bank app, pin 4321, and check my balance", "4321"),
        ("how much is in my account? password's hunter2", "hunter2"),
        ("PIN: 2468", "2468"),
    ],
)
def test_a_pin_is_read_whatever_stands_between_its_name_and_it(goal: str, password: str) -> None:
    values = parse_goal(goal).values
    assert values.get("password") == password and "phone" not in values
