"""The GUI agent loop on a VirtualPhone: goals reach real phone state; the privacy
gate holds with real models; stuck steps escalate; budgets end runs."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from fleetmind.agents.loop import GuiAgent, StepRecord, SubtaskSpec
from fleetmind.agents.models import ScriptedModel
from fleetmind.agents.questions import PendingQuestion
from fleetmind.devices.virtual import VirtualPhone
from fleetmind.protocol.messages import Budget


def phone() -> VirtualPhone:
    p = VirtualPhone(seed=3)
    p.seed(contacts=[{"name": "Ada Lovelace", "phone": "555 0100"}])
    return p


async def run(p: VirtualPhone, goal: str, **kw: Any) -> tuple[Any, list[StepRecord]]:
    steps: list[StepRecord] = []

    async def on_step(r: StepRecord) -> None:
        steps.append(r)

    agent_kw = {k: kw.pop(k) for k in ("local", "cloud") if k in kw}
    result = await GuiAgent(p, **agent_kw).run(SubtaskSpec(goal=goal, outputs=["result"], **kw), on_step=on_step)
    return result, steps


@pytest.mark.parametrize(
    ("goal", "check"),
    [
        ("Turn on Bluetooth", lambda s: s.settings.bluetooth),
        ("Turn off Wi-Fi", lambda s: not s.settings.wifi),
        ("Turn on dark theme", lambda s: s.settings.dark_theme),
        (
            "Add a contact named Grace Hopper with phone 555 0199",
            lambda s: any(c.name == "Grace Hopper" and c.phone == "555 0199" for c in s.contacts),
        ),
        (
            "Set an alarm for 7:30 labelled Gym",
            lambda s: any(a.hour == 7 and a.minute == 30 and a.label == "Gym" for a in s.alarms),
        ),
        (
            "Write a note titled Groceries saying milk and eggs",
            lambda s: any(n.title == "Groceries" and n.body == "milk and eggs" for n in s.notes),
        ),
        (
            "Send an SMS to Ada Lovelace saying hello there",
            lambda s: any(m.to == "555 0100" and m.body == "hello there" for m in s.messages),
        ),
        (
            "Add a calendar event titled Dentist on 2025-06-03 at 10:00 to 11:30 at Main St 4",
            lambda s: any(
                (e.title, e.date, e.start, e.end, e.location)
                == ("Dentist", "2025-06-03", "10:00", "11:30", "Main St 4")
                for e in s.events
            ),
        ),
        ("Set a timer for 5 minutes", lambda s: any(t.duration == 300 and t.running for t in s.timers)),
    ],
)
async def test_goals_change_the_phone_state_they_name(goal: str, check: Any) -> None:
    p = phone()
    assert not check(p.state)
    result, steps = await run(p, goal, confirm="allow")  # the user pre-approved sending
    assert result.status == "succeeded", [s.summary for s in steps]
    assert result.verified, result.summary
    assert check(p.state)
    assert steps[-1].action.kind == "done"


async def test_reading_goal_returns_the_answer_as_output() -> None:
    result, _ = await run(phone(), "Find the phone number of Ada Lovelace")
    assert result.outputs == {"result": "555 0100"}


async def test_going_round_in_circles_ends_early_with_a_reason() -> None:
    result, steps = await run(phone(), "Write a note about the meeting", budget=Budget(max_steps=30))
    assert result.status == "failed" and result.summary.startswith(("stuck", "not sure", "could not work out"))
    assert len(steps) < 30


async def test_step_budget_ends_the_run() -> None:
    goal = "Add a contact named Ada Byron with phone 555 0102 and email ada@example.org"
    result, steps = await run(phone(), goal, budget=Budget(max_steps=3))
    assert result.status == "failed" and "step budget" in result.summary
    assert len(steps) == 3


class Spy:
    """A cloud stand-in that records what it was shown and acts by the script given."""

    def __init__(self, p: VirtualPhone, reply: Any) -> None:
        self.phone, self.reply, self.seen_secure, self.calls = p, reply, 0, 0

    def __call__(self, messages: list[dict[str, str]], schema: type[BaseModel] | None) -> Any:
        self.calls += 1
        if self.phone.snapshot(screenshot=False).secure:
            self.seen_secure += 1
        return self.reply(messages) if callable(self.reply) else self.reply


BACK = {"thought": "go back", "action": {"kind": "press_key", "key": "back"}}


async def test_private_subtask_without_local_model_fails_rather_than_use_the_cloud() -> None:
    p = phone()
    spy = Spy(p, BACK)
    result, steps = await run(p, "Change a setting", cloud=ScriptedModel(spy), privacy="private")
    assert spy.calls == 0
    assert result.status == "failed" and "privacy" in result.summary


async def test_cloud_only_policy_acts_by_element_id_and_rejects_hallucinated_ids() -> None:
    p = phone()

    def reply(messages: list[dict[str, str]]) -> dict[str, Any]:
        screen = messages[-1]["content"]
        if "App: Settings" in screen:
            return {"thought": "no such element", "action": {"kind": "tap", "target": {"element": "e999"}}}
        line = next(ln for ln in screen.splitlines() if "'Settings'" in ln)
        return {"thought": "open it", "action": {"kind": "tap", "target": {"element": line[1 : line.index("]")]}}}

    spy = Spy(p, reply)
    result, steps = await run(
        p, "Open the settings", cloud=ScriptedModel(spy), tier_policy="cloud-only", budget=Budget(max_steps=2)
    )
    assert steps[0].tier == "cloud" and steps[0].summary == "tap 'Settings'"
    assert steps[1].tier == "rule" and "e999" in steps[1].why  # fell back, said why
    assert result.status == "failed"


async def test_ask_user_pauses_for_the_answer() -> None:
    p = phone()
    answers = iter(
        [
            {"thought": "which?", "action": {"kind": "ask_user", "question": "Which contact?"}},
            {"thought": "ok", "action": {"kind": "done", "answer": "asked"}},
            {"thought": "really", "action": {"kind": "done", "answer": "asked"}},  # the first was vetoed
        ]
    )
    spy = Spy(p, lambda _m: next(answers))
    asked: list[str] = []

    async def ask(question: PendingQuestion) -> str:
        asked.append(question.text)
        return "Ada"

    result = await GuiAgent(p, cloud=ScriptedModel(spy)).run(
        SubtaskSpec(goal="Look someone up", tier_policy="cloud-only"), ask=ask
    )
    assert asked == ["Which contact?"] and result.status == "succeeded"
    assert not result.verified and result.summary.startswith("done, unverified")  # nothing on screen shows it


@pytest.mark.model
async def test_secure_screens_are_decided_on_device_with_the_real_local_model(local_model: Any) -> None:
    p = phone()
    spy = Spy(p, BACK)
    result, steps = await run(
        p,
        "Check my balance in the Bank with password 2468",
        local=local_model,
        cloud=ScriptedModel(spy),
        budget=Budget(max_steps=4, max_cost_usd=1.0),
    )
    assert spy.seen_secure == 0  # the cloud never saw a secure screen
    assert steps and all(s.tier != "cloud" for s in steps)  # every screen here is secure: none went up


async def test_an_item_further_down_a_list_is_scrolled_to() -> None:
    p = phone()
    p.seed(contacts=[{"name": f"Person {i:02d}", "phone": f"555 {1000 + i}"} for i in range(40)]
           + [{"name": "Zed Zulu", "phone": "555 9999"}])
    result, steps = await run(p, "Find the phone number of Zed Zulu")
    assert result.outputs == {"result": "555 9999"}
    assert [s.action.kind for s in steps].count("scroll") >= 1
