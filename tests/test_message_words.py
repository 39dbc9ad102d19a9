"""A message's own words are the message's: they do not choose the app, make the goal a toggle
or a question; and an action that cannot be undone is never repeated on a guess."""

from __future__ import annotations

import asyncio

import pytest

from fleetmind.agents.grounding import parse_goal
from fleetmind.agents.loop import GuiAgent, StepRecord, SubtaskSpec
from fleetmind.agents.loop.gate import gate
from fleetmind.agents.questions import PendingQuestion
from fleetmind.agents.records import LoopState
from fleetmind.devices.base import Bounds, LaunchApp, Observation, Tap, Target, UIElement, describe_action
from fleetmind.devices.virtual import VirtualPhone

CONTACTS = [{"name": "Ada Lovelace", "phone": "555 0100"}, {"name": "Alan Turing", "phone": "555 0142"}]


def phone() -> VirtualPhone:
    p = VirtualPhone(seed=3)
    p.seed(contacts=CONTACTS)
    return p


@pytest.mark.parametrize(
    ("goal", "body"),
    [
        ("Text Ada Lovelace saying I left the notes at your place", "I left the notes at your place"),
        ("Send Ada Lovelace a message saying the alarm in the office is broken", "the alarm in the office is broken"),
        ("Send an SMS to Alan Turing saying check your calendar", "check your calendar"),
        ("Text Alan Turing saying turn off the oven please", "turn off the oven please"),
        ("Text Ada Lovelace that my bank balance is fine", "my bank balance is fine"),
    ],
)
async def test_a_message_mentioning_other_apps_is_sent_once_and_nothing_else_changes(goal: str, body: str) -> None:
    p = phone()
    settings = p.state.settings.model_copy()
    steps: list[StepRecord] = []

    async def on_step(r: StepRecord) -> None:
        steps.append(r)

    async with asyncio.timeout(30):
        result = await GuiAgent(p).run(SubtaskSpec(goal=goal, confirm="allow"), on_step=on_step)
    assert result.status == "succeeded" and result.verified, result.summary
    assert [m.body for m in p.state.messages] == [body]
    assert p.state.notes == [] and p.state.settings == settings
    assert all(s.action.kind != "launch_app" or s.action.app == "Messages" for s in steps)  # type: ignore[union-attr]


def test_a_message_does_not_make_the_goal_a_toggle_or_a_question() -> None:
    oven = parse_goal("Text Ada saying turn off the oven")
    assert oven.want_on is None and not oven.asks_answer and "oven" not in oven.words
    calendar = parse_goal("Send an SMS to Alan Turing saying check your calendar")
    assert not calendar.asks_answer and "calendar" not in calendar.words
    assert parse_goal("Turn off Wi-Fi").want_on is False  # the request's own words still count


def _send_screen() -> Observation:
    box = Bounds(left=0, top=0, right=800, bottom=80)
    text = UIElement(id="e0", text="see you at noon", description="Text message", editable=True, bounds=box)
    send = UIElement(id="e1", text="Send", clickable=True, bounds=Bounds(left=820, top=0, right=1000, bottom=80))
    return Observation(
        device_id="p", screen_width=1080, screen_height=2400, foreground_app="Messages", elements=[text, send]
    )


def _gate(history: list[str]) -> LoopState:
    obs = _send_screen()
    tap = Tap(target=Target(element="e1"))
    record = StepRecord(9, tap, describe_action(tap, obs), "rule", "the goal names it")
    state: LoopState = {"obs": obs, "history": history, "step": 8, "trail": [], "confirmed": []}
    spec = SubtaskSpec(goal="Text Alan Turing saying see you at noon", confirm="allow")
    goal = parse_goal(spec.goal)
    return gate(record, goal, [], state, spec=spec, can_ask=True, failed=lambda s, why, **_: {"why": why})


SENT = ["launch_app", "typed:To:Alan Turing", "typed:Message:see you at noon", "submit:Send"]
SENT.append("irreversible:submit:Send")


def test_an_irreversible_step_is_not_repeated_with_the_same_text() -> None:
    again = _gate([*SENT, "typed:Text message:see you at noon"])
    assert "not done again" in again["why"] and "Send" in again["why"]  # type: ignore[typeddict-item]
    other = _gate([*SENT, "typed:Text message:and bring the cake"])
    assert other.get("pending") is not None  # another text is another message
    first = _gate(SENT[:3])
    assert first.get("pending") is not None


@pytest.mark.parametrize(
    ("goal", "kind"),
    [
        ("send Katherine an email saying thanks for the notes", "e-mail"),
        ("Email Tim saying the report is late", "e-mail"),
        ("Call Ada Lovelace", "phone-call"),
        ("take a selfie", "camera"),
    ],
)
async def test_a_kind_of_app_the_phone_lacks_is_refused_before_anything_is_touched(goal: str, kind: str) -> None:
    p = phone()
    before = p.state.model_copy(deep=True)
    async with asyncio.timeout(30):
        result = await GuiAgent(p).run(SubtaskSpec(goal=goal, confirm="allow"))
    assert result.status == "failed" and result.steps == 0
    assert f"there is no {kind} app on" in result.summary and "Messages" in result.summary  # its apps are listed
    assert p.state == before


@pytest.mark.parametrize(
    "goal",
    ["Add Bob Stone with email bob@example.org", "Text Ada Lovelace saying call me when you land"],
)
def test_email_and_call_as_a_field_or_inside_a_message_need_no_such_app(goal: str) -> None:
    from fleetmind.agents.scope import missing_kind

    assert missing_kind(parse_goal(goal), ["Messages", "Contacts", "Notes"]) is None


async def test_a_state_change_in_an_app_the_request_is_not_about_is_a_guess() -> None:
    """Without the kind check, a local model that wandered into Notes must not save a note there."""
    from fleetmind.agents.loop.gate import in_another_app

    p = phone()
    await p.act(LaunchApp(app="Notes"))
    obs = await p.observe()
    new = next(e for e in obs.elements if e.label == "New note")
    tap = Tap(target=Target(element=new.id))
    record = StepRecord(2, tap, describe_action(tap, obs), "rule", "the goal names it")
    goal = parse_goal("Post on the forum saying the notes are up")
    assert in_another_app(record, goal, obs, p.info) is None  # opening a form changes nothing yet
    await p.act(tap)
    form = await p.observe()
    save = next(e for e in form.elements if e.label == "Save")
    saving = StepRecord(3, Tap(target=Target(element=save.id)), "tap 'Save'", "rule", "the goal names it")
    assert in_another_app(saving, goal, form, p.info) == "Notes is not an app the request is about"
    assert in_another_app(saving, parse_goal("Write a note saying hi"), form, p.info) is None


@pytest.mark.parametrize(
    ("goal", "body"),
    [
        ("note down that the wifi password is hunter2", "the wifi password is hunter2"),
        ("jot down the door code 4411", "the door code 4411"),
        ("write down my parking spot, level 3 spot 12", "my parking spot, level 3 spot 12"),
        ("make a note of the plate number KX-204", "the plate number KX-204"),
    ],
)
async def test_what_to_write_down_is_a_note_whatever_it_mentions(goal: str, body: str) -> None:
    p = phone()
    settings = p.state.settings.model_copy()
    async with asyncio.timeout(30):
        result = await GuiAgent(p).run(SubtaskSpec(goal=goal, confirm="allow"))
    assert result.status == "succeeded" and result.verified, result.summary
    assert [n.body for n in p.state.notes] == [body] and p.state.settings == settings


@pytest.mark.parametrize(
    ("goal", "message"),
    [
        ("Send a message through the contact form saying the site is down, my name is Jo Park", "the site is down"),
        ("Post a message on the board saying lunch is at noon", "lunch is at noon"),
        ("send a message to Ada saying my name is Bob", "my name is Bob"),  # the message itself, kept whole
    ],
)
def test_the_message_is_what_follows_saying_not_the_words_after_the_noun(goal: str, message: str) -> None:
    assert parse_goal(goal).values["message"] == message


@pytest.mark.parametrize(
    ("goal", "to", "message"),
    [
        ("Text Mum I love you", "Mum", "I love you"),
        ("Tell Alan Turing I'm running late", "Alan Turing", "I'm running late"),
        ("Text Ada I'll be there at 5", "Ada", "I'll be there at 5"),
        ("Text Bob thanks for dinner", "Bob", "thanks for dinner"),
    ],
)
def test_a_message_said_straight_after_its_person_is_the_message(goal: str, to: str, message: str) -> None:
    read = parse_goal(goal)
    assert read.values["to"] == to and read.values["message"] == message
    assert not read.asks_answer and "hour" not in read.values  # no question, and the message's time is its own


async def test_tell_her_after_text_her_is_one_message() -> None:
    from fleetmind.orchestrator.graph import TaskGraph
    from fleetmind.orchestrator.planner import ClausePlanner
    from fleetmind.orchestrator.planning.devices import DeviceProfile

    phones = [DeviceProfile(id="phone-1", kind="phone", apps=["Messages", "Contacts"])]
    for request, goal in [
        ("text Ada and tell her I'm late", "Text Ada saying I'm late"),
        ("message Alan Turing and let him know the meeting moved", "Message Alan Turing saying the meeting moved"),
    ]:
        graph = TaskGraph("t")
        graph.apply(await ClausePlanner().plan(request, phones))
        assert [s.goal for s in graph.subtasks()] == [goal]


async def test_what_a_form_is_to_say_and_who_it_is_from_stay_with_the_form() -> None:
    from fleetmind.orchestrator.graph import TaskGraph
    from fleetmind.orchestrator.planner import ClausePlanner
    from fleetmind.orchestrator.planning.devices import DeviceProfile

    fleet = [DeviceProfile(id="browser-1", kind="browser", apps=[])]
    graph = TaskGraph("t")
    request = "fill in the contact form and let them know the page is slow, my name is Ann Lee"
    graph.apply(await ClausePlanner().plan(request, fleet))
    (only,) = graph.subtasks()
    assert parse_goal(only.goal).values == {"message": "the page is slow", "name": "Ann Lee"}


def test_a_form_asking_who_it_is_from_is_not_sent_anonymously_on_a_guess() -> None:
    from fleetmind.agents.questions import missing_message

    def field(i: int, label: str, text: str = "") -> UIElement:
        box = Bounds(left=0, top=60 * i, right=600, bottom=60 * i + 50)
        return UIElement(id=f"e{i}", text=text, description=label, editable=True, bounds=box)

    form = Observation(
        device_id="b", screen_width=1280, screen_height=720, foreground_app="Contact us",
        elements=[field(0, "Name"), field(1, "Message", "the link is broken")],
    )  # fmt: skip
    goal = parse_goal("Use the contact form to tell them the link is broken")
    asked = missing_message(goal, form, {})
    assert asked is not None and asked.key == "name" and "who it is from" in asked.text
    assert missing_message(goal, form, {"name": "Dana Lee"}) is None
    assert missing_message(parse_goal("Post 'hi' through the contact form as Chris Wu"), form, {}) is None


@pytest.mark.parametrize(("answer", "sent"), [("no", 0), ("yes", 1)])
async def test_a_condition_nothing_checked_is_asked_about_even_when_sending_was_pre_approved(
    answer: str, sent: int
) -> None:
    p = phone()
    asked: list[str] = []

    async def ask(question: PendingQuestion) -> str:
        asked.append(question.text)
        return answer

    goal = "Text Ada Lovelace 'wear a coat' if it's below 5 degrees"
    async with asyncio.timeout(30):
        await GuiAgent(p).run(SubtaskSpec(goal=goal, confirm="allow"), ask=ask)
    assert len(asked) == 1 and "only if it's below 5 degrees: does that hold?" in asked[0]
    assert len(p.state.messages) == sent


async def test_a_polite_if_or_a_messages_own_if_asks_nothing() -> None:
    for goal in ["Text Ada Lovelace saying call me if you need anything", "If possible, text Ada Lovelace 'hi'"]:
        p = phone()
        async with asyncio.timeout(30):
            result = await GuiAgent(p).run(SubtaskSpec(goal=goal, confirm="allow"))
        assert result.status == "succeeded" and len(p.state.messages) == 1, (goal, result.summary)


async def test_someones_email_is_looked_up_in_contacts() -> None:
    p = VirtualPhone(seed=3)
    p.seed(contacts=[{"name": "Tim Berners-Lee", "phone": "555 0189", "email": "tim@example.org"}])
    async with asyncio.timeout(30):
        result = await GuiAgent(p).run(SubtaskSpec(goal="what's Tim Berners-Lee's email?", outputs=["email"]))
    assert result.status == "succeeded" and result.outputs == {"email": "tim@example.org"}


def test_a_text_sent_that_something_happened_and_a_state_made_so() -> None:
    shot = parse_goal("shoot Alan Turing a text that the parcel arrived").values
    assert shot["to"] == "Alan Turing" and shot["message"] == "the parcel arrived"
    assert parse_goal("can you make it so bluetooth is off").want_on is False
