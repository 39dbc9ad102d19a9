"""`fleetmind bench requests`: load the tiers as `fleetmind run` does, run the set with
progress lines, print the report and write it with --out."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console

from ...agents.models import ChatModel
from ...embedded import Transport, UsageError, load_local_model
from ...protocol.messages import TierPolicy
from .items import ITEMS
from .report import tables, write_reports
from .runner import BenchConfig, run_items
from .score import ItemRun, Verdict, figures
from .spec import Item

__all__ = ["run_suite", "select"]


def select(only: str | None, items: tuple[Item, ...] = ITEMS) -> list[Item]:
    """The items whose id starts with one of the comma-separated prefixes (all when None)."""
    if not only:
        return list(items)
    prefixes = [p.strip() for p in only.split(",") if p.strip()]
    chosen = [i for i in items if any(i.id.startswith(p) for p in prefixes)]
    if not chosen:
        groups = sorted({i.id.split("-", 1)[0] + "-" for i in items})
        raise UsageError(f"--only {only!r} matches no item; item ids start with: {', '.join(groups)}")
    return chosen


def _tiers_text(policy: str, local: ChatModel | None, cloud: ChatModel | None) -> str:
    planner = f"model planner ({cloud.name})" if cloud else "clause planner (offline)"
    local_name = local.name if local else "none (best text match)"
    return f"policy {policy}; local tier {local_name}; cloud tier {cloud.name if cloud else 'none'}; {planner}"


def _load_local(policy: str, model_local: str | None, console: Console) -> ChatModel | None:
    if policy == "cloud-only":
        return None
    with console.status("loading the local model..."):
        local, problem = load_local_model(model_local)
    if local is None:
        if policy == "local-only" or model_local:
            raise UsageError(f"the local model is unavailable: {problem}")
        console.print(f"[yellow]local model unavailable ({problem}); the bench runs with the best text match[/]")
    return local


def run_suite(
    *,
    policy: TierPolicy,
    model_local: str | None,
    cloud: ChatModel | None,
    out_dir: Path | None,
    jobs: int,
    only: str | None,
    transport: Transport,
    console: Console,
    out: Console,
    item_timeout_s: float = 120.0,
) -> int:
    """Run the set (or the --only part of it); returns the exit code (0 when every item passed)."""
    if policy == "cloud-only" and cloud is None:
        raise UsageError("--policy cloud-only needs --model-cloud LITELLM_MODEL")
    items = select(only)
    local = _load_local(policy, model_local, console)
    config = BenchConfig(local=local, cloud=cloud, policy=policy, transport=transport, item_timeout_s=item_timeout_s)
    tiers = _tiers_text(policy, local, cloud)
    console.print(f"running {len(items)} requests, {jobs} at a time; {tiers}")

    def progress(done: int, total: int, run: ItemRun, v: Verdict) -> None:
        mark = "[green]pass[/]" if v.passed else "[red]FAIL[/]"
        flags = "".join(
            flag for flag, on in ((" [bold red]FALSE SUCCESS[/]", v.false_success),
                                  (" [bold red]UNINTENDED CHANGE[/]", bool(v.unintended))) if on
        )
        console.print(
            f"[{done}/{total}] {mark} {run.item.id} (expect {run.item.expect}) -> {run.status}, "
            f"{len(run.asked)} asked, {run.steps} steps, {run.seconds:.1f}s{flags}",
            highlight=False,
            soft_wrap=True,  # one line per item, also in a log file
        )

    began = time.perf_counter()
    try:
        runs = asyncio.run(run_items(items, config, jobs=jobs, on_done=progress))
    finally:
        if local is not None:
            asyncio.run(local.close())
    f = figures(runs, apps=sorted({a for i in items for a in i.apps}))
    meta: dict[str, Any] = {
        "items": len(items),
        "tiers": tiers,
        "policy": policy,
        "local_model": local.name if local else None,
        "cloud_model": cloud.name if cloud else None,
        "confirm": "ask",
        "transport": transport,
        "jobs": jobs,
        "only": only,
        "wall_s": round(time.perf_counter() - began, 1),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    out.print(tables(f, meta, runs))
    if out_dir is not None:
        for path in write_reports(out_dir, f, meta, runs):
            console.print(f"wrote {path}")
    return 0 if f.total.passed == f.total.items else 1
