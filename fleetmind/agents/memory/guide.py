"""How memory and app cards move grounding's candidate scores. Pure, cheap, no I/O beyond
the memory's in-process tables.

- memory: when what the goal names is not on this screen, a tap (or app launch) that
  memory says leads, within `MAX_DEPTH` moves, to a screen that has it gets a bonus:
  "memory: Add alarm leads to a screen with hour, minute, label". What counts is the
  goal's words that name things on screens (two or more of them) and the fields the
  goal gives values for; the values themselves (a name, a message) are data, not places.
- cards: `avoid` labels are forbidden, `prefer` labels raised (see cards.py).

Only moves that change nothing the user keeps get a memory bonus: taps that are not a
submit, a switch or a stepper, and app launches.
"""

from __future__ import annotations

from ...devices.base import LaunchApp, Observation, Tap
from ..grounding import Candidate, Goal, content_words, field_key, history_entry, words
from .cards import AppCard
from .screens import ExplorationMemory, Screen, action_key, screen_of

__all__ = ["AVOID_PENALTY", "MAX_DEPTH", "PREFER_BONUS", "guide"]

MAX_DEPTH = 3
"""How many moves ahead memory looks for a screen with what the goal names."""
MAX_BONUS = 2.0
PREFER_BONUS = 1.0
AVOID_PENALTY = 5.0
MIN_WORDS = 2
"""A destination must show at least this many of the goal's words (a field the goal fills counts double,
after a move the goal names)."""
_DATA_KEYS = frozenset({"search", "text"})
"""Values that are queries, not fields a form asks for."""


def _gains(
    memory: ExplorationMemory, here: Screen, goal: Goal, labels: frozenset[str], fields: frozenset[str]
) -> dict[str, tuple[float, str]]:
    """First move (action key) -> (bonus, what it leads to) for moves toward what the goal names."""
    value_words = content_words(" ".join(goal.values.values()))
    here_words = content_words(" ".join(labels))
    missing = {w for w in goal.words - here_words - value_words if len(w) > 2 and not w.isdigit()}
    have = {field_key(f) for f in fields}
    wanted = {k for k in goal.values if k not in _DATA_KEYS} - have
    if not missing and not wanted:
        return {}
    best: dict[str, tuple[float, str]] = {}
    for first, target in here.leads.items():
        # A move the goal names ("Add alarm" for an alarm) may lead to the form its values fill;
        # one it does not ("Edit" on some contact's page) only to a screen naming the goal's words.
        named_move = bool(content_words(first.split(":", 1)[1]) & goal.words)
        frontier, seen = [(target, 1)], {here.id}
        while frontier:
            sid, depth = frontier.pop(0)
            screen = memory.screen(sid)
            if screen is None or sid in seen:
                continue
            seen.add(sid)
            named = sorted(missing & (_place_words(screen, memory) - screen.fields))
            filled = sorted(wanted & {k for f in screen.fields if (k := field_key(f))}) if named_move else []
            gain = len(named) + 2 * len(filled)
            if gain >= MIN_WORDS:
                bonus = min(MAX_BONUS, 1.0 + 0.25 * (gain - MIN_WORDS)) / depth
                if bonus > best.get(first, (0.0, ""))[0]:
                    best[first] = (bonus, ", ".join([*filled, *named][:4]))
            if depth < MAX_DEPTH:
                frontier.extend((nxt, depth + 1) for nxt in screen.leads.values())
    return best


def _place_words(screen: Screen, memory: ExplorationMemory) -> frozenset[str]:
    """Words that name places and controls on a screen: not its data (a line with a number in it)."""
    cached = memory.derived.get(screen.id)
    if cached is None:  # a screen's labels never change once known
        cached = frozenset(w for label in screen.labels if not any(ch.isdigit() for ch in label) for w in words(label))
        memory.derived[screen.id] = cached
    return cached


def _navigates(c: Candidate, obs: Observation) -> bool:
    if isinstance(c.action, LaunchApp):
        return True
    if not isinstance(c.action, Tap) or not c.action.target.element:
        return False
    el = obs.element(c.action.target.element)
    return el is not None and not el.checkable and history_entry(c.action, obs).startswith("tap:")


def guide(
    goal: Goal, obs: Observation, cands: list[Candidate], memory: ExplorationMemory | None, card: AppCard | None
) -> None:
    """Adjust `cands` in place by what memory knows of this app and what its card says."""
    if card is not None and (card.avoid or card.prefer):
        for c in cands:
            label = c.text.lower()
            if (hit := next((a for a in card.avoid if a in label), None)) is not None:
                c.score -= AVOID_PENALTY
                c.note = f"card for {card.app}: avoid {hit}"
            elif (pick := next((p for p, when in card.prefer if p in label and (not when or when & goal.words)), None)):
                c.score += PREFER_BONUS
                c.note = f"card for {card.app}: prefer {pick}"
    if memory is None:
        return
    app, labels, fields = screen_of(obs)
    here = memory.closest(app, labels)
    if here is None or not here.leads:
        return
    gains = _gains(memory, here, goal, labels, fields)
    if not gains:
        return
    for c in cands:
        key = action_key(c.action, obs)
        if key is None or key not in gains or not _navigates(c, obs):
            continue
        bonus, leads_to = gains[key]
        c.score += bonus
        what = key.split(":", 1)[1]
        c.note = f"memory: {what} leads to a screen with {leads_to}"
