"""Calendar (com.google.android.calendar): upcoming events, new/edit form, event details.

"Today" is the virtual clock's day (`PhoneState.today`); the list shows events from
today on, sorted by date and time. Past events stay in `PhoneState.events`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from ..state import Event, PhoneState, ScreenRef, parse_date, parse_time
from ..ui import PAD, SCREEN_W, App, Command, Screen, View, box
from ..widgets import (
    FIELD_GAP,
    FIELD_H,
    RowBuilder,
    app_bar,
    error_text,
    fab,
    field,
    scroll_list,
    text_view,
    two_line_row,
)
from .records import delete_open_record, record_index, save_record

PACKAGE = "com.google.android.calendar"
FORM_FIELDS = (  # (key, label, hint shown while empty)
    ("title", "Title", "Title"),
    ("date", "Date", "YYYY-MM-DD"),
    ("start", "Start", "HH:MM"),
    ("end", "End", "HH:MM"),
    ("location", "Location", "Location"),
)
DEFAULT_LENGTH = timedelta(hours=1)  # a blank End means an hour after Start, as Google Calendar does


def day_label(day: date, today: date) -> str:
    """How the list names a day: "Today", "Tomorrow", else e.g. "Wed, Jun 4" (with the year if not this one)."""
    if day == today:
        return "Today"
    if day == today + timedelta(days=1):
        return "Tomorrow"
    label = f"{day:%a, %b} {day.day}"
    return label if day.year == today.year else f"{label}, {day.year}"


def long_date(day: date) -> str:
    """The day as the detail page writes it, e.g. "Tuesday, June 3, 2025"."""
    return f"{day:%A, %B} {day.day}, {day.year}"


def upcoming(state: PhoneState) -> list[int]:
    """Indexes into `state.events` of the events from today on, in date and time order."""
    today = state.today.isoformat()
    events = state.events
    order = [i for i, e in enumerate(events) if e.date >= today]
    return sorted(order, key=lambda i: (events[i].date, events[i].start, events[i].end, events[i].title))


# ---------------------------------------------------------------------- list


def _open_detail(index: int) -> Command:
    def run(state: PhoneState) -> str:
        state.nav.push(ScreenRef(app=PACKAGE, name="detail", params={"index": index}))
        return f"opened event {state.events[index].title!r}"

    return run


def _open_form(index: int) -> Command:
    def run(state: PhoneState) -> str:
        fields: dict[str, str] = {}
        if index >= 0:
            e = state.events[index]
            fields = {"title": e.title, "date": e.date, "start": e.start, "end": e.end, "location": e.location}
        state.nav.push(ScreenRef(app=PACKAGE, name="form", params={"index": index}, fields=fields))
        return f"editing event {state.events[index].title!r}" if index >= 0 else "opened a new event"

    return run


def list_screen(v: View) -> Screen:
    """Today's date, the upcoming events (a scrolling list when long), and "New event"."""
    today = v.state.today
    nodes = app_bar(v, "Calendar", up=False)
    nodes.append(
        text_view(
            f"Today: {long_date(today)}",
            box(PAD, v.top + 16, SCREEN_W - PAD, v.top + 96),
            rid=v.rid("today"),
        )
    )
    new = fab("New event", "New event", _open_form(-1), v.bottom)

    def row(i: int) -> RowBuilder:
        e = v.state.events[i]
        when = f"{day_label(parse_date(e.date), today)} \u00b7 {e.start} - {e.end}"
        if e.location:
            when += f" \u00b7 {e.location}"
        return lambda b: two_line_row(b, e.title, when, _open_detail(i), rid=v.rid("event_title"))

    order = upcoming(v.state)
    top = v.top + 112
    area = None
    if order:
        lst, area = scroll_list(v, [row(i) for i in order], top, new.bounds.top - 24)
        nodes.append(lst)
    else:
        nodes.append(text_view("No upcoming events", box(PAD, top + 24, SCREEN_W - PAD, top + 104)))
    nodes.append(new)
    return Screen("Calendar", nodes, activity="com.android.calendar.AllInOneActivity", scroll=area)


# ---------------------------------------------------------------------- form


def _event_from(fields: dict[str, str], today: date) -> Event:
    """The event a filled-in form describes; ValueError with the message the form shows."""
    title = fields.get("title", "").strip()
    if not title:
        raise ValueError("Enter a title for the event")
    day = parse_date(fields["date"]) if fields.get("date", "").strip() else today
    start = parse_time(fields.get("start", "")) if fields.get("start", "").strip() else ""
    if not start:
        raise ValueError("Enter a start time as HH:MM, e.g. 09:30")
    if fields.get("end", "").strip():
        end = parse_time(fields["end"])
    else:
        later = datetime.strptime(start, "%H:%M") + DEFAULT_LENGTH
        end = "23:59" if later.day > 1 else f"{later:%H:%M}"  # an hour after, within the same day
    if end < start:
        raise ValueError(f"End time {end} is before the start time {start}")
    return Event(title=title, date=day.isoformat(), start=start, end=end, location=fields.get("location", "").strip())


def _keep_length(fields: dict[str, str], before: Event) -> dict[str, str]:
    """An edit that moves the start and leaves the end as it was keeps the event's length, as
    Android's Calendar moves the end time along with the start."""
    start, end = fields.get("start", "").strip(), fields.get("end", "").strip()
    try:
        times = (parse_time(start), before.start, before.end)
        moved, old_start, old_end = (datetime.strptime(t, "%H:%M") for t in times)
    except ValueError:
        return fields  # the form says what is wrong with the time when it is saved
    if moved == old_start or end != before.end:
        return fields
    later = moved + (old_end - old_start)
    return {**fields, "end": "23:59" if later.day > moved.day else f"{later:%H:%M}"}


def _save(state: PhoneState) -> str:
    ref = state.nav.stack[-1]
    index = record_index(ref)
    fields = _keep_length(ref.fields, state.events[index]) if 0 <= index < len(state.events) else ref.fields
    try:
        event = _event_from(fields, state.today)
    except ValueError as exc:
        ref.error = str(exc)
        return f"not saved: {exc}"
    save_record(state.events, ref, event)
    state.nav.pop()
    return f"saved event {event.title!r} on {event.date} {event.start}-{event.end}"


def form_screen(v: View) -> Screen:
    """A new or edited event: Title, Date, Start, End, Location fields and Save."""
    editing = record_index(v.ref) >= 0
    title = "Edit event" if editing else "New event"
    nodes = app_bar(v, title, actions=[("Save", "Save", _save)])
    top = v.top + 40
    for key, label, hint in FORM_FIELDS:
        nodes.append(field(v, key, label, top, name=key, hint=hint))
        top += FIELD_H + FIELD_GAP
    nodes += error_text(v, top)
    return Screen(
        title,
        nodes,
        activity="com.android.calendar.event.EditEventActivity",
        fields=tuple(k for k, _, _ in FORM_FIELDS),
        submit=_save,
    )


# ---------------------------------------------------------------------- detail


def _delete(state: PhoneState) -> str:
    event = delete_open_record(state, state.events)
    return f"deleted event {event.title!r} on {event.date}"


def detail_screen(v: View) -> Screen:
    """One event: title, day, times and location, with Edit and Delete."""
    index = record_index(v.ref)
    activity = "com.android.calendar.EventInfoActivity"
    if not 0 <= index < len(v.state.events):  # deleted behind the screen's back (a test or checker did it)
        nodes = app_bar(v, "Event")
        nodes.append(text_view("This event no longer exists", box(PAD, v.top + 40, SCREEN_W - PAD, v.top + 120)))
        return Screen("Event", nodes, activity=activity)
    e = v.state.events[index]
    actions = [("Edit", "Edit event", _open_form(index)), ("Delete", "Delete event", _delete)]
    nodes = app_bar(v, "Event", actions=actions)
    lines = [
        (e.title, "title", 120),
        (long_date(parse_date(e.date)), "date", 80),
        (f"{e.start} - {e.end}", "time", 80),
    ]
    if e.location:
        lines.append((e.location, "location", 80))
    top = v.top + 40
    for text, name, height in lines:
        nodes.append(text_view(text, box(PAD, top, SCREEN_W - PAD, top + height), rid=v.rid(name)))
        top += height + 24
    return Screen("Event", nodes, activity=activity)


APP = App(
    label="Calendar",
    package=PACKAGE,
    activity="com.android.calendar.AllInOneActivity",
    main="list",
    screens={"list": list_screen, "form": form_screen, "detail": detail_screen},
)
