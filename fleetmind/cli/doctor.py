"""`fleetmind doctor`: a report of what is ready and what to run to fix the rest."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from ..doctor import run_checks
from .common import app, out

_STYLE = {"ok": "green", "warn": "yellow", "fail": "red"}


@app.command()
def doctor(
    url: Annotated[str | None, typer.Option(help="Also check this orchestrator agent URL")] = None,
    adb_host: Annotated[str, typer.Option(help="ADB server host")] = "127.0.0.1",
    adb_port: Annotated[int, typer.Option(help="ADB server port")] = 5037,
    model_local: Annotated[str | None, typer.Option(help="Local model name or PATH.gguf")] = None,
) -> None:
    """Check adb and its devices, Chromium, the local model, cloud keys and the orchestrator."""
    checks = run_checks(adb_host=adb_host, adb_port=adb_port, url=url, model=model_local)
    table = Table(title="fleetmind doctor", title_justify="left")
    for col in ("check", "", "detail", "fix"):
        table.add_column(col, overflow="fold")
    for c in checks:
        table.add_row(c.area, Text(c.status, style=_STYLE[c.status]), Text(c.detail), Text(c.fix, style="bold"))
    out.print(table)
    failed = [c for c in checks if c.status == "fail"]
    tail = f", {len(failed)} to fix" if failed else ""
    out.print(f"{len(checks) - len(failed)} of {len(checks)} checks fine{tail}")
    raise typer.Exit(1 if failed else 0)
