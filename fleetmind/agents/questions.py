"""When the agent must ask the person, what it asks, and what the answer changes. Pure, no I/O.

The agent asks, offline too and without any model, when:
- a password or PIN field is empty and the request gives no value for it (`missing_secret`);
- the app refused a submitted form for a value the request did not give (`refused_value`);
- the screen shows several things that match a name the request uses (`ambiguous_name`);
- it cannot tell which of several state-changing actions is meant (`unsure_pick`);
- an irreversible action is next and the user has not pre-approved such actions (`confirm`).
Each question says exactly what the answer is for, so a person can answer it
without seeing the screen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from ..devices.base import Observation, UIElement
from ..secrets.names import default_name, referenced_secret
from .grounding import REMOVE_WORDS, Candidate, Goal, content_words, field_key, field_name, is_empty_field

__all__ = [
    "AskPurpose",
    "PendingQuestion",
    "ambiguous_name",
    "is_yes",
    "missing_date",
    "missing_message",
    "missing_secret",
    "missing_time",
    "refused_value",
    "unsure_pick",
]

AskPurpose = Literal["value", "secret", "choice", "pick", "confirm"]

_YES = re.compile(r"^\s*(y|yes|yeah|yep|ok|okay|sure|confirm|confirmed|go ahead|do it|allow|proceed|approve)\b", re.I)
NONE_OF_THESE = "none of these"


@dataclass
class PendingQuestion:
    """A question the agent put to the user, and what to do with the answer.

    purpose: value/secret (fill field `key`), choice (which thing `key` means),
    pick (which candidate action), confirm (may the pending action run).
    """

    text: str
    purpose: AskPurpose
    kind: Literal["question", "confirm", "choice"] = "question"
    key: str = ""
    options: list[str] = field(default_factory=list)
    actions: list[Any] = field(default_factory=list)
    """For pick: the candidate actions, in the order of `options`."""
    secret: str = ""
    """For secret: the stored secret the request names ("my bank PIN" -> bank-pin), if it names one."""
    save_as: str = ""
    """For secret: the name an answer is saved under if the user wants (the named one, else app and field)."""
    app: str = ""
    """For secret: the app that asks (the device host may map it to a stored secret)."""


def is_yes(answer: str) -> bool:
    """True when an answer to a confirmation approves it."""
    return bool(_YES.match(answer))


def _field_label(el: UIElement) -> str:
    return el.description or el.resource_id.rsplit("/", 1)[-1] or el.text or "the field"


def missing_secret(goal: Goal, obs: Observation, answers: dict[str, str]) -> PendingQuestion | None:
    """An empty password/PIN field the request gives no value for: ask for it (it stays on the device).

    A request that names a stored secret ("my bank PIN") gives no value either: the device host
    answers such a question from its secret store without asking anyone (secrets/keeper.py).
    """
    if goal.values.get("password") or answers.get("password"):
        return None
    named = referenced_secret(goal.text) or ""
    for el in obs.elements:
        if el.editable and el.password and is_empty_field(el):
            label = _field_label(el)
            app = obs.foreground_app or "this app"
            given = f'names your secret "{named}", not saved on this device host' if named else "does not give it"
            return PendingQuestion(
                f"{app} asks for {label}, and the request {given}. What is it? "
                "(it is typed on the device only and never sent to a cloud model)",
                "secret",
                key="password",
                secret=named,
                save_as=named or default_name(obs.foreground_app or "app", label),
                app=obs.foreground_app,
            )
    return None


_TIME_KEYS = ("hour", "minute", "start", "minutes", "seconds")
_HALT_WORDS = frozenset({"stop", "pause", "dismiss", "snooze", "silence", "end", "finish"})


def missing_time(goal: Goal, obs: Observation, answers: dict[str, str]) -> PendingQuestion | None:
    """A form asks for a time (an alarm's hour, an event's start) and the request gives none: ask for it."""
    if any(goal.values.get(k) for k in _TIME_KEYS) or "time" in answers:
        return None
    if goal.asks_answer or goal.want_on is False or goal.words & (REMOVE_WORDS | _HALT_WORDS):
        return None  # a question, a delete or a stop sets no time: a form with time fields is a wrong turn
    fields = [e for e in obs.elements if e.editable and field_key(_field_label(e)) in _TIME_KEYS]
    if not fields:
        return None
    what = obs.foreground_app or "the app"
    if all(field_key(_field_label(e)) in ("minutes", "seconds") for e in fields):
        return PendingQuestion(f"How long should it run in {what}? (the request does not say)", "value", key="time")
    return PendingQuestion(f"What time should I set in {what}? (the request does not say)", "value", key="time")


_DATE_WORDS = re.compile(
    r"\b(today|tomorrow|tonight|monday|tuesday|wednesday|thursday|friday|saturday|sunday|next week"
    r"|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?"
    r"|\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*)\b",
    re.I,
)


def missing_date(goal: Goal, obs: Observation, answers: dict[str, str]) -> PendingQuestion | None:
    """The request names a day ("June 5th", "tomorrow") that was not read as a date, and the form has a
    date field: ask for the date rather than save the event on the wrong day."""
    if goal.values.get("date") or "date" in answers:
        return None
    said = _DATE_WORDS.search(goal.text)
    if said is None or not any(e.editable and field_key(_field_label(e)) == "date" for e in obs.elements):
        return None
    return PendingQuestion(f"Which date is “{said.group(0)}”? Please answer as YYYY-MM-DD.", "value", key="date")


def missing_message(goal: Goal, obs: Observation, answers: dict[str, str]) -> PendingQuestion | None:
    """A message form is about to be sent with its message field empty and the request gives no text:
    ask what it should say (an app that would accept an empty message is no reason to send one).
    Likewise a form that asks who it is from ("Name") with the request giving no name: a message
    to strangers is not sent anonymously on a guess."""
    if not (goal.values.get("message") or "message" in answers):
        empty = _empty_fields(obs, "message")
        if empty:
            return PendingQuestion(
                f"What should the {_field_label(empty[0]).lower()} say? The request does not give the text.",
                "value",
                key="message",
            )
    if goal.values.get("message") and not (goal.values.get("name") or "name" in answers):
        empty = _empty_fields(obs, "name")
        if empty and not goal.values.get("to"):  # a form to whoever runs it, not a text to a contact
            return PendingQuestion(
                f"What name should go in {_field_label(empty[0])}? The request does not say who it is from.",
                "value",
                key="name",
            )
    return None


def _empty_fields(obs: Observation, kind: str) -> list[UIElement]:
    return [e for e in obs.elements if e.editable and is_empty_field(e) and field_key(_field_label(e)) == kind]


def refused_value(error: str, goal: Goal, obs: Observation) -> PendingQuestion | None:
    """The app refused a form because a field is empty or wrong: ask for that field's value.

    The field is the editable one the error names ("Name is required", "Enter a recipient");
    without such a field the refusal is not about a missing value, and nothing is asked.
    """
    error_words = content_words(error)
    fields = [e for e in obs.elements if e.editable]
    named = [e for e in fields if content_words(_field_label(e)) & error_words]
    if not named:
        aliases = {"recipient": "to", "message": "message", "body": "message", "amount": "amount"}
        keys = {aliases[w] for w in error_words if w in aliases}
        named = [e for e in fields if field_key(_field_label(e)) in keys]
    if not named:
        return None
    el = named[0]
    key = field_key(_field_label(el)) or field_name(el)
    app = obs.foreground_app or "The app"
    return PendingQuestion(
        f"{app} says “{error}”. What should I enter for {_field_label(el)}?",
        "secret" if el.password else "value",
        key=key,
    )


_NAME_LIKE = re.compile(r"[A-Z][\w'.-]*(?:\s+[A-Z][\w'.-]*){0,3}")


def ambiguous_name(goal: Goal, obs: Observation, answers: dict[str, str]) -> PendingQuestion | None:
    """The screen lists several people (or things) that match a name the request uses, and none
    exactly: ask which one is meant, before anything is done with either."""
    names = [v for k, v in goal.values.items() if k in ("to", "name")] + goal.entities
    for name in dict.fromkeys(names):
        wanted = content_words(name)
        if not wanted or f"choice:{name}" in answers:
            continue
        shown = [e.text for e in obs.elements if e.text and not e.editable and _NAME_LIKE.fullmatch(e.text)]
        matches = list(dict.fromkeys(t for t in shown if wanted <= content_words(t)))
        if len(matches) >= 2 and not any(m.casefold() == name.casefold() for m in matches):
            return PendingQuestion(
                f"Several match “{name}”: {', '.join(matches)}. Which one do you mean?",
                "choice",
                kind="choice",
                key=name,
                options=matches,
            )
    return None


def unsure_pick(obs: Observation, options: list[Candidate]) -> PendingQuestion:
    """Nothing settles which state-changing action the request means: let the person pick."""
    labels = [c.text.removeprefix("tap ") for c in options]
    app = obs.foreground_app or "this screen"
    return PendingQuestion(
        f"On {app} I cannot tell which of these the request means, and I will not change anything on a guess: "
        + "; ".join(labels)
        + ". Which one?",
        "pick",
        kind="choice",
        options=[*labels, NONE_OF_THESE],
        actions=[c.action for c in options],
    )
