"""What a cloud model sees for one step of the GUI agent: the goal, the screen as text, the history."""

from __future__ import annotations

from ..devices.base import Observation
from .records import SubtaskSpec

__all__ = ["cloud_messages"]


def cloud_messages(spec: SubtaskSpec, obs: Observation, history: list[str], notes: str = "") -> list[dict[str, str]]:
    """The chat a cloud model sees for one step: goal, screen as text, history; and the user's
    card for the app in front (`notes`), when there is one."""
    rows = []
    for e in obs.elements:
        flags = [f for f in ("clickable", "editable", "checkable", "checked", "scrollable") if getattr(e, f)]
        b = e.bounds
        if e.options:
            flags.append(f"options={list(e.options)[:20]}")
        if e.value_range is not None:
            flags.append(f"range={e.value_range[0]:g}..{e.value_range[1]:g}")
        rows.append(
            f"[{e.id}] {e.cls.rsplit('.', 1)[-1]} {e.label!r} ({b.left},{b.top},{b.right},{b.bottom}) "
            + " ".join(flags)
        )
    system = (
        "You operate a device's GUI one action at a time. Answer JSON {thought, action}; action.kind is"
        " one of tap, long_press, swipe, scroll, type_text, press_key, launch_app, wait, done, ask_user,"
        " fail; on web pages also drag {start, end}, select_option {target, option}, focus, hover, right_click"
        " {target}, hotkey {keys: 'ctrl+a', 'shift+tab', 'down'}."
        " Targets are {element: id} from the list, or {x, y} in device pixels (origin top-left)."
    )
    user = (
        f"Goal: {spec.goal}\nInputs: {spec.inputs}\nApp: {obs.foreground_app}\n"
        f"Screen ({obs.screen_width}x{obs.screen_height}):\n" + "\n".join(rows) + f"\nDone so far: {history[-8:]}"
    )
    if notes:
        user += f"\nThe user's notes on {obs.foreground_app or 'this app'}:\n{notes}"
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]
