"""Templates that carry data from one app to another on the same phone."""

from __future__ import annotations

import random
from collections.abc import Callable

from ..phone import AdbPhone
from ..spec import Params, Template, digits, words
from .common import MESSAGES, add_people, compose_sms, crowd, launch, number, person, read, scroll_to, tap, type_in
from .records import _note, _seed_note_target
from .time import _event, _seed_event_target


def _pair(rng: random.Random) -> Params:
    taken: set[str] = set()
    name, other = person(rng, taken), person(rng, taken)
    return {"name": name, "phone": number(rng), "other": other, "other_phone": number(rng),
            "people": crowd(rng, 14, taken), "body": rng.choice(MESSAGES)}


async def _seed_pair(phone: AdbPhone, p: Params) -> None:
    await add_people(phone, [*p["people"], (p["name"], p["phone"]), (p["other"], p["other_phone"])])


async def _number_sent(phone: AdbPhone, p: Params, answer: str) -> bool:
    return any(m["type"] == "2" and digits(m["address"]) == digits(p["other_phone"])
               and digits(p["phone"]) in digits(m["body"]) for m in await phone.messages())


async def _seed_stranger(phone: AdbPhone, p: Params) -> None:
    await add_people(phone, p["people"][:4])
    await phone.add_sms(p["phone"], p["body"], minutes_ago=3)


async def _stranger_saved(phone: AdbPhone, p: Params, answer: str) -> bool:
    return any(words(c["name"]) == words(p["name"]) and digits(c["phone"]) == digits(p["phone"])
               for c in await phone.contacts())


async def _time_noted(phone: AdbPhone, p: Params, answer: str) -> bool:
    return any(words(n["title"]) == words(p["note_title"]) and p["start"] in n["body"] for n in await phone.notes())


async def _alarm_for_event(phone: AdbPhone, p: Params, answer: str) -> bool:
    hour, minute = int(p["start"][:2]), int(p["start"][3:])
    return any((a["hour"], a["minutes"]) == (str(hour), str(minute)) for a in await phone.alarms())


async def _note_texted(phone: AdbPhone, p: Params, answer: str) -> bool:
    return any(m["type"] == "2" and digits(m["address"]) == digits(p["phone"]) and words(p["body"]) in words(m["body"])
               for m in await phone.messages())


async def _seed_note_and_people(phone: AdbPhone, p: Params) -> None:
    await _seed_note_target(phone, p)
    await add_people(phone, [(p["name"], p["phone"])])


async def _seed_event_and_invitee(phone: AdbPhone, p: Params) -> None:
    await _seed_event_target(phone, p)
    await add_people(phone, [(p["name"], p["phone"])])


async def _where_texted(phone: AdbPhone, p: Params, answer: str) -> bool:
    return any(m["type"] == "2" and digits(m["address"]) == digits(p["phone"])
               and words(p["location"]) in words(m["body"]) for m in await phone.messages())


def _with_person(make: Callable[[random.Random], Params]) -> Callable[[random.Random], Params]:
    def params(rng: random.Random) -> Params:
        base = make(rng)
        taken: set[str] = set()
        return {**base, "name": person(rng, taken), "phone": number(rng)}

    return params


TEMPLATES = [
    Template("multi-contact-to-sms", "hard", ("Contacts", "Messages"),
             ("Text {name}'s phone number to {other}", "send {other} the number I have for {name}"),
             _pair, _seed_pair, _number_sent,
             lambda p: [launch("Contacts"), scroll_to(p["name"]), tap(p["name"]), read("number", r"^\d{3} \d{4}$"),
                        *compose_sms(p["other"], "{number}")], frozenset({"multi-app", "scroll", "casual"})),
    Template("multi-sms-to-contact", "hard", ("Messages", "Contacts"),
             ("Someone texted me \"{body}\" from {phone}. Save that number as {name}.",
              "save the number that texted me '{body}' as a contact named {name}"),
             _pair, _seed_stranger, _stranger_saved,
             lambda p: [launch("Messages"), read("number", r"^Conversation with (?P<v>[\d ]+)$"), launch("Contacts"),
                        tap("Create contact"), type_in("Name", p["name"]), type_in("Phone", "{number}"), tap("Save")],
             frozenset({"multi-app"})),
    Template("multi-event-to-note", "hard", ("Calendar", "Notes"),
             ("Write down the start time of my {title} in a note titled {note_title}",),
             lambda rng: {**_event(rng), "note_title": "Reminder"}, _seed_event_target, _time_noted,
             lambda p: [launch("Calendar"), tap(p["title"]), read("start", r"^(?P<v>\d\d:\d\d) - "), launch("Notes"),
                        tap("New note"), type_in("Title", p["note_title"]), type_in("Body", "{start}"), tap("Save")],
             frozenset({"multi-app"})),
    Template("multi-alarm-for-event", "hard", ("Calendar", "Clock"),
             ("Set an alarm for when my {title} starts", "wake me up when {title} begins"),
             _event, _seed_event_target, _alarm_for_event,
             lambda p: [launch("Calendar"), tap(p["title"]), read("h", r"^(?P<v>\d\d):\d\d - "),
                        read("m", r"^\d\d:(?P<v>\d\d) - "), launch("Clock"), tap("Add alarm"), type_in("Hour", "{h}"),
                        type_in("Minute", "{m}"), tap("Save")], frozenset({"multi-app", "casual"})),
    Template("multi-note-to-sms", "hard", ("Notes", "Messages"),
             ("Send my {title} note to {name} by SMS", "text {name} what's on my {title} list"),
             _with_person(_note), _seed_note_and_people, _note_texted,
             lambda p: [launch("Notes"), read("body", r"^\w+ and \w+$", after=p["title"]),
                        *compose_sms(p["name"], "{body}")], frozenset({"multi-app", "casual"})),
    Template("multi-event-place-to-sms", "hard", ("Calendar", "Messages"),
             ("Tell {name} by text where my {title} is",),
             _with_person(_event), _seed_event_and_invitee, _where_texted,
             lambda p: [launch("Calendar"), tap(p["title"]), read("place", r"^.+$", after=" - "),
                        *compose_sms(p["name"], "{place}")], frozenset({"multi-app"})),
]
