"""The 125 MiniWoB++ tasks (the BrowserGym set), where their pages live, and what kind of
widget each one exercises.

The pages come from the `miniwob` PyPI package (pinned in pyproject.toml). Only its
`html/` directory is used: the package is located with `importlib.util.find_spec`, which
does not import it, so its gymnasium and selenium dependencies are never loaded.

The set is the package's registered gymnasium environments minus the three FlightWoB
ones, i.e. the 125 tasks BrowserGym registers as `browsergym/miniwob.*` and the
published BrowserGym figures are measured on. `package_tasks()` reads that list from the
package's `registration.py` as text, so a test can check `TASKS` against the package.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

__all__ = ["KINDS", "TASKS", "MiniwobMissing", "html_root", "kind_of", "package_tasks"]

PACKAGE_PIN = "miniwob==1.1.0"

KINDS: dict[str, str] = {
    "click": "click the one element the instruction names (button, link, tab, menu item, checkbox)",
    "type": "type text into a field (enter-text, login, answers computed from the page)",
    "select": "pick a value from a widget (list box, date picker, slider, spinner, colour wheel)",
    "drag": "drag, draw or highlight with the mouse",
    "scroll": "scroll a region to find or read something",
    "visual": "read a canvas or SVG picture (shapes, colours, geometry, positions)",
    "multi-step": "several widgets in a row (forms, email, flights, social media, search)",
}
"""Widget kinds the report groups tasks by, with what each means."""

_BY_KIND: dict[str, tuple[str, ...]] = {
    "click": (
        "click-button", "click-button-sequence", "click-checkboxes", "click-checkboxes-large",
        "click-checkboxes-soft", "click-checkboxes-transfer", "click-collapsible", "click-collapsible-2",
        "click-collapsible-2-nodelay", "click-collapsible-nodelay", "click-dialog", "click-dialog-2",
        "click-link", "click-menu", "click-menu-2", "click-option", "click-tab", "click-tab-2",
        "click-tab-2-easy", "click-tab-2-hard", "click-tab-2-medium", "click-test", "click-test-2",
        "click-test-transfer", "click-widget", "focus-text", "focus-text-2", "unicode-test",
        "number-checkboxes", "ascending-numbers", "generate-number", "odd-or-even", "sign-agreement",
    ),
    "type": (
        "enter-date", "enter-password", "enter-text", "enter-text-2", "enter-text-dynamic", "enter-time",
        "copy-paste", "copy-paste-2", "find-word", "guess-number", "login-user", "login-user-popup",
        "read-table", "read-table-2", "simple-algebra", "simple-arithmetic", "text-transform", "terminal",
        "use-autocomplete", "use-autocomplete-nodelay", "phone-book",
    ),
    "select": (
        "choose-date", "choose-date-easy", "choose-date-medium", "choose-date-nodelay", "choose-list",
        "use-colorwheel", "use-colorwheel-2", "use-slider", "use-slider-2", "use-spinner", "click-pie",
        "click-pie-nodelay", "text-editor",
    ),
    "drag": (
        "drag-box", "drag-circle", "drag-cube", "drag-items", "drag-items-grid", "drag-shapes", "drag-shapes-2",
        "drag-single-shape", "drag-sort-numbers", "draw-circle", "draw-line", "highlight-text",
        "highlight-text-2", "resize-textarea",
    ),
    "scroll": ("scroll-text", "scroll-text-2", "click-scroll-list"),
    "visual": (
        "bisect-angle", "circle-center", "click-color", "click-shades", "click-shape", "count-shape",
        "count-sides", "find-midpoint", "grid-coordinate", "identify-shape", "right-angle", "visual-addition",
        "tic-tac-toe", "hot-cold", "find-greatest",
    ),
    "multi-step": (
        "book-flight", "book-flight-nodelay", "email-inbox", "email-inbox-delete", "email-inbox-forward",
        "email-inbox-forward-nl", "email-inbox-forward-nl-turk", "email-inbox-important", "email-inbox-nl-turk",
        "email-inbox-noscroll", "email-inbox-reply", "email-inbox-star-reply", "multi-layouts",
        "multi-orderings", "navigate-tree", "search-engine", "social-media", "social-media-all",
        "social-media-some", "form-sequence", "form-sequence-2", "form-sequence-3", "buy-ticket",
        "order-food", "stock-market", "daily-calendar",
    ),
}

_KIND_OF: dict[str, str] = {task: kind for kind, tasks in _BY_KIND.items() for task in tasks}
TASKS: tuple[str, ...] = tuple(sorted(_KIND_OF))
"""The 125 task names, sorted."""


class MiniwobMissing(RuntimeError):
    """The `miniwob` package (which ships the task pages) is not installed."""


def kind_of(task: str) -> str:
    """The widget kind of `task` (KeyError names the known tasks' count when it is not one)."""
    try:
        return _KIND_OF[task]
    except KeyError:
        raise KeyError(f"{task!r} is not one of the {len(TASKS)} MiniWoB++ tasks") from None


def _package_dir() -> Path:
    spec = importlib.util.find_spec("miniwob")
    if spec is None or not spec.submodule_search_locations:
        raise MiniwobMissing(
            f"the MiniWoB++ task pages come from the miniwob package: pip install '{PACKAGE_PIN}'"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def html_root() -> Path:
    """The package's `html/` directory (it holds `core/` and `miniwob/<task>.html`)."""
    root = _package_dir() / "html"
    if not (root / "core" / "core.js").is_file():
        raise MiniwobMissing(f"{root} has no core/core.js; reinstall the package: pip install '{PACKAGE_PIN}'")
    return root


def package_tasks() -> list[str]:
    """The tasks the installed package registers, minus FlightWoB, read from its source as text."""
    text = (_package_dir() / "registration.py").read_text(encoding="utf-8")
    names = re.findall(r'id="miniwob/([a-z0-9-]+)-v1"', text)
    return sorted(n for n in names if not n.startswith("flight"))
