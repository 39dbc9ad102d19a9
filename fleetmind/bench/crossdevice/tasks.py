"""The cross-device tasks: eleven templates over 2-5 devices, instantiated into a fixed set of 51 tasks.

Data moves between devices in most of them: a code read on one phone is written on
another, facts from several phones are gathered into one note, a web lookup is texted
from a phone, a phone's contact goes out through the website's form; the rest make the
same change on every phone or independent changes side by side.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import quote

from ...devices.virtual.web import ARTICLES
from ..android.phone import AdbPhone
from ..android.spec import digits, words
from ..android.tasks.common import (
    EVENTS,
    LABELS,
    MESSAGES,
    NOTE_TITLES,
    compose_sms,
    done,
    launch,
    number,
    person,
    read,
    tap,
    type_in,
)
from .spec import Fleet, RefSubtask, XTask

__all__ = ["TASKS", "build_tasks"]

P = dict[str, Any]
CITIES = ("Kyoto", "Lisbon", "Oslo", "Cairo", "Lima", "Hanoi")


def _note_steps(title: str, body: str) -> list[dict[str, Any]]:
    return [launch("Notes"), tap("New note"), type_in("Title", title), type_in("Body", body), tap("Save")]


def _contact_steps(name: str, phone: str) -> list[dict[str, Any]]:
    return [launch("Contacts"), tap("Create contact"), type_in("Name", name), type_in("Phone", phone), tap("Save")]


def _lookup_steps(name: str) -> list[dict[str, Any]]:
    return [launch("Contacts"), tap(name), read("number", r"^\d{3} \d{4}$"), done("{number}")]


async def _has_note(phone: AdbPhone, title: str, *parts: str) -> bool:
    for n in await phone.notes():
        if words(n["title"]) == words(title) and all(
                (digits(p) in digits(n["body"])) if p[:1].isdigit() else words(p) in words(n["body"]) for p in parts):
            return True
    return False


async def _sent_to(phone: AdbPhone, number_: str, *parts: str) -> bool:
    return any(m["type"] == "2" and digits(m["address"]) == digits(number_) and all(
        (digits(p) in digits(m["body"])) if p[:1].isdigit() else words(p) in words(m["body"]) for p in parts)
        for m in await phone.messages())


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _phones(k: int) -> list[str]:
    return [f"phone-{i + 1}" for i in range(k)]


# ------------------------------------------------------------------------------- templates


def relay_code(rng: random.Random, k: int) -> XTask:
    """A verification code texted to phone-1 is written in a note on phone-k."""
    p: P = {"code": f"{rng.randrange(100000, 1000000)}", "service": rng.choice(("PayFast", "MailBox", "CloudID")),
            "title": rng.choice(("Code", "Login code", "OTP")), "target": f"phone-{k}"}

    async def seed(phones: Mapping[str, AdbPhone], p: P) -> None:
        await phones["phone-1"].add_sms("72345", f"{p['service']}: your verification code is {p['code']}")

    async def check(f: Fleet, p: P) -> bool:
        return await _has_note(f.phone(p["target"]), p["title"], p["code"])

    return XTask(f"relay-code-{k}", "relay", f"phone:{k}",
                 f"Read the verification code {p['service']} texted me on phone-1 and write it in a note titled "
                 f"{p['title']} on {p['target']}.", p, seed, check, [
                     RefSubtask("read", "phone-1", f"Read the verification code {p['service']} texted me",
                                [launch("Messages"), read("code", r"verification code is (?P<v>\d{6})"),
                                 done("{code}")],
                                outputs=("code",)),
                     RefSubtask("note", p["target"], f"Write it in a note titled {p['title']}",
                                _note_steps(p["title"], "{code}"), inputs={"code": ("read", "code")})])


def gather_numbers(rng: random.Random, k: int) -> XTask:
    """Numbers found on phones 1..k-1 are gathered into one note on phone-k."""
    taken: set[str] = set()
    people = [(person(rng, taken), number(rng)) for _ in range(k - 1)]
    p: P = {"people": people, "target": f"phone-{k}"}
    finds = ", ".join(f"{name}'s number on phone-{i + 1}" for i, (name, _) in enumerate(people))

    async def seed(phones: Mapping[str, AdbPhone], p: P) -> None:
        for i, (name, num) in enumerate(p["people"]):
            await phones[f"phone-{i + 1}"].add_contact(name, num)

    async def check(f: Fleet, p: P) -> bool:
        return await _has_note(f.phone(p["target"]), "Numbers", *(num for _, num in p["people"]))

    refs = [RefSubtask(f"find{i + 1}", f"phone-{i + 1}", f"Find {name}'s number", _lookup_steps(name),
                       outputs=("number",)) for i, (name, _) in enumerate(people)]
    body = ", ".join(f"{{n{i + 1}}}" for i in range(len(people)))
    refs.append(RefSubtask("note", p["target"], "Write them all in a note titled Numbers",
                           _note_steps("Numbers", body), inputs={f"n{i + 1}": (f"find{i + 1}", "number")
                                                                  for i in range(len(people))}))
    return XTask(f"gather-numbers-{k}", "gather", f"phone:{k}",
                 f"Find {finds}, then write them all in a note titled Numbers on {p['target']}.", p, seed, check, refs)


def broadcast_setting(rng: random.Random, k: int, which: str) -> XTask:
    """The same setting changed on every phone."""
    label, key, want, words_ = {"dark": ("Dark theme", ("secure", "ui_night_mode"), "2", "turn on dark theme"),
                                "bluetooth": ("Bluetooth", ("global", "bluetooth_on"), "1", "turn on Bluetooth"),
                                "wifi": ("Wi-Fi", ("global", "wifi_on"), "0", "turn off Wi-Fi")}[which]

    async def seed(phones: Mapping[str, AdbPhone], p: P) -> None:
        return None

    async def check(f: Fleet, p: P) -> bool:
        return all([await ph.setting(*key) == want for ph in f.phones.values()])

    refs = [RefSubtask(f"set{i + 1}", d, _cap(words_), [launch("Settings"), tap(label)]) for i, d in
            enumerate(_phones(k))]
    return XTask(f"every-phone-{which}-{k}", "broadcast", f"phone:{k}", f"Please {words_} on every phone.", {},
                 seed, check, refs)


def broadcast_contact(rng: random.Random, k: int) -> XTask:
    """The same contact added on every phone."""
    p: P = {"name": person(rng), "phone": number(rng)}

    async def seed(phones: Mapping[str, AdbPhone], p: P) -> None:
        return None

    async def check(f: Fleet, p: P) -> bool:
        return all([any(words(c["name"]) == words(p["name"]) and digits(c["phone"]) == digits(p["phone"])
                        for c in await ph.contacts()) for ph in f.phones.values()])

    refs = [RefSubtask(f"add{i + 1}", d, f"Add {p['name']}, {p['phone']}, to the contacts",
                       _contact_steps(p["name"], p["phone"])) for i, d in enumerate(_phones(k))]
    return XTask(f"every-phone-contact-{k}", "broadcast", f"phone:{k}",
                 f"Add {p['name']}, {p['phone']}, to the contacts on every phone.", p, seed, check, refs)


def web_weather_sms(rng: random.Random, k: int) -> XTask:
    """A forecast looked up in the browser is texted from phone-1."""
    p: P = {"city": rng.choice(CITIES), "name": person(rng), "phone": number(rng)}

    async def seed(phones: Mapping[str, AdbPhone], p: P) -> None:
        await phones["phone-1"].add_contact(p["name"], p["phone"])

    async def check(f: Fleet, p: P) -> bool:
        return f.forecast is not None and await _sent_to(f.phone("phone-1"), p["phone"], f.forecast(p["city"]))

    return XTask(f"web-weather-sms-{p['city'].lower()}-{k}", "web-to-phone", f"phone:{k},browser:1",
                 f"Look up the weather in {p['city']} on the web and text it to {p['name']} from phone-1.", p, seed,
                 check, [
                     RefSubtask("weather", "browser-1", f"Look up the weather in {p['city']}",
                                [launch("{web}weather?city=" + quote(p["city"])),
                                 read("weather", rf"Weather in {p['city']}: (?P<v>.+)$"), done("{weather}")],
                                outputs=("weather",)),
                     RefSubtask("text", "phone-1", f"Text it to {p['name']}", compose_sms(p["name"], "{weather}"),
                                inputs={"weather": ("weather", "weather")})])


def web_wiki_note(rng: random.Random, k: int) -> XTask:
    """An encyclopedia article read in the browser is saved in a note on phone-k."""
    title = rng.choice(("Ada Lovelace", "Grace Hopper", "Alan Turing"))
    p: P = {"article": title, "title": title.split()[-1], "target": f"phone-{k}",
            "fact": ARTICLES[title].split("(")[1][:4]}

    async def seed(phones: Mapping[str, AdbPhone], p: P) -> None:
        return None

    async def check(f: Fleet, p: P) -> bool:
        return await _has_note(f.phone(p["target"]), p["title"], p["fact"])

    return XTask(f"web-wiki-note-{p['title'].lower()}-{k}", "web-to-phone", f"phone:{k},browser:1",
                 f"Look up {title} in the encyclopedia and save what it says in a note titled {p['title']} on "
                 f"{p['target']}.", p, seed, check, [
                     RefSubtask("wiki", "browser-1", f"Look up {title} in the encyclopedia",
                                [launch("{web}wiki/" + quote(title)), read("text", rf"^{title} \(.+$"), done("{text}")],
                                outputs=("text",)),
                     RefSubtask("note", p["target"], f"Save what it says in a note titled {p['title']}",
                                _note_steps(p["title"], "{text}"), inputs={"text": ("wiki", "text")})])


def side_by_side(rng: random.Random, k: int) -> XTask:
    """Independent changes on k phones at once."""
    hour, minute = rng.randrange(5, 10), rng.choice((5, 15, 40))
    title, body = rng.choice(NOTE_TITLES), rng.choice(MESSAGES)
    jobs: list[tuple[str, list[dict[str, Any]], Callable[[AdbPhone], Awaitable[bool]]]] = [
            (f"set an alarm for {hour}:{minute:02d}", _alarm_steps(hour, minute, ""),
             lambda ph: _has_alarm(ph, hour, minute)),
            (f"write a note titled {title} saying {body}", _note_steps(title, body),
             lambda ph: _has_note(ph, title, body)),
            ("turn on Bluetooth", [launch("Settings"), tap("Bluetooth")],
             lambda ph: _setting_is(ph, ("global", "bluetooth_on"), "1")),
            ("turn off Wi-Fi", [launch("Settings"), tap("Wi-Fi")],
             lambda ph: _setting_is(ph, ("global", "wifi_on"), "0")),
            ("turn on dark theme", [launch("Settings"), tap("Dark theme")],
             lambda ph: _setting_is(ph, ("secure", "ui_night_mode"), "2"))]
    jobs = jobs[:k]

    async def seed(phones: Mapping[str, AdbPhone], p: P) -> None:
        return None

    async def check(f: Fleet, p: P) -> bool:
        return all([await test(f.phone(f"phone-{i + 1}")) for i, (_, _, test) in enumerate(jobs)])

    clauses = [f"{what} on phone-{i + 1}" for i, (what, _, _) in enumerate(jobs)]
    request = _cap(", ".join(clauses[:-1]) + " and " + clauses[-1]) + "."
    refs = [RefSubtask(f"job{i + 1}", f"phone-{i + 1}", _cap(what), steps)
            for i, (what, steps, _) in enumerate(jobs)]
    return XTask(f"side-by-side-{k}", "parallel", f"phone:{k}", request, {}, seed, check, refs)


def _alarm_steps(hour: int | str, minute: int | str, label: str) -> list[dict[str, Any]]:
    steps = [launch("Clock"), tap("Add alarm"), type_in("Hour", str(hour)), type_in("Minute", str(minute))]
    return [*steps, *([type_in("Label", label)] if label else []), tap("Save")]


async def _has_alarm(phone: AdbPhone, hour: int, minute: int) -> bool:
    return any((a["hour"], a["minutes"]) == (str(hour), str(minute)) for a in await phone.alarms())


async def _setting_is(phone: AdbPhone, key: tuple[str, str], want: str) -> bool:
    return bool(await phone.setting(*key) == want)


def relay_contact(rng: random.Random, k: int) -> XTask:
    """A contact on phone-1 is added, with its number, on phone-k."""
    p: P = {"name": person(rng), "phone": number(rng), "target": f"phone-{k}"}

    async def seed(phones: Mapping[str, AdbPhone], p: P) -> None:
        await phones["phone-1"].add_contact(p["name"], p["phone"])

    async def check(f: Fleet, p: P) -> bool:
        return any(words(c["name"]) == words(p["name"]) and digits(c["phone"]) == digits(p["phone"])
                   for c in await f.phone(p["target"]).contacts())

    return XTask(f"relay-contact-{k}", "relay", f"phone:{k}",
                 f"Find {p['name']}'s number on phone-1 and add {p['name']} with that number to the contacts on "
                 f"{p['target']}.", p, seed, check, [
                     RefSubtask("find", "phone-1", f"Find {p['name']}'s number", _lookup_steps(p["name"]),
                                outputs=("number",)),
                     RefSubtask("add", p["target"], f"Add {p['name']} with that number to the contacts",
                                _contact_steps(p["name"], "{number}"), inputs={"number": ("find", "number")})])


def event_to_alarm(rng: random.Random, k: int) -> XTask:
    """The start of an event in phone-1's calendar becomes an alarm on phone-k."""
    hour, minute = rng.randrange(7, 17), rng.choice(("00", "15", "30", "45"))
    p: P = {"event": rng.choice(EVENTS), "hour": hour, "minute": minute, "target": f"phone-{k}",
            "label": rng.choice(LABELS)}

    async def seed(phones: Mapping[str, AdbPhone], p: P) -> None:
        await phones["phone-1"].add_event(p["event"], "2025-06-03", f"{p['hour']:02d}:{p['minute']}",
                                          f"{p['hour'] + 1:02d}:{p['minute']}")

    async def check(f: Fleet, p: P) -> bool:
        return await _has_alarm(f.phone(p["target"]), p["hour"], int(p["minute"]))

    return XTask(f"event-to-alarm-{k}", "relay", f"phone:{k}",
                 f"Check when my {p['event']} is on phone-1, then set an alarm for that time on {p['target']}.",
                 p, seed, check, [
                     RefSubtask("when", "phone-1", f"Check when my {p['event']} is",
                                [launch("Calendar"), tap(p["event"]), read("time", r"^(?P<v>\d\d:\d\d) - "),
                                 done("{time}")], outputs=("time",)),
                     RefSubtask("alarm", p["target"], "Set an alarm for that time",
                                _alarm_steps("{time_hour}", "{time_minute}", ""),
                                inputs={"time": ("when", "time")})])


def fan_out_join(rng: random.Random, k: int) -> XTask:
    """Wi-Fi on phones 1..k-1, then a text from phone-k once all are done."""
    p: P = {"name": person(rng), "phone": number(rng), "text": rng.choice(("all online", "phones are ready"))}

    async def seed(phones: Mapping[str, AdbPhone], p: P) -> None:
        for i in range(k - 1):
            await phones[f"phone-{i + 1}"].put_setting("global", "wifi_on", "0")
        await phones[f"phone-{k}"].add_contact(p["name"], p["phone"])

    async def check(f: Fleet, p: P) -> bool:
        wifi = [await f.phone(f"phone-{i + 1}").setting("global", "wifi_on") == "1" for i in range(k - 1)]
        return all(wifi) and await _sent_to(f.phone(f"phone-{k}"), p["phone"], p["text"])

    ons = [RefSubtask(f"wifi{i + 1}", f"phone-{i + 1}", "Turn on Wi-Fi", [launch("Settings"), tap("Wi-Fi")])
           for i in range(k - 1)]
    which = " and ".join(f"phone-{i + 1}" for i in range(k - 1))
    return XTask(f"fan-out-join-{k}", "fan-out", f"phone:{k}",
                 f"Turn on Wi-Fi on {which}, then text {p['name']} '{p['text']}' from phone-{k}.", p, seed, check,
                 [*ons, RefSubtask("text", f"phone-{k}", f"Text {p['name']} '{p['text']}'",
                                   compose_sms(p["name"], p["text"]), after=tuple(r.id for r in ons))])


def phone_to_web(rng: random.Random, k: int) -> XTask:
    """A number found on phone-1 goes out through the website's contact form."""
    p: P = {"name": person(rng), "phone": number(rng), "me": rng.choice(("Sam Rivera", "Jo Park", "Dana Lee"))}

    async def seed(phones: Mapping[str, AdbPhone], p: P) -> None:
        await phones["phone-1"].add_contact(p["name"], p["phone"])

    async def check(f: Fleet, p: P) -> bool:
        return f.web is not None and any(words(m["name"]) == words(p["me"]) and digits(p["phone"]) in digits(
            m["message"]) for m in f.web.messages)

    return XTask(f"phone-to-web-{k}", "phone-to-web", f"phone:{k},browser:1",
                 f"Find {p['name']}'s number on phone-1 and send it through the website's contact form with the "
                 f"name {p['me']}.", p, seed, check, [
                     RefSubtask("find", "phone-1", f"Find {p['name']}'s number", _lookup_steps(p["name"]),
                                outputs=("number",)),
                     RefSubtask("form", "browser-1", f"Send it through the website's contact form with the name "
                                f"{p['me']}", [launch("{web}contact"), type_in("Name", p["me"]),
                                               type_in("Message", "{number}"), tap("Send")],
                                inputs={"number": ("find", "number")})])


Maker = Callable[[random.Random], XTask]
PLAN: list[tuple[Maker, int]] = [
    *((lambda rng, k=k: relay_code(rng, k), 2) for k in (2, 3, 4, 5)),
    *((lambda rng, k=k: gather_numbers(rng, k), 2) for k in (3, 4, 5)),
    *((lambda rng, k=k, w=w: broadcast_setting(rng, k, w), 1) for k in (2, 3, 4, 5) for w in ("dark", "bluetooth")),
    *((lambda rng, k=k: broadcast_contact(rng, k), 1) for k in (2, 3, 4)),
    *((lambda rng, k=k: web_weather_sms(rng, k), 2) for k in (1, 2)),
    *((lambda rng, k=k: web_wiki_note(rng, k), 1) for k in (1, 2, 3)),
    *((lambda rng, k=k: side_by_side(rng, k), 1) for k in (2, 3, 4, 5)),
    *((lambda rng, k=k: relay_contact(rng, k), 1) for k in (2, 3, 4, 5)),
    *((lambda rng, k=k: event_to_alarm(rng, k), 1) for k in (2, 3, 4, 5)),
    *((lambda rng, k=k: fan_out_join(rng, k), 1) for k in (3, 4, 5)),
    *((lambda rng, k=k: phone_to_web(rng, k), 2) for k in (1, 2)),
]
"""(how to make a task, how many variants with different parameters)."""


def build_tasks(seed: int = 0) -> list[XTask]:
    """Every task, its parameters drawn from `seed` (ids are unique: variants get #1, #2)."""
    out: list[XTask] = []
    for i, (make, variants) in enumerate(PLAN):
        for v in range(variants):
            task = make(random.Random(f"{seed}:{i}:{v}"))
            out.append(task if variants == 1 else dataclasses.replace(task, id=f"{task.id}#{v + 1}"))
    return out


TASKS = build_tasks()
"""The suite at seed 0."""
