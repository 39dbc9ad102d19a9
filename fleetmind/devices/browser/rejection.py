"""`Rejected`: an action the browser cannot carry out as asked; the device turns it into ActionOutcome(ok=False)."""

from __future__ import annotations

__all__ = ["Rejected"]


class Rejected(Exception):
    """An action that cannot be carried out as asked; the message says why and what to do instead."""
