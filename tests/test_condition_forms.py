"""The ways people put a condition on part of a request, read into a branch that runs only if it
holds on what the step before it found; and the forms that must stay plain words."""

from __future__ import annotations

import pytest

from fleetmind.orchestrator.graph import TaskGraph
from fleetmind.orchestrator.planner import ClausePlanner
from fleetmind.orchestrator.planning.conditions import judge
from fleetmind.orchestrator.planning.devices import DeviceProfile

PHONES = [DeviceProfile(id="phone-1", kind="phone", apps=["Messages", "Contacts", "Settings", "Weather"])]


async def plan(request: str) -> TaskGraph:
    graph = TaskGraph("t")
    graph.apply(await ClausePlanner().plan(request, PHONES))
    return graph


@pytest.mark.parametrize(
    ("request_", "condition"),
    [
        ("Check the weather in Paris and if it's raining then text Ada 'bring an umbrella'", "it's raining"),
        ("Check the weather in Paris, then unless it's sunny, text Ada 'bring an umbrella'", "unless it's sunny"),
        ("Check the weather in Paris, then text Ada 'bring an umbrella' if it's raining", "it's raining"),
        ("what's the weather in Paris? text Ada 'bring an umbrella' unless it's sunny.", "unless it's sunny"),
        ("check the weather in Paris, if it's raining text Ada 'bring an umbrella'", "it's raining"),
    ],
)
async def test_a_condition_before_or_after_its_clause_makes_a_branch(request_: str, condition: str) -> None:
    graph = await plan(request_)
    first, branch = graph.subtasks()
    assert first.condition is None and "weather" in first.goal.lower()
    assert branch.condition == condition
    assert branch.goal.startswith("Text Ada 'bring an umbrella'") or branch.goal.startswith("text Ada")
    assert "if" not in branch.goal.lower().split() and "unless" not in branch.goal.lower()
    assert (first.id, branch.id, "on_success") in graph.edges()


@pytest.mark.parametrize(
    "request_",
    [
        "Check the weather, then text Ada saying call me if you need anything",  # the message's own "if"
        "Check my calendar and tell Bob that I'll come if the train is on time",
        "Turn on Wi-Fi if it's off",  # nothing before it finds anything out: the agent's to see
    ],
)
async def test_an_if_inside_a_message_or_a_single_request_stays_words(request_: str) -> None:
    graph = await plan(request_)
    assert all(s.condition is None for s in graph.subtasks())
    assert any(" if " in s.goal for s in graph.subtasks())  # nothing was cut out of what is said


@pytest.mark.parametrize(
    ("condition", "found", "holds"),
    [
        ("unless it's sunny", "Sunny, 24°C", False),
        ("unless it's sunny", "Light rain, 12°C", True),
        ("unless it isn't raining", "Light rain, 12°C", True),  # twice round
        ("unless it is above 20 degrees", "Cloudy, 14°C", True),
    ],
)
def test_unless_turns_the_condition_round(condition: str, found: str, holds: bool) -> None:
    assert judge(condition, found, "Check the weather in Paris") is holds
