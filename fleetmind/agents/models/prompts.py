"""What a cloud model sees for one step of the GUI agent: the goal, the screen as text, the history.

With a `Redactor`, every text in it (goal, inputs, element labels and options, history,
notes) has its sensitive values replaced by placeholders (privacy/redaction.py).
"""

from __future__ import annotations

from ...devices.base import Observation
from ...privacy.redaction import Redactor
from ..records import SubtaskSpec

__all__ = ["cloud_messages"]


def cloud_messages(
    spec: SubtaskSpec,
    obs: Observation,
    history: list[str],
    notes: str = "",
    redactor: Redactor | None = None,
    *,
    plan: str = "",
    ask_plan: bool = False,
    noted: dict[str, str] | None = None,
) -> list[dict[str, str]]:
    """The chat a cloud model sees for one step: goal, screen as text, history; the user's card
    for the app in front (`notes`), when there is one; the subgoal plan with what is done
    (`plan`) and the facts noted so far (`noted`). `redactor` replaces sensitive values.

    `ask_plan` asks the model for the steps between opening the app and the goal's own parts
    (`CloudStep.plan`): text rules cannot know an app's screens.
    """

    def r(text: str, where: str) -> str:
        return redactor.redact(text, where) if redactor is not None else text

    inputs = redactor.redact_inputs(spec.inputs, "inputs") if redactor is not None else spec.inputs
    goal = r(spec.goal, "goal")
    rows = []
    for e in obs.elements:
        flags = [f for f in ("clickable", "editable", "checkable", "checked", "scrollable") if getattr(e, f)]
        b = e.bounds
        if e.options:
            flags.append(f"options={[r(o, e.id) for o in e.options[:20]]}")
        if e.value_range is not None:
            flags.append(f"range={e.value_range[0]:g}..{e.value_range[1]:g}")
        rows.append(
            f"[{e.id}] {e.cls.rsplit('.', 1)[-1]} {r(e.label, e.id)!r} ({b.left},{b.top},{b.right},{b.bottom}) "
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
        f"Goal: {goal}\nInputs: {inputs}\nApp: {r(obs.foreground_app, 'app')}\n"
        f"Screen ({obs.screen_width}x{obs.screen_height}):\n"
        + "\n".join(rows)
        + f"\nDone so far: {[r(h, 'history') for h in history[-8:]]}"
    )
    if notes:
        user += f"\nThe user's notes on {obs.foreground_app or 'this app'}:\n{r(notes, 'notes')}"
    if plan:
        user += f"\nPlan ([x] reached): {r(plan, 'plan')}"
    if ask_plan:
        user += "\nAlso answer plan: up to 6 short steps from here to the goal (screens or controls to reach)."
    if noted:
        user += f"\nNoted on earlier screens: {', '.join(f'{k}: {r(v, k)}' for k, v in noted.items())}"
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]
