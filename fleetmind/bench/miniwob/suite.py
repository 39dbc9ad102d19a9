"""`fleetmind bench miniwob`: the 125 MiniWoB++ tasks driven through `BrowserDevice` by the
real GUI agent, scored by the page's own reward (success = raw reward > 0).

A `MiniwobSuite` is a `bench.runner.Suite`: `episodes()` lists (task, seed) pairs,
`session()` serves the pages on loopback, starts `parallel` browsers and yields the
function that runs one episode on a free browser. Each episode: open the task's page,
start it with the episode's seed, give the instruction to a fresh `GuiAgent` as its
subtask goal (the tiers `fleetmind run` would use), and stop the agent as soon as the
page ends the episode (it decided the reward, or its timer ran out at `max_seconds`),
or when the agent finishes or runs out of its `max_steps` first; the page's reward is
read either way. Steps, tiers and seconds are counted per episode.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ...agents.loop import GuiAgent
from ...agents.models import ChatModel
from ...agents.records import LoopResult, StepRecord, SubtaskSpec
from ...devices.browser import BrowserDevice
from ...protocol.messages import Budget
from .. import plots
from ..report import Figure, Summary, group_rows, rate
from ..runner import BenchConfig, DevicePool, Episode, EpisodeRecord, Peer
from .episode import MiniwobEpisode, Reward
from .plots import per_task
from .server import PageServer
from .tasks import KINDS, TASKS, html_root, kind_of

__all__ = ["DEFAULT_EPISODES", "MAX_SECONDS", "MAX_STEPS", "PEERS", "MiniwobSuite", "select_tasks"]

log = logging.getLogger(__name__)

DEFAULT_EPISODES = 2
"""Episodes per task when --episodes is not given."""
MAX_STEPS = 10
"""Agent steps per episode (AgentLab's MiniWoB tasks allow 10 turns)."""
MAX_SECONDS = 60.0
"""The page's episode timer: past it the page ends the episode with raw reward -1."""
VIEWPORT = (500, 320)
"""BrowserGym's MiniWoB viewport; the task area is the 160x210 box at the top left."""

PEERS = [
    Peer("success, 125 MiniWoB++ tasks", "GPT-4o (BrowserGym)", "66.1%", "arXiv 2412.05467",
         "BrowserGym's generic agent on AXTree + screenshot; no MiniWoB timer, 10-step episodes"),
    Peer("success, 125 MiniWoB++ tasks", "Claude-3.5-Sonnet (BrowserGym)", "69.8%", "arXiv 2412.05467",
         "same harness as GPT-4o"),
]
"""Published figures on the same 125 tasks and the same success rule (raw reward > 0)."""

AgentFactory = Callable[[BrowserDevice], GuiAgent]


def select_tasks(only: str | None, tasks: Sequence[str] = TASKS) -> list[str]:
    """The tasks `only` names: comma-separated task names, name prefixes or widget kinds."""
    if not only:
        return list(tasks)
    wanted = [w.strip() for w in only.split(",") if w.strip()]
    chosen = [t for t in tasks if any(t == w or t.startswith(w) or kind_of(t) == w for w in wanted)]
    if not chosen:
        raise ValueError(
            f"--only {only!r} names no MiniWoB++ task; give task names or prefixes (click-, enter-text) "
            f"or widget kinds ({', '.join(KINDS)})"
        )
    return chosen


@dataclass
class MiniwobSuite:
    """The MiniWoB++ suite; `local` and `cloud` are the agent's tiers (None: without that tier)."""

    local: ChatModel | None = None
    cloud: ChatModel | None = None
    max_steps: int = MAX_STEPS
    max_seconds: float = MAX_SECONDS
    viewport: tuple[int, int] = VIEWPORT
    agent_factory: AgentFactory | None = None
    """Builds the agent for one episode; default: `GuiAgent` with `local` and `cloud`."""
    name: str = field(default="miniwob", init=False)
    meta: dict[str, object] = field(default_factory=dict, init=False)
    """What the report says about the devices and limits (the shared `bench.command` driver reads it)."""

    def __post_init__(self) -> None:
        self.meta = {"devices": f"Chromium browsers (BrowserDevice, viewport {self.viewport[0]}x{self.viewport[1]}), "
                                "pages served on loopback",
                     "max_steps": self.max_steps, "max_seconds": self.max_seconds}

    def episodes(self, config: BenchConfig) -> list[Episode]:
        """`config.episodes` episodes per selected task (default 2), seeds config.seed, config.seed + 1, ..."""
        per_task = config.episodes or DEFAULT_EPISODES
        if per_task < 1:
            raise ValueError(f"--episodes {per_task}: run at least one episode per task")
        return [
            Episode(id=f"{task}#{i}", task=task, seed=config.seed + i, index=i, params={"kind": kind_of(task)})
            for task in select_tasks(config.only)
            for i in range(per_task)
        ]

    @contextlib.asynccontextmanager
    async def session(self, config: BenchConfig) -> AsyncIterator[Callable[[Episode], Awaitable[EpisodeRecord]]]:
        """Serve the pages, start `config.parallel` browsers; yields the episode runner."""
        if config.policy != "agent":
            raise ValueError(
                f"--policy {config.policy!r}: the miniwob suite ships no reference plans; it runs "
                "the real agent (--policy agent)"
            )
        with PageServer(html_root()) as server:
            async with contextlib.AsyncExitStack() as stack:
                browsers = []
                for i in range(max(1, config.parallel)):
                    browser = BrowserDevice(device_id=f"browser-{i + 1}", viewport=self.viewport)
                    await browser.start()
                    stack.push_async_callback(browser.close)
                    browsers.append(browser)
                pool = DevicePool(browsers)

                async def work(episode: Episode) -> EpisodeRecord:
                    async with pool.lease() as browser:
                        return await self.run_episode(browser, server.task_url(episode.task), episode)

                yield work

    def summarize(self, records: list[EpisodeRecord], config: BenchConfig, out_dir: Path | None) -> Summary:
        """See `summarize`."""
        return summarize(records, config, out_dir)

    def _agent(self, device: BrowserDevice) -> GuiAgent:
        if self.agent_factory is not None:
            return self.agent_factory(device)
        return GuiAgent(device, local=self.local, cloud=self.cloud, thumbnails=False)

    async def run_episode(self, device: BrowserDevice, url: str, episode: Episode) -> EpisodeRecord:
        """Run one episode on `device` and score it by the page's reward."""
        began = time.perf_counter()
        page = MiniwobEpisode(device, url, episode.seed, max_time_ms=int(self.max_seconds * 1000))
        goal = await page.start()
        tiers: Counter[str] = Counter()
        trail: list[str] = []

        async def on_step(record: StepRecord) -> None:
            if record.action.kind not in ("done", "fail", "ask_user"):
                trail.append(record.summary)
            tiers[record.tier] += 1

        spec = SubtaskSpec(goal=goal, budget=Budget(max_steps=self.max_steps), confirm="allow")
        agent_run = asyncio.ensure_future(self._agent(device).run(spec, on_step=on_step))
        ended_by = "page"
        try:
            await asyncio.wait({agent_run, page.ended_task}, timeout=self.max_seconds + 15,
                               return_when=asyncio.FIRST_COMPLETED)
            if not page.ended_task.done():
                ended_by = "agent" if agent_run.done() else "bench timer"
            if not agent_run.done():  # the page decided: the subtask is over
                agent_run.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await agent_run
            result = None if agent_run.cancelled() else agent_run.result()  # an agent crash is the episode's error
            reward = page.ended_task.result() if page.ended_task.done() else await page.reward()
        finally:
            agent_run.cancel()
            await page.close()
        return _record(episode, device, goal, reward, result, ended_by, trail, tiers, time.perf_counter() - began)


def _record(episode: Episode, device: BrowserDevice, goal: str, reward: Reward, result: LoopResult | None,
            ended_by: str, trail: list[str], tiers: Counter[str], seconds: float) -> EpisodeRecord:
    if reward.done:
        status = "succeeded" if reward.success else ("timed out" if reward.reason == "timed out" else "failed")
    else:
        status = "failed"
    error = None
    if not reward.success:
        if ended_by == "agent" and result is not None:
            error = f"the agent stopped ({result.status}: {result.summary or result.error}) before the page ended"
        elif ended_by == "bench timer":
            error = "neither the page nor the agent ended the episode in time"
        elif reward.done:
            error = f"page reward {reward.raw:g}" + (f" ({reward.reason})" if reward.reason else "")
        else:
            error = reward.reason
        if error and trail:
            error += f"; steps: {'; '.join(trail)}"
    return EpisodeRecord(
        episode=episode.id,
        task=episode.task,
        seed=episode.seed,
        success=reward.success,
        status=status,
        seconds=round(seconds, 3),
        steps=len(trail),
        tiers=dict(tiers),
        device=device.device_id,
        error=error,
        goal=goal,
        groups={"kind": kind_of(episode.task)},
        metrics={"raw_reward": reward.raw, "reward": reward.reward, "ended_by": ended_by,
                 "agent": result.status if result is not None else None, "trail": trail},
    )


def summarize(records: list[EpisodeRecord], config: BenchConfig, out_dir: Path | None) -> Summary:
    """Success overall, per widget kind and per task; the plots when out_dir is given."""
    ok = sum(r.success for r in records)
    n = max(1, len(records))
    tiers: Counter[str] = Counter()
    ended: Counter[str] = Counter()
    for r in records:
        tiers.update(r.tiers)
        ended[str(r.metrics.get("ended_by", r.status))] += 1
    tasks = sorted({r.task for r in records}, key=lambda t: (list(KINDS).index(kind_of(t)), t))
    figures = [
        Figure("success", rate(ok, len(records)), "episodes whose page gave raw reward > 0 (BrowserGym's rule)"),
        Figure("tasks", f"{len(tasks)} of {len(TASKS)}", f"{config.episodes or DEFAULT_EPISODES} episodes each, "
               f"seeds {config.seed}..; kinds below"),
        Figure("tasks solved at least once", str(len({r.task for r in records if r.success})), ""),
        Figure("steps per episode", f"{sum(r.steps for r in records) / n:.1f}", "agent actions until the page ended"),
        Figure("seconds per episode", f"{sum(r.seconds for r in records) / n:.2f}", "page load to reward"),
        Figure("episode ended by", ", ".join(f"{k} {v}" for k, v in sorted(ended.items())),
               "page: the task decided (or its timer ran out); agent: it stopped first"),
        Figure("steps by tier", ", ".join(f"{k} {v}" for k, v in sorted(tiers.items())) or "none", ""),
    ]
    groups = {
        "widget kind": group_rows(records, lambda r: [kind_of(r.task)], list(KINDS)),
        "task": group_rows(records, lambda r: [r.task], tasks),
    }
    summary = Summary(figures, groups, list(PEERS))
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        label = f"policy {config.policy}"
        summary.plots = [
            plots.bars(out_dir / "success_by_kind.png", f"miniwob: success by widget kind ({label})",
                       groups["widget kind"], reference=("Claude-3.5-Sonnet, BrowserGym: 69.8%", 69.8)),
            per_task(out_dir / "success_by_task.png", f"miniwob: success per task ({label})", groups["task"],
                     {t: kind_of(t) for t in tasks}, [("GPT-4o 66.1%", 66.1), ("Claude-3.5-Sonnet 69.8%", 69.8)]),
            plots.histogram(out_dir / "episode_seconds.png", f"miniwob: seconds per episode ({label})",
                            [r.seconds for r in records], "seconds"),
        ]
    return summary
