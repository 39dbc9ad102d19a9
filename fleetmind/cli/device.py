"""`fleetmind device virtual | android | browser`: attach devices to an orchestrator."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any

import typer

from ..config import Settings
from ..devices.base import Device, DeviceError
from ..embedded import load_local_model
from .common import ConfigOpt, console, device_app, fail, load_settings, setup_logging
from .security import DeviceAccess, client_token, device_key_file

ConnectOpt = Annotated[
    str | None,
    typer.Option("--connect", help="Orchestrator agent URL, ws://HOST:PORT/agent (default: from orchestrator.url)"),
]
TokenOpt = Annotated[str | None, typer.Option(help="Token the orchestrator asks for (default: from the config)")]
ModelOpt = Annotated[str | None, typer.Option(help="Local model name or PATH.gguf")]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v")]
EnrolOpt = Annotated[
    str | None,
    typer.Option(envvar="FLEETMIND_ENROL", help="One-time enrolment token (fleetmind keys enrol); $FLEETMIND_ENROL"),
]
KeyFileOpt = Annotated[
    str | None, typer.Option(help="Device key file (0600); default: device.key in the state directory")
]
CaFileOpt = Annotated[str | None, typer.Option(help="CA certificate to trust for a wss:// orchestrator")]
AgentOpt = Annotated[
    str | None,
    typer.Option(help="Custom agents (fleetmind.sdk) to try first: module:object or file.py:object"),
]
STATE_DIR_HELP = (
    "Keep this host's session, running subtasks and pending questions in DIR (SQLite), so a question "
    "survives a restart of this command; 'off' keeps them in memory. "
)


def _configured(
    config: Path | None, connect: str | None, token: str | None, model_local: str | None
) -> tuple[Settings, str | None, str | None]:
    """The configuration with these flags on top, the agent URL to dial and the token."""
    settings = load_settings(
        config,
        {
            "orchestrator.url": ("--connect", connect),
            "orchestrator.token": ("--token", token),
            "models.local.model": ("--model-local", model_local),
        },
    ).settings
    argv_token = token
    try:
        token = settings.orchestrator.resolved_token()
    except ValueError as exc:
        raise fail(f"configuration: {exc}") from None
    return settings, settings.orchestrator.agent_url(), client_token(argv_token, token)


def _state_dir(option: str | None, devices: list[Device], *, default_on: bool) -> Path | None:
    """The host's state directory: as given, 'off', or by default the user's data directory
    ($XDG_DATA_HOME/fleetmind/hosts/<agent id>) where the devices outlive this command."""
    from ..agents.host import default_agent_id
    from ..agents.host.state import default_state_dir

    if option == "off" or (option is None and not default_on):
        return None
    return Path(option).expanduser() if option else default_state_dir(default_agent_id(devices))


async def _serve_devices(
    devices: list[Device],
    connect: str,
    token: str | None,
    settings: Settings,
    agent: str | None = None,
    state_dir: Path | None = None,
    access: DeviceAccess | None = None,
) -> None:
    """Run a device-agent host for `devices` until stopped; reconnects by itself.

    It presents its device key (from `access.key_file`, else the state directory's
    device.key), else the enrolment token (then keeps the key it is given), else `token`.

    Prints `attached DEVICES to URL` once the orchestrator first welcomes it: the
    line scripts and tests wait for before sending work.
    """
    from ..agents.host import DeviceAgentHost, default_agent_id
    from ..agents.host.key import HostCredentials
    from ..agents.loop import GuiAgent
    from ..config.runtime import agent_factory, build_models

    local, problem = load_local_model(settings.models.local.model, threads=settings.models.local.threads)
    if local is None:
        console.print(f"[yellow]local model unavailable ({problem}); only text grounding will decide steps[/]")
    gui = agent_factory(settings, build_models(settings), local)
    factory: Callable[[Device], GuiAgent] = gui
    if agent:
        from ..sdk.agents import load_agents

        registry = load_agents(agent)
        factory = registry.factory(gui)
        console.print(f"custom agents first: {', '.join(cls.__name__ for cls in registry.agents)}")
    access = access or DeviceAccess()
    key_file = device_key_file(access.key_file, state_dir, default_agent_id(devices))
    credentials = HostCredentials(key_file=key_file, enrolment=access.enrol, token=token)
    host = DeviceAgentHost(
        connect, devices, factory, state_dir=state_dir, credentials=credentials, ca_file=access.ca_file
    )
    console.print(f"attaching {', '.join(host.devices)} to {connect} (Ctrl-C to stop)")
    if state_dir is not None:
        console.print(f"pending questions survive a restart: state in {state_dir}")

    async def announce_ready() -> None:
        # The readiness line: the orchestrator has welcomed the host, so its devices take work.
        await host.wait_connections(1)
        console.print(f"attached {', '.join(host.devices)} to {connect}", soft_wrap=True)  # one line to match

    ready = asyncio.create_task(announce_ready())
    try:
        await host.run()
    finally:
        ready.cancel()
        await host.close()


def _run(main: Callable[[], Coroutine[Any, Any, None]], connect: str | None) -> None:
    """Run a device command, turning the errors users can fix into exit code 2."""
    from ..agents.host import HostError
    from ..sdk.errors import FleetmindError

    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(main())
    except (HostError, DeviceError, FleetmindError) as exc:
        raise fail(str(exc)) from None
    except (OSError, TimeoutError) as exc:
        raise fail(f"cannot reach {connect}: {exc}; is `fleetmind serve` running there?") from None


@device_app.command("virtual")
def virtual(
    connect: ConnectOpt = None,
    adb_port: Annotated[int | None, typer.Option(help="Serve the phones behind an ADB server on this port")] = None,
    count: Annotated[int, typer.Option(min=1, max=64, help="How many virtual phones")] = 1,
    token: TokenOpt = None,
    model_local: ModelOpt = None,
    seed: Annotated[int, typer.Option(help="Seed of the virtual phones")] = 0,
    agent: AgentOpt = None,
    state_dir: Annotated[
        str | None,
        typer.Option(help=STATE_DIR_HELP + "Default: off (virtual phones end with this command)."),
    ] = None,
    config: ConfigOpt = None,
    enrol: EnrolOpt = None,
    key_file: KeyFileOpt = None,
    ca_file: CaFileOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Virtual phones: as agents of an orchestrator (--connect), or behind an ADB server (--adb-port)."""
    setup_logging(verbose)
    settings, connect_url, token = _configured(config, connect, token, model_local)
    if adb_port is None:
        connect = connect_url
    if (connect is None) == (adb_port is None):
        raise fail("give exactly one of --connect URL (attach as agents) or --adb-port N (serve over ADB)")
    from ..devices.virtual.adbd import AdbServer, virtual_phones

    phones = virtual_phones(count, seed=seed)

    async def serve_adb() -> None:
        server = AdbServer(phones, port=adb_port or 0)
        try:
            await server.start()
        except OSError as exc:
            raise fail(f"cannot listen on 127.0.0.1:{adb_port} ({exc.strerror}); pick another --adb-port") from None
        console.print(
            f"ADB server on 127.0.0.1:{server.port} serving {', '.join(server.serials)}\n"
            f"  adb -P {server.port} devices -l\n"
            f"  fleetmind device android --adb-port {server.port} --serial {server.serials[0]} --connect URL"
        )
        try:
            await server.wait_closed()
        finally:
            await server.stop()

    async def attach() -> None:
        devices: list[Device] = []
        for i, phone in enumerate(phones.values()):
            phone.device_id = f"phone-{i + 1}"
            devices.append(phone)
        assert connect is not None
        where = _state_dir(state_dir, devices, default_on=False)
        access = DeviceAccess(enrol, key_file, ca_file)
        await _serve_devices(devices, connect, token, settings, agent, where, access)

    _run(attach if connect else serve_adb, connect)


@device_app.command("android")
def android(
    connect: ConnectOpt = None,
    serial: Annotated[str | None, typer.Option(help="Device serial (see `adb devices`); default: the only one")] = None,
    adb_host: Annotated[str, typer.Option(help="ADB server host")] = "127.0.0.1",
    adb_port: Annotated[int, typer.Option(help="ADB server port")] = 5037,
    adb_connect: Annotated[str | None, typer.Option(help="Wi-Fi adb: `adb connect HOST[:PORT]` first")] = None,
    token: TokenOpt = None,
    model_local: ModelOpt = None,
    agent: AgentOpt = None,
    state_dir: Annotated[
        str | None,
        typer.Option(help=STATE_DIR_HELP + "Default: $XDG_DATA_HOME/fleetmind/hosts/<agent id>."),
    ] = None,
    config: ConfigOpt = None,
    enrol: EnrolOpt = None,
    key_file: KeyFileOpt = None,
    ca_file: CaFileOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Attach a real Android phone (or emulator) reached through adb."""
    setup_logging(verbose)
    settings, connect, token = _configured(config, connect, token, model_local)
    if connect is None:
        raise fail("--connect URL is required: the orchestrator's agent endpoint, e.g. ws://127.0.0.1:8765/agent")
    from ..config.runtime import sensitive_apps
    from ..devices.android import AndroidDevice

    async def main() -> None:
        assert connect is not None
        if adb_connect:
            device = await AndroidDevice.connect_wifi(adb_connect, adb_host=adb_host, adb_port=adb_port)
            device.sensitive_apps = sensitive_apps(settings)
        else:
            device = await AndroidDevice(
                serial, adb_host=adb_host, adb_port=adb_port, sensitive_apps=sensitive_apps(settings)
            ).connect()
        devices: list[Device] = [device]
        where = _state_dir(state_dir, devices, default_on=True)
        access = DeviceAccess(enrol, key_file, ca_file)
        await _serve_devices(devices, connect, token, settings, agent, where, access)

    _run(main, connect)


@device_app.command("browser")
def browser(
    connect: ConnectOpt = None,
    headless: Annotated[bool, typer.Option(help="Run Chromium without a window")] = True,
    start_url: Annotated[str, typer.Option(help="Page the browser starts on (its 'home')")] = "about:blank",
    device_id: Annotated[str, typer.Option(help="Id to announce")] = "browser-1",
    token: TokenOpt = None,
    model_local: ModelOpt = None,
    agent: AgentOpt = None,
    state_dir: Annotated[
        str | None,
        typer.Option(help=STATE_DIR_HELP + "Default: off (the browser ends with this command)."),
    ] = None,
    config: ConfigOpt = None,
    enrol: EnrolOpt = None,
    key_file: KeyFileOpt = None,
    ca_file: CaFileOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Attach a Chromium browser (Debian's package, driven by Playwright)."""
    setup_logging(verbose)
    settings, connect, token = _configured(config, connect, token, model_local)
    if connect is None:
        raise fail("--connect URL is required: the orchestrator's agent endpoint, e.g. ws://127.0.0.1:8765/agent")
    from ..devices.browser import BrowserDevice

    async def main() -> None:
        assert connect is not None
        device = BrowserDevice(device_id, headless=headless, start_url=start_url)
        await device.start()
        devices: list[Device] = [device]
        where = _state_dir(state_dir, devices, default_on=False)
        access = DeviceAccess(enrol, key_file, ca_file)
        await _serve_devices(devices, connect, token, settings, agent, where, access)

    _run(main, connect)
