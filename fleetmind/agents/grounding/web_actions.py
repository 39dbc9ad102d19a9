"""Candidate actions web pages need beyond those of any screen (`actions`), from `web.read_request`:

- the items a goal ticks ("Select A, B and C"): each named box ticked once; no other box touched;
  a box the goal names and that is ticked already is left alone (its label beside it too);
- a position ("the 3rd checkbox", "the 2nd textbox", "the 7th search result", "the last link"):
  the element it counts to, in page order; a result on a later page of results: that page first;
- the button the goal presses ("and press Login", 'click "Search"', "then hit Submit"): last,
  once what comes before it in the goal is done; held back while a field, a box or a
  position the goal names before it is still to do;
- a list box (a `<select>`) is chosen in, never tapped: a tap replaces what is chosen.

Positions are counted in `web_positions`, date pickers stepped through in `web_dates`.
Pure: the goal, the screen and the history in, the adjusted candidate list out.
"""

from __future__ import annotations

import re

from ...devices.base import Observation, Scroll, SelectOption, Tap, Target, TypeText, UIElement
from .candidate import Candidate
from .fields import field_name, row_label, row_title
from .goals import Goal
from .history import typed_fields
from .vocabulary import SUBMIT, content_words
from .web import ANY_FIELD, WebRequest, field_words, read_request
from .web_dates import calendar_step, date_left
from .web_positions import ordinal_candidate, ordinal_step

__all__ = ["date_left", "named_button", "pressed_last", "web_candidates", "web_work_left"]

_UNTICK = re.compile(r"\b(?:uncheck|untick|unselect|deselect|clear|unmark)\b", re.I)


def _press_pattern(label: str) -> re.Pattern[str]:
    name = re.escape(label)
    return re.compile(
        rf"\b(?:press|click|hit|tap|push)\s+(?:on\s+)?(?:the\s+)?"
        rf"(?:button\s+(?:(?:labell?ed|named|called|that says)\s+)?)?[\"“']?{name}[\"”']?(?!\w)",
        re.I,
    )


def named_button(goal: Goal, obs: Observation, history: list[str] | None = None) -> tuple[UIElement, int] | None:
    """The button the goal presses ("press Login", 'click "Search"', "and submit") and where the goal says so;
    of several pressed in turn ("click ONE, then click TWO"), the first not pressed yet."""
    found: list[tuple[int, UIElement]] = []
    boxes = {_checkable_name(e) for e in obs.elements if e.checkable}
    of_rows = {s.label.casefold() for s in read_request(goal.text).scoped}  # pressed on a row: `_scoped_presses`
    for el in obs.elements:
        label = el.label.strip()
        if label.casefold() in of_rows:
            continue
        if not (el.clickable and el.enabled) or el.editable or el.checkable or not label or len(label.split()) > 4:
            continue
        if label.casefold() in boxes or el.options:
            continue  # a box's own label, a list box: ticked or chosen, not pressed
        m = _press_pattern(label).search(goal.text)
        if m is None and label.lower() == "submit":
            m = re.search(r"\bsubmit\b", goal.text, re.I)  # "... and submit", "submit when done"
        if m is not None:
            found.append((m.start(), el))
    if not found:
        return None
    pressed = {h.split(":", 1)[1].strip().casefold() for h in history or [] if h.startswith(("tap:", "submit:"))}
    named = {el.label.strip().casefold() for _, el in found}
    if len(named) > 1 and (waiting := [f for f in found if f[1].label.strip().casefold() not in pressed]):
        found = waiting  # a sequence of presses: the next one
    # the first one named; of several carrying that name (a section titled "Submit" around the button), the button
    at, el = min(found, key=lambda f: (f[0], f[1].cls not in ("button", "link"), found.index(f)))
    return el, at


_PRESSES = re.compile(
    r"\b(?:press|click|hit|tap|push)\s+(?:on\s+)?(?:the\s+)?(?:button\s+(?:(?:labell?ed|named|called|that says)\s+)?)?"
    r"(?:[\"“'][^\"”']+[\"”']|[^\s,.;]+)(?:\s+button)?",
    re.I,
)
"""A press as goals write it, with what is pressed: 'click the button labeled "Yes"', "press Submit"."""


def _checkable_name(el: UIElement) -> str:
    return (el.description or el.text).strip().casefold()


def _tap_target(c: Candidate, obs: Observation) -> UIElement | None:
    a = c.action
    if isinstance(a, Tap) and a.target.element is not None:
        return obs.element(a.target.element)
    return None


def _ticks(req: WebRequest, goal: Goal, obs: Observation, out: list[Candidate]) -> tuple[list[Candidate], bool]:
    """Tick the boxes the goal names and no other; whether some named box is still unticked."""
    named = {i.casefold() for i in req.items}
    boxes = [e for e in obs.elements if e.checkable and e.enabled and _checkable_name(e)]
    ticks = [e for e in boxes if _checkable_name(e) in named]
    if not ticks:
        return out, False
    by_name = {_checkable_name(e): e for e in boxes}
    untick = bool(_UNTICK.search(goal.text))
    kept: list[Candidate] = []
    for c in out:
        el = _tap_target(c, obs)
        name = el.label.strip().casefold() if el is not None else ""
        box = el if el is not None and el.checkable else by_name.get(name) if el is not None else None
        if box is None:
            kept.append(c)
            continue
        if _checkable_name(box) in named:
            if box.checked and box.cls != "radio":
                c.score, c.veto = -1.0, "the goal names it and it is ticked already"
                kept.append(c)
            elif box.checked:
                c.score, c.veto = -1.0, "the goal names it and it is chosen already"
                kept.append(c)
            # an unticked box the goal names is ticked below, on the box itself
        elif not untick:
            c.score, c.veto = -1.0, "the goal does not name this box"
            kept.append(c)
        else:
            kept.append(c)
    for i, box in enumerate(e for e in ticks if not e.checked):
        label = box.description or box.text
        score = 3.2 if i == 0 else 2.6 - 0.01 * i  # any order will do: the first clearly, so no model is asked
        kept.append(Candidate(Tap(target=Target(element=box.id), why=f"tick {label}"), f"tick {label}", score))
    return kept, any(not e.checked for e in ticks)


def _options_left(req: WebRequest, obs: Observation) -> list[tuple[UIElement, str]]:
    """The options the goal names ("Select A and B from the list") that a list box has not chosen yet."""
    named = {i.casefold() for i in req.items}
    left = []
    for el in obs.elements:
        if not el.options or not el.enabled:
            continue
        chosen = {t.strip().casefold() for t in el.text.split(", ")}
        left += [(el, o.strip()) for o in el.options if o.strip().casefold() in named - chosen]
    return left


def _choices(left: list[tuple[UIElement, str]], out: list[Candidate]) -> list[Candidate]:
    """Choose each named option a list box lacks (a list box keeps what it has chosen)."""
    have = {(c.action.target.element, c.action.option) for c in out if isinstance(c.action, SelectOption)}
    for i, (el, option) in enumerate(left):
        if (el.id, option) in have:
            continue
        why = f"choose {option} in {el.description or el.text or 'the list'}"
        score = 3.0 if i == 0 else 2.4 - 0.01 * i
        out.append(Candidate(SelectOption(target=Target(element=el.id), option=option, why=why), why, score))
    return out


def _pressed_since_work(label: str, history: list[str]) -> bool:
    """Whether the button (or Enter in a field) was pressed after the last thing typed or ticked."""
    last_work = max((i for i, h in enumerate(history) if h.startswith(("typed:", "choose:"))), default=-1)
    after = history[last_work + 1 :]
    return any(h in (f"submit:{label}", f"tap:{label}", "submit:enter") for h in after)


def _set_controls(req: WebRequest, obs: Observation, history: list[str]) -> list[Candidate]:
    """A number for a control that is no text field ("Select 40 with the slider"): set it there
    (select_option sets a slider), once."""
    out = []
    for named, value in req.fields:
        if not named or ANY_FIELD in named or not re.fullmatch(r"-?\d+(?:\.\d+)?", value):
            continue
        for el in obs.elements:
            if el.editable or not el.enabled or not (el.clickable or el.value_range) or not named <= field_words(el):
                continue
            if f"typed:{field_name(el)}:{value}" in history or el.text.strip() == value:
                continue
            why = f"set {' '.join(sorted(named))} to {value}"
            out.append(Candidate(SelectOption(target=Target(element=el.id), option=value, why=why), why, 3.0))
            break
    return out


def _copy_paste(req: WebRequest, obs: Observation) -> Candidate | None:
    """"Copy the text from the 3rd text area and paste it into the text input": type what the source
    field holds into the empty field (a paste with the text it would paste), once."""
    if req.copy_from is None:
        return None
    fields = [e for e in obs.elements if e.editable and not e.options]
    start, end = req.copy_from
    named = [o for o in req.ordinals if start <= o.at < end and o.kind == "field"]
    if named:
        o = named[0]
        sources = [fields[o.index - 1]] if 0 < o.index <= len(fields) else fields[-1:] if o.index == -1 else []
    else:
        sources = [e for e in fields if e.text.strip()][:1]
    if not sources or not sources[0].text.strip():
        return None
    source = sources[0]
    if any(e.id != source.id and e.text == source.text for e in fields):
        return None  # pasted already
    targets = [e for e in fields if e.id != source.id and not e.text.strip()]
    if not targets:
        return None
    into = targets[0].description or targets[0].resource_id or "the field"
    why = f"paste the text of {source.label[:20]!r} into {into}"
    action = TypeText(text=source.text, target=Target(element=targets[0].id), clear=True, why=why)
    return Candidate(action, why, 3.3)


def _beside(key: str, obs: Observation) -> str | None:
    """The value a page shows for `key` in a table or a list of facts: the text right of it on its line."""
    want = key.strip().rstrip(":.").casefold()
    for k in obs.elements:
        if k.editable or k.clickable or k.text.strip().rstrip(":.").casefold() != want:
            continue
        middle = (k.bounds.top + k.bounds.bottom) // 2
        right = [
            v for v in obs.elements
            if v.bounds.left >= k.bounds.right - 2 and v.bounds.top <= middle <= v.bounds.bottom
            and v.text.strip() and not (v.editable or v.clickable or v.checkable)
        ]  # fmt: skip
        if right:
            return min(right, key=lambda v: v.bounds.left).text.strip()
    return None


def _looked_up(req: WebRequest, obs: Observation, history: list[str]) -> list[Candidate]:
    """Type the values the page shows for the keys the goal names ("the value of Last name"), or for
    each field's own label ("the value that corresponds with each label"), into those fields."""
    empty = [e for e in obs.elements if e.editable and not e.options and not e.text.strip()]
    typed = typed_fields(history)
    plan: list[tuple[UIElement, str]] = []
    for key in req.looked_up:
        value = _beside(key, obs)
        if value is not None and empty:
            plan.append((empty[0], value))
    if req.each_label:
        for field in empty:
            if field.description and (value := _beside(field.description, obs)) is not None:
                plan.append((field, value))
    out: list[Candidate] = []
    for field, value in plan:
        if field_name(field) in typed:
            continue
        why = f"type {value} into {field.description or 'the field'}"
        action = TypeText(text=value, target=Target(element=field.id), clear=True, why=why)
        out.append(Candidate(action, why, 3.2 if not out else 2.6 - 0.01 * len(out)))
    return out


def _scoped_presses(req: WebRequest, obs: Observation, history: list[str]) -> tuple[list[Candidate], bool]:
    """Press the button of the posts or rows the goal names ('Click "Share" on all posts by @annis'):
    a button belongs to the nearest mark of a post above it. Scroll while none of them shows. Returns the
    candidates and whether such a press is still to do."""
    out: list[Candidate] = []
    left = False
    for sc in req.scoped:
        mark = re.compile(rf"(?<![\w@]){re.escape(sc.anchor)}(?![\w])", re.I)
        anchors = [e for e in obs.elements if e.text and mark.search(e.text) and not e.editable]
        done = sum(h.split(":", 1)[-1].strip().casefold() == sc.label.casefold() for h in history)
        if not anchors:
            if done == 0 and any(e.scrollable for e in obs.elements):
                look = Scroll(direction="down", why=f"look for {sc.anchor}")
                out.append(Candidate(look, f"scroll to {sc.anchor}", 2.8))
                left = True
            continue
        shape = (lambda t: t.startswith("@")) if sc.anchor.startswith("@") else (lambda t: True)
        marks = [e for e in obs.elements if e.text.strip() and shape(e.text.strip())
                 and any(e.cls == a.cls and (sc.anchor.startswith("@") or abs(e.bounds.left - a.bounds.left) <= 4)
                         for a in anchors)]  # fmt: skip
        name = sc.label.casefold()
        buttons = [e for e in obs.elements if e.clickable and e.enabled and e.label.strip().casefold() == name]
        owned = []
        for b in buttons:
            above = [m for m in marks if m.bounds.top <= b.bounds.top]
            if above and max(above, key=lambda m: m.bounds.top) in anchors:
                owned.append(b)
        wanted = len(owned) if sc.every else 1
        if done < wanted and done < len(owned):
            b = owned[done]
            why = f"tap {sc.label} of {sc.anchor}"
            out.append(Candidate(Tap(target=Target(element=b.id), why=why), why, 3.3))
            left = True
    return out, left


def _sender_first(req: WebRequest, obs: Observation, out: list[Candidate]) -> None:
    """In a list of messages, the one the goal is about is its sender's ("forward the email that Bobine
    wrote to Bevvy"): open Bobine's, not the recipient's."""
    if not req.sender or req.sender.casefold() == req.recipient.casefold():
        return
    for c in out:
        el = _tap_target(c, obs)
        if el is None or el.editable or el.cls in ("button", "textbox"):
            continue
        title = row_title(row_label(el, obs)).strip().casefold()
        if title == req.sender.casefold():
            c.score = max(c.score, 1.5)
        elif req.recipient and title == req.recipient.casefold():
            c.score = min(c.score, 0.3)


def _sends(el: UIElement) -> bool:
    """A control that sends its form, by its first word: "Submit", "send-reply", "Save changes"."""
    words = re.split(r"[-_\s]+", el.label.strip().lower())
    return bool(words) and words[0] in SUBMIT and not el.editable and not el.checkable


def _send_when_filled(obs: Observation, history: list[str], out: list[Candidate], *, pending: bool) -> list[Candidate]:
    """A form the goal does not name a button of is sent by its one send control once it is filled."""
    senders = {e.id for e in obs.elements if e.clickable and e.enabled and _sends(e)}
    last_sent = max((i for i, h in enumerate(history) if h.startswith("submit:")
                     or (h.startswith("tap:") and re.split(r"[-_\s]+", h[4:].lower())[0] in SUBMIT)), default=-1)
    typed_now = any(h.startswith("typed:") for h in history[last_sent + 1 :])
    if len(senders) != 1 or not typed_now or pending:
        return out
    for c in out:
        if (el := _tap_target(c, obs)) is not None and el.id in senders:
            c.score = max(c.score, 3.5)
    return out


def web_work_left(goal: Goal, obs: Observation, history: list[str]) -> str | None:
    """What the goal still asks of this page, in words (a box to tick, the button it presses), or None."""
    req = read_request(goal.text)
    named = {i.casefold() for i in req.items}
    boxes = [e for e in obs.elements if e.checkable and not e.checked]
    left = [e.description or e.text for e in boxes if _checkable_name(e) in named]
    if left:
        return f"{', '.join(left)} still to tick"
    if left := [option for _, option in _options_left(req, obs)]:
        return f"{', '.join(left)} still to choose"
    if settings := _set_controls(req, obs, history):
        return f"{settings[0].text} still to do"
    if (day := date_left(goal, obs)) is not None:
        return f"{day:%B} {day.day}, {day.year} still to pick"
    button = named_button(goal, obs, history)
    if button is not None and not _pressed_since_work(button[0].label.strip(), history):
        return f"{button[0].label.strip()} still to press"
    return None


def _only_press(goal: Goal, label: str) -> bool:
    """Whether pressing the button is all the goal asks ('Click on the "okay" button'): at most one
    content word of it lies outside its press."""
    if _press_pattern(label).search(goal.text) is None:
        return False
    rest = _PRESSES.sub(" ", goal.text)  # every press the goal asks ("click ONE, then click TWO")
    return len(content_words(rest) - {"then", "button", "finally", "next"}) < 2


def pressed_last(goal: Goal, history: list[str]) -> str | None:
    """The button the goal names, when pressing it was the last step and the goal asks nothing after it
    ("... and press Login"; not "press Search, then open the 7th result"); None otherwise."""
    if not history or not history[-1].startswith(("tap:", "submit:")):
        return None
    label = history[-1].split(":", 1)[1].strip()
    m = _press_pattern(label).search(goal.text) if label else None
    if m is None and label.lower() == "submit":
        m = re.search(r"\bsubmit\b", goal.text, re.I)
    if m is None or any(o.at > m.start() for o in read_request(goal.text).ordinals):
        return None
    if re.search(r"\b(?:press|click|hit|tap|push|submit)\b", goal.text[m.end() :], re.I):
        return None  # 'Click "Share" on all posts ... and then click Submit': another press comes after it
    if not _only_press(goal, label) and not any(h.startswith(("typed:", "choose:")) for h in history[:-1]):
        return None  # the goal asks more than the press ("give everything the style underlined"); nothing else done
    return label


def web_candidates(
    goal: Goal, obs: Observation, history: list[str], out: list[Candidate], *, pending: bool
) -> list[Candidate]:
    """`out` (the candidates of any screen) adjusted for a web page; `pending`: a named field is still empty."""
    req = read_request(goal.text)
    for c in out:
        el = _tap_target(c, obs)
        if el is not None and el.options:
            c.score, c.veto = -1.0, "a list box is chosen in (select_option); a tap would replace its choice"
        elif el is not None and (el.value_range is not None or el.cls == "slider"):
            c.score = min(c.score, 0.3)  # a tap sets a slider wherever it lands; a number is set with select_option
    _sender_first(req, obs, out)
    out, ticks_left = _ticks(req, goal, obs, out)
    settings = _set_controls(req, obs, history)
    out += settings
    paste = _copy_paste(req, obs)
    if paste is not None:
        out.append(paste)
    lookups = _looked_up(req, obs, history)
    out += lookups
    scoped, scoped_left = _scoped_presses(req, obs, history)
    out += scoped
    picking = date_left(goal, obs)
    if picking is not None and not pending and (paging := calendar_step(picking, obs)) is not None:
        out.append(paging)
    options_left = _options_left(req, obs)
    out = _choices(options_left, out)
    button = named_button(goal, obs, history)
    pressed = button is not None and _pressed_since_work(button[0].label.strip(), history)
    ordinals_left_before = False
    for i, o in enumerate(req.ordinals):
        if req.copy_from is not None and req.copy_from[0] <= o.at < req.copy_from[1]:
            continue  # "copy the text from the 3rd text area": where to copy from
        step = ordinal_step(o, obs, history)
        if step is None:
            continue
        target, done = step
        before_button = button is None or o.at < button[1]
        if done:
            continue
        if before_button:
            ordinals_left_before = True
        elif not pressed:
            continue  # "press Search, then click the 7th result": after the button
        if o.kind == "field" and not o.value:
            continue
        out.append(ordinal_candidate(o, target, obs, 3.6 - 0.6 * i))
    if button is None:
        out = _send_when_filled(obs, history, out, pending=pending or ticks_left or bool(options_left))
    if button is not None:
        el, _ = button
        for c in out:  # 'Click on the "okay" button': its name is pressed, not typed anywhere
            if isinstance(c.action, TypeText) and c.action.text.strip().casefold() == el.label.strip().casefold():
                c.score, c.veto = -1.0, f"{c.action.text} names the button to press, not a value to type"
        left = options_left or settings or picking or paste or lookups
        work_left = pending or ticks_left or ordinals_left_before or scoped_left or bool(left)
        did_something = any(h.startswith(("typed:", "choose:", "tap:")) for h in history)
        given = {v.casefold() for v in goal.values.values()} - {el.label.strip().casefold()}
        asks_more = bool(req.fields or req.items or req.ordinals or given) or not _only_press(goal, el.label.strip())
        ready = not work_left and not pressed and (did_something or not asks_more)
        for c in out:  # the tap that reads the same as the button's is the button's
            t = _tap_target(c, obs)
            if t is not None and t.id != el.id and isinstance(c.action, Tap) and t.label.strip() == el.label.strip():
                c.action = c.action.model_copy(update={"target": Target(element=el.id)})
        mine = [c for c in out if (t := _tap_target(c, obs)) is not None and t.id == el.id]
        if not mine:
            label = el.label.strip()
            mine = [Candidate(Tap(target=Target(element=el.id), why=f"tap {label}"), f"tap {label}", 0.0)]
            out.append(mine[0])
        for c in mine:
            if ready:
                c.score = max(c.score, 3.5)
            elif work_left:
                c.score = min(c.score, 0.2)
    return out

