"""`fleetmind serve`: the orchestrator with its web UI, client API and agent endpoint on one port.

Devices attach from other processes (`fleetmind device ... --connect URL`), or in
this one with `--devices phone:2`. Requests come from the web UI, the API, or the
prompt on standard input.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import signal
import sys
import threading
from collections.abc import AsyncIterator
from typing import Annotated, Any

import typer

from ..config import Settings
from ..orchestrator.planner import PlanningFailed
from ..orchestrator.server import Orchestrator
from ..orchestrator.store import SQLiteStore
from ..orchestrator.telemetry import setup_tracing
from .common import ConfigOpt, app, console, fail, load_settings, setup_logging
from .run import summary_table


def _stdin_lines(loop: asyncio.AbstractEventLoop) -> asyncio.Queue[str | None]:
    """Lines typed at the prompt; None at end of input.

    A daemon thread reads them: a blocking read in the loop's executor would keep the
    process alive at exit until someone pressed Enter.
    """
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def pump() -> None:
        for line in sys.stdin:
            loop.call_soon_threadsafe(queue.put_nowait, line)
        loop.call_soon_threadsafe(queue.put_nowait, None)

    threading.Thread(target=pump, name="stdin", daemon=True).start()
    return queue


async def _prompt(orch: Orchestrator) -> None:
    """Run each line typed at the prompt as a request and print its summary when it ends."""
    lines = _stdin_lines(asyncio.get_running_loop())
    running: set[asyncio.Task[None]] = set()

    async def follow(request: str) -> None:
        try:
            task = await orch.run(request)
        except PlanningFailed as exc:
            console.print(f"[red]{exc}[/]")
            return
        # Rendering a large summary takes a while: off the loop, so agents and the API go on meanwhile.
        await asyncio.to_thread(console.print, summary_table(orch, task))

    while (line := await lines.get()) is not None:
        if request := line.strip():
            job = asyncio.create_task(follow(request))
            running.add(job)
            job.add_done_callback(running.discard)


@contextlib.asynccontextmanager
async def _virtual_devices(
    spec: str, url: str, token: str | None, settings: Settings, models: Any
) -> AsyncIterator[list[str]]:
    """Virtual devices in this process, each with an agent host dialing `url` like a remote one."""
    from ..agents.host import DeviceAgentHost
    from ..config.runtime import agent_factory
    from ..embedded import load_local_model, parse_devices, virtual_devices

    counts = parse_devices(spec)
    local, problem = load_local_model(settings.models.local.model, threads=settings.models.local.threads)
    if local is None:
        console.print(f"[yellow]local model unavailable ({problem}); only text grounding will decide steps[/]")
    factory = agent_factory(settings, models, local)
    async with virtual_devices(counts) as devices:
        hosts = [DeviceAgentHost(url, [d], factory, token=token) for d in devices]
        tasks = [asyncio.create_task(h.run(), name=f"host-{d.info.id}") for h, d in zip(hosts, devices, strict=True)]
        try:
            await asyncio.gather(*(h.wait_connections(1) for h in hosts))
            yield [d.info.id for d in devices]
        finally:
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            for host in hosts:
                await host.close()
            if local is not None:
                await local.close()


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port (0 picks a free one)")] = 8765,
    token: Annotated[
        str | None,
        typer.Option(
            help="Client token for the API and UI (shows in the process list: prefer --token-file or $FLEETMIND_TOKEN)"
        ),
    ] = None,
    token_file: Annotated[str | None, typer.Option(help="File holding the client token on its first line")] = None,
    require_enrolment: Annotated[
        bool, typer.Option(help="Devices need a device key even on loopback (always so on other interfaces)")
    ] = False,
    tls_cert: Annotated[str | None, typer.Option(help="Serve https/wss with this certificate (PEM)")] = None,
    tls_key: Annotated[str | None, typer.Option(help="The certificate's private key (PEM)")] = None,
    allow_origin: Annotated[
        list[str] | None, typer.Option(help="A browser origin allowed besides this server's own, e.g. https://ops.lan")
    ] = None,
    allow_host: Annotated[
        list[str] | None, typer.Option(help="A host name clients may use to reach this server (Host header)")
    ] = None,
    heartbeat_s: Annotated[
        float | None,
        typer.Option(min=0.1, help="Seconds between pings; a device silent twice as long is lost (default 20)"),
    ] = None,
    reconnect_grace_s: Annotated[
        float | None,
        typer.Option(min=0.0, help="Seconds a lost device may take to come back before its work moves (default 60)"),
    ] = None,
    model_cloud: Annotated[str | None, typer.Option(help="litellm model for planning and the agents here")] = None,
    db: Annotated[str, typer.Option(help="SQLite file for the event log (':memory:' keeps none)")] = ":memory:",
    devices: Annotated[
        str | None, typer.Option(help="Virtual devices to attach in this process, e.g. phone:2,browser:1")
    ] = None,
    config: ConfigOpt = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Serve the web UI, the client API and the agent endpoint on one port; type requests at the prompt."""
    from ..api.server import ApiServer
    from ..config.runtime import build_models, planner_for, replanner_for
    from ..embedded import UsageError
    from ..orchestrator.identity import is_loopback
    from .security import client_token, serve_security

    setup_logging(verbose)
    argv_token = token
    settings = load_settings(
        config,
        {
            "orchestrator.token": ("--token", token),
            "orchestrator.token_file": ("--token-file", token_file),
            "orchestrator.heartbeat_s": ("--heartbeat-s", heartbeat_s),
            "orchestrator.reconnect_grace_s": ("--reconnect-grace-s", reconnect_grace_s),
            "models.planner": ("--model-cloud", model_cloud),
            "models.operator": ("--model-cloud", model_cloud),
        },
    ).settings
    try:
        token = settings.orchestrator.resolved_token()
    except ValueError as exc:
        raise fail(f"configuration: {exc}") from None
    token = client_token(argv_token, token)
    security = serve_security(
        host=host,
        db=db,
        require_enrolment=require_enrolment,
        allow_origin=allow_origin or [],
        allow_host=allow_host or [],
        tls_cert=tls_cert,
        tls_key=tls_key,
    )
    loopback = is_loopback(host)
    if token is None and not loopback:
        # Reachable from other machines: never without a credential.
        token = secrets.token_urlsafe(16)
        console.print(f"[yellow]--host {host} is not loopback: agents and API clients must send token {token}[/]")

    async def main() -> None:
        models = build_models(settings)
        if setup_tracing():  # the standard OTEL_* variables; off without an OTLP endpoint
            console.print("tracing: spans go to the OTLP endpoint in OTEL_EXPORTER_OTLP_ENDPOINT")
        orch = Orchestrator(
            planner_for(models),
            replanner_for(models),
            SQLiteStore(db),
            token=token,
            keys=security.keys,
            require_enrolment=security.require_enrolment,
            heartbeat_s=settings.orchestrator.heartbeat_s,
            reconnect_grace_s=settings.orchestrator.reconnect_grace_s,
            browser=security.browser,
        )
        try:
            server = await ApiServer(
                orch, host, port, log_level="info" if verbose else "warning", tls_cert=tls_cert, tls_key=tls_key
            ).__aenter__()
        except OSError as exc:
            raise fail(f"cannot listen on {host}:{port} ({exc.strerror or exc}); pick another --port") from None
        async with contextlib.AsyncExitStack() as stack:
            stack.push_async_callback(server.close)
            url, agents = server.url, server.agent_url
            flag = f" --token {token}" if argv_token else (" --token-file FILE" if token else "")
            console.print(  # soft_wrap: commands to copy stay on one line whatever the terminal width
                f"orchestrator listening\n  web UI: {url}/{f'#token={token}' if token else ''}\n"
                f"  API:    {url}/api/tasks\n  docs:   {url}/docs\n  agents: {agents}\n"
                + await asyncio.to_thread(security.device_lines, agents, flag, db),
                soft_wrap=True,
            )
            if devices:
                own = await asyncio.to_thread(security.in_process_token, token)
                attached = await stack.enter_async_context(_virtual_devices(devices, agents, own, settings, models))
                console.print(f"attached {', '.join(attached)}")
            console.print(f"ready: open {url}/ in a browser, or type a request here and press Enter.", soft_wrap=True)
            prompt = asyncio.create_task(_prompt(orch))
            main_task = asyncio.current_task()
            assert main_task is not None
            # Ctrl-C cancels this task (asyncio.run does that); SIGTERM does the same, so both
            # stop the devices, then the tasks, then the server, in that order.
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main_task.cancel)
            try:
                await server.wait_closed()
            finally:
                prompt.cancel()

    try:
        with contextlib.suppress(KeyboardInterrupt, asyncio.CancelledError):
            asyncio.run(main())
    except UsageError as exc:
        raise fail(str(exc)) from None
