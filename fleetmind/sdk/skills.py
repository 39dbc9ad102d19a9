"""Skills in the SDK: named, parameterised action sequences, run on a `Device` step by step.

    send_sms = Skill(
        name="send_sms",
        params=["contact", "message"],
        goal="send an SMS to {contact} saying {message}",
        steps=[
            {"kind": "launch_app", "app": "Messages"},
            {"kind": "tap", "target": {"label": "{contact}"}},
            {"kind": "type_text", "text": "{message}", "target": {"label": "Message"}},
            {"kind": "tap", "target": {"label": "Send"}, "expect": "{message}"},
        ],
    )
    result = await send_sms.run(device, contact="Ada Lovelace", message="hi")   # result.ok, result.error
    SkillStore.default().add(send_sms)     # the GUI agent now replays it for "send an SMS to X saying Y"

This is the GUI agent's own `Skill` (fleetmind.agents.skills): the skills the agent
learns from verified runs and the ones written here are one kind of thing, kept in one
`SkillStore` (`fleetmind skills list|show|rm`). See that module for the step format.
The SDK's class only turns errors into the SDK's `SkillError`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..agents.skills import Skill as AgentSkill
from ..agents.skills import SkillError as AgentSkillError
from ..agents.skills import SkillResult, SkillStepResult, SkillStore, find_by_label
from .errors import FleetmindError


class SkillError(FleetmindError, AgentSkillError):
    """A skill is malformed, or was run with missing or unknown parameters."""


class Skill(AgentSkill):
    """A named, parameterised action sequence (see `fleetmind.agents.skills.model` for the step format)."""

    @classmethod
    def load(cls, path: str | Path) -> Skill:
        """A skill from a JSON file."""
        try:
            return cls.model_validate(AgentSkill.load(path).model_dump())
        except AgentSkillError as exc:
            raise SkillError(str(exc)) from None

    def bind(self, **params: Any) -> list[dict[str, Any]]:
        """The steps with every placeholder filled (SkillError naming missing or unknown parameters)."""
        try:
            return super().bind(**params)
        except AgentSkillError as exc:
            raise SkillError(str(exc)) from None


__all__ = ["Skill", "SkillError", "SkillResult", "SkillStepResult", "SkillStore", "find_by_label"]
