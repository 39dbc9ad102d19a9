"""What a screen shows beyond its fields: the home screen, a web page, a prompt in the way, a control's value."""

from __future__ import annotations

import re

from ...devices.base import Observation
from .vocabulary import PROCEED


def current_value(what: str, obs: Observation) -> int | None:
    """The number the control named `what` shows now ("Brightness" slider at 50 -> 50), or None."""
    for e in obs.elements:
        if e.description.casefold() == what.casefold() and (m := re.search(r"\d+", e.text)):
            return int(m.group(0))
    return None


_PROMPT_BUTTONS = (PROCEED - {"continue"}) | {"deny", "don't allow", "never", "later", "rate", "rate now"}


def prompt_in_the_way(obs: Observation) -> bool:
    """Whether a permission prompt or pop-up covers the screen (its buttons are what one can tap)."""
    return any(e.clickable and e.label.strip().lower() in _PROMPT_BUTTONS for e in obs.elements)


def on_web(obs: Observation) -> bool:
    """Whether the screen is a web page (a browser reports the page's URL as its package)."""
    return obs.foreground_package.startswith(("http://", "https://", "file:", "about:", "data:"))


def on_home(obs: Observation) -> bool:
    """Whether the launcher (the home screen) is in front."""
    return obs.foreground_app.lower() in ("", "home", "launcher")
