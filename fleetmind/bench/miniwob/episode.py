"""One MiniWoB++ episode on a `BrowserDevice`: open the task's page, start it with a fixed
seed, read the instruction, and learn the reward the page gives.

How a MiniWoB++ page works (html/core/core.js): on load it calls `core.startEpisode()`,
which shows a "START" cover. `core.startEpisodeReal()` generates the problem from
`Math.random` (seeded first with `Math.seedrandom(seed)`, as the miniwob package and
BrowserGym do), puts the instruction in `#query` (`core.getUtterance()` reads it) and
arms a timer of `core.EPISODE_MAX_TIME` ms that ends the episode with -1. The task's own
code calls `core.endEpisode(reward, time_proportional, reason)` when the episode is
decided; that sets `WOB_RAW_REWARD_GLOBAL` (in [-1, 1], no time penalty),
`WOB_REWARD_GLOBAL` (time-scaled), `WOB_REWARD_REASON` and `WOB_DONE_GLOBAL`, and shows
the START cover again. Only the first `endEpisode` of an episode counts.

Here `core.endEpisode` is wrapped to resolve a promise with the reward, so the runner
awaits the end of the episode instead of polling for it; success is raw reward > 0
(BrowserGym's `float(RAW_REWARD_GLOBAL > 0)`). The reward HUD and the click canvas are
hidden, and the instruction is hidden too (the agent gets it as its goal, as BrowserGym
gives it apart from the page), keeping its space so the task area does not move.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import Any

from playwright.async_api import Error as PlaywrightError

from ...devices.base import LaunchApp
from ...devices.browser import BrowserDevice

__all__ = ["EpisodeError", "MiniwobEpisode", "Reward"]

_LOADED_JS = "() => typeof core !== 'undefined' && core.cover_div !== null && typeof genProblem === 'function'"

_START_JS = """([seed, maxTime]) => {
  if (!window.__fmHooked) {
    const end = core.endEpisode;
    core.endEpisode = function (reward, timeProportional, reason) {
      const running = core.EP_TIMER !== null;
      end.apply(this, arguments);
      const resolve = window.__fmResolve;
      if (running && resolve) {
        window.__fmResolve = null;
        resolve({raw: WOB_RAW_REWARD_GLOBAL, reward: WOB_REWARD_GLOBAL, done: WOB_DONE_GLOBAL,
                 reason: WOB_REWARD_REASON == null ? null : String(WOB_REWARD_REASON)});
      }
    };
    const style = document.createElement('style');
    style.textContent = '#reward-display, #click-canvas { display: none !important; }'
      + ' #query { visibility: hidden !important; }';
    document.head.appendChild(style);
    window.__fmHooked = true;
  }
  window.__fmEnded = new Promise((resolve) => { window.__fmResolve = resolve; });
  Math.seedrandom(seed);
  core.EPISODE_MAX_TIME = maxTime;
  core.startEpisodeReal();
}"""

_UTTERANCE_JS = "() => { const u = core.getUtterance(); return typeof u === 'string' ? u : u.utterance; }"
_REWARD_JS = ("() => ({raw: WOB_RAW_REWARD_GLOBAL, reward: WOB_REWARD_GLOBAL, done: WOB_DONE_GLOBAL,"
              " reason: WOB_REWARD_REASON == null ? null : String(WOB_REWARD_REASON)})")


class EpisodeError(RuntimeError):
    """The task's page could not be opened or started."""


@dataclass(frozen=True)
class Reward:
    """What the page reported: raw reward in [-1, 1], the time-scaled one, whether the episode ended."""

    raw: float
    reward: float
    done: bool
    reason: str | None = None

    @property
    def success(self) -> bool:
        """The literature's success: an ended episode with raw reward above zero."""
        return self.done and self.raw > 0

    @classmethod
    def of(cls, data: dict[str, Any]) -> Reward:
        """From the page's globals."""
        return cls(float(data["raw"]), float(data["reward"]), bool(data["done"]), data.get("reason"))


class MiniwobEpisode:
    """One episode of one task on one browser; `start` it, then `ended()` or `reward()`.

    max_time_ms: the page's own episode timer (`core.EPISODE_MAX_TIME`): when it runs out
    the page ends the episode with raw reward -1, reason 'timed out'.
    """

    def __init__(self, device: BrowserDevice, url: str, seed: int, *, max_time_ms: int = 60_000,
                 load_timeout_s: float = 15.0) -> None:
        self.device = device
        self.url = url
        self.seed = seed
        self.max_time_ms = max_time_ms
        self.load_timeout_s = load_timeout_s
        self.utterance = ""
        self._ended: asyncio.Task[Reward] | None = None

    async def start(self) -> str:
        """Open the page, start the episode with the seed; returns the instruction (utterance)."""
        outcome = await self.device.act(LaunchApp(app=self.url))
        for _ in range(3):  # the previous episode left a navigation in flight (an agent that wandered off)
            if outcome.ok or "interrupted by another navigation" not in (outcome.error or ""):
                break
            with contextlib.suppress(Exception):
                await self.device.page.wait_for_load_state("load", timeout=self.load_timeout_s * 1000)
            outcome = await self.device.act(LaunchApp(app=self.url))
        if not outcome.ok:
            raise EpisodeError(f"could not open {self.url}: {outcome.error}")
        page = self.device.page
        timeout_ms = self.load_timeout_s * 1000
        try:
            await page.wait_for_function(_LOADED_JS, timeout=timeout_ms)
            await page.evaluate(_START_JS, [self.seed, self.max_time_ms])
            await page.wait_for_function("() => WOB_TASK_READY", timeout=timeout_ms)
            self.utterance = str(await page.evaluate(_UTTERANCE_JS))
        except PlaywrightError as exc:
            raise EpisodeError(f"{self.url} did not start a MiniWoB++ episode: {str(exc).splitlines()[0]}") from exc
        self._ended = asyncio.ensure_future(self._await_end())
        return self.utterance

    async def _await_end(self) -> Reward:
        try:
            return Reward.of(await self.device.page.evaluate("() => window.__fmEnded"))
        except PlaywrightError as exc:  # the agent navigated off the task's page (or closed it)
            return Reward(0.0, 0.0, False, f"the task's page went away: {str(exc).splitlines()[0]}")

    async def ended(self) -> Reward:
        """Wait until the page ends the episode (a decision by the task, or its timer)."""
        if self._ended is None:
            raise EpisodeError("the episode was not started; call start() first")
        return await asyncio.shield(self._ended)

    @property
    def ended_task(self) -> asyncio.Task[Reward]:
        """The task that finishes with the reward when the page ends the episode."""
        if self._ended is None:
            raise EpisodeError("the episode was not started; call start() first")
        return self._ended

    async def reward(self) -> Reward:
        """The reward now, without waiting (done=False while the episode runs)."""
        return Reward.of(await self.device.page.evaluate(_REWARD_JS))

    async def close(self) -> None:
        """Stop waiting for the end (the page stays as it is)."""
        if self._ended is not None and not self._ended.done():
            self._ended.cancel()
            with contextlib.suppress(asyncio.CancelledError, PlaywrightError):
                await self._ended
