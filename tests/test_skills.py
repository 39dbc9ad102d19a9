"""Replayable skills on VirtualPhone: learned from verified runs, replayed without a model,
handing over to the agent when the app changed; the store and `fleetmind skills`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from typer.testing import CliRunner

from fleetmind.agents.grounding import parse_goal
from fleetmind.agents.loop import GuiAgent, StepRecord, SubtaskSpec
from fleetmind.agents.models import ChatModel, Completion, Ranking
from fleetmind.agents.questions import PendingQuestion
from fleetmind.agents.skills import SkillStore, lift, step_of
from fleetmind.agents.skills.learning import SkillLearning
from fleetmind.agents.skills.template import bind_hand_template
from fleetmind.cli import app
from fleetmind.devices.base import Action, ActionOutcome, Device, DeviceInfo, Observation, Tap, Target, TypeText
from fleetmind.devices.virtual import VirtualPhone
from fleetmind.protocol.messages import Budget
from fleetmind.sdk import Skill

CONTACTS = [{"name": "Ada Lovelace", "phone": "555 0100"}, {"name": "Alan Turing", "phone": "555 0142"}]
SMS = "Send an SMS to Ada Lovelace saying hi"


class ChatButtonRanker(ChatModel):
    """A local model that is sure the way to a new message is a chat button, and counts its calls."""

    name, tier = "chat-ranker", "local"

    def __init__(self) -> None:
        self.calls = 0

    async def complete(
        self, messages: list[dict[str, str]], *, schema: type[BaseModel] | None = None, max_tokens: int = 512
    ) -> Completion:
        raise AssertionError("the local tier only ranks")

    async def rank(self, prompt: str, candidates: Sequence[str]) -> Ranking:
        self.calls += 1
        return Ranking([0.0 if "chat'" in prompt.lower() else -2.0 for _ in candidates])


class Renamed(Device):
    """A VirtualPhone whose app was updated: one button shows a new name (the test double of an app update)."""

    def __init__(self, phone: VirtualPhone, old: str, new: str) -> None:
        self.phone, self.old, self.new = phone, old, new

    @property
    def info(self) -> DeviceInfo:
        return self.phone.info

    async def observe(self) -> Observation:
        obs = await self.phone.observe()
        elements = [
            e.model_copy(update={"text": self.new, "description": self.new}) if e.text == self.old else e
            for e in obs.elements
        ]
        return obs.model_copy(update={"elements": elements})

    async def act(self, action: Action) -> ActionOutcome:
        return await self.phone.act(action)

    async def close(self) -> None:
        return None


def _phone(**kw: Any) -> VirtualPhone:
    return VirtualPhone(seed=1, **kw).seed(contacts=CONTACTS)


async def _run(device: Device, goal: str, store: SkillStore, *, confirm: str = "allow", ask: Any = None,
               budget: int = 15) -> tuple[Any, list[StepRecord], int]:
    model = ChatButtonRanker()
    steps: list[StepRecord] = []

    async def on_step(record: StepRecord) -> None:
        steps.append(record)

    agent = GuiAgent(device, local=model, skills=store, thumbnails=False)
    spec = SubtaskSpec(goal=goal, budget=Budget(max_steps=budget), confirm=confirm)  # type: ignore[arg-type]
    result = await agent.run(spec, on_step=on_step, ask=ask)
    return result, steps, model.calls


def _sent(phone: VirtualPhone) -> list[tuple[str, str]]:
    return [(m.to, m.body) for m in phone.state.messages]


async def test_a_verified_run_becomes_a_skill_replayed_with_other_values_and_no_model(tmp_path: Path) -> None:
    store = SkillStore(tmp_path / "skills")
    first, first_steps, first_calls = await _run(_phone(), SMS, store)
    assert first.status == "succeeded" and first.verified and first_calls > 0
    [skill] = store.all()
    assert skill.goal == "Send an SMS to {to} saying {message}" and skill.origin == "learned"
    assert skill.apps == ["Messages"] and sorted(skill.params) == ["message", "to"]
    stored = json.dumps(skill.steps)
    assert "Ada" not in stored and "hi" not in json.loads(stored)[4].get("text", "") and '"element"' not in stored
    assert any(s.get("target", {}).get("label") == "Start chat" for s in skill.steps)

    phone = _phone()
    second, steps, calls = await _run(phone, "Send an SMS to Alan Turing saying bye", store)
    assert second.status == "succeeded" and second.verified
    assert calls == 0
    assert all(s.tier == "rule" for s in steps)
    assert [s.why for s in steps[:-1]] == [f"replaying skill {skill.name} step {i}/6" for i in range(1, 7)]
    assert _sent(phone) == [("555 0142", "bye")]
    assert store.get(skill.name).replays == 1  # type: ignore[union-attr]


async def test_a_renamed_button_hands_over_to_the_agent_which_finishes_and_relearns(tmp_path: Path) -> None:
    store = SkillStore(tmp_path / "skills")
    await _run(_phone(), SMS, store)
    phone = _phone()
    result, steps, calls = await _run(Renamed(phone, "Start chat", "New chat"), "Send an SMS to Alan Turing saying yo",
                                      store)
    assert result.status == "succeeded" and result.verified
    assert _sent(phone) == [("555 0142", "yo")]
    replayed = [s for s in steps if s.why.startswith("replaying skill")]
    assert [s.summary for s in replayed] == ["open Messages", "tap 'Allow'"]  # then the button was not there
    assert steps[2].summary == "tap 'New chat'" and not steps[2].why.startswith("replaying")  # the agent's own step
    [skill] = store.all()  # the way that worked this time replaces the old one
    assert skill.fallbacks == 1 and any(s.get("target", {}).get("label") == "New chat" for s in skill.steps)
    again, _, again_calls = await _run(Renamed(_phone(), "Start chat", "New chat"), SMS, store)
    assert again.verified and again_calls == 0


async def test_a_prompt_that_does_not_come_again_is_skipped_and_an_extra_dialog_hands_over(tmp_path: Path) -> None:
    store = SkillStore(tmp_path / "skills")
    await _run(_phone(), SMS, store)
    granted = _phone()
    granted.state.permissions["com.google.android.apps.messaging"] = True  # no "Allow" prompt this time
    result, steps, calls = await _run(granted, "Send an SMS to Alan Turing saying ok", store)
    assert result.verified and calls == 0 and _sent(granted) == [("555 0142", "ok")]
    assert "tap 'Allow'" not in [s.summary for s in steps]

    noisy = _phone(popups=1.0)  # a pop-up after every action: the recording never saw one
    result, steps, _ = await _run(noisy, "Send an SMS to Alan Turing saying yes", store, budget=20)
    assert any(s.why.startswith("replaying skill") for s in steps)
    assert any(not s.why.startswith("replaying skill") and "Dismiss" in s.summary for s in steps)
    # honest either way: success only with the message really sent
    assert (result.status == "succeeded") == (("555 0142", "yes") in _sent(noisy))


async def test_failed_and_unverified_runs_are_never_stored(tmp_path: Path) -> None:
    store = SkillStore(tmp_path / "skills")
    failed, _, _ = await _run(_phone(), SMS, store, budget=3)
    assert failed.status == "failed" and store.all() == []
    unverifiable, _, _ = await _run(_phone(), "Open Messages and look around", store)
    assert not unverifiable.verified and store.all() == []
    assert not (tmp_path / "skills").exists() or list((tmp_path / "skills").iterdir()) == []


async def test_a_replayed_send_still_waits_for_the_users_yes(tmp_path: Path) -> None:
    store = SkillStore(tmp_path / "skills")
    await _run(_phone(), SMS, store)
    asked: list[PendingQuestion] = []

    async def ask(question: PendingQuestion) -> str:
        asked.append(question)
        return "yes"

    phone = _phone()
    result, steps, calls = await _run(phone, "Send an SMS to Alan Turing saying ok", store, confirm="ask", ask=ask)
    assert result.verified and calls == 0 and _sent(phone) == [("555 0142", "ok")]
    assert [q.purpose for q in asked] == ["confirm"] and "Send" in asked[0].text

    nobody = _phone()
    refused, steps, _ = await _run(nobody, "Send an SMS to Alan Turing saying ok", store, confirm="ask")
    assert refused.status == "failed" and "cannot be undone" in refused.summary and _sent(nobody) == []
    assert steps[-1].why.startswith("replaying skill")  # it got as far as the send, and no further


async def test_a_hand_written_sdk_skill_with_a_goal_template_is_replayed(tmp_path: Path) -> None:
    store = SkillStore(tmp_path / "skills")
    store.add(Skill(
        name="save_note",
        goal="save a note titled {title} saying {body}",
        params=["title", "body"],
        apps=["Notes"],
        steps=[
            {"kind": "launch_app", "app": "Notes"},
            {"kind": "tap", "target": {"label": "New note"}},
            {"kind": "type_text", "text": "{title}", "target": {"label": "Title"}},
            {"kind": "type_text", "text": "{body}", "target": {"label": "Body"}},
            {"kind": "tap", "target": {"label": "Save"}},
        ],
    ))
    phone = _phone()
    result, steps, calls = await _run(phone, "Save a note titled Packing saying passport and charger", store)
    assert result.verified and calls == 0
    assert [(n.title, n.body) for n in phone.state.notes] == [("Packing", "passport and charger")]
    assert steps[0].why == "replaying skill save_note step 1/5"
    assert {s.name for s in store.all()} == {"save_note"}  # a replay that held teaches nothing new
    assert store.get("save_note").replays == 1  # type: ignore[union-attr]


def test_goal_templates_lift_values_and_times() -> None:
    sms = parse_goal("send an SMS to Ada saying hi")
    assert lift(sms.text, sms.values).text == "send an SMS to {to} saying {message}"
    alarm = parse_goal("Set an alarm for 7:30 labelled Gym")
    assert lift(alarm.text, alarm.values).text == "Set an alarm for {time} labelled {label}"
    other = parse_goal("set an alarm for 6:45 am labelled Run")
    assert lift(other.text, other.values).key == lift(alarm.text, alarm.values).key
    assert bind_hand_template("save a note titled {title} saying {body}", "Save a note titled A saying b c") == {
        "title": "A", "body": "b c"}
    assert bind_hand_template("save a note titled {title} saying {body}", "Delete the note A") is None


def test_recorded_steps_name_elements_never_by_id_or_point_alone_and_keep_no_secret(tmp_path: Path) -> None:
    phone = VirtualPhone(seed=1)
    obs = phone.snapshot(False)
    icon = next(e for e in obs.elements if e.label == "Messages")
    by_point = step_of(Tap(target=Target(x=icon.bounds.center[0], y=icon.bounds.center[1])), obs)
    assert isinstance(by_point, dict) and by_point["target"]["label"] == "Messages"
    assert set(by_point["target"]) <= {"label", "description", "resource_id"}
    nowhere = step_of(Tap(target=Target(x=1, y=1)), obs)
    assert isinstance(nowhere, str) and "hits no element" in nowhere
    field = obs.elements[0].model_copy(update={"editable": True, "password": True, "id": "pw", "text": ""})
    screen = obs.model_copy(update={"elements": [field]})
    typed = TypeText(text="hunter2", target=Target(element="pw"))
    secret = step_of(typed, screen)
    assert isinstance(secret, dict) and secret.pop("secret") is True
    # what the loop keeps (and may checkpoint): only a secret the goal gives, as its placeholder
    learning = SkillLearning(SkillStore(tmp_path))
    kept = learning.record({"recorded": []}, typed, screen, parse_goal("Log in"))
    assert kept[0]["step"] == "a secret the goal does not give was typed" and "hunter2" not in json.dumps(kept)
    given = learning.record({"recorded": []}, typed, screen, parse_goal("Log in with password 'hunter2'"))
    assert given[0]["step"]["text"] == "{password}"


def test_fleetmind_skills_list_show_rm_on_a_data_dir(tmp_path: Path) -> None:
    store = SkillStore(tmp_path / "skills")
    store.add(Skill(name="open_notes", goal="open my notes", steps=[{"kind": "launch_app", "app": "Notes"}]))
    runner = CliRunner()
    env = {"FLEETMIND_DATA_DIR": str(tmp_path)}
    listed = runner.invoke(app, ["skills", "list", "--json"], env=env)
    assert listed.exit_code == 0, listed.output
    assert [s["name"] for s in json.loads(listed.stdout)] == ["open_notes"]
    shown = runner.invoke(app, ["skills", "show", "open_notes"], env=env)
    assert shown.exit_code == 0 and json.loads(shown.stdout)["goal"] == "open my notes"
    assert runner.invoke(app, ["skills", "rm", "open_notes"], env=env).exit_code == 0
    assert store.all() == []
    missing = runner.invoke(app, ["skills", "rm", "open_notes"], env=env)
    assert missing.exit_code == 2 and "no skill called 'open_notes'" in missing.output
    card = runner.invoke(app, ["skills", "card", "Clock"], env=env)
    assert card.exit_code == 0 and (tmp_path / "cards" / "clock.md").exists()


def test_a_learned_skill_replayed_into_a_refusal_is_forgotten_but_a_declined_one_is_kept(tmp_path: Path) -> None:
    from fleetmind.agents.records import LoopResult
    from fleetmind.agents.skills import Skill as StoredSkill

    store = SkillStore(tmp_path)
    learning = SkillLearning(store)
    steps: list[dict[str, Any]] = [
        {"kind": "launch_app", "app": "Clock"},
        {"kind": "tap", "target": {"label": "Add alarm"}},
        {"kind": "tap", "target": {"label": "Save"}},
    ]
    for name in ("wrong-way", "sends"):
        store.add(StoredSkill(name=name, steps=steps, goal=f"{name} {{x}}", origin="learned"))
    spec = SubtaskSpec(goal="Change my Run alarm to 7:15", outputs=["result"])
    goal = parse_goal(spec.goal)
    why = "not done: asked to change an existing one, but the form saved was a new one (Add alarm)"
    refused = LoopResult("failed", why, error=why)
    learning.finish(spec, goal, {"replay": {"skill": "wrong-way"}}, refused, "phone")
    assert store.get("wrong-way") is None  # what it learned leads to a refusal: never replay it again
    declined = LoopResult("failed", "the user declined", error="the user declined: not sent")
    learning.finish(spec, goal, {"replay": {"skill": "sends"}}, declined, "phone")
    kept = store.get("sends")
    assert kept is not None and kept.fallbacks == 1  # a "no" from the user says nothing about the way
