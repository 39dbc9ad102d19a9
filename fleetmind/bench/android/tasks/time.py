"""Clock (alarms, timer) and Calendar templates (the deskclock alarms, timers and calendar events providers)."""

from __future__ import annotations

import random

from ..phone import AdbPhone
from ..spec import Check, Params, Template, answer_has, words
from .common import DATES, DAY_WORDS, EVENTS, LABELS, PLACES, done, launch, read, tap, type_in


def _alarm(rng: random.Random) -> Params:
    hour, minute = rng.randrange(5, 12), rng.choice((0, 15, 30, 45, 5, 20))
    other = [(h, m, lab) for (h, m), lab in zip(((6, 10), (13, 0), (21, 30)), ("Bins", "Lunch", "Bed"), strict=True)]
    return {"hour": hour, "minute": minute, "time": f"{hour}:{minute:02d}", "hhmm": f"{hour:02d}:{minute:02d}",
            "label": rng.choice(LABELS), "others": other, "new_hour": (hour + 2) % 24,
            "new_time": f"{(hour + 2) % 24}:{minute:02d}", "pm": f"{hour}:{minute:02d} pm", "pm_hour": hour + 12}


async def _seed_alarms(phone: AdbPhone, p: Params) -> None:
    for h, m, label in p["others"]:
        await phone.add_alarm(h, m, label)


async def _seed_with_target(phone: AdbPhone, p: Params) -> None:
    await _seed_alarms(phone, p)
    await phone.add_alarm(p["hour"], p["minute"], p["label"])


def _alarm_is(hour_key: str, *, label: bool = True, enabled: str = "1") -> Check:
    async def check(phone: AdbPhone, p: Params, answer: str) -> bool:
        return any(a["hour"] == str(p[hour_key]) and a["minutes"] == str(p["minute"]) and a["enabled"] == enabled
                   and (not label or words(a["label"]) == words(p["label"])) for a in await phone.alarms())

    return check


async def _alarm_gone(phone: AdbPhone, p: Params, answer: str) -> bool:
    alarms = await phone.alarms()
    return all(a["label"] != p["label"] for a in alarms) and len(alarms) == len(p["others"])


async def _alarm_moved(phone: AdbPhone, p: Params, answer: str) -> bool:
    alarms = await phone.alarms()
    moved = [a for a in alarms if a["label"] == p["label"]]
    return len(moved) == 1 and (moved[0]["hour"], moved[0]["minutes"]) == (str(p["new_hour"]), str(p["minute"]))


async def _answer_alarm(phone: AdbPhone, p: Params, answer: str) -> bool:
    return p["hhmm"] in answer or answer_has(answer, p["time"])


def _alarm_form(hour: str, minute: str, label: str = "") -> list[dict[str, object]]:
    steps = [launch("Clock"), tap("Add alarm"), type_in("Hour", hour), type_in("Minute", minute)]
    return [*steps, type_in("Label", label), tap("Save")] if label else [*steps, tap("Save")]


def _timer(rng: random.Random) -> Params:
    minutes, seconds = rng.choice((2, 3, 5, 10, 15, 25)), rng.choice((0, 30, 45))
    return {"minutes": minutes, "seconds": seconds, "length": minutes * 60 + seconds, "running": rng.choice((120, 600))}


def _whole_minutes(rng: random.Random) -> Params:
    t = _timer(rng)
    return {**t, "seconds": 0, "length": t["minutes"] * 60}


def _with_seconds(rng: random.Random) -> Params:
    t = _timer(rng)
    seconds = t["seconds"] or 30
    return {**t, "seconds": seconds, "length": t["minutes"] * 60 + seconds}


def _timer_running(length_key: str) -> Check:
    async def check(phone: AdbPhone, p: Params, answer: str) -> bool:
        return any(t["length"] == str(p[length_key]) and t["running"] == "1" for t in await phone.timers())

    return check


async def _timer_cancelled(phone: AdbPhone, p: Params, answer: str) -> bool:
    timers = await phone.timers()
    return bool(timers) and all(t["running"] == "0" for t in timers)


def _event(rng: random.Random) -> Params:
    day = rng.choice(DATES)
    start = rng.choice(("08:30", "09:00", "10:00", "11:15", "14:00", "15:30", "16:45"))
    hour, minute = int(start[:2]), start[3:]
    titles = rng.sample(EVENTS, 4)
    return {"title": titles[0], "others": titles[1:], "date": day, "day": DAY_WORDS[day], "start": start,
            "end": f"{hour + 1:02d}:{minute}", "location": rng.choice(PLACES), "new_start": f"{hour + 2:02d}:{minute}",
            "new_end": f"{hour + 3:02d}:{minute}", "hour": str(hour), "minute": minute}


async def _seed_events(phone: AdbPhone, p: Params) -> None:
    for i, title in enumerate(p["others"]):
        await phone.add_event(title, DATES[i], "12:00", "13:00", "Office")


async def _seed_event_target(phone: AdbPhone, p: Params) -> None:
    await _seed_events(phone, p)
    await phone.add_event(p["title"], p["date"], p["start"], p["end"], p["location"])


def _event_is(start: str, end: str, *, location: bool = False) -> Check:
    async def check(phone: AdbPhone, p: Params, answer: str) -> bool:
        return any(words(e["title"]) == words(p["title"]) and (e["date"], e["start"], e["end"]) ==
                   (p["date"], p[start], p[end]) and (not location or words(e["location"]) == words(p["location"]))
                   for e in await phone.events())

    return check


async def _event_gone(phone: AdbPhone, p: Params, answer: str) -> bool:
    events = await phone.events()
    return all(e["title"] != p["title"] for e in events) and len(events) == len(p["others"])


async def _answer_start(phone: AdbPhone, p: Params, answer: str) -> bool:
    return p["start"] in answer or answer_has(answer, p["start"].lstrip("0"))


async def _answer_place(phone: AdbPhone, p: Params, answer: str) -> bool:
    return answer_has(answer, p["location"])


def _open_event(p: Params) -> list[dict[str, object]]:
    return [launch("Calendar"), tap(p["title"])]


TEMPLATES = [
    Template("alarm-set", "easy", ("Clock",), ("Set an alarm for {hhmm}", "Create an alarm at {time}"),
             _alarm, _seed_alarms, _alarm_is("hour", label=False),
             lambda p: _alarm_form(str(p["hour"]), str(p["minute"]))),
    Template("alarm-set-label", "medium", ("Clock",),
             ("wake me up at {time} tomorrow, call it {label}", "Set an alarm for {hhmm} labelled {label}"),
             _alarm, _seed_alarms, _alarm_is("hour"),
             lambda p: _alarm_form(str(p["hour"]), str(p["minute"]), p["label"]), frozenset({"casual"})),
    Template("alarm-set-pm", "medium", ("Clock",), ("Set an alarm for {pm} labelled {label}",),
             _alarm, _seed_alarms, _alarm_is("pm_hour"),
             lambda p: _alarm_form(str(p["pm_hour"]), str(p["minute"]), p["label"])),
    Template("alarm-disable", "medium", ("Clock",),
             ("Turn off my {label} alarm", "I don't need the {hhmm} alarm anymore, switch it off (don't delete it)"),
             _alarm, _seed_with_target, _alarm_is("hour", enabled="0"),
             lambda p: [launch("Clock"), tap(f"Alarm {p['hhmm']} {p['label']}")], frozenset({"casual"})),
    Template("alarm-delete", "medium", ("Clock",), ("Delete the alarm labelled {label}",),
             _alarm, _seed_with_target, _alarm_gone,
             lambda p: [launch("Clock"), tap(p["label"]), tap("Delete alarm")]),
    Template("alarm-move", "hard", ("Clock",), ("Move my {label} alarm to {new_time}",),
             _alarm, _seed_with_target, _alarm_moved,
             lambda p: [launch("Clock"), tap(p["label"]), type_in("Hour", str(p["new_hour"]), clear=True),
                        tap("Save")]),
    Template("alarm-lookup", "medium", ("Clock",),
             ("What time is my {label} alarm set for?", "when does the {label} alarm go off?"),
             _alarm, _seed_with_target, _answer_alarm,
             lambda p: [launch("Clock"), read("time", rf"Alarm (?P<v>\d\d:\d\d) {p['label']}$"), done("{time}")],
             frozenset({"retrieval", "casual"})),
    Template("timer-start", "easy", ("Clock",), ("Set a timer for {minutes} minutes",),
             _whole_minutes,
             lambda ph, p: _no_seed(), _timer_running("length"),
             lambda p: [launch("Clock"), tap("Timer"), type_in("Minutes", str(p["minutes"])), tap("Start")]),
    Template("timer-start-seconds", "medium", ("Clock",),
             ("Start a timer for {minutes} minutes and {seconds} seconds",),
             _with_seconds,
             lambda ph, p: _no_seed(), _timer_running("length"),
             lambda p: [launch("Clock"), tap("Timer"), type_in("Minutes", str(p["minutes"])),
                        type_in("Seconds", str(p["seconds"])), tap("Start")]),
    Template("timer-cancel", "medium", ("Clock",), ("Cancel the running timer", "stop the timer, I'm done cooking"),
             _timer, lambda ph, p: ph.start_timer(p["running"]), _timer_cancelled,
             lambda p: [launch("Clock"), tap("Timer"), tap("Cancel")], frozenset({"casual"})),
    Template("calendar-add", "medium", ("Calendar",),
             ("Add an event titled {title} on {date} from {start} to {end}",),
             _event, _seed_events, _event_is("start", "end"),
             lambda p: [launch("Calendar"), tap("New event"), type_in("Title", p["title"]), type_in("Date", p["date"]),
                        type_in("Start", p["start"]), type_in("End", p["end"]), tap("Save")]),
    Template("calendar-add-place", "hard", ("Calendar",),
             ("put {title} in my calendar on {date} at {start} for an hour, it's at {location}",),
             _event, _seed_events, _event_is("start", "end", location=True),
             lambda p: [launch("Calendar"), tap("New event"), type_in("Title", p["title"]), type_in("Date", p["date"]),
                        type_in("Start", p["start"]), type_in("Location", p["location"]), tap("Save")],
             frozenset({"casual"})),
    Template("calendar-when", "medium", ("Calendar",), ("What time is my {title} on {day}?", "When is {title}?"),
             _event, _seed_event_target, _answer_start,
             lambda p: [*_open_event(p), read("start", r"^(?P<v>\d\d:\d\d) - \d\d:\d\d$"), done("{start}")],
             frozenset({"retrieval"})),
    Template("calendar-where", "medium", ("Calendar",), ("Where is my {title} appointment?",),
             _event, _seed_event_target, _answer_place,
             lambda p: [*_open_event(p), read("place", r"^.+$", after=" - "), done("{place}")],
             frozenset({"retrieval"})),
    Template("calendar-delete", "medium", ("Calendar",), ("Cancel {title} on my calendar", "Delete the {title} event"),
             _event, _seed_event_target, _event_gone,
             lambda p: [*_open_event(p), tap("Delete event")]),
    Template("calendar-reschedule", "hard", ("Calendar",),
             ("Move {title} to {new_start}-{new_end}, same day", "push my {title} back two hours"),
             _event, _seed_event_target, _event_is("new_start", "new_end", location=True),
             lambda p: [*_open_event(p), tap("Edit event"), type_in("Start", p["new_start"], clear=True),
                        type_in("End", p["new_end"], clear=True), tap("Save")], frozenset({"casual"})),
]


async def _no_seed() -> None:
    return None
