"""Running items: each on its own fresh fleet, a few side by side, each bounded in time.

For one item: seed the phones, snapshot the fleet, submit the request (confirmation
policy "ask", so irreversible actions must be confirmed), answer its questions
(answerer.py), wait for the task to finish, snapshot again, and run the item's check
on the state the devices hold. Nothing the agent says about its work is believed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from ...agents.models import ChatModel
from ...embedded import Transport
from ...orchestrator.planner import Planner, PlanningFailed
from ...protocol.messages import Budget, TierPolicy
from .answerer import Answerer, SubtaskEnd
from .score import ItemRun, Verdict, judge
from .spec import Item
from .stage import Stage, stage
from .world import diff

__all__ = ["BenchConfig", "run_item", "run_items"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BenchConfig:
    """How items run: the tiers, the policy, the transport and the limits of one item."""

    local: ChatModel | None = None
    cloud: ChatModel | None = None
    policy: TierPolicy = "auto"
    transport: Transport = "adb"
    max_steps: int = 12
    max_cost_usd: float = 0.05
    item_timeout_s: float = 120.0
    seed: int = 0
    planner: Planner | None = None
    """None: plan as `fleetmind run` does."""


def _answers(ends: Sequence[SubtaskEnd], run_outputs: dict[str, dict[str, str]]) -> str:
    # What the task handed back to the user: every subtask's named outputs and the summary of
    # each subtask that succeeded (the answer of a "tell me" request lands in one of them).
    parts = [v for outputs in run_outputs.values() for v in outputs.values() if v]
    parts += [e.summary for e in ends if e.status == "succeeded"]
    return "\n".join(p for p in parts if p)


async def _run_on(st: Stage, item: Item, config: BenchConfig) -> ItemRun:
    orch = st.orchestrator
    start = st.snapshot()
    queue = orch.subscribe()
    answerer = Answerer(orch, item, st.snapshot, start, queue)
    began = time.perf_counter()
    facts = ItemRun(item, status="error")
    try:
        run = await orch.submit(
            item.request,
            policy=config.policy,
            budget=Budget(max_steps=config.max_steps, max_cost_usd=config.max_cost_usd),
            confirm="ask",
        )
    except PlanningFailed as exc:
        facts.status, facts.error = "refused", str(exc).splitlines()[0]
    else:
        try:
            async with asyncio.timeout(config.item_timeout_s):
                await answerer.follow(run)
            facts.status, facts.error = run.status, run.error
        except TimeoutError:
            facts.status, facts.error = "timed out", f"no end after {config.item_timeout_s:.0f}s"
            await orch.cancel(run.id, "the bench's time for this item ran out")
        facts.steps = len(run.steps)
        facts.tiers = dict(Counter(str(s["tier"]) for s in run.steps))
        outputs = {s.id: dict(s.result.outputs) for s in run.graph.subtasks() if s.result}
        facts.subtasks = list(answerer.ends.values())
        facts.answers = _answers(facts.subtasks, outputs)
    finally:
        orch.unsubscribe(queue)
    facts.seconds = time.perf_counter() - began
    facts.asked = list(answerer.asked)
    facts.changes = diff(start, st.snapshot())
    facts.check_passed = item.check(st.world(facts.changes, facts.answers))
    return facts


async def run_item(item: Item, config: BenchConfig) -> tuple[ItemRun, Verdict]:
    """Run one item on a fresh fleet and judge it; a bench failure is an "error" run, never raised."""
    try:
        async with stage(
            item, local=config.local, cloud=config.cloud, transport=config.transport, seed=config.seed,
            planner=config.planner,
        ) as st:
            facts = await _run_on(st, item, config)
    except Exception as exc:  # one broken item must not stop the other eighty
        log.exception("item %s could not run", item.id)
        facts = ItemRun(item, status="error", error=f"{type(exc).__name__}: {exc}")
    return facts, judge(facts)


OnDone = Callable[[int, int, ItemRun, Verdict], Awaitable[None] | None]


async def run_items(
    items: Sequence[Item], config: BenchConfig, *, jobs: int = 2, on_done: OnDone | None = None
) -> list[tuple[ItemRun, Verdict]]:
    """Run every item, `jobs` at a time; results come back in the items' order.

    on_done(finished, total, run, verdict) is called as each item ends (progress).
    """
    if jobs < 1:
        raise ValueError(f"jobs={jobs}: run at least one item at a time")
    gate = asyncio.Semaphore(jobs)
    finished = 0
    results: list[tuple[ItemRun, Verdict] | None] = [None] * len(items)

    async def one(index: int, item: Item) -> None:
        nonlocal finished
        async with gate:
            results[index] = outcome = await run_item(item, config)
        finished += 1
        if on_done is not None:
            maybe = on_done(finished, len(items), *outcome)
            if maybe is not None:
                await maybe

    async with asyncio.TaskGroup() as group:
        for i, item in enumerate(items):
            group.create_task(one(i, item), name=f"bench-item-{item.id}")
    return [r for r in results if r is not None]
