"""`Candidate`: one action the agent could take on a screen, with its words and its text-match score.

Its own module so that the screen-specific proposers (`actions` for every screen, `web_actions` for
web pages) both build candidates without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...devices.base import Action

__all__ = ["Candidate"]


@dataclass
class Candidate:
    """One action the agent could take, its words for a model, and a text-match score."""

    action: Action
    text: str
    score: float
    note: str = ""
    """Why memory or an app card moved its score (the step's why says it when it is chosen)."""
    veto: str = ""
    """Why this action must not be taken for this goal at all (no model may pick it either)."""
