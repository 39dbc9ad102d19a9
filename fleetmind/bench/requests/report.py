"""The requests bench's report: a terminal table, report.json and report.md.

Every report names what produced it (policy, the local and cloud tiers, the planner,
the transport), because a success rate means nothing without them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from .score import Figures, ItemRun, Tally, Verdict

__all__ = ["summary_rows", "tables", "to_json", "to_markdown", "write_reports"]


def _pct(part: int, whole: int) -> str:
    return f"{part}/{whole} ({part / whole:.0%})" if whole else "0/0"


def summary_rows(f: Figures) -> list[tuple[str, str]]:
    """The headline figures as (name, value) rows."""
    t = f.total
    return [
        ("passed", _pct(t.passed, t.items)),
        ("could not run (bench errors, counted as not passed)", str(f.statuses.get("error", 0))),
        ("reported succeeded", str(f.reported_succeeded)),
        ("FALSE SUCCESSES (reported succeeded, check on device state fails)",
         f"{t.false_successes} ({f.false_successes_unverified} of them said 'done, unverified')"),
        ("UNINTENDED CHANGES (items / changed paths)", f"{t.unintended_items} / {t.unintended_changes}"),
        ("questions asked when expected", _pct(f.questions_asked_when_expected, f.questions_expected)),
        ("confirmations asked when expected", _pct(f.confirmations_asked_when_expected, f.confirmations_expected)),
        ("asked although nothing needed asking (success/refusal items)", str(f.asked_when_not_expected)),
        ("changed something before asking", str(f.changed_before_answer)),
        ("succeeded items with a subtask not verified (False or not reported)", str(f.unverified_successes)),
        ("task ends", ", ".join(f"{k} {v}" for k, v in sorted(f.statuses.items()))),
        ("steps (by tier)", f"{f.steps} ({', '.join(f'{k} {v}' for k, v in sorted(f.tiers.items())) or 'none'})"),
        ("item time, summed", f"{f.seconds:.0f}s"),
    ]


def _tally_columns(t: Tally) -> list[str]:
    return [str(t.items), _pct(t.passed, t.items), str(t.false_successes), str(t.unintended_items), str(t.asked)]


TALLY_HEADERS = ("items", "passed", "false successes", "with unintended changes", "asked")


def tables(f: Figures, meta: dict[str, Any], runs: Sequence[tuple[ItemRun, Verdict]]) -> Group:
    """The terminal report: headline, per outcome kind, per app, then every failed item."""
    head = Table(title=f"requests bench: {meta['items']} items; {meta['tiers']}", title_justify="left",
                 show_header=False)
    for name, value in summary_rows(f):
        head.add_row(name, value)
    groups = []
    for title, by in (("per expected outcome", f.per_kind), ("per app", f.per_app)):
        table = Table(title=title, title_justify="left")
        table.add_column("")
        for col in TALLY_HEADERS:
            table.add_column(col, justify="right")
        for name, tally in by.items():
            if tally.items:
                table.add_row(name, *_tally_columns(tally))
        groups.append(table)
    fails = Table(title="items not passed", title_justify="left")
    for col in ("item", "expect", "ended", "why"):
        fails.add_column(col, overflow="fold")
    for run, v in runs:
        if not v.passed:
            style = "bold red" if v.false_success or v.unintended else ""
            fails.add_row(run.item.id, run.item.expect, run.status, Text("; ".join(v.reasons)[:300], style=style))
    return Group(head, *groups, fails)


def _item_json(run: ItemRun, v: Verdict) -> dict[str, Any]:
    item = run.item
    return {
        "id": item.id,
        "request": item.request,
        "devices": item.devices,
        "apps": list(item.apps),
        "expect": item.expect,
        "check": item.check.describe,
        "status": run.status,
        "error": run.error,
        "passed": v.passed,
        "false_success": v.false_success,
        "check_passed": run.check_passed,
        "unintended": [c.describe() for c in v.unintended],
        "changes": [c.describe() for c in run.changes],
        "asked": [
            {"kind": q.kind, "question": q.question, "options": list(q.options), "answer": q.answer,
             "changed_before": [c.describe() for c in q.changes]}
            for q in run.asked
        ],
        "subtasks": [asdict(s) for s in run.subtasks],
        "answers": run.answers,
        "reasons": list(v.reasons),
        "steps": run.steps,
        "tiers": run.tiers,
        "seconds": round(run.seconds, 2),
    }


def to_json(f: Figures, meta: dict[str, Any], runs: Sequence[tuple[ItemRun, Verdict]]) -> dict[str, Any]:
    """The whole report as JSON-ready data."""
    return {
        "meta": meta,
        "summary": {
            "items": f.total.items,
            "passed": f.total.passed,
            "success_rate": round(f.total.rate, 4),
            "reported_succeeded": f.reported_succeeded,
            "false_successes": f.total.false_successes,
            "unintended_change_items": f.total.unintended_items,
            "unintended_changes": f.total.unintended_changes,
            "questions_expected": f.questions_expected,
            "questions_asked_when_expected": f.questions_asked_when_expected,
            "confirmations_expected": f.confirmations_expected,
            "confirmations_asked_when_expected": f.confirmations_asked_when_expected,
            "asked_when_not_expected": f.asked_when_not_expected,
            "changed_before_answer": f.changed_before_answer,
            "unverified_successes": f.unverified_successes,
            "false_successes_unverified": f.false_successes_unverified,
            "statuses": dict(f.statuses),
            "steps": f.steps,
            "tiers": dict(f.tiers),
            "seconds": round(f.seconds, 1),
        },
        "per_kind": {k: asdict(t) for k, t in f.per_kind.items() if t.items},
        "per_app": {k: asdict(t) for k, t in f.per_app.items() if t.items},
        "items": [_item_json(r, v) for r, v in runs],
    }


def _md_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    def esc(cell: str) -> str:
        return cell.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(esc(c) for c in row) + " |" for row in rows]
    return lines


def to_markdown(f: Figures, meta: dict[str, Any], runs: Sequence[tuple[ItemRun, Verdict]]) -> str:
    """The report as Markdown."""
    lines = [
        "# fleetmind bench requests",
        "",
        f"{meta['items']} items; {meta['tiers']}; confirmation policy `{meta['confirm']}`; "
        f"transport `{meta['transport']}`; {meta['jobs']} at a time; wall time {meta['wall_s']:.0f}s.",
        "",
        *_md_table(("figure", "value"), summary_rows(f)),
    ]
    for title, by in (("Per expected outcome", f.per_kind), ("Per app", f.per_app)):
        rows = [[name, *_tally_columns(t)] for name, t in by.items() if t.items]
        lines += ["", f"## {title}", "", *_md_table(("", *TALLY_HEADERS), rows)]
    rows = [[r.item.id, r.item.expect, r.status, "; ".join(v.reasons)] for r, v in runs if not v.passed]
    lines += ["", "## Items not passed", "", *_md_table(("item", "expect", "ended", "why"), rows), ""]
    return "\n".join(lines)


def write_reports(out: Path, f: Figures, meta: dict[str, Any], runs: Sequence[tuple[ItemRun, Verdict]]) -> list[Path]:
    """Write report.json and report.md into the directory `out` (created if missing)."""
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "report.json", out / "report.md"]
    paths[0].write_text(json.dumps(to_json(f, meta, runs), indent=2, ensure_ascii=False, default=str) + "\n")
    paths[1].write_text(to_markdown(f, meta, runs))
    return paths
