"""Replayable skills: action sequences written by hand or learned from verified runs.

- `model`: the `Skill` (steps as JSON actions with {param} placeholders and targets by label);
- `template`: goal templates (a goal's values lifted out) and binding values back;
- `record`: a verified run as a skill (steps by label, detours cut, values lifted);
- `replay`: which skill fits a goal, and its next step on the current screen, for the loop;
- `store`: skills as JSON files in the user's data directory.
"""

from __future__ import annotations

from .model import Skill, SkillError, SkillResult, SkillStepResult, find_by_label, locate
from .record import Learned, learn, step_of
from .replay import Replay, SkillMatch, find_skill
from .store import SkillStore, default_data_dir
from .template import Template, lift

__all__ = [
    "Learned",
    "Replay",
    "Skill",
    "SkillError",
    "SkillMatch",
    "SkillResult",
    "SkillStepResult",
    "SkillStore",
    "Template",
    "default_data_dir",
    "find_by_label",
    "find_skill",
    "learn",
    "lift",
    "locate",
    "step_of",
]
