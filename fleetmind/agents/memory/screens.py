"""Exploration memory: what each screen of an app offers, and where each action on it leads.

A screen is known by its app and the set of its stable labels (buttons, rows, field
names; not the clock, the status bar or what was typed). Two looks at the same screen
with a little more or less on it (one more contact in the list) are the same screen
when their label sets overlap by `SAME_SCREEN` (Jaccard). Each action the agent takes
adds an edge: on this screen, this tap (by label) or this app launch led to that screen.
One JSON file per app under `<data dir>/memory/`, written when a run ends.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...devices.base import Action, LaunchApp, Observation, PressKey, Tap
from ..grounding import field_name, readable_label
from ..skills.store import default_data_dir, write_atomically
from .cards import AppCard, AppCards

__all__ = ["SAME_SCREEN", "ExplorationMemory", "Screen", "action_key", "screen_of"]

log = logging.getLogger(__name__)

SAME_SCREEN = 0.7
"""Label sets overlapping at least this much (Jaccard) are one screen."""
MAX_SCREENS_PER_APP = 300
"""Beyond this an app's memory stops growing (a feed with endless new rows is not new screens)."""
MAX_LABEL_CHARS = 40
_HOME = "home"


@dataclass
class Screen:
    """One screen of one app as memory keeps it."""

    id: str
    app: str
    labels: frozenset[str]
    fields: frozenset[str] = frozenset()
    """Names of its editable fields (lower case)."""
    seen: int = 1
    leads: dict[str, str] = field(default_factory=dict)
    """Action key (`action_key`) -> id of the screen it led to."""


def _stable(text: str) -> bool:
    return 0 < len(text) <= MAX_LABEL_CHARS and bool(re.search(r"[^\W\d_]", text))


def screen_of(obs: Observation) -> tuple[str, frozenset[str], frozenset[str]]:
    """(app, stable labels, field names) of an observation, all lower case."""
    labels, fields = set(), set()
    for e in obs.elements:
        if e.resource_id.startswith("com.android.systemui"):
            continue
        if e.editable:
            name = field_name(e).strip().lower()
            if _stable(name):
                fields.add(name)
                labels.add(name)
            continue
        label = readable_label(e).strip().lower()
        if _stable(label) and (e.clickable or e.checkable or e.scrollable or len(label.split()) <= 4):
            labels.add(label)
    return (obs.foreground_app or _HOME).lower(), frozenset(labels), frozenset(fields)


def action_key(action: Action, obs: Observation) -> str | None:
    """How memory names an action that moves between screens: tap:<label>, launch:<app>, key:<key>."""
    if isinstance(action, Tap) and action.target.element:
        el = obs.element(action.target.element)
        if el is None or el.editable:
            return None
        label = readable_label(el).strip().lower()
        return f"tap:{label}" if label else None
    if isinstance(action, LaunchApp):
        return f"launch:{action.app.lower()}"
    if isinstance(action, PressKey):
        return f"key:{action.key}"
    return None


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


class ExplorationMemory:
    """Screens and moves between them, per app, learned while working; kept in `path`.

    path: the memory directory (default `<data dir>/memory`); None keeps it in this
    process only (tests, benchmarks). cards: the user's app cards, if any.
    """

    def __init__(self, path: str | Path | None, cards: AppCards | None = None) -> None:
        self.path = Path(path).expanduser() if path is not None else None
        self.cards = cards
        self._apps: dict[str, list[Screen]] = {}
        self._by_id: dict[str, Screen] = {}
        self._dirty: set[str] = set()
        self._loaded: set[str] = set()
        self.derived: dict[str, frozenset[str]] = {}
        """Screen id -> words guide.py derived from its labels (kept, as labels never change)."""

    @classmethod
    def default(cls) -> ExplorationMemory:
        """The memory in the user's data directory."""
        return cls(default_data_dir() / "memory", AppCards.default())

    def card(self, app: str) -> AppCard | None:
        """The user's card for `app`, if there is one."""
        return self.cards.get(app) if self.cards is not None else None

    def card_text(self, app: str) -> str:
        """The card of `app` as the user wrote it, for a chat model's prompt ("" without one)."""
        card = self.card(app)
        return card.text if card is not None else ""

    # reading and writing ------------------------------------------------------------

    def _file(self, app: str) -> Path | None:
        if self.path is None:
            return None
        return self.path / f"{re.sub(r'[^a-z0-9._-]+', '_', app) or '_'}.json"

    def _load(self, app: str) -> list[Screen]:
        if app in self._loaded:
            return self._apps.setdefault(app, [])
        self._loaded.add(app)
        screens = self._apps.setdefault(app, [])
        file = self._file(app)
        if file is None or not file.exists():
            return screens
        try:
            data: dict[str, Any] = json.loads(file.read_text(encoding="utf-8"))
            for raw in data.get("screens", []):
                screen = Screen(
                    raw["id"], app, frozenset(raw["labels"]), frozenset(raw.get("fields", [])),
                    int(raw.get("seen", 1)), dict(raw.get("leads", {})),
                )
                screens.append(screen)
                self._by_id[screen.id] = screen
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("exploration memory %s is unreadable (%s); starting that app afresh", file, exc)
        return screens

    def save(self) -> None:
        """Write the apps that changed since the last save."""
        for app in sorted(self._dirty):
            file = self._file(app)
            if file is None:
                continue
            screens = [
                {"id": s.id, "labels": sorted(s.labels), "fields": sorted(s.fields), "seen": s.seen, "leads": s.leads}
                for s in self._apps.get(app, [])
            ]
            write_atomically(file, json.dumps({"app": app, "screens": screens}, indent=1) + "\n")
        self._dirty.clear()

    # what the loop calls ------------------------------------------------------------

    def find(self, obs: Observation) -> Screen | None:
        """The known screen this observation shows, or None."""
        app, labels, _ = screen_of(obs)
        return self.closest(app, labels)

    def closest(self, app: str, labels: frozenset[str]) -> Screen | None:
        """The known screen of `app` whose labels overlap `labels` most (at least `SAME_SCREEN`), or None."""
        best, best_score = None, SAME_SCREEN
        for screen in self._load(app):
            score = _jaccard(screen.labels, labels)
            if score >= best_score:
                best, best_score = screen, score
        return best

    def _screen(self, obs: Observation) -> Screen | None:
        app, labels, fields = screen_of(obs)
        known = self.closest(app, labels)
        if known is not None:
            known.seen += 1
            return known
        screens = self._load(app)
        if len(screens) >= MAX_SCREENS_PER_APP:
            return None
        screen = Screen(f"{app}#{len(screens) + 1}", app, labels, fields)
        screens.append(screen)
        self._by_id[screen.id] = screen
        self._dirty.add(app)
        return screen

    def learn(self, before: Observation, action: Action, after: Observation) -> None:
        """Remember that `action` on `before` led to `after`."""
        key = action_key(action, before)
        if key is None:
            return
        source, target = self._screen(before), self._screen(after)
        if source is None or target is None or source is target:
            return
        if source.leads.get(key) != target.id:
            source.leads[key] = target.id
            self._dirty.add(source.app)

    def screen(self, screen_id: str) -> Screen | None:
        """A known screen by id (the app it belongs to is loaded on demand)."""
        if screen_id not in self._by_id:
            self._load(screen_id.split("#", 1)[0])
        return self._by_id.get(screen_id)

    def apps(self) -> list[str]:
        """Apps memory holds screens of (on disk or learned in this process)."""
        names = set(self._apps)
        if self.path is not None and self.path.exists():
            names |= {p.stem for p in self.path.glob("*.json")}
        return sorted(names)

    def screens(self, app: str) -> list[Screen]:
        """The known screens of `app`."""
        return list(self._load(app.lower()))
