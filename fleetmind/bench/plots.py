"""PNG plots for bench reports (matplotlib's Agg backend: no display, no window)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # before pyplot: files only, never a window

import matplotlib.pyplot as plt  # noqa: E402

from .report import GroupRow, wilson  # noqa: E402

__all__ = ["bars", "histogram", "paired_bars"]


def bars(path: Path, title: str, rows: Sequence[GroupRow], *, reference: tuple[str, float] | None = None) -> Path:
    """Success rate per group with 95% intervals; `reference` draws a peer's published rate as a line."""
    fig, ax = plt.subplots(figsize=(max(5.0, 0.7 * len(rows) + 2), 3.6))
    rates = [r.rate * 100 for r in rows]
    lows, highs = zip(*(wilson(r.succeeded, r.episodes) for r in rows), strict=True) if rows else ((), ())
    err = [[max(0.0, v - lo * 100) for v, lo in zip(rates, lows, strict=True)],
           [max(0.0, hi * 100 - v) for v, hi in zip(rates, highs, strict=True)]]
    ax.bar([r.group for r in rows], rates, yerr=err, capsize=3, color="#4a78b0")
    for i, r in enumerate(rows):
        ax.text(i + 0.05, r.rate * 100 + 1.5, f"{r.succeeded}/{r.episodes}", ha="left", va="bottom", fontsize=8)
    if reference is not None:
        ax.axhline(reference[1], color="#c0504d", linestyle="--", linewidth=1)
        ax.text(len(rows) - 0.5, reference[1] + 1, reference[0], ha="right", va="bottom", fontsize=8, color="#c0504d")
    ax.set_ylim(0, 105)
    ax.set_ylabel("success %")
    ax.set_title(title, fontsize=10)
    ax.tick_params(axis="x", labelrotation=30, labelsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def histogram(path: Path, title: str, values: Sequence[float], xlabel: str) -> Path:
    """The distribution of one per-episode quantity (seconds, steps)."""
    fig, ax = plt.subplots(figsize=(5.5, 3.4))
    ax.hist(list(values), bins=min(20, max(5, len(values) // 3)), color="#4a78b0")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("episodes")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def paired_bars(path: Path, title: str, labels: Sequence[str], series: dict[str, Sequence[float]],
                ylabel: str) -> Path:
    """Several quantities side by side per label (e.g. makespan parallel / sequential / critical path)."""
    fig, ax = plt.subplots(figsize=(min(14.0, max(6.0, 0.12 * len(labels) * len(series) + 2)), 4.2))
    width = 0.8 / max(1, len(series))
    for k, (name, values) in enumerate(series.items()):
        ax.bar([i + k * width for i in range(len(labels))], list(values), width, label=name)
    ax.set_xticks([i + width * (len(series) - 1) / 2 for i in range(len(labels))], list(labels), rotation=70,
                  fontsize=5 if len(labels) > 30 else 7, ha="right")
    ax.set_xlim(-0.6, len(labels))
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
