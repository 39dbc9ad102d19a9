"""Exploration memory (what each screen of an app offers and where its actions lead,
learned while working) and app cards (what the user knows about an app). Grounding
reads both through `guide`; a cloud model also gets the card in its prompt.
"""

from __future__ import annotations

from .cards import AppCard, AppCards, parse_card
from .guide import guide
from .screens import ExplorationMemory, Screen, action_key, screen_of

__all__ = ["AppCard", "AppCards", "ExplorationMemory", "Screen", "action_key", "guide", "parse_card", "screen_of"]
