"""A pick question lists each thing a person could mean once: a list row and the switch inside
it are one choice, and picking "none" changes nothing."""

from __future__ import annotations

import asyncio

from fleetmind.agents.loop import GuiAgent, SubtaskSpec
from fleetmind.agents.questions import NONE_OF_THESE, PendingQuestion
from fleetmind.devices.virtual import VirtualPhone


async def test_a_row_and_its_switch_are_one_option_and_none_changes_nothing() -> None:
    phone = VirtualPhone(seed=3)
    before = phone.state.settings.model_copy()
    asked: list[PendingQuestion] = []

    async def ask(question: PendingQuestion) -> str:
        asked.append(question)
        return NONE_OF_THESE

    async with asyncio.timeout(30):
        result = await GuiAgent(phone).run(SubtaskSpec(goal="flip a setting in Settings for me"), ask=ask)
    assert asked and asked[0].purpose == "pick"
    options = asked[0].options
    assert "Wi-Fi" in options and "Dark theme" in options
    assert not any(" · " in o and o.split(" · ")[0] in options for o in options), options  # no "Wi-Fi · On" twin
    assert len(options) == len(set(options))
    assert result.status == "failed" and phone.state.settings == before
