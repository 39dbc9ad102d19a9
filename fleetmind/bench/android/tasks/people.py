"""Contacts and Messages templates (checked with `content query` on the contacts and SMS providers)."""

from __future__ import annotations

import random

from ..phone import AdbPhone
from ..spec import Check, Params, Template, answer_has, digits, words
from .common import (
    MESSAGES,
    add_people,
    compose_sms,
    crowd,
    done,
    late_name,
    launch,
    number,
    person,
    read,
    scroll_to,
    tap,
    type_in,
)


def _book(rng: random.Random, size: int = 6, *, late: bool = False) -> Params:
    taken: set[str] = set()
    name = late_name(rng, taken) if late else person(rng, taken)
    people = crowd(rng, size, taken)
    email = f"{name.split()[0].lower()}@example.org"
    return {"name": name, "phone": number(rng), "people": people, "other": people[0][0],
            "other_phone": people[0][1], "body": rng.choice(MESSAGES), "email": email}


async def _seed_book(phone: AdbPhone, p: Params) -> None:
    await add_people(phone, [*p["people"], (p["name"], p["phone"])])


async def _seed_crowd(phone: AdbPhone, p: Params) -> None:
    await add_people(phone, p["people"])


def _has_contact(**want: str) -> Check:
    async def check(phone: AdbPhone, p: Params, answer: str) -> bool:
        for c in await phone.contacts():
            if all((digits(c[k]) == digits(p[v])) if k == "phone" else (words(c[k]) == words(p[v]))
                   for k, v in want.items()):
                return True
        return False

    return check


async def _phone_changed(phone: AdbPhone, p: Params, answer: str) -> bool:
    return any(c["name"] == p["name"] and digits(c["phone"]) == digits(p["new_phone"]) for c in await phone.contacts())


async def _deleted(phone: AdbPhone, p: Params, answer: str) -> bool:
    names = [c["name"] for c in await phone.contacts()]
    return p["name"] not in names and len(names) == len(p["people"])


async def _answer_phone(phone: AdbPhone, p: Params, answer: str) -> bool:
    return answer_has(answer, p["phone"])


async def _answer_email(phone: AdbPhone, p: Params, answer: str) -> bool:
    return answer_has(answer, p["email"])


def _sent(to_key: str, body_key: str) -> Check:
    async def check(phone: AdbPhone, p: Params, answer: str) -> bool:
        return any(m["type"] == "2" and digits(m["address"]) == digits(p[to_key])
                   and words(p[body_key]) in words(m["body"]) for m in await phone.messages())

    return check


def _inbox(rng: random.Random) -> Params:
    p = _book(rng, 5)
    p["reply"] = rng.choice([m for m in MESSAGES if m != p["body"]])
    p["code"] = f"{rng.randrange(100000, 1000000)}"
    p["service"] = rng.choice(("PayFast", "MailBox", "ShopNow", "CloudID"))
    return p


async def _seed_inbox(phone: AdbPhone, p: Params) -> None:
    await _seed_book(phone, p)
    for i, (name, num) in enumerate(p["people"][:3]):
        await phone.add_sms(num, f"hello from {name.split()[0]}", minutes_ago=30 + i)
    await phone.add_sms(p["phone"], p["body"], minutes_ago=5)


async def _seed_code(phone: AdbPhone, p: Params) -> None:
    await _seed_inbox(phone, p)
    await phone.add_sms("72345", f"{p['service']}: your verification code is {p['code']}", minutes_ago=1)


async def _answer_body(phone: AdbPhone, p: Params, answer: str) -> bool:
    return answer_has(answer, p["body"])


async def _answer_code(phone: AdbPhone, p: Params, answer: str) -> bool:
    return p["code"] in answer


async def _code_forwarded(phone: AdbPhone, p: Params, answer: str) -> bool:
    return any(m["type"] == "2" and digits(m["address"]) == digits(p["other_phone"]) and p["code"] in m["body"]
               for m in await phone.messages())


async def _count_answer(phone: AdbPhone, p: Params, answer: str) -> bool:
    received = [m for m in await phone.messages() if m["type"] == "1"]
    return str(len({m["address"] for m in received})) in answer.split() or answer.strip() == str(
        len({m["address"] for m in received}))


TEMPLATES = [
    Template("contacts-add", "easy", ("Contacts",),
             ("Add a contact named {name} with phone {phone}", "Create a new contact: {name}, number {phone}"),
             _book, _seed_crowd, _has_contact(name="name", phone="phone"),
             lambda p: [launch("Contacts"), tap("Create contact"), type_in("Name", p["name"]),
                        type_in("Phone", p["phone"]), tap("Save")]),
    Template("contacts-add-email", "medium", ("Contacts",),
             ("save {name} in my contacts, her email is {email}", "Add {name} ({email}) to my contacts"),
             _book, _seed_crowd, _has_contact(name="name", email="email"),
             lambda p: [launch("Contacts"), tap("Create contact"), type_in("Name", p["name"]),
                        type_in("Email", p["email"]), tap("Save")], frozenset({"casual"})),
    Template("contacts-edit-phone", "medium", ("Contacts",),
             ("{name} has a new number, {new_phone}. Update her contact.",
              "Change {name}'s phone number to {new_phone}"),
             lambda rng: {**_book(rng), "new_phone": number(rng)}, _seed_book, _phone_changed,
             lambda p: [launch("Contacts"), tap(p["name"]), tap("Edit contact"),
                        type_in("Phone", p["new_phone"], clear=True), tap("Save")], frozenset({"casual"})),
    Template("contacts-delete", "medium", ("Contacts",),
             ("Delete {name} from my contacts", "Remove the contact {name}"),
             _book, _seed_book, _deleted,
             lambda p: [launch("Contacts"), tap(p["name"]), tap("Delete contact")]),
    Template("contacts-lookup-phone", "medium", ("Contacts",),
             ("What's {name}'s phone number?", "Find the phone number of {name}"),
             lambda rng: _book(rng, 20, late=True), _seed_book, _answer_phone,
             lambda p: [launch("Contacts"), scroll_to(p["name"]), tap(p["name"]),
                        read("number", r"^\d{3} \d{4}$"), done("{number}")],
             frozenset({"retrieval", "scroll"})),
    Template("contacts-lookup-email", "medium", ("Contacts",),
             ("what's the email address I have for {name}?",),
             _book, lambda ph, p: ph.add_contact(p["name"], p["phone"], p["email"]), _answer_email,
             lambda p: [launch("Contacts"), tap(p["name"]), read("email", r"^\S+@\S+$"), done("{email}")],
             frozenset({"retrieval", "casual"})),
    Template("sms-send", "easy", ("Messages",),
             ("Send an SMS to {name} saying {body}", "Text {name}: {body}"),
             _book, _seed_book, _sent("phone", "body"),
             lambda p: compose_sms(p["name"], p["body"])),
    Template("sms-send-number", "easy", ("Messages",),
             ("Send a text message to {phone} saying {body}",),
             _book, _seed_crowd, _sent("phone", "body"),
             lambda p: compose_sms(p["phone"], p["body"])),
    Template("sms-reply", "medium", ("Messages",),
             ("Reply to {name}'s message with \"{reply}\"", "answer {name}'s text, tell them {reply}"),
             _inbox, _seed_inbox, _sent("phone", "reply"),
             lambda p: [launch("Messages"), tap(f"Conversation with {p['name']}"),
                        type_in("Text message", p["reply"]), tap("Send SMS")], frozenset({"casual"})),
    Template("sms-read-latest", "medium", ("Messages",),
             ("What did {name} text me?", "Read me the last message from {name}"),
             _inbox, _seed_inbox, _answer_body,
             lambda p: [launch("Messages"), tap(f"Conversation with {p['name']}"),
                        read("said", rf"^{p['name']}: (?P<v>.+)$"), done("{said}")], frozenset({"retrieval"})),
    Template("sms-code", "medium", ("Messages",),
             ("What's the verification code {service} just sent me?", "I need the {service} login code from my texts"),
             _inbox, _seed_code, _answer_code,
             lambda p: [launch("Messages"), read("code", r"verification code is (?P<v>\d{6})"), done("{code}")],
             frozenset({"retrieval", "casual"})),
    Template("sms-forward-code", "hard", ("Messages",),
             ("Forward the verification code from {service} to {other}",),
             _inbox, _seed_code, _code_forwarded,
             lambda p: [launch("Messages"), read("code", r"verification code is (?P<v>\d{6})"),
                        *compose_sms(p["other"], "{code}")[1:]]),
    Template("sms-count-senders", "hard", ("Messages",),
             ("How many different people have texted me?",),
             _inbox, _seed_inbox, _count_answer,
             lambda p: [launch("Messages"), done("4")], frozenset({"retrieval"})),
]
