"""Whatever a person types, the offline planner gives a valid graph or a clear PlanningFailed."""

from __future__ import annotations

import asyncio

from hypothesis import given, settings
from hypothesis import strategies as st

from fleetmind.orchestrator.graph import Ref, TaskGraph
from fleetmind.orchestrator.planner import ClausePlanner, PlanningFailed
from fleetmind.protocol.messages import DeviceProfile

FLEET = [
    DeviceProfile(id="phone-1", kind="phone"),
    DeviceProfile(id="phone-2", kind="phone"),
    DeviceProfile(id="browser-1", kind="browser"),
]
WORDS = str.split(
    "turn on off wifi Wi-Fi bluetooth dark theme and then , ; . ? ! it that her him his its the a my "
    "text send call Ada Bob Lovelace's number weather in Paris look up tell me find what's how many "
    "on phone-1 phone-2 phone-7 phone 2 both phones every phone all devices the other one browser web "
    "my watch laptop open log in to bank with PIN 1234 balance saying \" ' hello except first second "
    "same do too as well please can you 555 0101 example.com note alarm for 7 am"
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(WORDS), min_size=0, max_size=18))
def test_any_request_plans_to_a_valid_graph_or_fails_clearly(words: list[str]) -> None:
    request = " ".join(words)
    try:
        patch = asyncio.run(ClausePlanner().plan(request, FLEET))
    except PlanningFailed as exc:
        assert str(exc)  # a message the user can act on
        return
    graph = TaskGraph("t", request)
    graph.apply(patch)  # acyclic, every data reference resolves along an edge
    ids = {d.id for d in FLEET}
    for s in graph.subtasks():
        assert s.goal.strip()
        assert s.device.device_id is None or s.device.device_id in ids
        for value in s.inputs.values():
            assert isinstance(value, Ref) and value.output in graph.subtask(value.subtask).outputs
