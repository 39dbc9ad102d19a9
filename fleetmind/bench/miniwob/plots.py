"""The per-task chart of the MiniWoB++ report: one horizontal bar per task, coloured by widget kind."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # before pyplot: files only, never a window

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from ..report import GroupRow  # noqa: E402

__all__ = ["per_task"]


def per_task(path: Path, title: str, rows: Sequence[GroupRow], kinds: Mapping[str, str],
             references: Sequence[tuple[str, float]] = ()) -> Path:
    """Success % per task (rows in display order), bars coloured by kind, peers' overall rates as lines."""
    fig, ax = plt.subplots(figsize=(7.5, max(3.0, 0.16 * len(rows) + 1.2)))
    palette = plt.get_cmap("tab10")
    order = list(dict.fromkeys(kinds[r.group] for r in rows))
    colours = [palette(order.index(kinds[r.group]) % 10) for r in rows]
    ys = list(range(len(rows)))[::-1]
    ax.barh(ys, [r.rate * 100 for r in rows], color=colours, height=0.8)
    ax.set_yticks(ys, [f"{r.group} ({r.succeeded}/{r.episodes})" for r in rows], fontsize=6)
    for name, value in references:
        ax.axvline(value, linestyle="--", linewidth=0.8, color="#555555")
        ax.text(value, len(rows) - 0.3, name, rotation=90, fontsize=6, va="top", ha="right", color="#555555")
    handles = [Rectangle((0, 0), 1, 1, color=palette(i % 10)) for i in range(len(order))]
    ax.legend(handles, order, fontsize=7, loc="lower right")
    ax.set_xlim(0, 100)
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.set_xlabel("success %")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
