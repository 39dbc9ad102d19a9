"""The miniwob suite's machinery without a model: the task list, the seeded episode, the
instruction, and the page's reward after a scripted right action and a scripted wrong one,
plus the suite stopping an agent when the page ends the episode."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import pytest_asyncio

from fleetmind.agents.records import LoopResult, StepRecord, SubtaskSpec
from fleetmind.bench.miniwob.episode import MiniwobEpisode
from fleetmind.bench.miniwob.server import PageServer
from fleetmind.bench.miniwob.suite import MiniwobSuite, select_tasks
from fleetmind.bench.miniwob.tasks import KINDS, TASKS, html_root, kind_of, package_tasks
from fleetmind.bench.runner import BenchConfig, Episode
from fleetmind.devices.base import LaunchApp, Observation, Tap, Target, TypeText
from fleetmind.devices.browser import BrowserDevice, find_chromium

needs_chromium = pytest.mark.skipif(find_chromium() is None, reason="Debian's chromium is not installed")
in_module_loop = pytest.mark.asyncio(loop_scope="module")  # one Chromium serves the module's browser tests


def test_the_125_tasks_are_the_packages_and_each_has_a_page_and_a_kind() -> None:
    assert len(TASKS) == 125
    assert list(TASKS) == package_tasks()
    assert all((html_root() / "miniwob" / f"{t}.html").is_file() for t in TASKS)
    assert {kind_of(t) for t in TASKS} == set(KINDS)


def test_only_selects_by_name_prefix_or_kind_and_refuses_nothing() -> None:
    assert select_tasks("enter-text") == ["enter-text", "enter-text-2", "enter-text-dynamic"]
    assert set(select_tasks("drag")) == {t for t in TASKS if kind_of(t) == "drag"}
    with pytest.raises(ValueError, match="widget kinds"):
        select_tasks("no-such-task")


def test_episodes_are_per_task_with_fixed_seeds() -> None:
    episodes = MiniwobSuite().episodes(BenchConfig(policy="agent", episodes=3, seed=10, only="click-link"))
    assert [(e.task, e.seed) for e in episodes] == [("click-link", 10), ("click-link", 11), ("click-link", 12)]


@pytest.fixture(scope="module")
def server() -> Iterator[PageServer]:
    with PageServer(html_root()) as s:
        yield s


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[BrowserDevice]:
    async with BrowserDevice(viewport=(500, 320)) as device:
        yield device


def _element(obs: Observation, cls: str, text: str | None = None) -> Target:
    for e in obs.elements:
        if e.cls == cls and (text is None or e.text == text):
            return Target(element=e.id)
    raise AssertionError(f"no {cls} {text!r} in {[(e.cls, e.text) for e in obs.elements]}")


async def _enter(device: BrowserDevice, episode: MiniwobEpisode, text: str) -> None:
    obs = await device.observe()
    assert (await device.act(TypeText(text=text, target=_element(obs, "textbox")))).ok
    assert (await device.act(Tap(target=_element(await device.observe(), "button", "Submit")))).ok


@needs_chromium
@in_module_loop
async def test_a_seed_fixes_the_episode_and_the_reward_tells_right_from_wrong(
        server: PageServer, browser: BrowserDevice) -> None:
    url = server.task_url("enter-text")
    first = MiniwobEpisode(browser, url, seed=5)
    utterance = await first.start()
    word = re.fullmatch(r'Enter "(.+)" into the text field and press Submit\.', utterance)
    assert word is not None, utterance
    assert not (await first.reward()).done
    await _enter(browser, first, word.group(1))
    reward = await asyncio.wait_for(first.ended(), 5)
    assert reward.success and reward.raw == 1.0

    again = MiniwobEpisode(browser, url, seed=5)
    assert await again.start() == utterance  # same seed, same problem
    await _enter(browser, again, word.group(1) + "x")
    reward = await asyncio.wait_for(again.ended(), 5)
    assert reward.done and reward.raw < 0 and not reward.success
    for episode in (first, again):
        await episode.close()

    others = set()
    for seed in (6, 7, 8):
        other = MiniwobEpisode(browser, url, seed=seed)
        others.add(await other.start())
        await other.close()
    assert len(others | {utterance}) > 1  # seeds do change the problem


class _ScriptedAgent:
    """Stands in for the GUI agent: runs `script` on the device, then keeps going until cancelled."""

    def __init__(self, device: BrowserDevice, script: Any, then_wait: bool = True) -> None:
        self.device, self.script, self.then_wait = device, script, then_wait
        self.cancelled = False

    async def run(self, spec: SubtaskSpec, *, on_step: Any = None, **_: Any) -> LoopResult:
        try:
            action = await self.script(self.device, spec.goal)
            if action is not None:
                await on_step(StepRecord(1, action, "scripted", "rule", "test"))
                await self.device.act(action)
            if not self.then_wait:
                return LoopResult("failed", "gave up", error="gave up")
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        raise AssertionError("unreachable")


async def _click_named_link(device: BrowserDevice, goal: str) -> Tap:
    name = re.search(r'link "(.+)"', goal)
    assert name is not None, goal
    return Tap(target=_element(await device.observe(), "span", name.group(1)))


@needs_chromium
@in_module_loop
async def test_the_suite_stops_the_agent_when_the_page_gives_its_reward(
        server: PageServer, browser: BrowserDevice) -> None:
    agents: list[_ScriptedAgent] = []

    def factory(device: BrowserDevice) -> Any:
        agents.append(_ScriptedAgent(device, _click_named_link))
        return agents[-1]

    suite = MiniwobSuite(agent_factory=factory)
    record = await suite.run_episode(browser, server.task_url("click-link"), Episode("click-link#0", "click-link", 3))
    assert record.success and record.metrics["ended_by"] == "page" and record.metrics["raw_reward"] == 1.0
    assert agents[0].cancelled and record.steps == 1 and record.tiers == {"rule": 1}
    assert record.groups == {"kind": "click"} and record.goal.startswith("Click on the link")


@needs_chromium
@in_module_loop
async def test_an_agent_that_gives_up_wanders_off_or_dawdles_fails_the_episode(server: PageServer,
                                                                   browser: BrowserDevice) -> None:
    async def nothing(device: BrowserDevice, goal: str) -> None:
        return None

    quitter = MiniwobSuite(agent_factory=lambda d: _ScriptedAgent(d, nothing, then_wait=False))  # type: ignore[arg-type,return-value]
    record = await quitter.run_episode(browser, server.task_url("click-link"), Episode("q", "click-link", 3))
    assert not record.success and record.metrics["ended_by"] == "agent" and "gave up" in (record.error or "")

    async def wander_off(device: BrowserDevice, goal: str) -> LaunchApp:
        return LaunchApp(app=server.url)  # the directory listing, off the task's page

    wanderer = MiniwobSuite(agent_factory=lambda d: _ScriptedAgent(d, wander_off))  # type: ignore[arg-type,return-value]
    record = await wanderer.run_episode(browser, server.task_url("click-link"), Episode("w", "click-link", 3))
    assert not record.success and "page went away" in (record.error or "")

    dawdler = MiniwobSuite(agent_factory=lambda d: _ScriptedAgent(d, nothing), max_seconds=1.0)  # type: ignore[arg-type,return-value]
    record = await dawdler.run_episode(browser, server.task_url("click-link"), Episode("d", "click-link", 3))
    assert not record.success and record.status == "timed out" and record.metrics["raw_reward"] == -1.0
