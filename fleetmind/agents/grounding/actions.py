"""Candidate actions for a screen, scored by what the goal names; vetoes for actions the goal rules out."""

from __future__ import annotations

import re

from ...devices.base import (
    Done,
    Focus,
    LaunchApp,
    Observation,
    PressKey,
    Scroll,
    SelectOption,
    Tap,
    Target,
    TypeText,
    UIElement,
)
from .candidate import Candidate
from .fields import ROW_SEP, field_cue, field_key, field_name, is_empty_field, readable_label, row_label, row_title
from .goals import Goal, goal_apps, is_about, overlap, target_value
from .history import typed_fields, typed_in_this_form
from .lists import appended, opened_list_named
from .screens import current_value, on_home, on_web
from .vocabulary import (
    ADJUST,
    APP_HINTS,
    EDIT_WORDS,
    GRANTS,
    PROCEED,
    QUERY_KEYS,
    QUERY_SUBMIT,
    REMOVE_WORDS,
    SUBMIT,
    VALUE_APPS,
    content_words,
)
from .web import web_field_value
from .web_actions import web_candidates


def _toward(label: str, target: int, obs: Observation, score: float) -> float:
    """A stepper's score when the goal sets a level: the button that moves toward it, never past it."""
    what = label.split(maxsplit=1)[-1]
    now = current_value(what, obs)
    if now is None:
        return score
    up = label.lower().startswith(("increase", "raise", "turn up"))
    if now == target or (up and now > target) or (not up and now < target):
        return -1.0
    return 3.0


def toggle_matches(goal: Goal, el: UIElement) -> bool:
    """True when `el` is a switch or checkbox the goal names."""
    return el.checkable and overlap(goal, el.label) >= 0.5


def _cued_value(goal: Goal, el: UIElement) -> str | None:
    """The value the goal gives for this editable field by its cue words, if any."""
    cue = field_cue(el)
    if cue == "message" and "append" in goal.values:  # "add sunscreen to my packing list": keep what it says
        return appended(el.text if not is_empty_field(el) else "", goal.values["append"])
    if cue is not None:
        if cue in ("title", "name") and cue not in goal.values and "text" in goal.values:
            return goal.values["text"]  # "add 'Book club' on ...": quoted words name what is made
        return goal.values.get(cue)
    return goal.values.get("text")


def _field_value(goal: Goal, el: UIElement) -> str | None:
    """The value the goal gives for this editable field: as a web form request names it, else by its cue."""
    named = web_field_value(goal.text, el)
    return named if named is not None else _cued_value(goal, el)


_NOT_THE_FORMS = frozenset({"password", "date", "append", "time"}) | QUERY_KEYS
"""Values a form need not take to be the goal's: a login on the way, a day an alarm has no field for,
a time as the user said it (its hour and minute, or minutes, are there too)."""


_SAME_THING = {"hour": "a time", "minute": "a time", "start": "a time", "minutes": "a span", "seconds": "a span"}
"""Keys that give one thing in parts: 7:30 as hour and minute, or as a start."""


def _another_form(goal: Goal, obs: Observation, typed: list[str]) -> bool:
    """True when this is a form of another kind than the goal's: something the goal gives has no
    field here, and a field here is left empty that the goal gives nothing for ("Set an alarm for
    7:30 labelled Gym" on a timer's form: no hour for 7:30, Minutes left empty)."""
    fields = {k for e in obs.elements if e.editable and (k := field_cue(e))}
    fields |= {k for name in typed_fields(typed) if (k := field_key(name))}
    kinds: dict[str, set[str]] = {}  # one value offered to several kinds of field (name, title, label)
    for key, value in goal.values.items():
        if key not in _NOT_THE_FORMS:
            kinds.setdefault(_SAME_THING.get(key, value), set()).add(key)
    homeless = any(not keys & fields for keys in kinds.values())
    unasked = any(e.editable and is_empty_field(e) and _field_value(goal, e) is None for e in obs.elements)
    return homeless and unasked


def pending_fill(goal: Goal, obs: Observation, history: list[str]) -> bool:
    """True while an editable field on screen still lacks the value the goal gives for it."""
    typed = typed_in_this_form(history)
    return any(
        e.editable and (v := _field_value(goal, e)) and v != e.text and field_name(e) not in typed for e in obs.elements
    )


def candidates(goal: Goal, obs: Observation, apps: list[str], history: list[str]) -> list[Candidate]:
    """Every sensible next action on this screen, scored by what the goal names."""
    out: list[Candidate] = []
    typed = typed_in_this_form(history)
    fields_left = 0
    fills: list[int] = []
    last = history[-1] if history else ""
    suggested = _suggestions(obs, history)
    target = target_value(goal.text)
    removing = bool(goal.words & REMOVE_WORDS)
    titles = [e.text for e in obs.elements if field_cue(e) == "title"]
    if "append" in goal.values and not opened_list_named(goal, titles):
        removing = True  # adding to a note: type nothing into another note's form (nor a new one)
    editing = bool(goal.words & EDIT_WORDS)
    for el in obs.elements:
        if el.editable:
            value = _field_value(goal, el) if not removing else None
            if value and value != el.text and field_name(el) not in typed:
                score = 3.0 - 0.6 * fields_left  # fill forms top to bottom
                fields_left += 1
                fills.append(len(out))
                out.append(
                    Candidate(
                        TypeText(text=value, target=Target(element=el.id), clear=True, why=f"fill {el.label}"),
                        f"type {value} into {el.label}",
                        score,
                    )
                )
            elif not value and is_empty_field(el) and not el.focused and on_web(obs):
                # "focus the text box": a field the goal gives nothing to type into (web pages only)
                score = (1.5 if "focus" in goal.words else 0.1) + 0.5 * overlap(goal, el.label)
                out.append(Candidate(Focus(target=Target(element=el.id), why="focus it"), f"focus {el.label}", score))
            continue
        if el.options and el.enabled:
            out.extend(_option_candidates(goal, el))
        # a button drawn as a symbol ("+", "50") is named by its description ("Increase brightness");
        # a list row by the words in it ("Team sync · Wed, Jun 4 · 10:00 - 10:30")
        readable = row_label(el, obs)
        title = row_title(readable)  # a row is matched by its title ("Language"), not its value
        if not (el.clickable or el.checkable) or not readable or not el.enabled:
            continue
        if _duplicates_a_key_or_launch(el, apps, obs):
            continue
        label = el.label or readable
        score = overlap(goal, title)
        veto = ""
        if not el.checkable and any(_names_entity(goal, part) for part in readable.split(ROW_SEP)):
            score = max(score, 1.2)  # the row of the person or thing the goal is about ("Tom" -> "Tom Reyes")
        if el.checkable and goal.want_on is not None and toggle_matches(goal, el):
            score = 4.0 if el.checked != goal.want_on else -1.0
            veto = "" if el.checked != goal.want_on else "it is already as the goal wants it"
        elif el.checkable and goal.asks_answer:
            score, veto = -1.0, "a question about a switch is answered by reading it, never by flipping it"
        lower = label.lower()
        if (lower in SUBMIT or (QUERY_SUBMIT.match(lower) and goal.values.keys() & QUERY_KEYS)) and goal.values:
            # submit once we filled this form: something typed since the last submit, nothing left
            since_submit = history[max((i for i, h in enumerate(history) if h.startswith("submit:")), default=-1) + 1 :]
            typed_now = any(h.startswith("typed:") for h in since_submit)
            takes_it = on_web(obs) or not _another_form(goal, obs, since_submit)
            score = 3.5 if typed_now and takes_it and not pending_fill(goal, obs, history) and not suggested else 0.1
        if target is not None and ADJUST.match(readable) and content_words(readable.split()[-1]) <= goal.words:
            score = _toward(readable, target, obs, score)
        if "seekbar" in el.cls.lower() or "slider" in el.cls.lower():
            score *= 0.5  # a tap on a slider sets whatever value is under the finger: prefer its buttons
        if lower in PROCEED and (lower not in GRANTS or is_about(goal, obs.foreground_app)):
            score = max(score, 1.2)  # a prompt in the way: let the app the goal needs do its job
        if el.id in suggested and (len(suggested) == 1 or _completes(goal, el)):
            score = max(score, 3.6)  # the suggestion for what was just typed (or the one the user chose): first
        first = lower.split()[0] if lower else ""
        if removing and first in ("delete", "remove", "trash", "discard") and _opened_named(goal, history):
            score = max(score, 1.5)  # the record the goal names is open: its Delete is the way (confirmed first)
        if removing and first in ("new", "add", "create", "compose", "save"):
            score, veto = -1.0, "a delete never starts by making something"
        if first == "edit" and not editing:
            score, veto = -1.0, "opening someone's record for editing is not adding a new one"
        if editing and first in ("new", "add", "create") and not (goal.words & {"new", "add", "create"}):
            score, veto = -1.0, "changing a record never starts by making another one"
        if last == f"tap:{label}" and not el.checkable:
            score -= 1.0  # tapped it just now and we are still here: try something else
        tap = Tap(target=Target(element=el.id), why=f"tap {readable}")
        out.append(Candidate(tap, f"tap {readable}", score, veto=veto))
    if len(fills) == 1 and not goal.values.keys() - QUERY_KEYS:
        # one field and a query: type it and press enter, as people do in search boxes
        c = out[fills[0]]
        c.action = c.action.model_copy(update={"submit": True})
        c.text += " and press enter"
    at_home = on_home(obs)
    here = obs.foreground_app.lower()
    in_right_app = is_about(goal, here)
    wanted_apps = goal_apps(goal, apps)
    for app in apps:
        hint = APP_HINTS.get(app.lower(), set())
        score = 2.0 * bool(goal.words & hint or goal.values.keys() & VALUE_APPS.get(app.lower(), set()))
        score += overlap(goal, app)
        if app.lower() == here:
            continue
        if not at_home:
            # prefer working inside the app we are in, all the more when the goal is about it
            score -= 2.0 if in_right_app else 0.5
        if wanted_apps and app.lower() not in wanted_apps:
            score -= 1.5  # the goal names the apps it is about: wandering into others helps nobody
        out.append(Candidate(LaunchApp(app=app, why=f"open {app}"), f"open {app}", score))
    out = list({c.text: c for c in reversed(out)}.values())[::-1]  # same words, same choice: keep the first
    if any(e.scrollable for e in obs.elements):
        shown = " ".join(e.text for e in obs.elements).lower()
        missing = [name for name in goal.entities if name.lower() not in shown and name not in apps]
        # the goal names something this list does not show (yet): look further down
        score = 1.5 if missing and not at_home else 0.05
        out.append(Candidate(Scroll(direction="down", why="look further down the list"), "scroll down", score))
    if not at_home:
        out.append(Candidate(PressKey(key="back", why="go back"), "go back to the previous screen", 0.0))
    out.append(Candidate(Done(why="the goal looks complete"), "stop because the goal is already done", -0.5))
    if on_web(obs):  # positions, boxes to tick and the button the goal presses (web_actions)
        out = web_candidates(goal, obs, history, out, pending=pending_fill(goal, obs, history))
    return out


def _opened_named(goal: Goal, history: list[str]) -> bool:
    """Whether the last tap opened a row the goal names ("get rid of my shopping note": Shopping)."""
    last = history[-1] if history else ""
    return last.startswith("tap:") and overlap(goal, row_title(last[4:])) >= 0.5


def _names_entity(goal: Goal, label: str) -> bool:
    """Whether a label names in full someone or something the goal names ("Tom Reyes" for "Tom")."""
    shown = content_words(label)
    return len(shown) <= 4 and any((named := content_words(e)) and named <= shown for e in goal.entities)


def _option_candidates(goal: Goal, el: UIElement) -> list[Candidate]:
    """Choosing the drop-down option the goal names (in its text or as a value), when not chosen yet.
    "Kiwi jam" in the goal names that option, not "Kiwi"."""
    given = {v.casefold() for v in goal.values.values()}
    scored: dict[str, float] = {}
    for option in (o.strip() for o in el.options):
        named = bool(re.search(rf"(?<!\w){re.escape(option)}(?!\w)", goal.text, re.I)) or option.casefold() in given
        if option and (named or (content_words(option) and content_words(option) <= goal.words)):
            scored[option] = 3.0 if named else 2.0
    best = [o for o in scored if not any(o.casefold() in other.casefold() for other in scored if other != o)]
    chosen = {t.strip() for t in el.text.split(", ")}  # a list box shows all it has chosen
    if el.text.strip() in best:
        return []
    best = [o for o in best if o not in chosen]
    return [
        Candidate(SelectOption(target=Target(element=el.id), option=o, why=why), why, scored[o])
        for o in best
        if (why := f"choose {o} in {el.description or readable_label(el)}")
    ]


def _completes(goal: Goal, el: UIElement) -> bool:
    """True when a suggestion row names in full a person or thing the goal gives (after a choice, too)."""
    label = content_words(el.label)
    return any(content_words(v) <= label for k, v in goal.values.items() if k in ("to", "name") and len(v.split()) > 1)


def _suggestions(obs: Observation, history: list[str]) -> list[str]:
    """Ids of clickable rows that complete what was just typed into a field (an autocomplete dropdown)."""
    if not history or not history[-1].startswith("typed:"):
        return []
    typed = content_words(history[-1].split(":", 2)[2])
    if not typed:
        return []
    return [
        e.id
        for e in obs.elements
        if e.clickable and not e.editable and not e.checkable and typed <= content_words(e.label)
    ]


_SYSTEM_NAV = re.compile(r"^com\.android\.systemui:id/(back|home|recent_apps)$")


def _duplicates_a_key_or_launch(el: UIElement, apps: list[str], obs: Observation) -> bool:
    """Android's own Back/Home/Overview buttons are the back/home keys; a home-screen
    icon is the app's launch. One candidate per effect keeps the choice clear."""
    if _SYSTEM_NAV.match(el.resource_id):
        return True
    return on_home(obs) and el.label.lower() in {a.lower() for a in apps}
