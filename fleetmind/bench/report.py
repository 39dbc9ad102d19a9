"""Bench reports: the figures, the groups, the peers' published figures, and every episode.

`Summary` is what a suite makes of its records; `Report` adds who produced it (suite,
policy, model tiers, devices, seed, when) and writes `report.json` (everything,
including each episode) and `report.md` (the tables and the plots) into `--out`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table

from .runner import EpisodeRecord, Peer

__all__ = ["Figure", "GroupRow", "Report", "Summary", "group_rows", "rate", "wilson"]


@dataclass(frozen=True)
class Figure:
    """One headline figure: its name, its value as text, and what it means or how it was measured."""

    name: str
    value: str
    note: str = ""


@dataclass(frozen=True)
class GroupRow:
    """Success within one group of episodes (a level, an app, a tag, a device count)."""

    group: str
    episodes: int
    succeeded: int
    mean_seconds: float
    mean_steps: float

    @property
    def rate(self) -> float:
        """Succeeded / episodes (0 when empty)."""
        return self.succeeded / self.episodes if self.episodes else 0.0


@dataclass
class Summary:
    """What a suite makes of its records: figures, grouped tables, peers, and the plots it drew."""

    figures: list[Figure]
    groups: dict[str, list[GroupRow]] = field(default_factory=dict)
    peers: list[Peer] = field(default_factory=list)
    plots: list[Path] = field(default_factory=list)


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The 95% Wilson score interval of a success rate (what a handful of episodes can claim)."""
    if n == 0:
        return 0.0, 0.0
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def rate(successes: int, n: int) -> str:
    """'12/20 = 60.0% (95% CI 39-78%)'."""
    if n == 0:
        return "no episodes"
    lo, hi = wilson(successes, n)
    return f"{successes}/{n} = {successes / n:.1%} (95% CI {lo:.0%}-{hi:.0%})"


def group_rows(records: Sequence[EpisodeRecord], key: Callable[[EpisodeRecord], Iterable[str]],
               order: Sequence[str] = ()) -> list[GroupRow]:
    """Success per group; a record counts in every group `key` gives it (an app task touches several apps)."""
    buckets: dict[str, list[EpisodeRecord]] = {}
    for record in records:
        for name in key(record):
            buckets.setdefault(name, []).append(record)
    names = [n for n in order if n in buckets] + sorted(n for n in buckets if n not in order)
    return [
        GroupRow(n, len(buckets[n]), sum(r.success for r in buckets[n]),
                 round(sum(r.seconds for r in buckets[n]) / len(buckets[n]), 2),
                 round(sum(r.steps for r in buckets[n]) / len(buckets[n]), 1))
        for n in names
    ]


@dataclass
class Report:
    """A whole bench run: who produced it (meta), what it found (summary), and every episode."""

    suite: str
    meta: dict[str, Any]
    summary: Summary
    records: list[EpisodeRecord]

    def to_json(self) -> dict[str, Any]:
        """Everything, JSON-ready."""
        return {
            "suite": self.suite,
            "meta": self.meta,
            "figures": [asdict(f) for f in self.summary.figures],
            "groups": {k: [{**asdict(r), "rate": round(r.rate, 4)} for r in rows]
                       for k, rows in self.summary.groups.items()},
            "peers": [asdict(p) for p in self.summary.peers],
            "plots": [p.name for p in self.summary.plots],
            "episodes": [r.to_json() for r in self.records],
        }

    def produced_by(self) -> str:
        """One line naming the policy, tiers and devices behind the figures."""
        m = self.meta
        return (f"policy {m.get('policy')}; tiers: {m.get('tiers')}; devices: {m.get('devices')}; "
                f"seed {m.get('seed')}, {m.get('episodes')} episodes, {m.get('parallel')} at a time")

    def markdown(self) -> str:
        """report.md: the tables, the peers, the plots and the failed episodes."""
        m = self.meta
        lines = [f"# fleetmind bench {self.suite}", "", f"Produced by: {self.produced_by()}.", "",
                 f"Command: `{m.get('command', '')}`  ",
                 f"Finished {m.get('finished_at')}, wall time {m.get('wall_s')} s.",
                 "", "| figure | value | how |", "|---|---|---|"]
        lines += [f"| {f.name} | {f.value} | {f.note} |" for f in self.summary.figures]
        for name, rows in self.summary.groups.items():
            lines += ["", f"## By {name}", "", "| group | episodes | succeeded | rate | mean s | mean steps |",
                      "|---|---|---|---|---|---|"]
            lines += [f"| {r.group} | {r.episodes} | {r.succeeded} | {r.rate:.0%} | {r.mean_seconds} | {r.mean_steps} |"
                      for r in rows]
        if self.summary.peers:
            lines += ["", "## Published figures of peers", "", "| metric | system | figure | source | note |",
                      "|---|---|---|---|---|"]
            lines += [f"| {p.metric} | {p.system} | {p.value} | {p.source} | {p.note} |" for p in self.summary.peers]
        lines += ["", *[f"![{p.stem}]({p.name})" for p in self.summary.plots]]
        failed = [r for r in self.records if not r.success]
        if failed:
            lines += ["", "## Episodes that failed", "", "| episode | status | goal | error |", "|---|---|---|---|"]
            lines += [f"| {r.episode} | {r.status} | {r.goal} | {(r.error or '').replace('|', '/')[:200]} |"
                      for r in failed]
        return "\n".join(lines) + "\n"

    def write(self, out_dir: Path) -> list[Path]:
        """Write report.json and report.md into `out_dir` (plots are already there); the paths."""
        out_dir.mkdir(parents=True, exist_ok=True)
        as_json = out_dir / "report.json"
        as_json.write_text(json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n")
        as_md = out_dir / "report.md"
        as_md.write_text(self.markdown())
        return [as_json, as_md]

    def render(self) -> RenderableType:
        """The figures, groups and peers as rich tables for the terminal."""
        parts: list[RenderableType] = []
        head = Table(title=f"fleetmind bench {self.suite} — {self.produced_by()}", title_justify="left")
        for col in ("figure", "value", "how"):
            head.add_column(col, overflow="fold")
        for f in self.summary.figures:
            head.add_row(f.name, f.value, f.note)
        parts.append(head)
        for name, rows in self.summary.groups.items():
            t = Table(title=f"by {name}", title_justify="left")
            for col in ("group", "episodes", "succeeded", "rate", "mean s", "mean steps"):
                t.add_column(col)
            for r in rows:
                t.add_row(r.group, str(r.episodes), str(r.succeeded), f"{r.rate:.0%}", f"{r.mean_seconds}",
                          f"{r.mean_steps}")
            parts.append(t)
        if self.summary.peers:
            t = Table(title="published figures of peers (for comparison; see the notes)", title_justify="left")
            for col in ("metric", "system", "figure", "source", "note"):
                t.add_column(col, overflow="fold")
            for p in self.summary.peers:
                t.add_row(p.metric, p.system, p.value, p.source, p.note)
            parts.append(t)
        return Group(*parts)
