"""`fleetmind mcp`: serve the fleet to AI assistants over MCP (stdio by default, or streamable HTTP)."""

from __future__ import annotations

import asyncio
import contextlib
import os
from typing import Annotated

import typer

from ..embedded import UsageError
from .common import app, console, fail, setup_logging


@app.command("mcp")
def mcp_command(
    url: Annotated[
        str | None, typer.Option(help="Orchestrator URL (default $FLEETMIND_URL or http://127.0.0.1:8765)")
    ] = None,
    token: Annotated[str | None, typer.Option(help="Client token (default $FLEETMIND_TOKEN)")] = None,
    devices: Annotated[
        str | None,
        typer.Option(help="Devices for the step-by-step tools: phone:1 (virtual, over ADB) or android:SERIAL"),
    ] = None,
    http: Annotated[bool, typer.Option("--http", help="Serve streamable HTTP instead of stdio")] = False,
    host: Annotated[str, typer.Option(help="With --http: interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="With --http: port")] = 8766,
    seed: Annotated[int, typer.Option(help="Seed of virtual devices")] = 0,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Serve the fleet as MCP tools: submit tasks, follow and answer them; drive devices step by step.

    Claude Desktop and other clients start it as a stdio server, e.g. command `fleetmind`,
    args ["mcp", "--url", "http://127.0.0.1:8765"]. Nothing but MCP goes to stdout.
    """
    setup_logging(verbose)  # logs go to stderr: stdout carries the protocol
    from ..embedded import fleet_devices, parse_devices
    from ..mcp import build_server
    from ..sdk.client import Client, base_url
    from ..sdk.errors import FleetmindError

    if not http and host != "127.0.0.1":
        raise fail("--host only applies with --http")
    try:
        counts = parse_devices(devices) if devices else {}
        client_url = url or os.environ.get("FLEETMIND_URL")
        base_url(client_url)  # a bad URL is a usage error now, not a failure at the first tool call
    except (UsageError, FleetmindError) as exc:
        raise fail(str(exc)) from None

    async def main() -> None:
        async with contextlib.AsyncExitStack() as stack:
            held = await stack.enter_async_context(fleet_devices(counts, seed=seed)) if counts else []
            client = await stack.enter_async_context(Client(client_url, token=token))
            server = build_server(client, held)
            if http:
                console.print(f"MCP over streamable HTTP at http://{host}:{port}/mcp (fleet at {client.url})")
                await server.run_streamable_http_async(host=host, port=port)
            else:
                await server.run_stdio_async()

    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(main())
    except UsageError as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(f"cannot serve MCP: {exc}") from None
