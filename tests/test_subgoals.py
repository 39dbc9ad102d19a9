"""The loop's subgoal planner and notetaker: the plan a goal gives, how far a run got in it
(in each step, in a failure report, in what a chat model is shown), and facts read on the
way kept as the subtask's outputs."""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel

from fleetmind.agents.grounding import parse_goal
from fleetmind.agents.host.wire import progress_of
from fleetmind.agents.loop import GuiAgent, StepRecord, SubtaskSpec
from fleetmind.agents.loop.notes import take_notes
from fleetmind.agents.loop.results import failed
from fleetmind.agents.loop.subgoals import current, plan, progress, summary, with_steps
from fleetmind.agents.models import ScriptedModel
from fleetmind.devices.base import Bounds, DeviceInfo, Observation, UIElement
from fleetmind.devices.virtual import VirtualPhone
from fleetmind.protocol.messages import Budget


def info(kind: str, apps: list[str]) -> DeviceInfo:
    return DeviceInfo(id="d1", kind=kind, platform="test", screen_width=1080, screen_height=2400, apps=apps)


PHONE = info("phone", ["Settings", "Contacts", "Messages", "Clock", "Notes"])


async def run(p: VirtualPhone, spec: SubtaskSpec, **kw: Any) -> tuple[Any, list[StepRecord]]:
    steps: list[StepRecord] = []

    async def on_step(r: StepRecord) -> None:
        steps.append(r)

    return await GuiAgent(p, **kw).run(spec, on_step=on_step), steps


def test_the_plan_names_the_app_the_fields_the_change_and_the_check_never_a_value() -> None:
    contact = plan(parse_goal("Add a contact named Grace Hopper with phone 555 0199"), PHONE)
    assert [s.kind for s in contact] == ["open", "fill", "fill", "finish"]
    assert contact[0].text == "open Contacts"
    assert [s.text for s in contact if s.kind == "fill"] == ["fill in the name", "fill in the phone"]
    assert not any("555" in s.text or "Grace" in s.text for s in contact)  # values stay in the goal
    toggle = plan(parse_goal("switch bluetooth off please"), PHONE)
    assert [s.text for s in toggle] == ["open Settings", "switch it off", "see the goal done on the screen"]
    question = plan(parse_goal("What is Ada Lovelace's phone number?"), PHONE)
    assert "read" in [s.kind for s in question]
    web = plan(parse_goal("Turn on dark theme"), info("browser", ["Settings"]))
    assert [s.kind for s in web] == ["change", "finish"]  # a browser's pages are one app


def test_progress_follows_the_screen_and_the_steps_taken() -> None:
    goal = parse_goal("Add a contact named Grace Hopper with phone 555 0199")
    subgoals = plan(goal, PHONE)
    home = screen("", [])
    assert current(progress(subgoals, home, [], {}, goal)) == subgoals[0]
    contacts = screen("Contacts", [])
    typed = progress(subgoals, contacts, ["launch_app", "typed:Name:Grace Hopper"], {}, goal)
    assert [s.done for s in typed] == [True, True, False, False]
    assert "[x] open Contacts; [x] fill in the name; [ ] fill in the phone <- now" in summary(typed)
    retitled = progress(subgoals, contacts, ["launch_app", "typed:Title:Grace Hopper"], {}, goal)
    assert retitled[1].done  # the name's value may go into a field called Title
    # a stray tap that leaves the app puts opening it back in front of the plan ...
    left = progress(typed, home, ["launch_app", "typed:Name:Grace Hopper"], {}, goal)
    assert current(left) is not None and current(left).kind == "open"  # type: ignore[union-attr]
    # ... but an app that closed its form after the last field was filled is still counted opened
    both = ["launch_app", "typed:Name:Grace Hopper", "typed:Phone:555 0199"]
    assert current(progress(typed, home, both, {}, goal)).kind == "finish"  # type: ignore[union-attr]


def test_a_models_steps_go_between_opening_the_app_and_the_goals_own_parts_once() -> None:
    goal = parse_goal("Turn on dark theme")
    subgoals = with_steps(plan(goal, PHONE), ["Display settings", "  ", "Dark theme switch"])
    assert [s.text for s in subgoals] == [
        "open Settings",
        "Display settings",
        "Dark theme switch",
        "switch it on",
        "see the goal done on the screen",
    ]
    assert with_steps(subgoals, ["something else"]) == subgoals  # the first plan stands
    assert len(with_steps(plan(goal, PHONE), [f"screen {i}" for i in range(20)])) == 3 + 6  # bounded


async def test_each_step_says_which_subgoal_it_served_in_plan_order() -> None:
    p = VirtualPhone(seed=3)
    spec = SubtaskSpec(goal="Add a contact named Grace Hopper with phone 555 0199")
    result, steps = await run(p, spec)
    assert result.status == "succeeded" and result.verified
    served = [s.subgoal for s in steps]
    assert served[0] == "open Contacts"
    assert {"fill in the name", "fill in the phone"} <= set(served)
    order = ["open Contacts", "fill in the name", "fill in the phone", "see the goal done on the screen"]
    # the plan is followed forward: once a later part is served, an earlier one is not served again
    indices = [order.index(s) for s in served if s in order]
    assert indices == sorted(indices)
    assert progress_of("t1/s1#1", steps[0]).subgoal == "open Contacts"  # and it reaches the orchestrator


async def test_a_failure_report_says_at_which_subgoal_the_run_stopped() -> None:
    p = VirtualPhone(seed=3)
    spec = SubtaskSpec(goal="Add a contact named Grace Hopper with phone 555 0199", budget=Budget(max_steps=2))
    result, _ = await run(p, spec)
    assert result.status == "failed" and result.report is not None
    assert re.fullmatch(r"fill in the \w+ \(\d of 4 subgoals reached\)", result.report.subgoal)


async def test_a_chat_model_adds_the_screens_between_and_sees_the_plan_with_what_is_reached() -> None:
    p = VirtualPhone(seed=3)
    prompts: list[str] = []

    def script(messages: list[dict[str, str]], schema: type[BaseModel] | None) -> dict[str, Any]:
        user = messages[-1]["content"]
        prompts.append(user)
        if "App: Settings" not in user:
            return {"thought": "open it", "action": {"kind": "launch_app", "app": "Settings"},
                    "plan": ["Settings app", "Dark theme switch"]}  # fmt: skip
        if "Dark theme" in user and "'Dark theme' (" in user and len(prompts) == 2:
            switch = re.search(r"\[(e\d+)\] \w+ 'Dark theme' \([^)]*\) clickable", user)
            assert switch is not None
            return {"thought": "flip it", "action": {"kind": "tap", "target": {"element": switch.group(1)}}}
        return {"thought": "it is on", "action": {"kind": "done"}}

    cloud = ScriptedModel(script)
    spec = SubtaskSpec(goal="Turn on dark theme", tier_policy="cloud-only")
    result, steps = await run(p, spec, cloud=cloud)
    assert result.status == "succeeded" and p.state.settings.dark_theme
    assert "Also answer plan" in prompts[0] and "Plan ([x] reached): [ ] open Settings <- now" in prompts[0]
    assert "Also answer plan" not in prompts[1]  # asked once
    # on the Settings screen both steps are in sight: what is left is the change itself
    assert "[x] open Settings; [x] Settings app; [x] Dark theme switch; [ ] switch it on <- now" in prompts[1]
    assert steps[1].subgoal == "switch it on"


def screen(app: str, elements: list[UIElement]) -> Observation:
    return Observation(device_id="d1", screen_width=1080, screen_height=2400, foreground_app=app, elements=elements)


def _element(i: int, text: str, top: int, **kw: Any) -> UIElement:
    return UIElement(id=f"e{i}", text=text, bounds=Bounds(left=0, top=top, right=400, bottom=top + 40), **kw)


def test_the_notetaker_keeps_a_fact_from_a_screen_the_run_has_left() -> None:
    goal = parse_goal("What is Ada Lovelace's phone number?")
    spec = SubtaskSpec(goal=goal.text, outputs=["number"])
    detail = screen("Contacts", [_element(0, "Ada Lovelace", 100), _element(1, "555 0100", 160)])
    notes = take_notes(goal, spec, detail, [], {})
    assert notes == {"number": "555 0100"}
    blank = screen("Contacts", [_element(0, "Contacts", 0)])
    assert take_notes(goal, spec, blank, [], notes) is notes  # nothing new: the note stays
    # a run that fails later still hands over what it read
    state: Any = {"obs": blank, "trail": ["open Ada Lovelace"], "notes": notes, "step": 3}
    update = failed(spec, state, "the step budget of 3 ran out")
    assert update["result"].outputs == {"number": "555 0100"}
    # a goal that asks for nothing and names no outputs takes no notes
    assert take_notes(parse_goal("Turn on Wi-Fi"), SubtaskSpec(goal="Turn on Wi-Fi"), detail, [], {}) == {}


async def test_an_answer_read_on_the_way_is_the_output_when_the_last_screen_no_longer_shows_it() -> None:
    p = VirtualPhone(seed=3)
    p.seed(contacts=[{"name": "Ada Lovelace", "phone": "555 0100", "email": "ada@example.org"}])
    spec = SubtaskSpec(goal="Look up Ada Lovelace's phone number", outputs=["phone", "email"])
    result, _ = await run(p, spec)
    assert result.status == "succeeded"
    assert result.outputs["phone"] == "555 0100"
    assert result.outputs["email"] == "ada@example.org"  # each output read as its own question
    assert json.dumps(result.outputs)  # plain strings, as the protocol carries them
