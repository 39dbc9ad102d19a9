"""`fleetmind bench cross-device`: every task's check fails on the seeded fleet and passes after its
reference graph; the reference graphs are valid task graphs; a few tasks run through the orchestrator,
side by side and one at a time, with the figures the report needs."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from fleetmind.bench.android.oracle import replay
from fleetmind.bench.android.phone import AdbPhone, HandsetShell
from fleetmind.bench.crossdevice.spec import Fleet, XTask, reference_plan
from fleetmind.bench.crossdevice.suite import CrossDeviceSuite
from fleetmind.bench.crossdevice.tasks import TASKS, build_tasks
from fleetmind.bench.runner import AsyncioExecutor, BenchConfig, run_episodes
from fleetmind.devices.base import Device
from fleetmind.devices.browser import BrowserDevice, find_chromium
from fleetmind.devices.virtual import VirtualPhone
from fleetmind.devices.virtual.adbd import Handset
from fleetmind.devices.virtual.web import VirtualWeb, WebState
from fleetmind.orchestrator.graph import TaskGraph

WEB_TASKS = [t for t in TASKS if "browser" in t.devices]
PHONE_TASKS = [t for t in TASKS if "browser" not in t.devices]


def test_the_suite_has_fifty_tasks_over_two_to_five_devices() -> None:
    assert len(TASKS) >= 50 and len({t.id for t in TASKS}) == len(TASKS)
    assert {t.device_count for t in TASKS} == {2, 3, 4, 5}
    moving = [t for t in TASKS if any(ref.inputs for ref in t.reference)]
    assert len(moving) >= 25  # data moves between devices in most tasks
    assert WEB_TASKS and {"relay", "gather", "broadcast", "web-to-phone", "phone-to-web"} <= {t.category for t in TASKS}


def test_parameters_come_from_the_seed() -> None:
    assert [t.request for t in build_tasks(0)] == [t.request for t in TASKS]
    assert [t.request for t in build_tasks(1)] != [t.request for t in TASKS]


@pytest.mark.parametrize("task", TASKS, ids=[t.id for t in TASKS])
def test_reference_graph_is_a_valid_task_graph(task: XTask) -> None:
    graph = TaskGraph("t", task.request)
    graph.apply(reference_plan(task))
    assert len(graph) == len(task.reference)
    devices = {ref.device for ref in task.reference}
    assert len(devices) >= 2 or task.category == "broadcast"


async def _replay_graph(task: XTask, devices: dict[str, Device], web: VirtualWeb | None) -> None:
    """The reference graph run in topological order, outputs handed along (what the oracle agents do)."""
    outputs: dict[str, dict[str, str]] = {}
    params: dict[str, Any] = {**task.params, "web": web.url if web else ""}
    pending = list(task.reference)
    while pending:
        ref = next(r for r in pending if all(src in outputs for src, _ in r.inputs.values())
                   and all(a in outputs for a in r.after))
        pending.remove(ref)
        values = dict(params)
        for name, (src, out) in ref.inputs.items():
            values[name] = outputs[src][out]
            if m := re.search(r"(\d{1,2}):(\d{2})", values[name]):
                values[f"{name}_hour"], values[f"{name}_minute"] = m.group(1), m.group(2)
        result = await replay(devices[ref.device], ref.steps, values)
        assert result.ok, f"{task.id}/{ref.id}: {result.error}"
        outputs[ref.id] = {name: result.outputs.get(name, result.answer) for name in ref.outputs}


async def _fleet(task: XTask) -> tuple[dict[str, Device], dict[str, AdbPhone]]:
    k = sum(int(p.split(":")[1]) for p in task.devices.split(",") if p.startswith("phone"))
    devices: dict[str, Device] = {}
    phones: dict[str, AdbPhone] = {}
    for i in range(k):
        phone = VirtualPhone(device_id=f"phone-{i + 1}", seed=i)
        devices[phone.device_id] = phone
        phones[phone.device_id] = AdbPhone(HandsetShell(Handset.attach(f"emulator-{5554 + 2 * i}", phone, i + 1)))
        await phones[phone.device_id].reset()
    await task.seed(phones, task.params)
    return devices, phones


@pytest.mark.parametrize("task", PHONE_TASKS, ids=[t.id for t in PHONE_TASKS])
async def test_check_fails_untouched_and_passes_after_the_reference_graph(task: XTask) -> None:
    devices, phones = await _fleet(task)
    assert not await task.check(Fleet(phones), task.params), f"{task.id} passes on the untouched fleet"
    await _replay_graph(task, devices, None)
    assert await task.check(Fleet(phones), task.params), f"{task.id}: the reference graph did not pass"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser_on_web() -> AsyncIterator[tuple[BrowserDevice, VirtualWeb]]:
    if find_chromium() is None:
        pytest.skip("Debian's chromium is not installed (scripts/install-system-deps.sh installs it)")
    with VirtualWeb(seed=0) as web:
        browser = BrowserDevice(device_id="browser-1", start_url=web.url)
        await browser.start()
        try:
            yield browser, web
        finally:
            await browser.close()


@pytest.mark.parametrize("task", WEB_TASKS, ids=[t.id for t in WEB_TASKS])
@pytest.mark.asyncio(loop_scope="module")
async def test_web_task_fails_untouched_and_passes_after_the_reference_graph(
    task: XTask, browser_on_web: tuple[BrowserDevice, VirtualWeb]
) -> None:
    browser, web = browser_on_web
    web.state = WebState()  # a fresh site record for every task
    devices, phones = await _fleet(task)
    devices["browser-1"] = browser
    fleet = Fleet(phones, web.state, web.forecast)
    assert not await task.check(fleet, task.params), f"{task.id} passes on the untouched fleet"
    await _replay_graph(task, devices, web)
    assert await task.check(Fleet(phones, web.state, web.forecast), task.params), task.id


async def test_oracle_episodes_run_through_the_orchestrator_side_by_side_and_one_at_a_time() -> None:
    config = BenchConfig(policy="oracle", parallel=2, only="gather-numbers-3#1,every-phone-dark-3")
    suite = CrossDeviceSuite()
    records = await run_episodes(suite, config, AsyncioExecutor(parallel=2, timeout_s=90))
    assert [r.task for r in records] == ["gather-numbers-3#1", "every-phone-dark-3"]
    for r in records:
        m = r.metrics
        assert r.success and m["sequential_success"], r.error
        assert m["subtasks"] == m["subtasks_succeeded"] == 3
        assert 0 < m["critical_path_s"] <= m["makespan_s"] + 0.05
        assert m["sequential_makespan_s"] > 0 and m["width"] >= 1.0
    assert records[1].metrics["graph_width"] == 3 and records[0].metrics["graph_width"] == 2
    summary = suite.summarize(records, config, None)
    names = [f.name for f in summary.figures]
    assert {"task success", "subtask completion", "average parallel width", "makespan vs sequential",
            "makespan vs critical path"} <= set(names)
    assert any("UFO" in p.system and p.value == "83.3%" for p in summary.peers)


async def test_agent_policy_plans_the_request_like_fleetmind_run() -> None:
    config = BenchConfig(policy="agent", parallel=1, only="every-phone-bluetooth-2")
    records = await run_episodes(CrossDeviceSuite(), config, AsyncioExecutor(parallel=1, timeout_s=120))
    (record,) = records
    assert record.metrics["subtasks"] == 2  # the clause planner split "on every phone" into one subtask each
    assert record.steps > 0 and "oracle" not in record.tiers
