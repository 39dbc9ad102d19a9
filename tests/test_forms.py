"""A form is the goal's only if it can take what the goal gives: an alarm's label typed into a
timer's form never starts a timer; a field typed in a form that was left is typed again in the next."""

from __future__ import annotations

from fleetmind.agents.grounding import candidates, parse_goal
from fleetmind.agents.grounding.history import typed_in_this_form
from fleetmind.devices.base import LaunchApp, Observation, Tap, Target, TypeText
from fleetmind.devices.virtual import VirtualPhone


async def _screen(phone: VirtualPhone, app: str, *taps: str) -> Observation:
    await phone.act(LaunchApp(app=app))
    for label in taps:
        obs = await phone.observe()
        await phone.act(Tap(target=Target(element=next(e.id for e in obs.elements if e.label == label))))
    return await phone.observe()


def _score(cands: list, label: str) -> float:  # type: ignore[type-arg]
    return max(c.score for c in cands if c.text == f"tap {label}")


async def test_a_form_of_another_kind_is_not_sent_for_the_goal() -> None:
    phone = VirtualPhone(seed=3)
    timer = await _screen(phone, "Clock", "Timer")
    alarm = parse_goal("Set an alarm for 7:30 labelled Gym")
    history = ["launch_app", "tap:Timer", "typed:Label:Gym"]
    assert _score(candidates(alarm, timer, phone.info.apps, history), "Start") < 1.0  # no hour here for 7:30
    timer_goal = parse_goal("Start a timer for 5 minutes labelled Tea")
    typed = [*history[:2], "typed:Minutes:5", "typed:Label:Tea"]
    assert _score(candidates(timer_goal, timer, phone.info.apps, typed), "Start") >= 3.0  # its own form


async def test_a_contact_form_with_a_field_the_goal_leaves_empty_is_still_the_goals() -> None:
    phone = VirtualPhone(seed=3)
    form = await _screen(phone, "Contacts", "Create contact")
    for label, text in (("Name", "Grace Hopper"), ("Phone", "555 0199")):
        field = next(e for e in form.elements if e.label == label)
        await phone.act(TypeText(text=text, target=Target(element=field.id)))
    form = await phone.observe()
    goal = parse_goal("Add a contact named Grace Hopper with phone 555 0199")
    history = ["launch_app", "tap:Create contact", "typed:Name:Grace Hopper", "typed:Phone:555 0199"]
    assert _score(candidates(goal, form, phone.info.apps, history), "Save") >= 3.0  # Email left empty is fine


def test_what_was_typed_in_a_form_that_was_left_is_not_this_forms() -> None:
    assert typed_in_this_form(["launch_app", "typed:Label:Gym", "tap:Navigate up", "tap:Add alarm"]) == set()
    assert typed_in_this_form(["launch_app", "typed:Label:Gym", "press_key:back"]) == set()
    assert typed_in_this_form(["launch_app", "tap:Add alarm", "typed:Hour:7"]) == {"Hour"}


def test_login_and_sign_in_buttons_send_their_form() -> None:
    from fleetmind.agents.grounding import history_entry
    from fleetmind.devices.base import Bounds, UIElement

    for label in ("Login", "Sign in", "Log in"):
        button = UIElement(id="b", text=label, clickable=True, bounds=Bounds(left=0, top=0, right=100, bottom=40))
        obs = Observation(device_id="w", screen_width=800, screen_height=600, elements=[button])
        assert history_entry(Tap(target=Target(element="b")), obs) == f"submit:{label}"
