"""Exploration memory and app cards on VirtualPhone, with a test ranker in place of the local model."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from fleetmind.agents.grounding import Candidate, parse_goal
from fleetmind.agents.loop import GuiAgent, StepRecord, SubtaskSpec
from fleetmind.agents.memory import AppCards, ExplorationMemory, guide, parse_card
from fleetmind.agents.models import ChatModel, Completion, Ranking, ScriptedModel
from fleetmind.devices.base import LaunchApp, Tap, Target
from fleetmind.devices.virtual import VirtualPhone
from fleetmind.protocol.messages import Budget

ALARM = "Set an alarm for 7:30 labelled Gym"


class MisledRanker(ChatModel):
    """A weak local model: a little more taken with the Timer tab and going back than with
    what the goal needs, never sure (margins under the confidence threshold)."""

    name, tier = "misled", "local"

    def __init__(self) -> None:
        self.calls = 0

    async def complete(
        self, messages: list[dict[str, str]], *, schema: type[BaseModel] | None = None, max_tokens: int = 512
    ) -> Completion:
        raise AssertionError("the local tier only ranks")

    async def rank(self, prompt: str, candidates: Sequence[str]) -> Ranking:
        self.calls += 1
        tempting = any(w in prompt.lower() for w in ("timer", "stopwatch", "navigate", "back"))
        return Ranking([0.0 if tempting else -0.45 for _ in candidates])


async def _run(goal: str, memory: ExplorationMemory, **kw: Any) -> tuple[Any, list[StepRecord], int, VirtualPhone]:
    phone = VirtualPhone(seed=1)
    model = MisledRanker()
    steps: list[StepRecord] = []

    async def on_step(record: StepRecord) -> None:
        steps.append(record)

    agent = GuiAgent(phone, local=model, memory=memory, thumbnails=False, **kw)
    result = await agent.run(SubtaskSpec(goal=goal, budget=Budget(max_steps=15), confirm="allow"), on_step=on_step)
    return result, steps, model.calls, phone


async def test_memory_shortens_a_second_run_and_spares_the_model(tmp_path: Path) -> None:
    memory = ExplorationMemory(tmp_path / "memory")
    first, first_steps, first_calls, phone = await _run(ALARM, memory)
    assert first.status == "succeeded" and first.verified
    assert any("Timer" in s.summary for s in first_steps)  # the misled model wandered first

    # a new process: memory comes back from its files
    second, second_steps, second_calls, phone = await _run(ALARM, ExplorationMemory(tmp_path / "memory"))
    assert second.status == "succeeded" and second.verified
    assert [(a.hour, a.minute, a.label) for a in phone.state.alarms] == [(7, 30, "Gym")]
    assert len(second_steps) < len(first_steps)
    assert second_calls < first_calls and second_calls == 0
    add = next(s for s in second_steps if s.summary == "tap 'Add alarm'")
    assert add.tier == "rule" and "memory: add alarm leads to a screen with hour" in add.why


async def test_memory_learns_moves_between_screens_and_a_different_goal_on_the_app_uses_them() -> None:
    memory = ExplorationMemory(None)
    await _run(ALARM, memory)
    clock = memory.screens("Clock")
    assert any("tap:add alarm" in s.leads for s in clock)
    form = next(memory.screen(s.leads["tap:add alarm"]) for s in clock if "tap:add alarm" in s.leads)
    assert form is not None and {"hour", "minute", "label"} <= form.fields
    result, steps, calls, phone = await _run("Set an alarm for 6 pm", memory)
    assert result.verified and calls == 0
    assert [(a.hour, a.minute) for a in phone.state.alarms] == [(18, 0)]


def test_data_on_a_screen_is_not_a_place_memory_sends_the_agent_to() -> None:
    # Each contact's page shows "phone 555 ...": finding Ada's number must not favour Zed's row.
    phone = VirtualPhone(seed=1).seed(contacts=[{"name": "Ada Lovelace", "phone": "555 0100"},
                                                {"name": "Zed Zulu", "phone": "555 9999"}])
    memory = ExplorationMemory(None)
    phone.perform(LaunchApp(app="Contacts"))
    listing = phone.snapshot(False)
    zed = next(e for e in listing.elements if e.text == "Zed Zulu")
    phone.perform(Tap(target=Target(element=zed.id)))
    memory.learn(listing, Tap(target=Target(element=zed.id)), phone.snapshot(False))
    goal = parse_goal("Find the phone number of Ada Lovelace")
    cands = [Candidate(Tap(target=Target(element=zed.id)), "tap Zed Zulu", 0.0)]
    guide(goal, listing, cands, memory, None)
    assert cands[0].score == 0.0 and not cands[0].note


def test_an_app_card_forbids_and_prefers_labels() -> None:
    card = parse_card("Clock", "# Clock\nAlarms live under Add alarm.\nprefer: Add alarm when alarm\navoid: Timer\n"
                      "<!-- prefer: Timer -->\n")
    assert card.notes == "Alarms live under Add alarm." and card.prefer == (("add alarm", frozenset({"alarm"})),)
    phone = VirtualPhone(seed=1)
    phone.perform(LaunchApp(app="Clock"))
    obs = phone.snapshot(False)
    ids = {e.label: e.id for e in obs.elements if e.clickable}
    cands = [Candidate(Tap(target=Target(element=ids[label])), f"tap {label}", 0.5) for label in ("Add alarm", "Timer")]
    guide(parse_goal(ALARM), obs, cands, None, card)
    assert [c.score for c in cands] == [1.5, -4.5]
    assert cands[1].note == "card for Clock: avoid timer"
    other = [Candidate(Tap(target=Target(element=ids["Add alarm"])), "tap Add alarm", 0.5)]
    guide(parse_goal("Start the stopwatch"), obs, other, None, card)  # "when alarm": not for this goal
    assert other[0].score == 0.5


async def test_the_card_of_the_app_in_front_reaches_the_cloud_prompt(tmp_path: Path) -> None:
    cards = AppCards(tmp_path / "cards")
    file = cards.create("Clock")
    assert "prefer:" in file.read_text() and cards.get("Clock") is not None and not cards.get("Clock").prefer  # type: ignore[union-attr]
    file.write_text("# Clock\nThe alarm list is the first tab; never touch Bedtime.\navoid: Bedtime\n")
    cloud = ScriptedModel([{"thought": "open it", "action": {"kind": "launch_app", "app": "Clock"}},
                           {"thought": "done", "action": {"kind": "done", "answer": "ok"}}])
    memory = ExplorationMemory(tmp_path / "memory", cards)
    agent = GuiAgent(VirtualPhone(seed=1), cloud=cloud, memory=memory, thumbnails=False)
    await agent.run(SubtaskSpec(goal="Look at my alarms", tier_policy="cloud-only", budget=Budget(max_steps=3)))
    prompts = [m[-1]["content"] for m in cloud.calls]
    assert "never touch Bedtime" not in prompts[0]  # the home screen has no card
    assert "The user's notes on Clock:" in prompts[1] and "never touch Bedtime" in prompts[1]


def test_memory_files_round_trip_and_unreadable_ones_start_afresh(tmp_path: Path) -> None:
    memory = ExplorationMemory(tmp_path)
    phone = VirtualPhone(seed=1)
    home = phone.snapshot(False)
    phone.perform(LaunchApp(app="Notes"))
    memory.learn(home, LaunchApp(app="Notes"), phone.snapshot(False))
    memory.save()
    again = ExplorationMemory(tmp_path)
    assert again.apps() == ["home", "notes"]
    start = again.find(home)
    assert start is not None and start.leads == {"launch:notes": "notes#1"}
    (tmp_path / "notes.json").write_text("{not json")
    assert ExplorationMemory(tmp_path).screens("Notes") == []
