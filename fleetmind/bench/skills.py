"""`fleetmind bench skills`: what learning saves, the phone tasks run three times in one run.

1. first pass: empty exploration memory and no skills; each verified run is learned
   as a skill (so a later task of the same form in this pass may already replay);
2. memory: the same tasks on fresh phones with what memory learned of the apps, skills off;
3. skills: the same tasks again with the skills (and memory).

Each task starts on a freshly seeded VirtualPhone (in process) with the local model as
the local tier, and is checked against the phone's own state as in `phone-tasks`.
Model calls are counted at the model (every rank or completion), steps and time per task.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel

from ..agents.loop import GuiAgent, StepRecord, SubtaskSpec
from ..agents.memory import ExplorationMemory
from ..agents.models import ChatModel, Completion, Ranking
from ..agents.skills import SkillStore
from ..devices.virtual import VirtualPhone
from ..protocol.messages import Budget
from .phone_tasks import TASKS, PhoneTask, _seeded

__all__ = ["PASSES", "CountingModel", "PassResult", "TaskRun", "run_skills_bench"]

PASSES = ("first pass", "memory", "skills")


class CountingModel(ChatModel):
    """A model that counts its calls and passes them on to `inner`."""

    def __init__(self, inner: ChatModel) -> None:
        self.inner = inner
        self.name, self.tier = inner.name, inner.tier
        self.calls = 0

    async def complete(
        self, messages: list[dict[str, str]], *, schema: type[BaseModel] | None = None, max_tokens: int = 512
    ) -> Completion:
        """Count, then complete with the inner model."""
        self.calls += 1
        return await self.inner.complete(messages, schema=schema, max_tokens=max_tokens)

    async def rank(self, prompt: str, candidates: Sequence[str]) -> Ranking:
        """Count, then rank with the inner model."""
        self.calls += 1
        return await self.inner.rank(prompt, candidates)

    @property
    def can_rank(self) -> bool:
        """Whether the inner model ranks."""
        return self.inner.can_rank


@dataclass
class TaskRun:
    """One task in one pass."""

    goal: str
    ok: bool
    steps: int
    model_calls: int
    seconds: float
    replayed: int
    """Steps a skill replayed."""
    summary: str = ""


@dataclass
class PassResult:
    """One pass over the tasks."""

    name: str
    runs: list[TaskRun] = field(default_factory=list)

    @property
    def succeeded(self) -> int:
        """Tasks whose effect is on the phone."""
        return sum(r.ok for r in self.runs)

    @property
    def steps(self) -> int:
        """Steps over all tasks."""
        return sum(r.steps for r in self.runs)

    @property
    def model_calls(self) -> int:
        """Model calls over all tasks."""
        return sum(r.model_calls for r in self.runs)

    @property
    def seconds(self) -> float:
        """Wall-clock time over all tasks."""
        return sum(r.seconds for r in self.runs)


async def _run_task(
    task: PhoneTask, local: CountingModel | None, skills: SkillStore | None, memory: ExplorationMemory | None
) -> TaskRun:
    phone = _seeded(VirtualPhone(seed=1))
    steps: list[StepRecord] = []

    async def on_step(record: StepRecord) -> None:
        steps.append(record)

    before = local.calls if local is not None else 0
    start = time.perf_counter()
    agent = GuiAgent(phone, local=local, skills=skills, memory=memory, thumbnails=False)
    outcome = await agent.run(
        SubtaskSpec(goal=task.goal, outputs=["result"], budget=Budget(max_steps=12), confirm="allow"),
        on_step=on_step,
    )
    seconds = time.perf_counter() - start
    ok = outcome.status == "succeeded" and task.check(phone.state, outcome.outputs)
    return TaskRun(
        task.goal,
        ok,
        len(steps),
        (local.calls if local is not None else 0) - before,
        seconds,
        sum(s.why.startswith("replaying skill") for s in steps),
        outcome.summary,
    )


async def run_skills_bench(
    local: ChatModel | None, tasks: Sequence[PhoneTask] = TASKS, data_dir: Path | None = None
) -> list[PassResult]:
    """The three passes (see the module docstring), learning into `data_dir` (default: a fresh
    temporary directory, so the user's skills are neither used nor changed)."""
    counting = CountingModel(local) if local is not None else None
    if local is not None and local.can_rank:
        await local.rank("warm up", [" the model"])  # the first evaluation's set-up is not the first pass's cost
    with tempfile.TemporaryDirectory(prefix="fleetmind-bench-skills-") as tmp:
        root = data_dir or Path(tmp)
        store, memory = SkillStore(root / "skills"), ExplorationMemory(root / "memory")
        passes = [PassResult(name) for name in PASSES]
        for task in tasks:
            passes[0].runs.append(await _run_task(task, counting, store, memory))
        for task in tasks:
            passes[1].runs.append(await _run_task(task, counting, None, memory))
        for task in tasks:
            passes[2].runs.append(await _run_task(task, counting, store, memory))
    return passes
