"""App cards: what a user knows about an app, written down for the agent.

One Markdown file per app in `<data dir>/cards/<app>.md` (`fleetmind skills card APP`
creates one and prints its path):

    # Settings
    Dark theme and brightness are under Display.
    prefer: Display when dark, theme, brightness
    avoid: Reset options, Erase all data

`prefer: LABEL[, LABEL] [when WORD, WORD]` raises the score of actions on elements with
those labels (only for goals with one of the words, when `when` is given); `avoid:`
forbids actions on elements with those labels; every other line is a note. Grounding
uses prefer and avoid; a cloud model gets the whole card in its prompt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..skills.store import default_data_dir

__all__ = ["CARD_TEMPLATE", "AppCard", "AppCards", "parse_card"]

CARD_TEMPLATE = """# {app}
<!-- Write where things are in {app} and what to avoid; a cloud model reads the whole card.
prefer: LABEL[, LABEL] [when GOAL, WORDS]    makes grounding favour those elements
avoid: LABEL[, LABEL]                        makes grounding never touch them
(this comment is ignored) -->
"""


@dataclass(frozen=True)
class AppCard:
    """A user's card for one app."""

    app: str
    notes: str
    prefer: tuple[tuple[str, frozenset[str]], ...] = ()
    """(label, goal words that must appear, or empty for any goal)."""
    avoid: tuple[str, ...] = ()
    text: str = ""
    """The card as written."""


def _labels(text: str) -> list[str]:
    return [p.strip().lower() for p in text.split(",") if p.strip()]


def parse_card(app: str, text: str) -> AppCard:
    """A card from its Markdown text (see the module docstring)."""
    notes: list[str] = []
    prefer: list[tuple[str, frozenset[str]]] = []
    avoid: list[str] = []
    for line in re.sub(r"<!--.*?-->", "", text, flags=re.S).splitlines():
        body = re.sub(r"^\s*[-*]\s+", "", line).strip()
        low = body.lower()
        if low.startswith("prefer:"):
            what, _, when = body[7:].partition(" when ")
            words = frozenset(w for w in re.findall(r"[\w-]+", when.lower()))
            prefer.extend((label, words) for label in _labels(what))
        elif low.startswith("avoid:"):
            avoid.extend(_labels(body[6:]))
        elif body and not body.startswith("#"):
            notes.append(body)
    return AppCard(app, " ".join(notes), tuple(prefer), tuple(avoid), text.strip())


class AppCards:
    """The cards in one directory, read when first asked for and again when a file changes."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).expanduser()
        self._cache: dict[str, tuple[float, AppCard | None]] = {}

    @classmethod
    def default(cls) -> AppCards:
        """The cards in the user's data directory (`<data dir>/cards`)."""
        return cls(default_data_dir() / "cards")

    def file(self, app: str) -> Path:
        """Where the card of `app` is (or would be)."""
        return self.path / f"{re.sub(r'[^a-z0-9._-]+', '_', app.strip().lower()) or '_'}.md"

    def get(self, app: str) -> AppCard | None:
        """The card of `app`, or None."""
        if not app:
            return None
        file = self.file(app)
        try:
            mtime = file.stat().st_mtime
        except OSError:
            return None
        cached = self._cache.get(app.lower())
        if cached is not None and cached[0] == mtime:
            return cached[1]
        try:
            card: AppCard | None = parse_card(app, file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            card = None
        self._cache[app.lower()] = (mtime, card)
        return card

    def create(self, app: str) -> Path:
        """The card file of `app`, written from a template when there is none yet."""
        file = self.file(app)
        if not file.exists():
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_text(CARD_TEMPLATE.format(app=app), encoding="utf-8")
        return file
