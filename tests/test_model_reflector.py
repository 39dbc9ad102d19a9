"""The model reflector: asked only when the cheap checks cannot vouch for an unsure step."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel

from fleetmind.agents.grounding import parse_goal
from fleetmind.agents.loop import GuiAgent, StepRecord, SubtaskSpec
from fleetmind.agents.models import ChatModel, Completion, Ranking
from fleetmind.agents.reflection.judge import OnTrack, inconclusive, judge_screen
from fleetmind.devices.base import LaunchApp
from fleetmind.devices.virtual import VirtualPhone
from fleetmind.protocol.messages import Budget


class Local(ChatModel):
    """A local model that likes one app when ranking steps, and answers the reflector's yes/no as told."""

    name = "scripted-local"

    def __init__(self, likes: str, verdict: str) -> None:
        self.likes, self.verdict, self.asked = likes, verdict, 0

    async def complete(
        self, messages: list[dict[str, str]], *, schema: type[BaseModel] | None = None, max_tokens: int = 512
    ) -> Completion:
        raise AssertionError("the local tier only ranks")

    async def rank(self, prompt: str, candidates: Sequence[str]) -> Ranking:
        if list(candidates) == [" yes", " no"]:
            self.asked += 1
            return Ranking([0.0, 2.0] if self.verdict == "no" else [2.0, 0.0])
        return Ranking([0.3 if self.likes in c else 0.0 for c in candidates])


class Cloud(ChatModel):
    """A cloud model that records what it was shown."""

    name = "scripted-cloud"

    def __init__(self) -> None:
        self.prompts: list[str] = []

    async def complete(
        self, messages: list[dict[str, str]], *, schema: type[BaseModel] | None = None, max_tokens: int = 512
    ) -> Completion:
        self.prompts.append(messages[-1]["content"])
        verdict = OnTrack(on_track=False, why="a bank is no place for alarms")
        return Completion(verdict.model_dump_json(), parsed=verdict)


async def test_only_an_unsure_step_to_a_screen_without_the_goal_is_inconclusive() -> None:
    phone = VirtualPhone()
    await phone.act(LaunchApp(app="Bank"))
    bank = await phone.observe()
    goal = parse_goal("Set an alarm for 7:30")
    assert inconclusive(goal, bank, unsure_step=True)
    assert not inconclusive(goal, bank, unsure_step=False)  # grounding or a sure model chose it
    await phone.act(LaunchApp(app="Clock"))
    assert not inconclusive(goal, await phone.observe(), unsure_step=True)  # the screen shows the goal's words


async def test_the_cloud_judges_when_the_screen_may_go_there_and_never_for_a_private_subtask() -> None:
    phone = VirtualPhone()
    await phone.act(LaunchApp(app="Notes"))
    notes = await phone.observe()
    goal = parse_goal("Set an alarm for 7:30")
    cloud, local = Cloud(), Local("", "yes")
    judged = await judge_screen(goal, notes, local=local, cloud=cloud, private=False)
    assert judged.on_track is False and len(cloud.prompts) == 1 and local.asked == 0
    judged = await judge_screen(goal, notes, local=local, cloud=cloud, private=True)
    assert len(cloud.prompts) == 1 and local.asked == 1 and judged.on_track is True  # the local model decided


async def test_a_wrong_turn_the_cheap_checks_cannot_see_is_undone_on_the_reflectors_clear_no() -> None:
    phone = VirtualPhone(seed=5)
    steps: list[StepRecord] = []

    async def on_step(r: StepRecord) -> None:
        steps.append(r)

    local = Local("open", "no")
    agent = GuiAgent(phone, local=local)
    spec = SubtaskSpec(goal="Make my mornings easier", outputs=["result"], budget=Budget(max_steps=6))
    await agent.run(spec, on_step=on_step)
    whys = [s.why for s in steps]
    assert local.asked >= 1, whys
    first, second = steps[0], steps[1]
    assert first.tier == "local" and first.summary.startswith("open "), [s.summary for s in steps]
    assert second.summary == "press back" and "reflector" in second.why, (second.summary, second.why)
