"""Modal dialogs: runtime-permission prompts, app alerts, interrupting pop-ups.

A dialog lives in `state.nav.dialog` as data (so it survives a JSON round trip);
what its buttons do is decided here, by kind.
"""

from __future__ import annotations

import random

from .state import Dialog, PhoneState

__all__ = ["POPUPS", "alert", "ask_permission", "has_permission", "maybe_popup", "press"]

POPUPS: tuple[tuple[str, str], ...] = (
    ("Rate this app", "Enjoying the app? Tell us what you think."),
    ("Battery saver", "Battery is running low. Turn on Battery saver to extend battery life."),
)
"""The interrupting pop-ups a phone with popups > 0 throws in: (title, message)."""


def has_permission(state: PhoneState, package: str) -> bool:
    """Whether the user allowed the app's runtime permission."""
    return state.permissions.get(package, False)


def ask_permission(state: PhoneState, package: str, label: str, what: str) -> str:
    """Show the "Allow <app> to <what>?" prompt for `package`."""
    state.nav.dialog = Dialog(
        kind="permission",
        title=f"Allow {label} to {what}?",
        buttons=["Allow", "Deny"],
        package=package,
    )
    return f"{label} asks for permission to {what}"


def alert(state: PhoneState, title: str, message: str, package: str = "") -> str:
    """Show an app's message with an OK button."""
    state.nav.dialog = Dialog(kind="alert", title=title, message=message, buttons=["OK"], package=package)
    return f"{title}: {message}"


def press(state: PhoneState, button: str) -> str:
    """Press a dialog button (back counts as Deny/Dismiss); the dialog closes."""
    dialog = state.nav.dialog
    if dialog is None:
        return "no dialog is open"
    state.nav.dialog = None
    if dialog.kind == "permission":
        granted = button == "Allow"
        state.permissions[dialog.package] = granted
        return f"permission {'granted' if granted else 'denied'}"
    return f"dismissed '{dialog.title}'"


def maybe_popup(state: PhoneState, rng: random.Random, probability: float) -> str | None:
    """With `probability`, open one of `POPUPS` over whatever is on screen.

    Exactly one draw per call (two when it fires), whatever the screen shows,
    so one seed gives one sequence of pop-ups for one sequence of actions.
    """
    if probability <= 0:
        return None
    fires = rng.random() < probability
    if not fires:
        return None
    title, message = POPUPS[rng.randrange(len(POPUPS))]
    nav = state.nav
    if nav.dialog is not None or nav.shade_open or nav.recents_open:
        return None  # one modal at a time; the shade hides app windows
    nav.dialog = Dialog(kind="popup", title=title, message=message, buttons=["Dismiss"], package=nav.current_app)
    return title
