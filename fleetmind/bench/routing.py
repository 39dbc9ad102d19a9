"""`fleetmind bench routing`: what the router saves, on today's phone tasks (bench/phone_tasks.py).

In one run, every task under three policies: `auto` (grounding, the local model, and the
cloud when the router escalates), `cloud-only` (the cloud decides every step) and
`local-only` (never the cloud). Success is read from the phone's state by each task's
checker. Reported per policy: success, cloud-call share of steps, tokens, cost, and
the local model's step latency.

No cloud key is needed: unless a real cloud model is given, the "cloud" is a stand-in
named in the report, a *reference oracle*. A first, rule-only run records each task's
trajectory (screen digest -> action) and keeps it when the task's checker passes; the
oracle answers each step with the recorded action for the screen it sees, else with
the text grounding's best candidate. It is an upper bound on cloud quality, so the
figure is how many cloud calls the router saves at equal success. Its tokens are the
prompt a real cloud model would get (characters / 4) and its cost is that prompt priced
as `PRICED_AS` in litellm's local price map.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from pydantic import BaseModel
from rich.console import Group
from rich.table import Table
from rich.text import Text

from ..agents.grounding import candidates, parse_goal
from ..agents.loop import GuiAgent, StepRecord, SubtaskSpec
from ..agents.models import ChatModel, Completion
from ..agents.records import CloudStep
from ..devices.base import Action
from ..devices.virtual import VirtualPhone
from ..protocol.messages import Budget, TierPolicy
from .phone_tasks import TASKS, PhoneTask, _seeded

__all__ = ["PRICED_AS", "PolicyResult", "ReferenceOracle", "RoutingReport", "run_routing_bench"]

PRICED_AS = "gpt-4o-mini"
POLICIES: tuple[TierPolicy, ...] = ("auto", "cloud-only", "local-only")
BUDGET = Budget(max_steps=12, max_cost_usd=1.0)


class ReferenceOracle(ChatModel):
    """A cloud stand-in that answers each step with the task's reference action for this screen
    (recorded from a verified rule-tier run), else the grounding's best candidate."""

    tier = "cloud"

    def __init__(self, phone: VirtualPhone) -> None:
        self.name = f"reference oracle (priced as {PRICED_AS})"
        self.phone = phone
        self.goal = ""
        self.reference: dict[str, Action] = {}
        self.hits = 0
        """Answers taken from a reference trajectory."""
        self.misses = 0
        """Answers that fell back to the grounding's best candidate."""

    async def complete(
        self, messages: list[dict[str, str]], *, schema: type[BaseModel] | None = None, max_tokens: int = 512
    ) -> Completion:
        obs = await self.phone.observe()  # the screen the agent is deciding on: nothing acted since
        action = self.reference.get(obs.digest)
        thought = "the reference trajectory's action on this screen"
        self.hits += action is not None
        self.misses += action is None
        if action is None:
            best = candidates(parse_goal(self.goal), obs, self.phone.info.apps, [])
            action, thought = best[0].action, "the text grounding's best candidate (no reference for this screen)"
        answer = CloudStep(thought=thought, action=action)
        text = answer.model_dump_json()
        tokens_in = sum(len(m["content"]) for m in messages) // 4
        tokens_out = len(text) // 4
        return Completion(text, answer, tokens_in, tokens_out, _price(tokens_in, tokens_out))


def _price(tokens_in: int, tokens_out: int) -> float:
    try:
        from ..agents.models.cloud import _litellm

        cost_in, cost_out = _litellm().cost_per_token(
            model=PRICED_AS, prompt_tokens=tokens_in, completion_tokens=tokens_out
        )
        return float(cost_in + cost_out)
    except Exception:  # no litellm: the published price of gpt-4o-mini, USD per token
        return tokens_in * 0.15e-6 + tokens_out * 0.6e-6


@dataclass
class PolicyResult:
    """One policy's figures over the tasks."""

    policy: TierPolicy
    succeeded: int = 0
    total: int = 0
    steps: int = 0
    cloud_calls: int = 0
    tokens: int = 0
    cost_usd: float = 0.0
    local_ms: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def cloud_share(self) -> float:
        """Cloud-decided steps over all steps."""
        return self.cloud_calls / self.steps if self.steps else 0.0

    def local_latency(self) -> str:
        """Median and worst local step time, or a dash."""
        if not self.local_ms:
            return "-"
        return f"{statistics.median(self.local_ms):,.0f} / {max(self.local_ms):,.0f}"


@dataclass
class RoutingReport:
    """The whole run: one result per policy, and how many tasks had a verified reference."""

    results: list[PolicyResult]
    references: int
    tasks: int
    local_name: str
    stand_in: str
    seconds: float
    oracle_hits: int = 0
    oracle_misses: int = 0

    def render(self) -> Group:
        """The table, with the stand-in named, and the failures under it."""
        table = Table(
            title=f"routing on {self.tasks} phone tasks (checked against phone state); local tier: {self.local_name};"
            f" cloud: {self.stand_in}",
            title_justify="left",
        )
        for col in ("policy", "success", "steps", "cloud calls", "cloud %", "tokens", "USD", "local ms med/max"):
            table.add_column(col, no_wrap=True)
        for r in self.results:
            table.add_row(r.policy, f"{r.succeeded}/{r.total}", str(r.steps), str(r.cloud_calls),
                          f"{r.cloud_share:.0%}", f"{r.tokens:,}", f"{r.cost_usd:.4f}", r.local_latency())
        notes = [Text(
            f"The oracle had a verified reference trajectory for {self.references} of {self.tasks} tasks and answered"
            f" {self.oracle_hits} calls from it, {self.oracle_misses} from the text grounding's best candidate."
            " It is an upper bound on a cloud model's quality: compare cloud calls at equal success."
            f" ({self.seconds:.0f} s)"
        )]
        for r in self.results:
            notes += [Text(f"{r.policy} failed: {f}", style="red") for f in r.failures]
        return Group(table, *notes)


async def _run_task(
    phone: VirtualPhone, task: PhoneTask, policy: TierPolicy, local: ChatModel | None, cloud: ChatModel | None
) -> tuple[bool, list[StepRecord], str, list[tuple[str, Action]]]:
    phone.state = _seeded(VirtualPhone(seed=1)).state  # a fresh phone for every run
    steps: list[StepRecord] = []
    seen: list[tuple[str, Action]] = []

    async def on_step(record: StepRecord) -> None:
        steps.append(record)
        seen.append(((await phone.observe()).digest, record.action))

    agent = GuiAgent(phone, local=local, cloud=cloud)
    spec = SubtaskSpec(goal=task.goal, outputs=["result"], budget=BUDGET, tier_policy=policy, confirm="allow")
    outcome = await agent.run(spec, on_step=on_step)
    ok = outcome.status == "succeeded" and task.check(phone.state, outcome.outputs)
    return ok, steps, outcome.summary, seen


async def run_routing_bench(
    local: ChatModel | None, cloud: ChatModel | None = None, *, only: Sequence[str] = ()
) -> RoutingReport:
    """Reference trajectories first (rule tier alone), then every task under each policy."""
    start = time.perf_counter()
    tasks = [t for t in TASKS if not only or any(t.goal.lower().startswith(p.lower()) for p in only)]
    phone = VirtualPhone(device_id="phone-1", seed=1)
    oracle = ReferenceOracle(phone)
    references: dict[str, dict[str, Action]] = {}
    for task in tasks:
        ok, _, _, seen = await _run_task(phone, task, "auto", None, None)
        if ok:
            references[task.goal] = dict(seen)
    results = []
    for policy in POLICIES:
        result = PolicyResult(policy)
        for task in tasks:
            oracle.goal, oracle.reference = task.goal, references.get(task.goal, {})
            ok, steps, summary, _ = await _run_task(phone, task, policy, local, cloud or oracle)
            result.total += 1
            result.succeeded += ok
            result.steps += len(steps)
            result.cloud_calls += sum(s.tier == "cloud" for s in steps)
            result.tokens += sum(s.tokens for s in steps)
            result.cost_usd += sum(s.cost_usd for s in steps)
            result.local_ms += [s.latency_ms for s in steps if s.tier == "local"]
            if not ok:
                result.failures.append(f"{task.goal}: {summary}")
        results.append(result)
    return RoutingReport(
        oracle_hits=oracle.hits,
        oracle_misses=oracle.misses,
        results=results,
        references=len(references),
        tasks=len(tasks),
        local_name=local.name if local is not None else "none (text grounding only)",
        stand_in=cloud.name if cloud is not None else oracle.name,
        seconds=time.perf_counter() - start,
    )
