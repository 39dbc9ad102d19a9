"""The verifier: does the device's screen show the goal's effect? Pure, no I/O.

An agent's "succeeded" is the truth only when it is seen: the switch is on, the
app is open, the values typed into a form are shown back once it is saved, the
answer is on screen. A form that merely went away proves nothing, and an app
that answers a Save with "Name is required" has refused the work. So a check
ends in one of three verdicts:

- `verified`: the effect is on screen (the reason says what was seen);
- `unverified`: the work looks finished but its effect cannot be seen here (the
  result then says "done, unverified" and why);
- `refused`: the app showed an error after the agent submitted (the reason quotes it).

`None` means "not done yet": keep working.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from ...devices.base import Observation, UIElement
from ..grounding import (
    EDIT_WORDS,
    REMOVE_WORDS,
    SECRET,
    Goal,
    content_words,
    current_value,
    extract_answer,
    field_name,
    is_about,
    overlap,
    pending_fill,
    row_title,
    target_value,
    toggle_matches,
    typed_fields,
)
from ..grounding.screens import on_web
from ..grounding.web_actions import pressed_last, web_work_left

__all__ = ["SECRET", "Verdict", "appears", "check_goal", "checkable", "entered_values", "screen_error"]

_NAVIGATE = frozenset({"open", "launch", "go", "start", "show", "app"})
_ERROR_WORDS = re.compile(
    r"\b(required|not (?:sent|saved|allowed|found|added|created)|failed|invalid|incorrect|wrong|insufficient"
    r"|cannot|can't|couldn't|could not|unable|error|try again|denied|enter an?|type an?|set \w+ (?:or \w+ )?above)\b",
    re.I,
)
"""Words an app's inline validation message or alert uses to refuse what was submitted."""


@dataclass(frozen=True)
class Verdict:
    """What a check of the screen concluded about the goal."""

    outcome: Literal["verified", "unverified", "refused"]
    reason: str

    @property
    def done(self) -> bool:
        """True when the work is finished (seen or not); refused work is not."""
        return self.outcome != "refused"


def _is_error_text(el: UIElement) -> bool:
    if not el.text or el.editable or el.clickable:
        return False
    rid = el.resource_id.rsplit("/", 1)[-1].lower()
    return "error" in rid or bool(_ERROR_WORDS.search(el.text))


def screen_error(obs: Observation) -> str | None:
    """The validation message or alert the screen shows (an inline error, a "not sent" dialog), or None."""
    errors = [e.text for e in obs.elements if _is_error_text(e)]
    return "; ".join(dict.fromkeys(errors)) or None


def entered_values(history: list[str]) -> list[str]:
    """The values typed since the last submit's form was started, secrets left out, in typing order."""
    typed = [h.split(":", 2)[2] for h in history if h.startswith("typed:")]
    return [v for v in dict.fromkeys(typed) if v != SECRET]


def _adjusted(goal: Goal, obs: Observation, history: list[str]) -> Verdict | None:
    """A relative goal ("brighter", "turn the volume down") is met by one notch of the control it names."""
    target = target_value(goal.text)
    for entry in history:
        if not entry.startswith("adjust:"):
            continue
        label = entry.removeprefix("adjust:")
        what = label.split(maxsplit=1)[-1]
        named = content_words(what if target is not None else label)  # with a level, the direction is implied
        if not named <= goal.words:
            continue
        value = next((e.text for e in obs.elements if e.description.casefold() == what.casefold() and e.text), "")
        if target is not None:  # a level to reach, not a notch to move: done when the control shows it
            if current_value(what, obs) != target:
                return None
            return Verdict("verified", f"{what.lower()} now {value}")
        return Verdict("verified", f"{label}: {what.lower()} now {value}" if value else f"{label}: done")
    return None


def _chosen(goal: Goal, obs: Observation, history: list[str]) -> Verdict | None:
    """An option the goal names ("my phone in French": Français) was chosen and the screen now shows
    it: its option checked, or written as the current value of a setting."""
    tapped = [h.removeprefix("choose:") for h in history if h.startswith("choose:")]
    for label in reversed(tapped[-3:]):
        if overlap(goal, label) < 1.0 or len(content_words(label)) > 3:
            continue
        for el in obs.elements:
            shown = el.text.strip() == label or el.description.strip() == label
            if shown and ((el.checkable and el.checked) or not (el.clickable or el.editable or el.checkable)):
                return Verdict("verified", f"{label} is chosen")
    return None


_MAKE = ("new", "add", "create")


def _made_instead(goal: Goal, history: list[str]) -> str | None:
    """For a goal that changes an existing record ("change my Run alarm to 7:15"), the tap that opened
    a new-record form instead ("Add alarm"); None when nothing like that happened."""
    if not goal.words & EDIT_WORDS or goal.words & set(_MAKE):
        return None
    return next(
        (h.split(":", 1)[1] for h in history if h.startswith("tap:") and h[4:].lower().startswith(_MAKE)), None
    )


def _removed(goal: Goal, obs: Observation, history: list[str]) -> Verdict | None:
    """After a delete the goal asked for: verified once what it names is no longer on screen."""
    if not (goal.words & REMOVE_WORDS) or not any(h.startswith("irreversible:") for h in history):
        return None
    names = [n for n in [*goal.entities, goal.values.get("title", ""), goal.values.get("name", "")] if n]
    if not names:  # the row the goal named that was opened before the delete ("my shopping note": Shopping)
        titles = [row_title(h[4:]) for h in history if h.startswith("tap:")]
        names = [t for t in titles if overlap(goal, t) >= 0.5][-1:]
    if not names:
        return Verdict("unverified", "deleted, but the request names nothing to check the screen for")
    shown = " ".join(e.text for e in obs.elements if e.text)
    if any(appears(n, shown) for n in names):
        return None
    gone = ", ".join(dict.fromkeys(names))
    return Verdict("verified", f"{gone} no longer shown in {obs.foreground_app or 'the app'}")


_RUNNING = frozenset({"timer", "timers", "stopwatch", "countdown", "alarm", "ringing", "running", "recording"})
"""Things that run until stopped: "cancel the timer" stops one (it deletes nothing)."""
_HALT = re.compile(r"^(?:stop|cancel|dismiss|end|pause|turn off)\b", re.I)
"""Controls that stop something running: a timer's Cancel, an alarm's Dismiss, a recording's Stop."""


def _halts(goal: Goal, el: UIElement) -> bool:
    """Whether `el` stops the thing the goal names ("Cancel 10:00 timer" for "stop the timer")."""
    said = f"{el.text} {el.description}".strip()
    return el.clickable and bool(_HALT.match(el.text or el.description)) and bool(
        goal.words & content_words(said) - content_words("stop cancel dismiss end pause turn off")
    )


def _halted(goal: Goal, obs: Observation, history: list[str]) -> Verdict | None:
    """A goal that stops something running ("stop the timer that's running"): done once a stop control
    was tapped and the app shows none left for the thing the goal names (nothing of it is running)."""
    stops = goal.want_on is False or bool(goal.words & {"cancel", "dismiss"} and goal.words & _RUNNING)
    if not stops or not any(_HALT.match(h.removeprefix("tap:")) for h in history[-3:]):
        return None
    if not is_about(goal, obs.foreground_app):
        return None  # a Cancel somewhere else stopped nothing the goal names
    if any(_halts(goal, e) for e in obs.elements) or any(toggle_matches(goal, e) for e in obs.elements):
        return None
    return Verdict("verified", f"{obs.foreground_app or 'the app'} shows nothing of it running any more")


def _switch_state(goal: Goal, obs: Observation) -> str | None:
    """For "is Bluetooth on?": the state of the switch the question names, read off the screen."""
    if not re.search(r"\b(on|off|enabled|disabled)\b", goal.text, re.I):
        return None
    switches = [e for e in obs.elements if toggle_matches(goal, e)]
    best = max((overlap(goal, e.label) for e in switches), default=0.0)
    switches = [e for e in switches if overlap(goal, e.label) == best]  # "dark mode": Dark theme, not Airplane mode
    if len(switches) != 1:
        return None
    return f"{switches[0].label} is {'on' if switches[0].checked else 'off'}"


def _unsaid_reminder(goal: Goal, shown: str) -> bool:
    """A reminder ("remind me to call the plumber at 5pm") saved without its text: the time alone reminds
    nobody of anything, so the save is not the reminder asked for."""
    said = goal.values.get("label") if "reminder" in goal.words else None
    return bool(said) and not appears(said or "", shown)


def _submitted(history: list[str]) -> bool:
    typed_at = [i for i, h in enumerate(history) if h.startswith("typed:")]
    return bool(typed_at) and any(h.startswith("submit:") for h in history[typed_at[-1] :])


_AMOUNT_SHOWN = re.compile(r"(?<![\d.,])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{1,2})?(?![\d,])")
"""A number as apps write amounts: 1,000.00 or 15.00."""


def appears(value: str, shown: str) -> bool:
    """True when the screen text `shown` shows `value`, as typed or as apps write it back
    (an ISO date typed as 2025-06-03 is shown as "Jun 3", "June 3" or "3 Jun")."""
    if value in shown or value.casefold() in shown.casefold():
        return True
    if re.fullmatch(r"\d+(?:\.\d{1,2})?", value):  # an amount typed as 1000 is shown as $1,000.00
        amount = float(value)
        for m in _AMOUNT_SHOWN.finditer(shown):
            if float(m.group(0).replace(",", "")) == amount and ("," in m.group(0) or "." in m.group(0)):
                return True
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return False
    forms = {f"{day:%b} {day.day}", f"{day:%B} {day.day}", f"{day.day} {day:%b}", f"{day.day} {day:%B}"}
    if any(re.search(rf"\b{re.escape(f)}\b", shown) for f in forms):
        return True
    today = _today_shown(shown)  # "Today: Monday, June 2, 2025" anchors "Tomorrow" and "Today"
    if today is None:
        return False
    relative = {today: "Today", today + timedelta(days=1): "Tomorrow", today - timedelta(days=1): "Yesterday"}
    word = relative.get(day)
    return word is not None and len(re.findall(rf"\b{word}\b", shown)) > (1 if word == "Today" else 0)


_TODAY = re.compile(r"\bToday:?\s+(?:[A-Z][a-z]+,\s+)?([A-Z][a-z]+ \d{1,2}, \d{4})")


def _today_shown(shown: str) -> date | None:
    m = _TODAY.search(shown)
    if m is None:
        return None
    try:
        return datetime.strptime(m.group(1), "%B %d, %Y").date()
    except ValueError:
        return None


def checkable(goal: Goal) -> bool:
    """True when the verifier can tell this goal done from the screen (a switch, values, an app, an answer)."""
    navigate = bool(goal.words & _NAVIGATE and goal.words - _NAVIGATE)
    return (
        goal.want_on is not None or bool(goal.values) or goal.asks_answer or navigate or bool(goal.words & REMOVE_WORDS)
    )


def check_goal(goal: Goal, obs: Observation, history: list[str]) -> Verdict | None:
    """The verdict on `goal` given the current screen and the steps taken, or None while not done."""
    if on_web(obs) and web_work_left(goal, obs, history) is not None:
        return None  # a box the goal names is unticked, or the button it presses is still to press
    if on_web(obs) and not goal.asks_answer and (pressed := pressed_last(goal, history)) is not None:
        if error := screen_error(obs):
            return Verdict("refused", f"{obs.foreground_app or 'the page'} says: {error}")
        return Verdict("unverified", f"pressed {pressed} last, as asked; the page shows no error, nor what it did")
    destination = goal.words - _NAVIGATE
    if goal.words & _NAVIGATE and destination and destination <= content_words(obs.foreground_app):
        return Verdict("verified", f"{obs.foreground_app} is open")
    if goal.want_on is not None:
        toggles = [e for e in obs.elements if toggle_matches(goal, e)]
        if toggles and all(e.checked == goal.want_on for e in toggles):
            names = ", ".join(sorted({e.label for e in toggles}))
            return Verdict("verified", f"{names} {'on' if goal.want_on else 'off'}")
    adjusted = _adjusted(goal, obs, history)
    if adjusted is not None:
        return adjusted
    halted = _halted(goal, obs, history)
    if halted is not None:
        return halted
    removed = _removed(goal, obs, history)
    if removed is not None:
        return removed
    submitted = _submitted(history)
    if submitted and (error := screen_error(obs)):
        return Verdict("refused", f"{obs.foreground_app or 'the app'} says: {error}")
    typed_at = any(h.startswith("typed:") for h in history)
    if goal.asks_answer and goal.want_on is None and (state := _switch_state(goal, obs)) is not None:
        return Verdict("verified", state)
    if goal.asks_answer and goal.want_on is None:
        # A question: once nothing is left to type on this screen, read the answer off it.
        if pending_fill(goal, obs, history) or (typed_at and not submitted):
            return None
        answer = extract_answer(goal, obs, history)
        return Verdict("verified", answer) if answer else None
    if goal.want_on is None and not goal.asks_answer and (chosen := _chosen(goal, obs, history)) is not None:
        return chosen
    if goal.values and submitted:
        if (made := _made_instead(goal, history)) is not None:
            return Verdict("refused", f"asked to change an existing one, but the form saved was a new one ({made})")
        shown = " ".join(e.text for e in obs.elements if not e.editable)
        entered = entered_values(history)
        if not entered:  # only a secret went in (a login): the work the goal names is still ahead
            return None
        if _unsaid_reminder(goal, shown):
            return None  # saved without what it should remind of: not done (the label can still be added)
        if all(appears(v, shown) for v in entered):
            sent = any(h.lower().startswith(("submit:send", "irreversible:submit:send")) for h in history)
            verb = "sent" if sent else "saved"
            return Verdict("verified", f"{verb}: " + ", ".join(entered) if entered else "submitted")
        filled = typed_fields(history)
        if not any(e.editable and field_name(e) in filled for e in obs.elements):
            missing = [v for v in entered if not appears(v, shown)]
            return Verdict(
                "unverified",
                f"the form closed without an error, but this screen does not show {', '.join(missing)}",
            )
    return None
