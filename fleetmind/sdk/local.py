"""A whole fleet in this process, served like `fleetmind serve`: try the SDK without a server.

    async with local_fleet("phone:2", agents=my_registry) as fleet:
        async with fleetmind.connect(fleet.url, token=fleet.token) as fm:
            ...

An orchestrator with its client API on a loopback port, virtual phones (over a real
ADB-protocol server) or real ones (`android:SERIAL`), and a device-agent host per
device that dials the orchestrator over WebSocket, as remote hosts do. Custom agents
in `agents` take the subtasks they handle; the GUI agent takes the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from ..agents.host import DeviceAgentHost
from ..agents.loop import GuiAgent
from ..agents.models import ChatModel
from ..devices.base import Device
from ..embedded import fleet_devices, parse_devices
from ..orchestrator.planner import ClausePlanner, ModelPlanner, RetryReplanner
from ..orchestrator.server import Orchestrator
from .agents import AgentRegistry


@dataclass
class LocalFleet:
    """Where the local fleet answers: `url` and `token` for `fleetmind.connect`."""

    url: str
    token: str | None
    orchestrator: Orchestrator
    devices: list[Device]
    hosts: list[DeviceAgentHost] = field(default_factory=list)


@contextlib.asynccontextmanager
async def local_fleet(
    devices: str = "phone:2",
    *,
    agents: AgentRegistry | None = None,
    token: str | None = "",
    local: ChatModel | None = None,
    cloud: ChatModel | None = None,
    seed: int = 0,
    port: int = 0,
) -> AsyncIterator[LocalFleet]:
    """Start the fleet; stops everything on exit.

    devices: as `fleetmind run --devices` (phone:2, browser:1, android:SERIAL).
    token: "" makes a random one (as a real deployment should have), None serves without.
    """
    from ..api.server import ApiServer

    if token == "":
        token = secrets.token_urlsafe(12)
    orch = Orchestrator(
        ModelPlanner(cloud) if cloud else ClausePlanner(),
        RetryReplanner(),
        token=token,
        no_device_timeout_s=0.0,  # every device is here from the start: fail unplaceable work at once
    )

    def gui(device: Device) -> GuiAgent:
        return GuiAgent(device, local=local, cloud=cloud)

    factory = agents.factory(gui) if agents is not None else gui
    async with (
        fleet_devices(parse_devices(devices), seed=seed) as held,
        ApiServer(orch, "127.0.0.1", port) as api,
    ):
        fleet = LocalFleet(api.url, token, orch, held)
        tasks = []
        for device in held:
            host = DeviceAgentHost(api.agent_url, [device], factory, agent_id=f"agent-{device.info.id}", token=token)
            fleet.hosts.append(host)
            tasks.append(asyncio.create_task(host.run(), name=f"host-{device.info.id}"))
        try:
            await orch.wait_for_devices(len(held), timeout_s=15)
            yield fleet
        finally:
            for task in tasks:  # hosts first, so they do not mistake the shutdown for a drop
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            for host in fleet.hosts:
                await host.close()


__all__ = ["LocalFleet", "local_fleet"]
