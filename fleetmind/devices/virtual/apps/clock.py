"""Clock (com.android.deskclock): alarms with switches, add/edit form, and the Timer (see timer.py)."""

from __future__ import annotations

from fleetmind.devices.base import Bounds

from ..state import Alarm, PhoneState, ScreenRef
from ..ui import PAD, ROW_H, SCREEN_W, App, Command, Node, Screen, View, box
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
)
from .records import delete_open_record, record_index, save_record
from .timer import timer_screen

PACKAGE = "com.android.deskclock"
FORM_FIELDS = (("hour", "Hour"), ("minute", "Minute"), ("label", "Label"))


def switch_label(alarm: Alarm) -> str:
    """How an alarm's Switch is described, e.g. "Alarm 07:30 Gym"."""
    return f"Alarm {alarm.time_text} {alarm.label}".strip()


def _toggle(index: int) -> Command:
    def run(state: PhoneState) -> str:
        alarm = state.alarms[index]
        alarm.enabled = not alarm.enabled
        return f"{switch_label(alarm)} turned {'on' if alarm.enabled else 'off'}"

    return run


def _open_form(index: int) -> Command:
    def run(state: PhoneState) -> str:
        fields: dict[str, str] = {}
        if index >= 0:
            a = state.alarms[index]
            fields = {"hour": str(a.hour), "minute": f"{a.minute:02d}", "label": a.label}
        state.nav.push(ScreenRef(app=PACKAGE, name="form", params={"index": index}, fields=fields))
        return "opened " + ("the alarm" if index >= 0 else "a new alarm")

    return run


def _alarm_row(v: View, index: int) -> RowBuilder:
    alarm = v.state.alarms[index]

    def build(b: Bounds) -> Node:
        t = b.top
        children = [text_view(alarm.time_text, box(PAD, t + 16, 500, t + 100), rid=v.rid("digital_clock"))]
        if alarm.label:
            children.append(text_view(alarm.label, box(PAD, t + 100, 840, t + ROW_H - 8), rid=v.rid("label")))
        children.append(
            Node(
                "android.widget.Switch",
                box(880, t + 40, SCREEN_W - PAD, t + ROW_H - 40),
                description=switch_label(alarm),
                resource_id=v.rid("onoff"),
                clickable=True,
                checkable=True,
                checked=alarm.enabled,
                on_tap=_toggle(index),
            )
        )
        return Node(
            "android.widget.LinearLayout", b, clickable=True, on_tap=_open_form(index), children=tuple(children)
        )

    return build


def _open_timer(state: PhoneState) -> str:
    state.nav.push(ScreenRef(app=PACKAGE, name="timer"))
    return "opened the timer"


def list_screen(v: View) -> Screen:
    """Alarms sorted by time, each with a Switch, "Add alarm", and "Timer" in the app bar."""
    nodes = app_bar(v, "Alarms", up=False, actions=[("Timer", "Timer", _open_timer)])
    add = fab("", "Add alarm", _open_form(-1), v.bottom)
    order = sorted(range(len(v.state.alarms)), key=lambda i: v.state.alarms[i].time_text)
    area = None
    if order:
        lst, area = scroll_list(v, [_alarm_row(v, i) for i in order], v.top, add.bounds.top - 24)
        nodes.append(lst)
    else:
        nodes.append(text_view("No alarms", box(PAD, v.top + 40, SCREEN_W - PAD, v.top + 120)))
    nodes.append(add)
    return Screen("Alarms", nodes, activity=".DeskClock", scroll=area)


def _number(text: str, name: str, maximum: int) -> int:
    if not text.strip().isdigit() or not 0 <= int(text) <= maximum:
        raise ValueError(f"{name} must be a number from 0 to {maximum}")
    return int(text)


def _save(state: PhoneState) -> str:
    ref = state.nav.stack[-1]
    try:
        hour = _number(ref.fields.get("hour", ""), "Hour", 23)
        minute = _number(ref.fields.get("minute", ""), "Minute", 59)
    except ValueError as exc:
        ref.error = str(exc)
        return f"not saved: {exc}"
    alarm = Alarm(hour=hour, minute=minute, label=ref.fields.get("label", "").strip())
    save_record(state.alarms, ref, alarm)
    state.nav.pop()
    return f"alarm set for {alarm.time_text}"


def _delete(state: PhoneState) -> str:
    alarm = delete_open_record(state, state.alarms)
    return f"deleted alarm {alarm.time_text}"


def form_screen(v: View) -> Screen:
    """Add or edit an alarm: Hour, Minute, Label fields and Save."""
    editing = record_index(v.ref) >= 0
    title = "Edit alarm" if editing else "Add alarm"
    actions = [("Delete", "Delete alarm", _delete)] if editing else []
    nodes = app_bar(v, title, actions=[*actions, ("Save", "Save", _save)])
    top = v.top + 40
    for key, label in FORM_FIELDS:
        nodes.append(field(v, key, label, top, name=key))
        top += FIELD_H + FIELD_GAP
    nodes += error_text(v, top)
    return Screen(title, nodes, activity=".AlarmEditActivity", fields=tuple(k for k, _ in FORM_FIELDS), submit=_save)


APP = App(
    label="Clock",
    package=PACKAGE,
    activity=".DeskClock",
    main="list",
    screens={"list": list_screen, "form": form_screen, "timer": timer_screen},
)
