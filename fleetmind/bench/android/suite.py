"""The android suite: episodes from the templates, a pool of phones, the two policies, the figures.

Each episode borrows a phone from the pool, resets it and seeds the template's state
over adb, runs the policy (`oracle`: the template's reference plan; `agent`: the GUI
agent with the configured tiers, sends pre-approved as with `--yes`), and checks the
phone's state over adb. The check also runs before the policy acts: a task whose check
passes on the untouched phone is reported, since it would measure nothing.
"""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...agents.loop import GuiAgent, StepRecord, SubtaskSpec
from ...agents.models import ChatModel
from ...devices.base import Device
from ...embedded import UsageError, adb_server, android_serials, parse_devices
from ...protocol.messages import Budget
from .. import plots
from ..report import Figure, Summary, group_rows, rate
from ..runner import BenchConfig, DevicePool, Episode, EpisodeRecord, Peer
from .oracle import replay
from .phone import AdbPhone, AdbShell, DeviceShell, HandsetShell
from .spec import APPS, LEVELS, Template
from .tasks import BY_ID, TEMPLATES

__all__ = ["PEERS", "AndroidSuite", "Slot", "select"]

MAX_STEPS = {"easy": 10, "medium": 15, "hard": 25}
"""The agent's step budget per level (AndroidWorld gives about 10 steps per unit of complexity)."""

PEERS = [
    Peer("task success", "Human (AndroidWorld)", "80.0%", "arXiv 2405.14573", "116 tasks on 20 real apps"),
    Peer("task success", "M3A + GPT-4 Turbo (AndroidWorld)", "30.6%", "arXiv 2405.14573", "the paper's agent"),
    Peer("task success", "DroidRun / Mobilerun + GPT-5 (AndroidWorld)", "91.4%", "droidrun/mobilerun README",
         "framework on a frontier model, self-reported"),
    Peer("task success", "UI-Voyager-4B (AndroidWorld)", "81.0%", "arXiv 2603.24533", "best model <= 4B, pass@1"),
    Peer("task success", "GUI-Owl-1.5-2B (AndroidWorld)", "67.9%", "X-PLUG/MobileAgent v3.5 README", "2B model"),
]
"""AndroidWorld figures: the same method (templates, seeded parameters, checks on device state), other
tasks and apps; a guide to scale, not a like-for-like comparison."""


@dataclass
class Slot:
    """One phone of the pool: the device the policy drives and the shell that seeds and checks it."""

    name: str
    device: Device
    shell: DeviceShell


def select(only: str | None) -> list[Template]:
    """The templates whose id starts with one of the comma-separated prefixes (all when None)."""
    if not only:
        return list(TEMPLATES)
    prefixes = [p.strip() for p in only.split(",") if p.strip()]
    chosen = [t for t in TEMPLATES if any(t.id.startswith(p) for p in prefixes)]
    if not chosen:
        groups = sorted({t.id.split("-", 1)[0] for t in TEMPLATES})
        raise UsageError(f"--only {only!r} matches no android template; ids start with: {', '.join(groups)}")
    return chosen


class AndroidSuite:
    """`fleetmind bench android` (see the module docstring)."""

    name = "android"

    def __init__(self, *, local: ChatModel | None = None, cloud: ChatModel | None = None, wipe: bool = False) -> None:
        self.local = local
        self.cloud = cloud
        self.wipe = wipe
        self.meta: dict[str, Any] = {}

    # ------------------------------------------------------------------ episodes

    def episodes(self, config: BenchConfig) -> list[Episode]:
        """Every selected template once per round; `--episodes N` cycles through them N times over."""
        templates = select(config.only)
        count = config.episodes or len(templates)
        out = []
        for i in range(count):
            template = templates[i % len(templates)]
            seed = config.seed + i // len(templates)
            params, goal = template.instantiate(seed)
            out.append(Episode(f"{template.id}#{seed}", template.id, seed, i, {"goal": goal, **params}))
        return out

    # ------------------------------------------------------------------ devices

    @contextlib.asynccontextmanager
    async def _phones(self, config: BenchConfig) -> AsyncIterator[list[Slot]]:
        counts = parse_devices(config.devices or f"phone:{config.parallel}")
        if "browser" in counts:
            raise UsageError("the android suite runs on phones: --devices phone:N or android:SERIAL")
        serials = [k.split(":", 1)[1] for k in counts if k.startswith("android:")]
        async with contextlib.AsyncExitStack() as stack:
            slots: list[Slot] = []
            if counts.get("phone"):
                slots += await self._virtual(stack, counts["phone"], config)
            if serials:
                if not self.wipe:
                    raise UsageError(
                        "the android suite erases a phone's SMS, contacts, calendar events, alarms and files before "
                        "every episode: pass --wipe to run it on android devices (an emulator or a test phone)"
                    )
                from ...devices.android import AndroidDevice

                host, port = adb_server()
                for serial in await android_serials(serials, host, port):
                    device = await AndroidDevice(serial, adb_host=host, adb_port=port).connect()
                    stack.push_async_callback(device.close)
                    slots.append(Slot(f"android:{serial}", device, AdbShell(serial, host, port)))
            yield slots

    async def _virtual(self, stack: contextlib.AsyncExitStack, count: int, config: BenchConfig) -> list[Slot]:
        from ...devices.virtual.adbd import AdbServer, Handset, virtual_phones

        phones = virtual_phones(count, seed=config.seed)
        if config.transport == "direct":
            return [Slot(f"virtual {serial} (in process)", phone, HandsetShell(Handset.attach(serial, phone, i + 1)))
                    for i, (serial, phone) in enumerate(phones.items())]
        from ...devices.android import AndroidDevice

        server = await stack.enter_async_context(AdbServer(phones))
        slots = []
        for serial in server.serials:
            device = await AndroidDevice(serial, adb_port=server.port, use_uiautomator2=False).connect()
            stack.push_async_callback(device.close)
            slots.append(Slot(f"virtual {serial} (adb)", device, AdbShell(serial, port=server.port)))
        return slots

    # ------------------------------------------------------------------ running

    @contextlib.asynccontextmanager
    async def session(self, config: BenchConfig) -> AsyncIterator[Callable[[Episode], Awaitable[EpisodeRecord]]]:
        """Start the phones; yield the function that runs one episode on a borrowed phone."""
        if config.policy not in ("oracle", "agent"):
            raise UsageError(f"--policy {config.policy!r}: the android suite takes oracle or agent")
        async with self._phones(config) as slots:
            pool = DevicePool(slots)
            self.meta["devices"] = ", ".join(s.name for s in slots)

            async def work(episode: Episode) -> EpisodeRecord:
                async with pool.lease() as slot:
                    return await self.run_episode(episode, slot, config)

            yield work

    async def run_episode(self, episode: Episode, slot: Slot, config: BenchConfig) -> EpisodeRecord:
        """Reset and seed the phone, run the policy, check the phone (see the module docstring)."""
        template = BY_ID[episode.task]
        params = {k: v for k, v in episode.params.items() if k != "goal"}
        goal = str(episode.params["goal"])
        phone = AdbPhone(slot.shell)
        await phone.reset()
        await template.seed(phone, params)
        untouched = await template.check(phone, params, "")
        began = time.perf_counter()
        if config.policy == "oracle":
            result = await replay(slot.device, template.plan(params), params)
            status, steps, answer, error = ("succeeded" if result.ok else "failed"), result.steps, result.answer, \
                result.error
            tiers: dict[str, int] = {"oracle": result.steps}
        else:
            status, steps, answer, error, tiers = await self._agent(slot.device, template, goal)
        seconds = time.perf_counter() - began
        success = await template.check(phone, params, answer)
        return EpisodeRecord(
            episode.id, episode.task, episode.seed, success=success, status=status, seconds=round(seconds, 3),
            steps=steps, tiers=tiers, device=slot.name, error=None if success else (error or "the check failed"),
            goal=goal, groups={"level": template.level, "apps": list(template.apps), "tags": sorted(template.tags)},
            metrics={"answer": answer, "passes_untouched": untouched},
        )

    async def _agent(self, device: Device, template: Template, goal: str) -> tuple[str, int, str, str | None,
                                                                                      dict[str, int]]:
        records: list[StepRecord] = []

        async def on_step(record: StepRecord) -> None:
            records.append(record)

        spec = SubtaskSpec(goal=goal, outputs=["answer"] if template.retrieval else [],
                           budget=Budget(max_steps=MAX_STEPS[template.level]), confirm="allow")
        outcome = await GuiAgent(device, local=self.local, cloud=self.cloud).run(spec, on_step=on_step)
        answer = "\n".join([*(v for v in outcome.outputs.values() if v), outcome.summary])
        tiers: dict[str, int] = dict(Counter(str(r.tier) for r in records))
        return str(outcome.status), len(records), answer, outcome.error, tiers

    # ------------------------------------------------------------------ figures

    def summarize(self, records: list[EpisodeRecord], config: BenchConfig, out_dir: Path | None) -> Summary:
        """Success overall, per level, per app and per kind of task; the plots when out_dir is given."""
        for r in records:  # an episode the executor gave up on has no groups yet
            if not r.groups and r.task in BY_ID:
                t = BY_ID[r.task]
                r.groups = {"level": t.level, "apps": list(t.apps), "tags": sorted(t.tags)}
        ok = sum(r.success for r in records)
        broken = [r.task for r in records if r.metrics.get("passes_untouched")]
        figures = [
            Figure("task success", rate(ok, len(records)), "the phone's state read over adb after the episode"),
            Figure("templates", str(len({r.task for r in records})), f"of {len(TEMPLATES)}; levels, apps and "
                   "kinds below"),
            Figure("steps per episode", f"{sum(r.steps for r in records) / max(1, len(records)):.1f}", "actions taken"),
            Figure("seconds per episode", f"{sum(r.seconds for r in records) / max(1, len(records)):.2f}",
                   "policy only (seeding and checks excluded)"),
            Figure("checks passing untouched", str(len(broken)), ", ".join(sorted(set(broken))) or
                   "none: no task passes by doing nothing"),
        ]
        tiers: Counter[str] = Counter()
        for r in records:
            tiers.update(r.tiers)
        figures.append(Figure("steps by tier", ", ".join(f"{k} {v}" for k, v in sorted(tiers.items())) or "none", ""))
        groups = {
            "level": group_rows(records, lambda r: [r.groups["level"]], LEVELS),
            "app": group_rows(records, lambda r: r.groups["apps"], APPS),
            "kind": group_rows(records, lambda r: r.groups["tags"] or ["plain"], ("retrieval", "multi-app", "scroll",
                                                                                 "casual", "plain")),
        }
        summary = Summary(figures, groups, list(PEERS))
        if out_dir is not None:
            out_dir.mkdir(parents=True, exist_ok=True)
            label = f"policy {config.policy}"
            summary.plots = [
                plots.bars(out_dir / "success_by_level.png", f"android: success by level ({label})", groups["level"],
                           reference=("AndroidWorld human 80%", 80.0)),
                plots.bars(out_dir / "success_by_app.png", f"android: success by app ({label})", groups["app"]),
                plots.bars(out_dir / "success_by_kind.png", f"android: success by kind of task ({label})",
                           groups["kind"]),
                plots.histogram(out_dir / "episode_seconds.png", f"android: seconds per episode ({label})",
                                [r.seconds for r in records], "seconds"),
            ]
        return summary
