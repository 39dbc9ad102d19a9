"""The model planner: a structured plan from a chat model, checked in code, repaired from its errors.

Everything the offline planner guarantees is checked here too, in code, not
only asked for in the prompt: the graph invariants (acyclic, every data
reference resolves along an edge), device pins that name real devices, kinds
the fleet has, and goals that leave device addressing out. A request that
names a device the fleet lacks is refused before the model is asked, with the
same `UnknownDevice` error as offline.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from pydantic import ValidationError

from ...privacy.guard import redacting
from ...protocol.messages import DeviceProfile
from ..graph import AddSubtask, GraphPatch
from .base import Plan, PlanningFailed, StructuredModel, UnknownDevice, fleet_help, validate_patch
from .clause_planner import ClausePlanner

log = logging.getLogger(__name__)

PLAN_SYSTEM = """You plan work for GUI agents on a fleet of devices.
Split the user's request into subtasks, each done by one agent on one device.
Return JSON matching the schema: subtasks (id, goal, device, inputs, outputs, privacy) and edges
(src, dst, kind: on_success|on_completion|on_failure).

Devices. device is {"kind": "phone"|"browser"|"desktop"} to let the orchestrator choose, or
{"device_id": "<id>"} to pin one device; use only ids from the device list. "on phone-2" pins
phone-2; "on my phone" is kind phone; "on both/each/every phone" or "all devices" is one subtask
per device, each pinned; "the other one" is the device the previous subtask did not use. Leave
the addressing words out of the goal ("Turn on Wi-Fi", not "Turn on Wi-Fi on phone-2"). If the
request names a device that is not in the list, the plan is refused.
A web page, site, URL, "online" or a question about the world needs a browser; an app or a phone
feature (SMS, contacts, alarm, Wi-Fi, calendar, notes, bank) needs a phone. Never put a browser
step and a phone step in one subtask.

Goals are short imperative sentences a GUI agent can do on one device ("Turn on Wi-Fi", "Send an
SMS to Ada saying hello"). Keep every value from the request verbatim (names, numbers, quoted
text). Opening or logging in to a place and then asking or doing something there is ONE subtask
("Log in to the bank with PIN 1234 and tell me my balance").

Data. A subtask that finds something declares an output named for it ("weather", "number",
"balance"). A subtask that uses an earlier result ("it", "that", "her number") declares an input
{"from": "<id>", "output": "<name>"} named for its role there ("message" for what is sent or
written, "phone" for a number that is called, "search" for what is looked up), and there is an
on_success edge from the producer to it. Resolve "her"/"him" to the person named earlier in the
goal text. Independent subtasks have no edge so they run in parallel. Mark subtasks that touch
passwords, banking or personal messages privacy "private"."""


def devices_text(devices: Sequence[DeviceProfile]) -> str:
    """The device list as the planning model sees it."""
    if not devices:
        return "No devices are connected yet; use kind phone or browser."
    return "\n".join(f"- {d.id}: {d.kind} ({d.platform}); apps: {', '.join(d.apps[:20]) or 'n/a'}" for d in devices)


async def addressed_devices(request: str, devices: Sequence[DeviceProfile]) -> set[str]:
    """The devices the request pins work to, read offline ("on phone-2", "both phones").

    Raises UnknownDevice if it addresses a device the fleet does not have. Anything
    else the offline reading cannot make sense of is left to the model.
    """
    try:
        patch = await ClausePlanner().plan(request, devices)
    except UnknownDevice:
        raise
    except PlanningFailed:
        return set()
    return {
        op.subtask.device.device_id for op in patch.ops if isinstance(op, AddSubtask) and op.subtask.device.device_id
    }


def pin_reasons(patch: GraphPatch, addressed: set[str]) -> list[str]:
    """Why the plan does not put work on every device the request addresses."""
    pinned = {op.subtask.device.device_id for op in patch.ops if isinstance(op, AddSubtask)}
    return [
        f"the request addresses device {d} but no subtask is pinned to it; give its subtask"
        f' "device": {{"device_id": "{d}"}} (one subtask per device for "both"/"every")'
        for d in sorted(addressed - pinned)
    ]


def device_reasons(patch: GraphPatch, devices: Sequence[DeviceProfile]) -> list[str]:
    """Why the patch's device pins do not fit the fleet (empty when they do).

    A kind the fleet lacks is not a reason: a device of that kind may attach before the
    subtask is dispatched, and the runtime says what to attach if none does.
    """
    if not devices:
        return []
    ids = {d.id: d for d in devices}
    reasons = []
    for op in patch.ops:
        if not isinstance(op, AddSubtask):
            continue
        s = op.subtask
        pin, kind = s.device.device_id, s.device.kind
        if pin is not None and pin not in ids:
            reasons.append(
                f"subtask {s.id} is pinned to device {pin!r}, which is not in the fleet; pin one of: "
                f"{', '.join(ids)}, or give a kind"
            )
        elif pin is not None and kind is not None and ids[pin].kind != kind:
            reasons.append(f"subtask {s.id} is pinned to {pin}, a {ids[pin].kind}, but asks for kind {kind}")
        named = [i for i in ids if re.search(r"(?<![\w-])" + re.escape(i) + r"(?![\w-])", s.goal, re.I)]
        if named:
            reasons.append(
                f"the goal of subtask {s.id} names device {named[0]}; put it in device.device_id and leave it"
                " out of the goal"
            )
    return reasons


class ModelPlanner:
    """Plans with a model's structured output; repairs invalid plans from their errors."""

    def __init__(self, model: StructuredModel, *, max_repairs: int = 2) -> None:
        self.model: StructuredModel = redacting(model)  # sensitive values in the request never reach a cloud
        self.max_repairs = max_repairs

    async def plan(self, request: str, devices: Sequence[DeviceProfile]) -> GraphPatch:
        """A validated patch for `request`; UnknownDevice or PlanningFailed if none can be made."""
        addressed = await addressed_devices(request, devices)
        messages = [
            {"role": "system", "content": PLAN_SYSTEM},
            {"role": "user", "content": f"Devices:\n{devices_text(devices)}\n\nRequest: {request}"},
        ]
        reasons: list[str] = []
        for attempt in range(self.max_repairs + 1):
            try:
                completion = await self.model.complete(messages, schema=Plan)
                plan = (
                    completion.parsed
                    if isinstance(completion.parsed, Plan)
                    else (Plan.model_validate_json(completion.text))
                )
                patch = plan.to_patch()
                reasons = validate_patch(patch) + device_reasons(patch, devices) + pin_reasons(patch, addressed)
            except (ValidationError, ValueError) as exc:
                reasons = [f"the plan is not valid JSON for the schema: {exc}"]
                completion = None
            if not reasons:
                return patch
            log.info("plan attempt %d rejected: %s", attempt + 1, reasons)
            messages.append({"role": "assistant", "content": getattr(completion, "text", "")})
            messages.append(
                {
                    "role": "user",
                    "content": "That plan is invalid:\n"
                    + "\n".join(f"- {r}" for r in reasons)
                    + "\nReturn a corrected plan.",
                }
            )
        raise PlanningFailed(
            f"{self.model.name} gave no valid plan after {self.max_repairs + 1} attempts;"
            " rephrase the request or use a stronger planning model (--model-cloud)",
            [*reasons, *([fleet_help(devices)] if any("fleet" in r for r in reasons) else [])],
        )


__all__ = ["PLAN_SYSTEM", "ModelPlanner", "UnknownDevice", "addressed_devices", "device_reasons", "pin_reasons"]
