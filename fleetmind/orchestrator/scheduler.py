"""Scheduling decisions, as pure functions: which subtask goes to which device, and
what to do after a failed attempt. The asyncio server carries them out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from .graph import DeviceRequirement


@dataclass(frozen=True)
class DeviceView:
    """What the scheduler needs to know about one device."""

    id: str
    kind: str
    capabilities: frozenset[str] = frozenset()
    online: bool = True
    running: int = 0
    capacity: int = 1
    """GUI devices run one subtask at a time: there is one screen."""
    assigned_total: int = 0
    """Subtasks given to it so far; the least-loaded device gets the next one."""

    @property
    def idle(self) -> bool:
        return self.online and self.running < self.capacity


@dataclass(frozen=True)
class ReadySubtask:
    """A subtask waiting for a device, with the scheduler-relevant history."""

    id: str
    requirement: DeviceRequirement
    pinned_device: str | None = None
    """Retry on the same device: only this one may take it."""
    avoid: frozenset[str] = field(default_factory=frozenset)
    """Devices already tried and given up on."""


@dataclass(frozen=True)
class Dispatch:
    """Send `subtask_id` to `device_id`."""

    subtask_id: str
    device_id: str


def meets(requirement: DeviceRequirement, device: DeviceView) -> bool:
    """Whether `device` may run a subtask with this requirement at all (busy or not)."""
    if requirement.device_id is not None and requirement.device_id != device.id:
        return False
    if requirement.kind is not None and requirement.kind != device.kind:
        return False
    return set(requirement.capabilities) <= device.capabilities


def capable_devices(requirement: DeviceRequirement, devices: Iterable[DeviceView]) -> list[str]:
    """Ids of every known device (online or not) that meets the requirement."""
    return [d.id for d in devices if meets(requirement, d)]


def decide_dispatch(
    ready: Sequence[ReadySubtask],
    devices: Sequence[DeviceView],
    *,
    running_total: int,
    max_concurrent: int,
) -> list[Dispatch]:
    """Match ready subtasks (in priority order) to idle devices that meet them.

    Least-loaded device first (fewest running, then fewest assigned so far, then id);
    at most `max_concurrent` subtasks run at once across the whole fleet. Stops as soon
    as no slot or no idle device is left, so a long ready queue costs nothing then.
    """
    free = {d.id: d for d in devices if d.idle}
    load = {d.id: (d.running, d.assigned_total, d.id) for d in devices}
    slots = max(0, max_concurrent - running_total)
    out: list[Dispatch] = []
    for sub in ready:
        if len(out) >= slots or not free:
            break
        options = [
            d
            for d in free.values()
            if meets(sub.requirement, d)
            and d.id not in sub.avoid
            and (sub.pinned_device is None or d.id == sub.pinned_device)
        ]
        if not options:
            continue
        chosen = min(options, key=lambda d: load[d.id])
        out.append(Dispatch(sub.id, chosen.id))
        running, assigned, _ = load[chosen.id]
        load[chosen.id] = (running + 1, assigned + 1, chosen.id)
        if running + 1 >= chosen.capacity:
            del free[chosen.id]
    return out


FailureAction = Literal["retry_same", "redispatch", "replan"]


@dataclass(frozen=True)
class FailureDecision:
    """What to do after a failed attempt, and the words for the event log."""

    action: FailureAction
    reason: str
    device_id: str | None = None


def decide_failure(
    *,
    attempts_on_device: int,
    max_attempts: int,
    device_id: str,
    device_online: bool,
    tried: Iterable[str],
    capable: Iterable[str],
    retryable: bool = True,
) -> FailureDecision:
    """Retry on the same device, then another capable device, then the replanner.

    `max_attempts` counts attempts per device. A non-retryable failure (the agent
    says retrying cannot help, e.g. the budget is spent) skips the same-device retry.
    """
    if retryable and device_online and attempts_on_device < max_attempts:
        return FailureDecision(
            "retry_same",
            f"attempt {attempts_on_device + 1} of {max_attempts} on {device_id}",
            device_id,
        )
    untried = [d for d in capable if d not in set(tried)]
    if untried:
        return FailureDecision("redispatch", f"re-dispatch to another capable device ({untried[0]}...)")
    return FailureDecision("replan", "no capable device left to try")
