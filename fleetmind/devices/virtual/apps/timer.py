"""The Clock app's Timer screen: set Minutes and Seconds (and a Label, as Android's Clock has), Start,
watch it count down, Cancel.

Time left is computed from the virtual clock (`PhoneState.now`), which moves on a
second per action, so a running timer's text changes from one observation to the next.
A timer that runs out shows 00:00 and "Time's up" until it is cancelled.
"""

from __future__ import annotations

from fleetmind.devices.base import Bounds

from ..state import PhoneState, Timer
from ..ui import PAD, SCREEN_W, Command, Node, Screen, View, box
from ..widgets import FIELD_GAP, FIELD_H, RowBuilder, app_bar, button, error_text, fab, field, scroll_list, text_view

__all__ = ["ACTIVITY", "clock_text", "running_timers", "timer_screen"]

ACTIVITY = ".DeskClock"  # the timer is a tab of the Clock's one activity
FORM_FIELDS = (("minutes", "Minutes", 99), ("seconds", "Seconds", 59))  # (key, label, maximum)
LABEL = ("label", "Label")
TIMER_ROW_H = 220


def clock_text(seconds: int) -> str:
    """A duration as a timer shows it: 05:00, 00:59, 1:30:00."""
    hours, rest = divmod(max(0, seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def running_timers(state: PhoneState) -> list[int]:
    """Indexes into `state.timers` of the timers not cancelled, oldest first."""
    return [i for i, t in enumerate(state.timers) if t.running]


def _cancel(index: int) -> Command:
    def run(state: PhoneState) -> str:
        timer = state.timers[index]
        left = timer.remaining(state.now)
        timer.running = False
        return f"cancelled the {clock_text(timer.duration)} timer ({clock_text(left)} left)"

    return run


def _add(state: PhoneState) -> str:
    state.nav.stack[-1].params["adding"] = True
    return "opened a new timer"


def _number(text: str, label: str, maximum: int) -> int:
    text = text.strip()
    if not text:
        return 0  # a blank field is zero, as the Clock's keypad starts at 00m 00s
    if not text.isdigit() or int(text) > maximum:
        raise ValueError(f"{label} must be a number from 0 to {maximum}")
    return int(text)


def _start(state: PhoneState) -> str:
    ref = state.nav.stack[-1]
    try:
        minutes, seconds = (_number(ref.fields.get(k, ""), label, m) for k, label, m in FORM_FIELDS)
    except ValueError as exc:
        ref.error = str(exc)
        return f"not started: {exc}"
    total = minutes * 60 + seconds
    if total == 0:
        ref.error = "Set Minutes or Seconds above 0"
        return "not started: the timer is set to 0 seconds"
    label = ref.fields.get(LABEL[0], "").strip()
    state.timers.append(Timer(duration=total, started_at=state.now, label=label))
    ref.fields.clear()
    ref.params["adding"] = False
    state.nav.focus = None
    state.nav.keyboard_shown = False
    return f"started a {clock_text(total)} timer"


def _timer_row(v: View, index: int) -> RowBuilder:
    timer = v.state.timers[index]
    left = timer.remaining(v.state.now)
    caption = "Time's up" if left == 0 else f"{clock_text(timer.duration)} timer"
    caption = f"{timer.label} · {caption}" if timer.label else caption

    def build(b: Bounds) -> Node:
        t = b.top
        children = (
            text_view(clock_text(left), box(PAD, t + 16, 640, t + 132), rid=v.rid("timer_time")),
            text_view(caption, box(PAD, t + 136, 640, b.bottom - 16), rid=v.rid("timer_label")),
            button(
                "Cancel",
                box(700, t + 50, SCREEN_W - PAD, b.bottom - 50),
                _cancel(index),
                description=f"Cancel {clock_text(timer.duration)} timer",
                rid=v.rid("timer_cancel"),
            ),
        )
        return Node("android.widget.LinearLayout", b, resource_id=v.rid("timer_item"), children=children)

    return build


def _running_screen(v: View, order: list[int]) -> Screen:
    nodes = app_bar(v, "Timer")
    add = fab("", "Add timer", _add, v.bottom)
    lst, area = scroll_list(
        v, [_timer_row(v, i) for i in order], v.top, add.bounds.top - 24, row_h=TIMER_ROW_H, rid="timers"
    )
    return Screen("Timer", [*nodes, lst, add], activity=ACTIVITY, scroll=area)


def timer_screen(v: View) -> Screen:
    """Running timers with their time left and Cancel; with none (or after "Add timer"), the setup form."""
    order = running_timers(v.state)
    if order and not v.ref.params.get("adding"):
        return _running_screen(v, order)
    nodes = app_bar(v, "Timer")
    top = v.top + 40
    for key, label in [(k, lab) for k, lab, _ in FORM_FIELDS] + [LABEL]:
        nodes.append(field(v, key, label, top, name=key))
        top += FIELD_H + FIELD_GAP
    nodes.append(button("Start", box(PAD, top, SCREEN_W - PAD, top + 140), _start, rid=v.rid("start")))
    nodes += error_text(v, top + 140 + FIELD_GAP)
    return Screen("Timer", nodes, activity=ACTIVITY, fields=(*(k for k, _, _ in FORM_FIELDS), LABEL[0]), submit=_start)
