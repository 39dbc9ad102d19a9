"""The perf report: tables (terminal and markdown), report.json and the PNG plots."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # before pyplot: files only, never a window

import matplotlib.pyplot as plt  # noqa: E402
from rich.console import Group, RenderableType  # noqa: E402
from rich.table import Table  # noqa: E402

__all__ = ["PerfReport", "Section"]


@dataclass
class Section:
    """One table: a title, what it measured, column names and rows of text."""

    title: str
    how: str
    columns: list[str]
    rows: list[list[str]]


@dataclass
class PerfReport:
    """Every section, the raw figures behind them, and who produced them."""

    meta: dict[str, Any]
    sections: list[Section] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    plots: list[Path] = field(default_factory=list)

    def render(self) -> RenderableType:
        """The sections as rich tables."""
        tables = []
        for s in self.sections:
            t = Table(title=f"{s.title} — {s.how}", title_justify="left")
            for c in s.columns:
                t.add_column(c, overflow="fold")
            for row in s.rows:
                t.add_row(*row)
            tables.append(t)
        return Group(*tables)

    def markdown(self) -> str:
        """report.md."""
        m = self.meta
        lines = ["# fleetmind bench perf", "", f"Command: `{m.get('command', '')}`  ",
                 f"Finished {m.get('finished_at')}, wall time {m.get('wall_s')} s; {m.get('machine', '')}.", ""]
        for s in self.sections:
            lines += [f"## {s.title}", "", s.how, "", "| " + " | ".join(s.columns) + " |",
                      "|" + "---|" * len(s.columns)]
            lines += ["| " + " | ".join(row) + " |" for row in s.rows]
            lines.append("")
        lines += [f"![{p.stem}]({p.name})" for p in self.plots]
        return "\n".join(lines) + "\n"

    def write(self, out_dir: Path) -> list[Path]:
        """report.json and report.md into `out_dir` (plots are drawn by `draw`); their paths."""
        out_dir.mkdir(parents=True, exist_ok=True)
        as_json = out_dir / "report.json"
        as_json.write_text(json.dumps({"suite": "perf", "meta": self.meta, "figures": self.data,
                                       "tables": [asdict(s) for s in self.sections],
                                       "plots": [p.name for p in self.plots]}, indent=2) + "\n")
        as_md = out_dir / "report.md"
        as_md.write_text(self.markdown())
        return [as_json, as_md]


def grouped_bars(path: Path, title: str, labels: list[str], series: dict[str, list[float]], ylabel: str,
                 *, log: bool = False) -> Path:
    """Bars per label, one colour per series (ours beside the baseline)."""
    fig, ax = plt.subplots(figsize=(max(5.5, 1.3 * len(labels) * max(1, len(series)) / 2 + 2), 3.6))
    width = 0.8 / max(1, len(series))
    for k, (name, values) in enumerate(series.items()):
        xs = [i + k * width for i in range(len(labels))]
        ax.bar(xs, values, width, label=name)
        for x, v in zip(xs, values, strict=True):
            ax.text(x, v, f"{v:,.3g}", ha="center", va="bottom", fontsize=7)
    ax.set_xticks([i + width * (len(series) - 1) / 2 for i in range(len(labels))], labels, fontsize=8)
    if log:
        ax.set_yscale("log")
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
