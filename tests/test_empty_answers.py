"""A question about an app's list when the list is empty: the app's own "No upcoming events" is
the answer, not a header or a date line; a list with entries is answered by its entries."""

from __future__ import annotations

import asyncio

from fleetmind.agents.grounding import extract_answer, parse_goal
from fleetmind.agents.loop import GuiAgent, SubtaskSpec
from fleetmind.devices.base import LaunchApp
from fleetmind.devices.virtual import VirtualPhone


async def test_an_empty_list_answers_a_question_about_it() -> None:
    phone = VirtualPhone(seed=3)
    async with asyncio.timeout(30):
        result = await GuiAgent(phone).run(SubtaskSpec(goal="whats on my calendar today", outputs=["answer"]))
    assert result.status == "succeeded" and result.outputs["answer"] == "No upcoming events"
    assert "Today:" not in result.summary  # the date line says what day it is, not what is on


async def test_entries_answer_before_an_empty_line_and_a_named_thing_is_not_answered_by_emptiness() -> None:
    phone = VirtualPhone(seed=5)
    phone.seed(events=[{"title": "Team sync", "date": "2025-06-04", "start": "10:00", "end": "10:30"}])
    await phone.act(LaunchApp(app="Calendar"))
    calendar = await phone.observe()
    assert "Team sync" in extract_answer(parse_goal("What's on my calendar on June 4th?"), calendar)
    empty = VirtualPhone(seed=5)
    await empty.act(LaunchApp(app="Calendar"))
    nothing = await empty.observe()
    assert extract_answer(parse_goal("What's on my calendar?"), nothing) == "No upcoming events"
    # a question about someone is not answered by an empty list on another app's screen
    assert extract_answer(parse_goal("What is Ada Lovelace's number?"), nothing) == ""


async def test_a_question_about_the_whole_list_is_answered_by_its_rows_and_a_date_header_answers_nothing() -> None:
    events = [
        {"title": "Team sync", "date": "2025-06-04", "start": "10:00", "end": "10:30"},
        {"title": "Yoga class", "date": "2025-06-06", "start": "18:00", "end": "19:00"},
    ]
    phone = VirtualPhone(seed=5)
    phone.seed(events=events)
    await phone.act(LaunchApp(app="Calendar"))
    calendar = await phone.observe()
    listed = extract_answer(parse_goal("What's on my calendar?"), calendar)
    assert "Team sync" in listed and "Yoga class" in listed
    assert extract_answer(parse_goal("When is my dentist appointment?"), calendar) == ""  # not in this list
    assert extract_answer(parse_goal("whats on my calendar today"), calendar) == ""  # "Today: ..." says the day
