"""Reflection and recovery: cheap checks after each step, loop patterns over the trajectory,
recovering from pop-ups and wrong taps, and the final check that vetoes a premature "done"."""

from __future__ import annotations

from typing import Any

from fleetmind.agents.grounding import parse_goal
from fleetmind.agents.loop import GuiAgent, StepRecord, SubtaskSpec
from fleetmind.agents.models import ScriptedModel
from fleetmind.agents.reflection import StepLog, check_step, recovery_action, trajectory_pattern
from fleetmind.devices.base import LaunchApp, PressKey, Tap, Target
from fleetmind.devices.virtual import VirtualPhone
from fleetmind.protocol.messages import Budget


def log(
    before: str, after: str, action: str = "tap:OK", ok: bool = True, apps: tuple[str, str] = ("A", "A")
) -> StepLog:
    return StepLog(before, after, action, ok, *apps)


def test_each_loop_pattern_is_detected() -> None:
    assert trajectory_pattern([log("s1", "s2")]) is None
    assert trajectory_pattern([log("s1", "s1", "tap:Go")] * 3).name == "repeat"  # type: ignore[union-attr]
    frozen = [log("s1", "s1", "tap:A"), log("s1", "s1", "tap:B"), log("s1", "s1", "tap:C")]
    assert trajectory_pattern(frozen).name == "frozen"  # type: ignore[union-attr]
    swing = [log("s1", "s2", "tap:A"), log("s2", "s1", "back"), log("s1", "s2", "tap:B"), log("s2", "s1", "back")]
    assert trajectory_pattern(swing).name == "oscillation"  # type: ignore[union-attr]
    failing = [log("s1", "s1", f"tap:{x}", ok=False) for x in "ABC"]
    assert trajectory_pattern(failing).name == "failing"  # type: ignore[union-attr]
    fine = [log("s1", "s2", "tap:A"), log("s2", "s3", "tap:B"), log("s3", "s4", "tap:C"), log("s4", "s5", "tap:D")]
    assert trajectory_pattern(fine) is None


def test_a_step_check_tells_no_effect_and_a_wrong_app() -> None:
    tap = Tap(target=Target(element="e1"))
    assert check_step(log("s1", "s1"), tap, set()).outcome == "no_effect"
    assert check_step(log("s1", "s2", ok=False), tap, set()).outcome == "failed"
    assert check_step(log("s1", "s2", apps=("Contacts", "Files")), tap, {"contacts"}).outcome == "wrong_app"
    assert check_step(log("s1", "s2", apps=("Home", "Contacts")), LaunchApp(app="Contacts"), set()).outcome == (
        "as_expected"
    )
    assert check_step(log("s1", "s2", apps=("Files", "Contacts")), tap, {"contacts"}).outcome == "as_expected"


async def test_recovery_dismisses_a_pop_up_first() -> None:
    p = VirtualPhone(seed=1)
    await p.act(LaunchApp(app="Contacts"))
    p.state.nav.dialog = None
    from fleetmind.devices.virtual.state import Dialog

    p.state.nav.dialog = Dialog(kind="popup", title="Rate us", message="Enjoying it?", buttons=["Dismiss"])
    obs = await p.observe()
    found = recovery_action("frozen", obs, parse_goal("Add a contact named Ada"), p.info.apps, 0)
    assert found is not None and isinstance(found[0], Tap) and "Dismiss" in found[1]
    await p.act(found[0])
    assert p.state.nav.dialog is None


async def run(p: VirtualPhone, goal: str, **kw: Any) -> tuple[Any, list[StepRecord]]:
    steps: list[StepRecord] = []

    async def on_step(r: StepRecord) -> None:
        steps.append(r)

    agent_kw = {k: kw.pop(k) for k in ("local", "cloud") if k in kw}
    result = await GuiAgent(p, **agent_kw).run(SubtaskSpec(goal=goal, outputs=["result"], **kw), on_step=on_step)
    return result, steps


async def test_the_agent_gets_through_pop_ups_that_keep_coming() -> None:
    p = VirtualPhone(seed=2, popups=0.4)
    result, steps = await run(p, "Turn on Bluetooth", budget=Budget(max_steps=15))
    assert result.status == "succeeded" and result.verified and p.state.settings.bluetooth
    assert p.state.nav.dialog is None or p.state.settings.bluetooth


async def test_a_wrong_tap_into_another_app_is_undone() -> None:
    p = VirtualPhone(seed=3)
    p.seed(contacts=[{"name": "Ada Lovelace", "phone": "555 0100"}])
    taps = iter(["Contacts", "Ada Lovelace", "Message"])  # a cloud model that wanders into Messages

    def reply(messages: list[dict[str, str]], _schema: Any) -> dict[str, Any]:
        screen = messages[-1]["content"]
        want = next(taps, None)
        for line in screen.splitlines():
            if want and f"'{want}'" in line:
                return {"thought": "this", "action": {"kind": "tap", "target": {"element": line[1 : line.index("]")]}}}
        return {"thought": "done", "action": {"kind": "done", "answer": "555 0100"}}

    result, steps = await run(
        p,
        "Find the email of Ada Lovelace in Contacts",
        cloud=ScriptedModel(reply),
        tier_policy="cloud-only",
        budget=Budget(max_steps=8),
    )
    assert any("recover (wrong_app)" in s.why for s in steps), [s.why for s in steps]


async def test_a_premature_done_is_vetoed_once() -> None:
    p = VirtualPhone(seed=4)
    script = [
        {"thought": "done already", "action": {"kind": "done", "answer": "on"}},
        {"thought": "open", "action": {"kind": "launch_app", "app": "Settings"}},
    ]

    def reply(messages: list[dict[str, str]], _schema: Any) -> dict[str, Any]:
        if script:
            return script.pop(0)
        screen = messages[-1]["content"]
        line = next(ln for ln in screen.splitlines() if "'Bluetooth'" in ln and "checkable" in ln)
        if " checked" in line:
            return {"thought": "it is on", "action": {"kind": "done", "answer": "Bluetooth is on"}}
        return {"thought": "tap it", "action": {"kind": "tap", "target": {"element": line[1 : line.index("]")]}}}

    result, steps = await run(
        p, "Turn on Bluetooth", cloud=ScriptedModel(reply), tier_policy="cloud-only", budget=Budget(max_steps=8)
    )
    assert steps[0].action.kind == "done"  # the model's first "done" ...
    assert result.status == "succeeded" and p.state.settings.bluetooth  # ... did not end the run
    assert result.verified and steps[-1].action.kind == "done"


def test_recovery_runs_out() -> None:
    p = VirtualPhone(seed=1)
    obs = p.snapshot(screenshot=False)
    goal = parse_goal("Turn on Bluetooth")
    kinds = [recovery_action("frozen", obs, goal, p.info.apps, n) for n in range(4)]
    assert [type(k[0]) if k else None for k in kinds[:3]] == [PressKey, LaunchApp, PressKey]
    assert kinds[3] is None
