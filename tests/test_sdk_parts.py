"""The SDK's parts without a server: typed events, the tool registry, skills on a virtual phone."""

from __future__ import annotations

import pytest

from fleetmind.devices.virtual import VirtualPhone
from fleetmind.sdk import (
    Event,
    QuestionAnswered,
    QuestionAsked,
    Skill,
    SkillError,
    StepProgress,
    TaskFinished,
    ToolError,
    Tools,
)
from fleetmind.sdk.client import base_url
from fleetmind.sdk.errors import FleetmindError
from fleetmind.sdk.models import parse_event


def test_events_are_typed_by_kind_and_keep_their_data() -> None:
    step = parse_event(
        {"seq": 7, "task_id": "t1", "kind": "step_progress", "ts": 1.0,
         "data": {"subtask": "s1", "step": 2, "summary": "tap 'Wi-Fi'", "tier": "rule", "why": "named"}}
    )
    assert isinstance(step, StepProgress)
    assert (step.seq, step.subtask, step.step, step.tier, step.summary) == (7, "s1", 2, "rule", "tap 'Wi-Fi'")
    assert step.data["why"] == "named"

    question = parse_event(
        {"seq": 8, "task_id": "t1", "kind": "question",
         "data": {"subtask": "s1", "question": "Send it?", "id": "q1", "kind": "confirm", "options": ["yes", "no"]}}
    )
    assert isinstance(question, QuestionAsked)
    # data's id and kind do not clobber the envelope's kind
    assert (question.kind, question.question_kind, question.question_id) == ("question", "confirm", "q1")
    assert question.options == ["yes", "no"]

    answered = parse_event({"seq": 9, "task_id": "t1", "kind": "answered", "data": {"id": "q1", "text": "yes"}})
    assert isinstance(answered, QuestionAnswered) and answered.question_id == "q1"

    done = parse_event({"seq": 10, "task_id": "t1", "kind": "task_finished", "data": {"status": "failed"}})
    assert isinstance(done, TaskFinished) and done.status == "failed"

    unknown = parse_event({"seq": 11, "task_id": "t1", "kind": "something_new", "data": {"x": 1}})
    assert type(unknown) is Event and unknown.data == {"x": 1}


def test_urls_users_type_become_the_api_base() -> None:
    assert base_url("127.0.0.1:8765") == "http://127.0.0.1:8765"
    assert base_url("ws://10.0.0.2:8765/agent") == "http://10.0.0.2:8765"
    assert base_url("https://fleet.example/api/") == "https://fleet.example"
    with pytest.raises(FleetmindError, match="http://HOST:PORT"):
        base_url("ftp://x")


async def test_tools_validate_arguments_against_the_signature() -> None:
    tools = Tools()

    @tools.tool
    def add(a: int, b: int = 1) -> int:
        """Add two numbers."""
        return a + b

    @tools.tool(name="shout")
    async def loud(text: str) -> str:
        return text.upper()

    assert await tools.call("add", {"a": 2, "b": 3}) == 5
    assert await tools.call("add", {"a": "4"}) == 5  # pydantic coerces what it safely can
    assert await tools.call("shout", {"text": "hi"}) == "HI"
    with pytest.raises(ToolError, match=r"tool add: a: .*valid integer"):
        await tools.call("add", {"a": "four"})
    with pytest.raises(ToolError, match="tool add: c: Extra inputs"):
        await tools.call("add", {"a": 1, "c": 2})
    with pytest.raises(ToolError, match="registered tools: add, shout"):
        await tools.call("multiply", {})
    schema = {s["name"]: s for s in tools.schemas()}
    assert schema["add"]["description"] == "Add two numbers."
    assert schema["add"]["parameters"]["required"] == ["a"]
    with pytest.raises(ToolError, match="needs a type hint"):
        tools.add(lambda x: x, name="untyped")


SAVE_NOTE = Skill(
    name="save_note",
    params=["title", "body"],
    steps=[
        {"kind": "launch_app", "app": "Notes"},
        {"kind": "tap", "target": {"label": "New note"}},
        {"kind": "type_text", "text": "{title}", "target": {"label": "Title"}},
        {"kind": "type_text", "text": "{body}", "target": {"label": "Body"}},
        {"kind": "tap", "target": {"label": "Save"}, "expect": "{title}"},
    ],
)


async def test_a_skill_runs_step_by_step_and_its_effect_is_on_the_phone() -> None:
    phone = VirtualPhone(seed=0)
    seen: list[str] = []

    async def on_action(_action: object, words: str) -> None:
        seen.append(words)

    result = await SAVE_NOTE.run(phone, on_action=on_action, title="Groceries", body="milk and eggs")
    assert result.ok, result.error
    assert seen == ["open Notes", "tap 'New note'", "type 'Groceries' into 'Title'",
                    "type 'milk and eggs' into 'Body'", "tap 'Save'"]
    assert [(n.title, n.body) for n in phone.state.notes] == [("Groceries", "milk and eggs")]


async def test_a_skill_stops_at_the_first_step_that_fails_and_says_which() -> None:
    phone = VirtualPhone(seed=0)
    broken = Skill(name="broken", steps=[{"kind": "launch_app", "app": "Notes"}, {"kind": "tap",
                                                                                  "target": {"label": "Teleport"}}])
    result = await broken.run(phone)
    assert not result.ok
    assert result.error is not None and result.error.startswith("step 2: no element labelled 'Teleport'")
    assert [s.ok for s in result.steps] == [True, False]

    never = Skill(name="never", steps=[{"kind": "launch_app", "app": "Notes", "expect": "Balance"}],
                  expect_timeout_s=0.3)
    failed = await never.run(phone)
    assert failed.error is not None and "expected the screen to show 'Balance'" in failed.error


def test_skills_are_checked_when_defined_and_when_called() -> None:
    with pytest.raises(ValueError, match=r"placeholders \['who'\] are not in params"):
        Skill(name="s", steps=[{"kind": "type_text", "text": "{who}"}])
    with pytest.raises(ValueError, match=r"step 1 \(fly\)"):
        Skill(name="s", steps=[{"kind": "fly"}])
    with pytest.raises(SkillError, match="needs body"):
        SAVE_NOTE.bind(title="x")
    with pytest.raises(SkillError, match=r"not \['colour'\]"):
        SAVE_NOTE.bind(title="x", body="y", colour="red")
    assert SAVE_NOTE.bind(title="A", body="B")[2]["text"] == "A"


def test_agent_specs_load_or_say_what_is_wrong() -> None:
    from pathlib import Path

    from fleetmind.sdk import load_agents

    example = Path(__file__).resolve().parent.parent / "examples" / "custom_agent.py"
    registry = load_agents(f"{example}:WeatherAgent")
    assert [cls.__name__ for cls in registry.agents] == ["WeatherAgent"]
    assert "forecast" in registry.tools  # the module's Tools come along
    assert [cls.__name__ for cls in load_agents(f"{example}:registry").agents] == ["WeatherAgent"]
    assert [cls.__name__ for cls in load_agents(str(example)).agents] == ["WeatherAgent"]  # its own registry
    with pytest.raises(FleetmindError, match="defines no AgentRegistry"):
        load_agents("json")
    with pytest.raises(FleetmindError, match=r"write module\[:object\]"):
        load_agents("json:")
    with pytest.raises(FleetmindError, match="has no 'Nope'"):
        load_agents(f"{example}:Nope")
    with pytest.raises(FleetmindError, match="not an Agent subclass"):
        load_agents(f"{example}:forecast")
    with pytest.raises(FleetmindError, match="cannot import no_such_module"):
        load_agents("no_such_module:X")
