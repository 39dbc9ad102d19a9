"""Scheduling decisions as pure functions: no sockets, no clocks."""

from fleetmind.orchestrator.graph import DeviceRequirement
from fleetmind.orchestrator.scheduler import (
    DeviceView,
    ReadySubtask,
    capable_devices,
    decide_dispatch,
    decide_failure,
    meets,
)

PHONE = DeviceRequirement(kind="phone")


def phones(*specs: tuple[str, int, int]) -> list[DeviceView]:
    return [DeviceView(id=i, kind="phone", running=r, assigned_total=a) for i, r, a in specs]


def test_least_loaded_idle_device_first() -> None:
    devices = phones(("p1", 0, 5), ("p2", 0, 1), ("p3", 1, 0))
    out = decide_dispatch([ReadySubtask("a", PHONE)], devices, running_total=1, max_concurrent=8)
    assert [(d.subtask_id, d.device_id) for d in out] == [("a", "p2")]


def test_one_subtask_per_gui_device_and_in_priority_order() -> None:
    devices = phones(("p1", 0, 0), ("p2", 0, 0))
    ready = [ReadySubtask(s, PHONE) for s in ("a", "b", "c")]
    out = decide_dispatch(ready, devices, running_total=0, max_concurrent=8)
    assert [d.subtask_id for d in out] == ["a", "b"]
    assert len({d.device_id for d in out}) == 2


def test_global_concurrency_cap() -> None:
    devices = phones(*[(f"p{i}", 0, 0) for i in range(5)])
    ready = [ReadySubtask(f"s{i}", PHONE) for i in range(5)]
    assert len(decide_dispatch(ready, devices, running_total=1, max_concurrent=3)) == 2
    assert decide_dispatch(ready, devices, running_total=3, max_concurrent=3) == []


def test_requirements_kind_capability_and_named_device() -> None:
    devices = [
        DeviceView("p1", "phone", frozenset({"sms"})),
        DeviceView("b1", "browser"),
        DeviceView("p2", "phone"),
    ]
    assert meets(DeviceRequirement(kind="phone", capabilities=("sms",)), devices[0])
    assert not meets(DeviceRequirement(kind="phone", capabilities=("sms",)), devices[2])
    assert not meets(DeviceRequirement(kind="phone"), devices[1])
    assert capable_devices(DeviceRequirement(device_id="p2"), devices) == ["p2"]
    out = decide_dispatch(
        [
            ReadySubtask("web", DeviceRequirement(kind="browser")),
            ReadySubtask("sms", DeviceRequirement(capabilities=("sms",))),
        ],
        devices,
        running_total=0,
        max_concurrent=8,
    )
    assert {(d.subtask_id, d.device_id) for d in out} == {("web", "b1"), ("sms", "p1")}


def test_offline_busy_pinned_and_avoided_devices_are_respected() -> None:
    devices = [
        DeviceView("p1", "phone", online=False),
        DeviceView("p2", "phone", running=1),
        DeviceView("p3", "phone"),
        DeviceView("p4", "phone"),
    ]
    assert (
        decide_dispatch([ReadySubtask("a", PHONE, pinned_device="p4")], devices, running_total=0, max_concurrent=8)[
            0
        ].device_id
        == "p4"
    )
    assert (
        decide_dispatch(
            [ReadySubtask("a", PHONE, avoid=frozenset({"p3"}))], devices, running_total=0, max_concurrent=8
        )[0].device_id
        == "p4"
    )
    assert (
        decide_dispatch([ReadySubtask("a", PHONE, pinned_device="p1")], devices, running_total=0, max_concurrent=8)
        == []
    )


def test_failure_policy_same_device_then_another_then_replanner() -> None:
    first = decide_failure(
        attempts_on_device=1, max_attempts=2, device_id="p1", device_online=True, tried=["p1"], capable=["p1", "p2"]
    )
    assert first.action == "retry_same" and first.device_id == "p1"
    second = decide_failure(
        attempts_on_device=2, max_attempts=2, device_id="p1", device_online=True, tried=["p1"], capable=["p1", "p2"]
    )
    assert second.action == "redispatch"
    third = decide_failure(
        attempts_on_device=2,
        max_attempts=2,
        device_id="p2",
        device_online=True,
        tried=["p1", "p2"],
        capable=["p1", "p2"],
    )
    assert third.action == "replan"


def test_vanished_device_or_non_retryable_error_moves_on_at_once() -> None:
    gone = decide_failure(
        attempts_on_device=1, max_attempts=3, device_id="p1", device_online=False, tried=["p1"], capable=["p1", "p2"]
    )
    assert gone.action == "redispatch"
    final = decide_failure(
        attempts_on_device=1,
        max_attempts=3,
        device_id="p1",
        device_online=True,
        tried=["p1"],
        capable=["p1"],
        retryable=False,
    )
    assert final.action == "replan"
