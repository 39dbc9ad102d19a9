"""Errors of the local model tier.

`fleetmind.agents` imports this package, never the reverse, so the tier has its own
error types; the agents' adapter maps them onto `ModelError` / `ModelUnavailable`.
"""

from __future__ import annotations


class LocalModelError(RuntimeError):
    """The local model could not answer; the message says why and what to do."""


class LocalModelUnavailable(LocalModelError):
    """The local model cannot be loaded at all: the runtime or the model file is missing."""
