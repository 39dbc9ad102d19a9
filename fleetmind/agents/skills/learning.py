"""What the agent loop does with skills, in three calls: `propose` the next replayed step,
`record` each step taken, `finish` a run (learn from it, or count how its replay went).

A run that ends succeeded *and verified* becomes a skill; one that failed, or whose
success the screen did not show, is never stored. A replay that held to the end counts
as one more replay; one that handed over to the agent and still ended verified replaces
a learned skill with the way that worked this time; a learned skill replayed to its end
into a failure is forgotten.
"""

from __future__ import annotations

import logging
from typing import Any

from ...devices.base import Action, DeviceInfo, Observation, describe_action
from ..grounding import Goal
from ..records import LoopResult, LoopState, StepRecord, SubtaskSpec, failure_kind
from .record import learn, step_of
from .replay import Replay
from .store import SkillStore
from .template import lift, lift_value, normal

__all__ = ["SkillLearning"]

log = logging.getLogger(__name__)


class SkillLearning:
    """The loop's skills: a store to replay from and to learn into."""

    def __init__(self, store: SkillStore) -> None:
        self.store = store
        self._replay = Replay(store)

    def propose(
        self, state: LoopState, goal: Goal, obs: Observation, info: DeviceInfo
    ) -> tuple[StepRecord | None, dict[str, Any] | None]:
        """The next replayed step as a settled rule-tier record (None when not replaying), and
        the replay state to keep."""
        replay: dict[str, Any] | None = state.get("replay")
        if replay is None and state["step"] == 0 and not state["history"]:
            replay = self._replay.start(goal, info)
        if replay is None or replay.get("ended"):
            return None, replay
        action, replay, why = self._replay.next_step(
            replay, obs, failures=state["failures"], recoveries=state.get("recoveries", 0)
        )
        if action is None:
            log.info("replay of skill %s ended: %s", replay["skill"], why)
            return None, replay
        return StepRecord(state["step"] + 1, action, describe_action(action, obs), "rule", why), replay

    def record(self, state: LoopState, action: Action, obs: Observation, goal: Goal) -> list[dict[str, Any]]:
        """The recorded steps with `action` (about to be taken on `obs`) added."""
        step = step_of(action, obs)
        if isinstance(step, dict) and step.pop("secret", False):
            # never keep a secret, even in the loop's checkpoint: only a value the goal gives may be typed again
            lifted = lift_value(str(step.get("text", "")), goal.values)
            step = {**step, "text": lifted} if normal(lifted) == "{}" else "a secret the goal does not give was typed"
        return [*state.get("recorded", []), {"digest": obs.digest, "step": step}]

    def finish(self, spec: SubtaskSpec, goal: Goal, state: dict[str, Any], result: LoopResult, kind: str) -> None:
        """Learn from a verified run, or count how the replay went."""
        replay = state.get("replay") or {}
        used = self.store.get(replay["skill"]) if replay.get("skill") else None
        verified = result.status == "succeeded" and result.verified is True
        if used is not None and verified and not replay.get("ended"):
            self.store.add(used.model_copy(update={"replays": used.replays + 1}))
            return
        refused = result.status == "failed" and failure_kind(result.error or result.summary) == "refused_by_app"
        if used is not None and used.origin == "learned" and refused and not replay.get("ended"):
            # replayed to its end and the check said no: what was learned is wrong (an app changed,
            # or a check since made stricter); forget it rather than repeat it
            self.store.remove(used.name)
            log.info("forgot skill %s: replayed to its end and the run failed (%s)", used.name, result.summary)
            return
        if used is not None:
            self.store.add(used.model_copy(update={"fallbacks": used.fallbacks + 1}))
        if not verified or spec.privacy == "private":
            return
        keep_name = used.name if used is not None and used.origin == "learned" else None
        same = next(
            (s for s in self.store.all() if s.origin == "learned" and normal(s.goal) == _template_key(goal)), None
        )
        name = keep_name or (same.name if same else None)
        learned = learn(goal, state.get("recorded", []), device_kind=kind, name=name)
        if learned.skill is None:
            log.info("not learned from %r: %s", spec.goal, learned.why)
            return
        skill = learned.skill
        if keep_name is None and same is None:
            skill = skill.model_copy(update={"name": self.store.free_name(skill.name)})
        previous = used if keep_name else same
        if previous is not None:
            fallbacks = previous.fallbacks + (1 if previous is used else 0)
            skill = skill.model_copy(update={"replays": previous.replays, "fallbacks": fallbacks})
        self.store.add(skill)
        log.info("learned skill %s (%s)", skill.name, learned.why)


def _template_key(goal: Goal) -> str:
    return lift(goal.text, goal.values).key
