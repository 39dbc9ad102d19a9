"""What a failure report lets a replanner decide, and what of it a cloud model may see.

`retry_decision` is pure, like the scheduler: a failed subtask's report in, whether one more
try can help (and on which device, starting how) out, every rule one line below.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ...protocol.messages import FailureReport
from ..graph import DeviceRequirement, Subtask
from ..registry import Registry
from ..scheduler import meets
from .base import ReplanEvent


@dataclass(frozen=True)
class RetryDecision:
    """One more try of a failed subtask, or none; `reason` says which rule decided."""

    retry: bool
    reason: str
    device: DeviceRequirement | None = None
    """Where the retry runs (None: where the subtask could run before)."""
    hint: str | None = None
    """How the retry should start; rides beside the goal, never in it."""


def retry_decision(event: ReplanEvent, failed: Subtask) -> RetryDecision:
    """Whether one fresh try of `failed` can help, by what its report says went wrong.

    Rules, first match wins:
    - needs_user: only the user can give what is missing or decide; a retry asks again.
    - not_understood: the same words read by the same models read the same way.
    - refused_by_app, final: the app said no to what the request says; the request must change.
    - missing_app: another capable device that has the app takes it; with none, no retry.
    - device_lost: another capable device takes it; with none, the same kind of device does.
    - any other final failure: the agent says only the user can change it.
    - stuck: a fresh try that relaunches the app it was stuck in before the first step.
    - step_budget, refused_by_app (not final), other, no report: one fresh try.
    """
    report = event.report or FailureReport(reason=event.error or "")
    kind = report.kind
    if kind == "needs_user":
        return RetryDecision(False, f"{failed.id} needs the user ({report.reason}); a retry cannot give it")
    if kind == "not_understood":
        return RetryDecision(False, f"{failed.id} was not understood ({report.reason}); a retry reads it the same")
    if kind == "refused_by_app" and event.final:
        return RetryDecision(False, f"{failed.id} was refused by the app ({report.reason}); the request must change")
    if kind in ("missing_app", "device_lost"):
        if event.other_devices:
            other = event.other_devices[0]
            why = f"no {report.app} app there" if kind == "missing_app" else "its device went away"
            device = failed.device.model_copy(update={"device_id": other})
            return RetryDecision(True, f"{failed.id} moves to {other}: {why}", device=device)
        if kind == "missing_app":
            app = report.app or "needed"
            return RetryDecision(False, f"no other capable device has the {app} app; {failed.id} stays failed")
        pinned = failed.device.device_id is not None
        if pinned:
            return RetryDecision(False, f"{failed.id} must run on {failed.device.device_id}, which went away")
        return RetryDecision(True, f"{failed.id} tries again: its device went away")
    if event.final:
        return RetryDecision(False, f"{failed.id}: {report.reason or 'only the user can change this'}")
    if kind == "stuck":
        app = report.app or (report.stuck_at.split(" — ", 1)[0] if report.stuck_at else "")
        hint = f"relaunch {app} before the first step" if app else "start from the home screen"
        return RetryDecision(True, f"{failed.id} was stuck at {report.stuck_at or 'a screen'}; fresh try", hint=hint)
    return RetryDecision(True, f"{failed.id} gets one fresh try ({kind})")


def other_devices(
    requirement: DeviceRequirement, tried: Sequence[str], registry: Registry, report: FailureReport | None
) -> tuple[str, ...]:
    """Online devices that meet `requirement` and have not tried the subtask; when the report says
    an app is missing, only those whose profile lists it (a profile without an app list may have it)."""
    wanted = report.app.lower() if report is not None and report.kind == "missing_app" and report.app else ""
    out = []
    for entry in registry.entries():
        view, apps = entry.view(), [a.lower() for a in entry.profile.apps]
        if not view.online or view.id in tried or not meets(requirement, view):
            continue
        if wanted and apps and wanted not in apps:
            continue
        out.append(view.id)
    return tuple(out)


def cloud_safe_report(report: FailureReport | None, *, private: bool) -> dict[str, Any] | None:
    """A report as a cloud model may see it: for a private subtask only its kind and the app.

    The agent already leaves the screen text out of a private subtask's report; the steps tried
    and the reason may still name values from it (an account, a typed name), so they stay here.
    """
    if report is None:
        return None
    if private:
        return {"kind": report.kind, "app": report.app, "reason": "[private]"}
    return report.model_dump()


def stuck_line(report: FailureReport) -> str:
    """One line for a person, beside the error: where it got stuck, the kind, the last step.

    E.g. "stuck at Contacts — Create contact (refused_by_app); last step: tap 'Save'".
    """
    where = report.stuck_at or report.app or "the first screen"
    last = f"; last step: {report.tried[-1]}" if report.tried else ""
    return f"stuck at {where} ({report.kind}){last}"
