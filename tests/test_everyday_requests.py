"""Requests phrased the way people talk: hedged numbers, a setting by its everyday name, a reminder's
text, a value given after the request. Agent tests run the grounding alone (no model) on a VirtualPhone
and read its own state."""

from __future__ import annotations

from typing import Any

import pytest

from fleetmind.agents.grounding import parse_goal, target_value
from fleetmind.agents.loop import GuiAgent, LoopResult, SubtaskSpec
from fleetmind.devices.virtual import VirtualPhone
from fleetmind.protocol.messages import Budget


async def run(p: VirtualPhone, goal: str, *, ask: Any = None, steps: int = 16) -> LoopResult:
    return await GuiAgent(p).run(
        SubtaskSpec(goal=goal, outputs=["result"], budget=Budget(max_steps=steps)), on_step=None, ask=ask
    )


# -- a hedged number is still the number ---------------------------------------------------


@pytest.mark.parametrize(
    ("goal", "level"),
    [
        ("set brightness to like 30 percent", 30),
        ("turn the volume to, like, 12", 12),
        ("brightness to about 40%", 40),
        ("put the volume at around 5", 5),
        ("set the brightness to maybe 70 percent", 70),
        ("screen brightness to roughly 25", 25),
    ],
)
def test_filler_words_before_a_level_do_not_hide_it(goal: str, level: int) -> None:
    assert target_value(goal) == level


@pytest.mark.parametrize(
    ("goal", "time"),
    [
        ("set an alarm for around 6:45 am", ("6", "45")),
        ("move my alarm to about 7:15", ("7", "15")),
        ("wake me up at like 6 am", ("6", "00")),
    ],
)
def test_filler_words_before_a_time_do_not_hide_it(goal: str, time: tuple[str, str]) -> None:
    values = parse_goal(goal).values
    assert (values["hour"], values["minute"]) == time


def test_a_hedge_before_a_duration_or_a_count_is_not_a_level() -> None:
    assert target_value("set a timer to about 10 minutes") is None
    assert target_value("make a table for like 4 people") is None


async def test_a_hedged_level_is_reached_and_checked() -> None:
    p = VirtualPhone(seed=5)
    result = await run(p, "Set brightness to like 30 percent")
    assert result.status == "succeeded" and result.verified, result.summary
    assert p.state.settings.brightness == 30


# -- a setting by its everyday name, in a question too --------------------------------------


@pytest.mark.parametrize(
    ("question", "setting", "label"),
    [
        ("Is dark mode on right now?", "dark_theme", "Dark theme"),
        ("is the dark mode enabled?", "dark_theme", "Dark theme"),
        ("is flight mode on?", "airplane_mode", "Airplane mode"),
    ],
)
async def test_a_question_reads_the_setting_its_everyday_name_means(question: str, setting: str, label: str) -> None:
    p = VirtualPhone(seed=5)
    setattr(p.state.settings, setting, True)
    before = p.state.settings.model_copy()
    result = await run(p, question)
    assert result.status == "succeeded" and result.verified, result.summary
    assert result.outputs["result"] == f"{label} is on"
    assert p.state.settings == before  # a question changes nothing


# -- a value given after the request belongs to it -------------------------------------------


@pytest.mark.parametrize(
    "goal",
    [
        "Whats my bank balance? pin is 4321",
        "What is my balance: My PIN is 4321",
        "How much money do I have in the bank? password's 4321",
        "Check my balance. PIN: 4321",
    ],
)
async def test_a_pin_given_after_the_question_logs_in_and_the_balance_is_read(goal: str) -> None:
    p = VirtualPhone(seed=5)
    p.state.bank.balance = 1234.5
    result = await run(p, goal)
    assert result.status == "succeeded" and result.verified, result.summary
    assert "1,234.50" in result.outputs["result"]
    assert p.state.bank.transactions == VirtualPhone(seed=5).state.bank.transactions  # nothing sent


@pytest.mark.parametrize(
    ("goal", "password"),
    [
        ("whats my bank balance? pin is 4321", "4321"),
        ("Log into the bank app, pin 4321, and check my balance", "4321"),
        ("how much is in my account? password's hunter2", "hunter2"),
        ("PIN: 2468", "2468"),
    ],
)
def test_a_pin_is_read_whatever_stands_between_its_name_and_it(goal: str, password: str) -> None:
    values = parse_goal(goal).values
    assert values.get("password") == password and "phone" not in values


# -- a reminder keeps what it is for ----------------------------------------------------------


@pytest.mark.parametrize(
    ("goal", "said", "time"),
    [
        ("Remind me to call the plumber at 5pm", "call the plumber", ("17", "00")),
        ("remind me at 7:30 am to take my pills", "take my pills", ("7", "30")),
        ("Set a reminder for 6pm: water the plants", "water the plants", ("18", "00")),
        ("remind me to call Ada at half past six please", "call Ada", ("6", "30")),
        ("Remind me tomorrow morning at 8 that the car needs gas", "the car needs gas", ("8", "00")),
    ],
)
def test_a_reminder_says_what_it_is_for_without_when(goal: str, said: str, time: tuple[str, str]) -> None:
    values = parse_goal(goal).values
    assert values["label"] == said and (values["hour"], values["minute"]) == time
    assert "to" not in values and "message" not in values  # nobody is texted, nothing is a message


def test_reminding_someone_else_is_a_message_to_them_not_a_reminder() -> None:
    goal = parse_goal("Remind Ada to bring the cake")
    assert goal.values.get("to") == "Ada" and "label" not in goal.values and "reminder" not in goal.words


@pytest.mark.parametrize(
    ("goal", "hour", "minute", "label"),
    [
        ("Remind me to call the plumber at 5pm", 17, 0, "call the plumber"),
        ("remind me at 7:30 am to take my pills", 7, 30, "take my pills"),
        ("can you set a reminder at 9:15 pm to lock the back door", 21, 15, "lock the back door"),
    ],
)
async def test_a_reminder_at_a_time_is_an_alarm_labelled_with_its_text(
    goal: str, hour: int, minute: int, label: str
) -> None:
    p = VirtualPhone(seed=5)
    result = await run(p, goal)
    assert result.status == "succeeded" and result.verified, result.summary
    assert [(a.hour, a.minute, a.label) for a in p.state.alarms] == [(hour, minute, label)]
    assert p.state.messages == VirtualPhone(seed=5).state.messages  # nobody was texted


async def test_a_reminder_in_a_while_is_a_timer_named_for_it() -> None:
    p = VirtualPhone(seed=5)
    result = await run(p, "Remind me in 20 minutes to take the pizza out")
    assert result.status == "succeeded" and result.verified, result.summary
    assert [(t.duration, t.label) for t in p.state.timers] == [(20 * 60, "take the pizza out")]


async def test_an_alarm_saved_without_the_reminders_text_is_not_the_reminder() -> None:
    from fleetmind.agents.reflection.verify import check_goal
    from fleetmind.devices.virtual.state import Alarm

    p = VirtualPhone(seed=5)
    p.state.alarms.append(Alarm(hour=17, minute=0))  # what a save without the label leaves
    p.launch("Clock")
    obs = await p.observe()
    history = ["typed:hour:17", "typed:minute:00", "submit:Save"]
    assert check_goal(parse_goal("Remind me to call the plumber at 5pm"), obs, history) is None
    p.state.alarms[-1].label = "call the plumber"
    verdict = check_goal(parse_goal("Remind me to call the plumber at 5pm"), await p.observe(), history)
    assert verdict is not None and verdict.outcome == "verified"


# -- an event moved, a running timer stopped ------------------------------------------------

AGENDA = [
    {"title": "Standup", "date": "2025-06-03", "start": "09:00", "end": "09:15"},
    {"title": "Lunch with Bo", "date": "2025-06-03", "start": "12:00", "end": "13:00"},
]


@pytest.mark.parametrize(
    ("goal", "start", "end"),
    [
        ("Move the standup to 10:00 until 10:30", "10:00", "10:30"),
        ("can you push my standup to 10:30", "10:30", "10:45"),  # its length kept, as Android's Calendar does
        ("reschedule the standup meeting to 2pm", "14:00", "14:15"),
    ],
)
async def test_an_event_is_moved_by_editing_it_not_by_adding_another(goal: str, start: str, end: str) -> None:
    p = VirtualPhone(seed=5).seed(events=AGENDA)
    result = await run(p, goal)
    assert result.status == "succeeded" and result.verified, result.summary
    assert [(e.title, e.start, e.end) for e in p.state.events] == [
        ("Standup", start, end),
        ("Lunch with Bo", "12:00", "13:00"),
    ]


@pytest.mark.parametrize("goal", ["Stop the timer that's running", "cancel my timer", "stop the countdown"])
async def test_a_running_timer_is_stopped_and_seen_stopped(goal: str) -> None:
    p = VirtualPhone(seed=5).seed(timers=[{"duration": 600}])
    result = await run(p, goal)
    assert result.status == "succeeded" and result.verified, result.summary
    assert [(t.duration, t.running) for t in p.state.timers] == [(600, False)]


async def test_stopping_a_timer_when_none_runs_is_never_reported_done() -> None:
    p = VirtualPhone(seed=5)
    result = await run(p, "Stop the timer that's running")
    assert result.status != "succeeded" and p.state.timers == []


# -- a contact's name as people say it -------------------------------------------------------


@pytest.mark.parametrize(
    ("goal", "name"),
    [
        ("I need Dr. Lee's clinic saved, the number is 555 0190", "Dr. Lee's clinic"),
        ("Save Joe's Pizza to my contacts: 555 0144", "Joe's Pizza"),
        ("please store Mrs. Patel's number, 555 0122", "Mrs. Patel"),  # "number" says which detail
        ("Save Dr. Kim's office as a contact, 555 0160", "Dr. Kim's office"),
        ("save Sean O'Brien, sean@ob.example", "Sean O'Brien"),
    ],
)
def test_a_saved_name_keeps_its_title_and_what_of_theirs_it_is(goal: str, name: str) -> None:
    assert parse_goal(goal).values["name"] == name


@pytest.mark.parametrize(
    "goal",
    [
        "Send Bob Smith an email at bob@x.example",  # uses a detail, saves nothing
        "Update Tom's contact with 555 0199",  # Tom says whose contact, not a new name
    ],
)
def test_a_goal_that_saves_no_contact_gets_no_name_from_its_capitals(goal: str) -> None:
    assert "name" not in parse_goal(goal).values


@pytest.mark.parametrize(
    ("goal", "name", "phone", "email"),
    [
        ("I need Dr. Lee's clinic saved, the number is 555 0190", "Dr. Lee's clinic", "555 0190", ""),
        ("Save a new contact for me: Lena Park, lena.park@example.org", "Lena Park", "", "lena.park@example.org"),
        ("add Sam Ortiz to my contacts, his email is sam@ortiz.example", "Sam Ortiz", "", "sam@ortiz.example"),
    ],
)
async def test_a_contact_is_saved_with_the_name_and_details_given(goal: str, name: str, phone: str, email: str) -> None:
    p = VirtualPhone(seed=5).seed(contacts=[{"name": "Ada Lovelace", "phone": "555 0100"}])
    result = await run(p, goal)
    assert result.status == "succeeded" and result.verified, result.summary
    assert [(c.name, c.phone, c.email) for c in p.state.contacts] == [
        ("Ada Lovelace", "555 0100", ""),
        (name, phone, email),
    ]


# -- the bank's recent transfers are read, newest first ----------------------------------------

SENT = [{"to": "Ben Ito", "amount": 40.0}, {"to": "Corner Garage", "amount": 310.0}]


@pytest.mark.parametrize(
    "goal",
    [
        "With PIN 1111, what was my last bank transfer?",
        "who did I last send money to? pin 1111",
        "How much was my most recent bank transfer? PIN 1111",
    ],
)
async def test_the_last_transfer_is_read_off_the_bank(goal: str) -> None:
    p = VirtualPhone(seed=5).seed(bank={"transactions": SENT})
    result = await run(p, goal)
    assert result.status == "succeeded" and result.verified, result.summary
    assert "Corner Garage" in result.outputs["result"] and "310" in result.outputs["result"]
    assert [(t.to, t.amount) for t in p.state.bank.transactions] == [(t["to"], t["amount"]) for t in SENT]


async def test_money_one_has_is_the_balance_not_a_transfer() -> None:
    p = VirtualPhone(seed=5).seed(bank={"transactions": SENT})
    result = await run(p, "How much money do I have in the bank? password's 4321")
    assert result.status == "succeeded" and result.verified, result.summary
    assert result.outputs["result"] == "Balance: $2,450.75"


# -- adding to a note one has keeps what it says ----------------------------------------------

NOTES = [{"title": "Groceries", "body": "milk, eggs"}, {"title": "Trip ideas", "body": "Lisbon"}]


@pytest.mark.parametrize(
    ("goal", "bodies"),
    [
        ("add butter to my groceries note", ["milk, eggs, butter", "Lisbon"]),
        ("put bread on the groceries list", ["milk, eggs, bread", "Lisbon"]),
        ("Add sunscreen to my trip ideas note", ["milk, eggs", "Lisbon, sunscreen"]),
    ],
)
async def test_an_item_is_added_to_the_note_named_not_to_a_new_one(goal: str, bodies: list[str]) -> None:
    p = VirtualPhone(seed=5).seed(notes=NOTES)
    result = await run(p, goal)
    assert result.status == "succeeded" and result.verified, result.summary
    assert [(n.title, n.body) for n in p.state.notes] == list(zip(["Groceries", "Trip ideas"], bodies, strict=True))


async def test_adding_to_a_note_that_is_not_there_changes_no_other_note() -> None:
    p = VirtualPhone(seed=5).seed(notes=NOTES)
    result = await run(p, "add nails to my hardware store list")
    assert result.status != "succeeded"
    assert [(n.title, n.body) for n in p.state.notes] == [(n["title"], n["body"]) for n in NOTES]


@pytest.mark.parametrize(
    ("goal", "item"),
    [
        ("Add sunscreen to my packing list note", "sunscreen"),
        ("jot down call mum in my to-do list", "call mum"),
        ("add a charger to the packing list", "charger"),
    ],
)
def test_an_item_for_a_list_is_read_and_makes_nothing_new(goal: str, item: str) -> None:
    parsed = parse_goal(goal)
    assert parsed.values == {"append": item} and not parsed.words & {"add", "new", "create"}


@pytest.mark.parametrize(
    "goal", ["add Ada to my contacts list", "Add lunch with Bo to my calendar", "add milk to my note"]
)
def test_adding_to_contacts_a_calendar_or_an_unnamed_note_is_no_append(goal: str) -> None:
    assert "append" not in parse_goal(goal).values


def test_an_item_joins_a_list_the_way_it_is_written() -> None:
    from fleetmind.agents.grounding.lists import appended

    assert appended("milk, eggs", "butter") == "milk, eggs, butter"
    assert appended("Call the plumber about the leaking sink", "buy tape") == (
        "Call the plumber about the leaking sink\nbuy tape"
    )
    assert appended("", "butter") is None  # nothing to add to: never a new note


# -- what a goal is about, from its values and its verbs -----------------------------------------


def test_values_only_one_app_takes_make_the_goal_about_it() -> None:
    from fleetmind.agents.grounding import goal_apps

    apps = ["Settings", "Contacts", "Messages", "Clock", "Calendar", "Notes"]
    assert goal_apps(parse_goal("Add 'Yoga' on 2025-07-01 from 18:00 to 19:00 at the gym"), apps) == {"calendar"}
    assert "clock" in goal_apps(parse_goal("Remind me in 20 minutes to take the pizza out"), apps)
    wake = parse_goal("Wake me up at 7:20 tomorrow")
    wake.values["date"] = "2025-06-03"  # the day "tomorrow" is, as the loop fills it in from the device's clock
    assert goal_apps(wake, apps) == {"clock"}  # words that name an app come first: a day is no event here


async def test_an_event_given_only_by_its_values_is_saved_in_the_calendar() -> None:
    p = VirtualPhone(seed=5)
    result = await run(p, "Add 'Yoga' on 2025-07-01 from 18:00 to 19:00 at the gym")
    assert result.status == "succeeded" and result.verified, result.summary
    assert [(e.title, e.date, e.start, e.end, e.location) for e in p.state.events] == [
        ("Yoga", "2025-07-01", "18:00", "19:00", "gym")
    ]


@pytest.mark.parametrize(
    ("goal", "makes"),
    [
        ("Save a new contact for me: Lena Park, lena.park@example.com", True),
        ("store a contact: Bo Lin, 555 0101", True),
        ("save his new number 555 0199", False),  # a change to a record, not a new one
    ],
)
def test_saving_a_new_record_is_making_one(goal: str, makes: bool) -> None:
    assert ("create" in parse_goal(goal).words) is makes
