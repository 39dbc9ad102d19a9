"""`fleetmind run` with nobody at a terminal (a script, a pipe, CI): a question the agent asks is
not answered by anyone, so the subtask stops naming it; nothing stands in for the answer."""

from __future__ import annotations

import asyncio

import pytest

from fleetmind.agents.loop import GuiAgent, SubtaskSpec
from fleetmind.agents.questions import PendingQuestion
from fleetmind.cli import follow
from fleetmind.devices.virtual import VirtualPhone


async def cli_ask(question: PendingQuestion) -> str:
    """What `fleetmind run` hands the agent for a question (cli/run.py)."""
    return await follow.ask_user("s1", question.text, question.options) or ""


@pytest.mark.parametrize("goal", ["Text Ada Lovelace", "Write a note titled Packing"])
async def test_a_question_nobody_can_answer_stops_the_subtask_and_nothing_is_made_up(
    goal: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    phone = VirtualPhone(seed=3)
    phone.seed(contacts=[{"name": "Ada Lovelace", "phone": "555 0100"}])
    asked: list[str] = []

    async def ask(question: PendingQuestion) -> str:
        asked.append(question.text)
        return await cli_ask(question)

    async with asyncio.timeout(30):
        result = await GuiAgent(phone).run(SubtaskSpec(goal=goal), ask=ask)
    assert asked, "the goal gives no text: the agent must ask for it"
    assert result.status == "failed" and result.report is not None and result.report.kind == "needs_user"
    assert asked[0] in result.summary  # the failure names the question nobody answered
    assert phone.state.messages == [] and all(n.title != "Packing" for n in phone.state.notes)
    assert "terminal" not in repr(phone.state)  # no placeholder typed anywhere
