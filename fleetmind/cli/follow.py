"""Following a task at the terminal, shared by `run` (embedded fleet) and `submit` (remote one):
the live DAG table, the end-of-task report, and questions asked at the prompt.

Everything here reads events and summaries as plain data (`kind`, `data`), so an
orchestrator's own events and the SDK's typed ones render the same.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from rich.console import Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from .common import STATUS_STYLE, TIER_STYLE, console


class EventLike(Protocol):
    """What the views read from an event."""

    @property
    def kind(self) -> str: ...
    @property
    def data(self) -> dict[str, Any]: ...


class DagView:
    """The live table of a task's subtasks, fed by orchestrator events."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, Any]] = {}
        self.order: list[str] = []
        self.deps: dict[str, list[str]] = {}
        self.request = ""
        self.version = 0

    def update(self, event: EventLike) -> None:
        """Apply one event to the table."""
        d = event.data
        if event.kind in ("graph_created", "graph_patched"):
            self.request, self.version = d.get("request", self.request), d.get("version", self.version)
            self.deps = {}
            for e in d["edges"]:
                self.deps.setdefault(e["dst"], []).append(
                    e["src"] + ("" if e["kind"] == "on_success" else f" ({e['kind']})")
                )
            for s in d["subtasks"]:
                row = self.rows.setdefault(s["id"], {"steps": 0, "last": ""})
                row.update(goal=s["goal"], status=s["status"], device=s.get("device_id") or "")
                if s["id"] not in self.order:
                    self.order.append(s["id"])
        elif event.kind == "subtask_state":
            row = self.rows.setdefault(d["subtask"], {"steps": 0, "last": "", "goal": ""})
            row.update(status=d["status"], device=d.get("device") or "")
            if d.get("result") and d["result"].get("error") and d["status"] in ("failed", "ready"):
                row["last"] = "error: " + d["result"]["error"]
        elif event.kind == "step_progress" and (step_row := self.rows.get(d["subtask"])) is not None:
            step_row["steps"] += 1
            step_row["last"] = f"[{d['tier']}] {d['summary']}"

    def render(self) -> Table:
        """The table as it stands."""
        table = Table(title=f"{self.request}  (graph v{self.version})", expand=False, title_justify="left")
        for col in ("subtask", "goal", "after", "device", "status", "steps", "last step"):
            table.add_column(col, overflow="fold")
        for sid in self.order:
            r = self.rows[sid]
            table.add_row(
                sid,
                r.get("goal", ""),
                ", ".join(self.deps.get(sid, [])),
                r.get("device", ""),
                Text(r.get("status", ""), style=STATUS_STYLE.get(r.get("status", ""), "")),
                str(r["steps"]),
                Text(r.get("last", "")[:70]),  # Text: "[rule]" is not a style
            )
        return table


def steps_table(steps: Sequence[Mapping[str, Any]]) -> Table:
    """Every step with its tier, action and reason; long reasons wrap at word boundaries, never cut."""
    table = Table(title="steps", title_justify="left", box=None, show_edge=False, expand=False)
    table.add_column("subtask", no_wrap=True)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("tier", no_wrap=True)
    table.add_column("action", ratio=2, overflow="fold")
    table.add_column("why", ratio=3, overflow="fold")
    for st in steps:
        tier = str(st.get("tier", ""))
        table.add_row(
            str(st.get("subtask", "")),
            str(st.get("step", "")),
            Text(tier, style=TIER_STYLE.get(tier, "")),
            Text(str(st.get("summary", ""))).append(f" (for: {st['subgoal']})" if st.get("subgoal") else "", "dim"),
            Text(str(st.get("why", "")), style="dim"),
        )
    return table


def summary_view(
    status: str, summary: Mapping[str, Any], steps: Sequence[Mapping[str, Any]], error: str | None
) -> Group:
    """The end-of-task report: steps with their tiers, then totals and outputs.

    `summary` is what the orchestrator reports at the end of a task (`Orchestrator.summary`,
    the `task_finished` event's `summary`).
    """
    t = Table(show_header=False, box=None)
    t.add_row("status", Text(status, style=STATUS_STYLE.get(status, "")))
    t.add_row("subtasks", ", ".join(f"{k} {v}" for k, v in summary.get("subtasks", {}).items()))
    tiers = ", ".join(f"{k} {v}" for k, v in summary.get("tiers", {}).items()) or "none"
    t.add_row("steps", f"{summary.get('steps', len(steps))} ({tiers})")
    t.add_row("cloud cost", f"${summary.get('cost_usd', 0.0):.4f} ({summary.get('cloud_calls', 0)} cloud calls)")
    if "tokens" in summary:  # orchestrators before per-task usage did not send it
        per_tier = summary.get("by_tier", {})
        latency = ", ".join(f"{k} {v['latency_ms']:.0f} ms" for k, v in per_tier.items() if v.get("steps"))
        t.add_row("tokens", f"{summary['tokens']:,}" + (f" (mean step time: {latency})" if latency else ""))
    t.add_row("time", f"{summary.get('elapsed_s', 0.0):.1f}s")
    g = summary.get("graph")
    if g:
        t.add_row(
            "graph",
            f"{g['subtasks']} subtasks, width {g['width']}, critical path {' -> '.join(g['critical_path'])},"
            f" parallelism {g['parallelism']:.2f}, v{summary.get('graph_version', 0)}",
        )
    for sid, outputs in summary.get("outputs", {}).items():
        for k, v in outputs.items():
            if v:
                t.add_row(f"{sid}.{k}", v)
    if error:
        t.add_row("error", Text(error, style="red"))
    for sid, line in summary.get("stuck", {}).items():  # where each failed subtask got stuck
        t.add_row(sid, Text(line, style="red"))
    for sid, why in summary.get("not_run", {}).items():  # a branch whose condition did not hold
        t.add_row(sid, why)
    return Group(steps_table(steps), Text(""), t)


NO_TERMINAL = "(not answered: nobody can answer without a terminal; the subtask stops, doing nothing more)"


async def ask_user(subtask: str, question: str, options: Sequence[str] = (), *, secret: bool = False) -> str | None:
    """Ask at the terminal; without one, None: nobody here can answer.

    A placeholder must never stand in for an answer: it would be typed as the message, the
    note or the PIN the question asked for. `fleetmind run` and `submit` then answer with
    nothing, and the agent stops, saying it needs the user and naming the question.
    secret: the answer is a password or PIN, typed hidden.
    """
    # The agent's words are text, not markup: "[yes / no]" must print as it is.
    asked = escape(question + (f" [{' / '.join(options)}]" if options else ""))
    if not sys.stdin.isatty():
        console.print(f"[yellow]{escape(subtask)} asks: {asked}[/] {escape(NO_TERMINAL)}")
        return None
    prompt = f"[bold]{escape(subtask)} asks:[/] {asked} "
    return await asyncio.to_thread(console.input, prompt, password=secret)


__all__ = ["NO_TERMINAL", "DagView", "EventLike", "ask_user", "steps_table", "summary_view"]
