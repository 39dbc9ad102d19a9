"""Goals as people say them: spoken times and durations, 'put it in ... mode', query forms sent with their button."""

from __future__ import annotations

import pytest

from fleetmind.agents.grounding import parse_goal
from fleetmind.agents.grounding.spoken import spoken_times


@pytest.mark.parametrize(
    ("said", "written"),
    [
        ("quarter to nine", "8:45"),
        ("half past six", "6:30"),
        ("quarter past 12", "12:15"),
        ("quarter to one", "12:45"),
        ("an hour and a half", "90 minutes"),
        ("half an hour", "30 minutes"),
        ("two hours and 15 minutes", "135 minutes"),
        ("ten minutes", "10 minutes"),
        ("a 10-minute timer", "a 10 minute timer"),
    ],
)
def test_spoken_times_are_written_as_digits(said: str, written: str) -> None:
    assert spoken_times(said) == written


def test_times_and_durations_fill_the_fields_but_a_message_keeps_its_words() -> None:
    alarm = parse_goal("Set an alarm for quarter to nine called Meds.").values
    assert (alarm["hour"], alarm["minute"]) == ("8", "45")
    assert parse_goal("Set a timer for an hour and a half.").values["minutes"] == "90"
    text = parse_goal("Text Tom saying I'll be there in ten minutes.").values
    assert text["message"] == "I'll be there in ten minutes" and "minutes" not in text  # no timer hidden in it


@pytest.mark.parametrize(
    ("goal", "want_on"),
    [
        ("Put the phone in airplane mode", True),
        ("put it in dark mode", True),
        ("take the phone out of airplane mode", False),
        ("Put lunch on my calendar", None),
    ],
)
def test_modes_people_put_a_phone_in(goal: str, want_on: bool | None) -> None:
    assert parse_goal(goal).want_on is want_on


async def test_a_query_form_is_sent_with_its_own_button() -> None:
    from fleetmind.agents.grounding import candidates
    from fleetmind.devices.base import Bounds, Observation, UIElement

    def el(i: int, **kw: object) -> UIElement:
        return UIElement(id=f"e{i}", bounds=Bounds(left=0, top=100 * i, right=500, bottom=100 * i + 80), **kw)  # type: ignore[arg-type]

    page = Observation(
        device_id="b",
        screen_width=1280,
        screen_height=800,
        foreground_app="Weather",
        foreground_package="http://127.0.0.1/weather",
        elements=[
            el(1, text="Weather", clickable=True),
            el(2, text="Lisbon", description="City", editable=True),
            el(3, text="Get forecast", clickable=True),
        ],
    )
    goal = parse_goal("What's the weather like in Lisbon right now?")
    best = max(candidates(goal, page, [], ["typed:City:Lisbon"]), key=lambda c: c.score)
    assert best.text == "tap Get forecast"


async def test_answers_are_read_from_whole_list_rows_about_what_was_asked() -> None:
    from fleetmind.agents.grounding import extract_answer
    from fleetmind.devices.base import LaunchApp, Tap, Target
    from fleetmind.devices.virtual import VirtualPhone

    phone = VirtualPhone(seed=5)
    phone.seed(
        contacts=[{"name": "Jonas Berg", "phone": "555 0188"}],
        messages=[{"sender": "555 0188", "body": "The keys are under the mat"}],
        events=[
            {"title": "Team sync", "date": "2025-06-04", "start": "10:00", "end": "10:30"},
            {"title": "Yoga class", "date": "2025-06-06", "start": "18:00", "end": "19:00"},
        ],
        files=[{"name": "boarding-pass.pdf", "size": 184_000}],
    )
    await phone.act(LaunchApp(app="Calendar"))
    calendar = await phone.observe()
    assert parse_goal("When is my team sync?").asks_answer
    assert extract_answer(parse_goal("When is my team sync?"), calendar) == "Team sync · Wed, Jun 4 · 10:00 - 10:30"
    assert "Team sync" in extract_answer(parse_goal("What's on my calendar on June 4th?"), calendar)
    assert extract_answer(parse_goal("What's on my calendar on June 5th?"), calendar) == ""  # nothing that day
    await phone.act(LaunchApp(app="Files"))
    files = await phone.observe()
    assert "boarding-pass.pdf" in extract_answer(parse_goal("Do I have a boarding pass downloaded?"), files)
    assert extract_answer(parse_goal("Do I have a tax return downloaded?"), files) == ""
    await phone.act(LaunchApp(app="Messages"))
    prompt = await phone.observe()
    allow = next(e for e in prompt.elements if e.text == "Allow")
    await phone.act(Tap(target=Target(element=allow.id)))
    inbox = await phone.observe()
    assert "keys are under the mat" in extract_answer(parse_goal("What did Jonas say in his last message?"), inbox)
    assert extract_answer(parse_goal("What did Priya say?"), inbox) == ""  # someone else's row answers nothing


@pytest.mark.parametrize(
    ("goal", "amount"),
    [
        ("Send $10,000 to Luis Moreno from my bank account", "10000"),  # thousands, never "10,00"
        ("Pay Jonas Berg $15 from the bank app", "15"),
        ("send $15.50 to Bob", "15.50"),
        ("send 12,50 euros to Ada", "12.50"),
        ("Transfer 1,250.75 dollars to Maya", "1250.75"),
    ],
)
def test_amounts_of_money_are_read_whole(goal: str, amount: str) -> None:
    assert parse_goal(goal).values["amount"] == amount


def test_a_title_ends_at_its_colon_and_a_pin_is_no_persons_number() -> None:
    note = parse_goal("Jot down a note titled Gift ideas: scarf for Mum, book for Tom").values
    assert note["title"] == "Gift ideas" and note["message"] == "scarf for Mum, book for Tom"
    pay = parse_goal("Send $40 to Tom Reyes: Using PIN 4321").values
    assert "name" not in pay and "phone" not in pay and pay["password"] == "4321"


def test_an_amount_typed_plain_is_seen_as_apps_write_it() -> None:
    from fleetmind.agents.reflection.verify import appears

    assert appears("1000", "Sent $1,000.00 to Luis Moreno")
    assert appears("15", "Paid $15.00")
    assert not appears("10000", "Sent $1,000.00 to Luis Moreno")


def test_a_sentences_first_word_is_not_part_of_a_name_and_a_given_pin_names_no_stored_secret() -> None:
    from fleetmind.secrets.names import referenced_secret

    assert parse_goal("Add Rosa Diaz, 555 0171, to the contacts").values["name"] == "Rosa Diaz"
    assert referenced_secret("My bank PIN is 4321. Can you tell me my balance?") is None
    assert parse_goal("Tell me my balance: My bank PIN is 4321").values["password"] == "4321"
    assert referenced_secret("Log in to the bank with my bank PIN and tell me my balance") == "bank-pin"


async def test_a_row_holding_a_switch_is_a_state_change_never_a_look_around() -> None:
    from fleetmind.agents.grounding import candidates
    from fleetmind.agents.safety import effect_of
    from fleetmind.devices.base import LaunchApp
    from fleetmind.devices.virtual import VirtualPhone

    phone = VirtualPhone(seed=5)
    await phone.act(LaunchApp(app="Settings"))
    screen = await phone.observe()
    found = {c.text: c for c in candidates(parse_goal("I'd like my phone in French"), screen, phone.info.apps, [])}
    assert effect_of(found["tap Language · English"].action, screen) == "read"  # a plain row opens a list
    assert effect_of(found["tap Wi-Fi · On"].action, screen) == "change"  # the Wi-Fi row may flip its switch
    assert parse_goal("Mute the media volume").words >= {"volume", "decrease"}


async def test_a_language_named_in_english_is_chosen_under_its_own_name_and_checked() -> None:
    from fleetmind.agents.loop import GuiAgent, SubtaskSpec
    from fleetmind.devices.virtual import VirtualPhone
    from fleetmind.protocol.messages import Budget

    phone = VirtualPhone(seed=5)
    spec = SubtaskSpec(goal="I'd like my phone in French", outputs=["result"], budget=Budget(max_steps=8))
    result = await GuiAgent(phone).run(spec)
    assert phone.state.settings.language == "Français"
    assert result.status == "succeeded" and result.verified and "Français" in result.summary


async def test_a_record_in_a_list_row_is_opened_changed_and_deleted_by_its_name() -> None:
    from fleetmind.agents.loop import GuiAgent, SubtaskSpec
    from fleetmind.agents.questions import PendingQuestion
    from fleetmind.devices.virtual import VirtualPhone
    from fleetmind.protocol.messages import Budget

    async def yes(question: PendingQuestion) -> str:
        return "yes"

    phone = VirtualPhone(seed=5)
    phone.seed(alarms=[{"hour": 6, "minute": 45, "label": "Run"}])
    spec = SubtaskSpec(goal="Change my Run alarm to 7:15", outputs=["result"], budget=Budget(max_steps=10))
    result = await GuiAgent(phone).run(spec)
    assert result.status == "succeeded"
    assert [(a.hour, a.minute, a.label) for a in phone.state.alarms] == [(7, 15, "Run")]
    spec = SubtaskSpec(goal="Delete the Run alarm", outputs=["result"], budget=Budget(max_steps=10))
    result = await GuiAgent(phone).run(spec, ask=yes)
    assert result.status == "succeeded" and phone.state.alarms == []


async def test_notes_people_ask_for_get_written_asked_about_and_removed() -> None:
    from fleetmind.agents.loop import GuiAgent, SubtaskSpec
    from fleetmind.agents.questions import PendingQuestion
    from fleetmind.devices.virtual import VirtualPhone
    from fleetmind.protocol.messages import Budget

    asked: list[str] = []

    async def user(question: PendingQuestion) -> str:
        asked.append(question.kind)
        return "yes" if question.kind == "confirm" else "Call the plumber on Thursday"

    def run(goal: str) -> SubtaskSpec:
        return SubtaskSpec(goal=goal, outputs=["result"], budget=Budget(max_steps=12))

    phone = VirtualPhone(seed=5)
    phone.seed(notes=[{"title": "Packing list", "body": "passport"}, {"title": "Shopping", "body": "milk"}])
    made = await GuiAgent(phone).run(run("Make a note that the guest wifi password is bluefox42"))
    assert made.status == "succeeded"
    assert any(n.body == "the guest wifi password is bluefox42" for n in phone.state.notes)
    written = await GuiAgent(phone).run(run("Write a note"), ask=user)
    assert asked == ["question"] and written.status == "succeeded"
    assert any(n.body == "Call the plumber on Thursday" for n in phone.state.notes)
    removed = await GuiAgent(phone).run(run("Get rid of my old shopping note"), ask=user)
    assert asked == ["question", "confirm"] and removed.verified and "Shopping" in removed.summary
    assert [n.title for n in phone.state.notes if n.title] == ["Packing list"]


def test_who_a_form_is_from_and_what_it_says() -> None:
    post = parse_goal("Post 'Great site, thanks!' through the contact form as Chris Wu").values
    assert post["message"] == "Great site, thanks!" and post["name"] == "Chris Wu"  # never 'Great' from the quote
    form = parse_goal("Send a message through the contact form: my name is Sam Rivera and the message is 'Call me'")
    assert form.values["name"] == "Sam Rivera" and form.values["message"] == "Call me"
    assert parse_goal("add Nina Alvarez to my contacts").values["name"] == "Nina Alvarez"


async def test_a_timer_without_a_duration_asks_how_long_and_runs_for_the_answer() -> None:
    from fleetmind.agents.loop import GuiAgent, SubtaskSpec
    from fleetmind.agents.questions import PendingQuestion
    from fleetmind.devices.virtual import VirtualPhone
    from fleetmind.protocol.messages import Budget

    asked: list[str] = []

    async def user(question: PendingQuestion) -> str:
        asked.append(question.text)
        return "15 minutes"

    phone = VirtualPhone(seed=5)
    spec = SubtaskSpec(goal="Start a timer", outputs=["result"], budget=Budget(max_steps=12))
    result = await GuiAgent(phone).run(spec, ask=user)
    assert len(asked) == 1 and asked[0].startswith("How long")
    assert result.status == "succeeded" and [(t.duration, t.running) for t in phone.state.timers] == [(900, True)]
