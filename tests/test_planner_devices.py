"""Devices a request names that the fleet does not have, and the model planner's device checks."""

from __future__ import annotations

import pytest

from fleetmind.agents.models import ScriptedModel
from fleetmind.orchestrator.graph import TaskGraph
from fleetmind.orchestrator.planner import (
    BadRequest,
    ClausePlanner,
    ModelPlanner,
    PlanningFailed,
    UnknownDevice,
)
from fleetmind.orchestrator.planning.model_planner import PLAN_SYSTEM
from fleetmind.protocol.messages import DeviceProfile

FLEET = [
    DeviceProfile(id="phone-1", kind="phone"),
    DeviceProfile(id="phone-2", kind="phone"),
    DeviceProfile(id="browser-1", kind="browser"),
]
PHONES = FLEET[:2]


@pytest.mark.parametrize(
    ("request_text", "devices", "named"),
    [
        ("check my steps on my watch", FLEET, "on my watch"),
        ("turn on wifi on phone-7", FLEET, "phone-7"),
        ("Play some music on the TV", FLEET, "on the TV"),
        ("Turn on dark theme on my tablet and then text Ada", FLEET, "on my tablet"),
        ("Open the calendar on the third phone", FLEET, "third phone"),
        ("Look up the news in the browser", PHONES, "browser"),
        ("Turn on Wi-Fi on phone-1, then on my iPad", FLEET, "on my iPad"),
    ],
)
async def test_an_unknown_device_is_refused_listing_the_real_ones(
    request_text: str, devices: list[DeviceProfile], named: str
) -> None:
    with pytest.raises(UnknownDevice) as info:
        await ClausePlanner().plan(request_text, devices)
    message = str(info.value)
    assert named in message  # what the user wrote
    for d in devices:
        assert f"{d.id} ({d.kind})" in message  # the devices there are
    assert "'on phone-1'" in message and "leave the device out" in message  # what to type instead
    assert info.value.bad_request  # the CLI exits 2: bad usage, not a failed task


async def test_the_other_one_with_nothing_before_it_asks_for_a_name() -> None:
    with pytest.raises(BadRequest) as info:
        await ClausePlanner().plan("Take a screenshot on the other phone", FLEET)
    assert "name the device" in str(info.value) and "phone-2 (phone)" in str(info.value)


async def test_the_other_one_among_three_phones_is_ambiguous() -> None:
    three = [*PHONES, DeviceProfile(id="phone-3", kind="phone")]
    with pytest.raises(UnknownDevice) as info:
        await ClausePlanner().plan("Turn on Wi-Fi on phone-1 and then on the other one", three)
    assert "phone-2, phone-3" in str(info.value)


async def test_an_empty_request_is_bad_usage() -> None:
    with pytest.raises(BadRequest):
        await ClausePlanner().plan("  please  ", FLEET)


async def test_model_failures_are_not_bad_usage() -> None:
    assert not PlanningFailed("x").bad_request


# --- the model planner -----------------------------------------------------------

GOOD = {
    "subtasks": [
        {"id": "weather", "goal": "Look up the weather in Paris", "device": {"kind": "browser"},
         "outputs": ["weather"]},
        {"id": "text", "goal": "Text it to Ada", "device": {"device_id": "phone-2"},
         "inputs": {"message": {"from": "weather", "output": "weather"}}},
    ],
    "edges": [{"src": "weather", "dst": "text"}],
}  # fmt: skip
FIND, TEXT = GOOD["subtasks"]
PINNED_TO_A_GHOST = {**GOOD, "subtasks": [FIND, {**TEXT, "device": {"device_id": "phone-9"}}]}
ADDRESS_IN_GOAL = {**GOOD, "subtasks": [FIND, {**TEXT, "goal": "Text it to Ada on phone-2"}]}


async def test_model_plan_pinned_to_a_device_there_is_not_is_repaired() -> None:
    model = ScriptedModel([PINNED_TO_A_GHOST, GOOD])
    graph = TaskGraph("t")
    graph.apply(await ModelPlanner(model).plan("look up the weather in Paris and text it to Ada from phone-2", FLEET))
    assert graph.subtask("text").device.device_id == "phone-2"
    repair = model.calls[1][-1]["content"]
    assert "'phone-9', which is not in the fleet" in repair and "phone-1, phone-2, browser-1" in repair


async def test_model_plan_with_the_device_in_the_goal_text_is_repaired() -> None:
    model = ScriptedModel([ADDRESS_IN_GOAL, GOOD])
    await ModelPlanner(model).plan("look up the weather in Paris and text it to Ada from phone-2", FLEET)
    assert "leave it out of the goal" in model.calls[1][-1]["content"]


async def test_model_plan_that_keeps_pinning_a_ghost_fails_listing_the_devices() -> None:
    model = ScriptedModel([PINNED_TO_A_GHOST] * 3)
    with pytest.raises(PlanningFailed) as info:
        await ModelPlanner(model, max_repairs=2).plan("text Ada", FLEET)
    assert "phone-1 (phone), phone-2 (phone), browser-1 (browser)" in str(info.value)


async def test_model_planner_refuses_an_unknown_device_before_asking_the_model() -> None:
    model = ScriptedModel([GOOD])
    with pytest.raises(UnknownDevice) as info:
        await ModelPlanner(model).plan("check my heart rate on my watch", FLEET)
    assert model.calls == [] and "on my watch" in str(info.value)


async def test_model_plan_data_reference_without_an_edge_is_repaired() -> None:
    model = ScriptedModel([{**GOOD, "edges": []}, GOOD])
    await ModelPlanner(model).plan("look up the weather in Paris and text it to Ada", FLEET)
    assert "add an edge weather->text" in model.calls[1][-1]["content"]


def test_the_planning_prompt_describes_pins_fan_outs_and_data_edges() -> None:
    for phrase in ('{"device_id": "<id>"}', "one subtask\nper device", '{"from": "<id>", "output": "<name>"}',
                   "on_success edge", "Never put a browser\nstep and a phone step in one subtask"):  # fmt: skip
        assert phrase in PLAN_SYSTEM


async def test_model_plan_must_pin_every_device_the_request_addresses() -> None:
    one = {"subtasks": [{"id": "dark", "goal": "Turn on dark theme", "device": {"kind": "phone"}}]}
    both = {"subtasks": [
        {"id": "dark1", "goal": "Turn on dark theme", "device": {"device_id": "phone-1"}},
        {"id": "dark2", "goal": "Turn on dark theme", "device": {"device_id": "phone-2"}},
    ]}  # fmt: skip
    model = ScriptedModel([one, both])
    graph = TaskGraph("t")
    graph.apply(await ModelPlanner(model).plan("Turn on dark theme on both phones", FLEET))
    assert sorted(s.device.device_id or "" for s in graph.subtasks()) == ["phone-1", "phone-2"]
    repair = model.calls[1][-1]["content"]
    assert "addresses device phone-1 but no subtask is pinned to it" in repair and "phone-2" in repair
