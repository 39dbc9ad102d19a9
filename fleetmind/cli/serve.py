"""`fleetmind serve`: the orchestrator alone; devices attach from other processes."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import sys
from typing import Annotated

import typer

from ..orchestrator.planner import ClausePlanner, ModelPlanner, PlanningFailed, RetryReplanner
from ..orchestrator.server import Orchestrator
from ..orchestrator.store import SQLiteStore
from .common import app, cloud_model, console, fail, setup_logging
from .run import summary_table


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8765,
    token: Annotated[str | None, typer.Option(help="Token agents and API clients must present")] = None,
    model_cloud: Annotated[str | None, typer.Option(help="litellm model for planning")] = None,
    db: Annotated[str, typer.Option(help="SQLite file for the event log (':memory:' keeps none)")] = ":memory:",
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Run the orchestrator alone and print how to attach devices. Type requests at its prompt."""
    setup_logging(verbose)

    loopback = host in ("127.0.0.1", "localhost", "::1")
    if token is None and not loopback:
        # Reachable from other machines: never without a credential.
        token = secrets.token_urlsafe(16)
        console.print(f"[yellow]--host {host} is not loopback: agents and API clients must send token {token}[/]")

    async def main() -> None:
        cloud = cloud_model(model_cloud)
        store = SQLiteStore(db)
        orch = Orchestrator(ModelPlanner(cloud) if cloud else ClausePlanner(), RetryReplanner(), store, token=token)
        try:
            url = await orch.start(host, port)
        except OSError as exc:
            raise fail(f"cannot listen on {host}:{port} ({exc.strerror}); pick another --port") from None
        base = url.removesuffix("/agent").replace("ws://", "http://")
        flag = f" --token {token}" if token else ""
        console.print(
            f"orchestrator listening\n  agents: {url}\n  API:    {base}/api/tasks\n"
            f"attach devices:\n  fleetmind device virtual --connect {url}{flag} --count 2\n"
            f"  fleetmind device android --connect {url}{flag} [--serial S]\n"
            f"  fleetmind device browser --connect {url}{flag}\n"
            "then type a request and press Enter."
        )
        loop = asyncio.get_running_loop()
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line:
                await asyncio.Event().wait()  # no terminal: keep serving until stopped
            request = line.strip()
            if not request:
                continue
            try:
                task = await orch.run(request)
            except PlanningFailed as exc:
                console.print(f"[red]{exc}[/]")
                continue
            console.print(summary_table(orch, task))

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
