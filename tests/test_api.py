"""The orchestrator's client API and agent credentials."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request

import pytest
from websockets.asyncio.client import connect

from fleetmind.orchestrator.planner import ClausePlanner
from fleetmind.orchestrator.server import Orchestrator
from fleetmind.protocol.codec import decode, encode
from fleetmind.protocol.messages import DeviceProfile, Hello


def get(url: str, token: str | None = None) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as err:
        return err.code, json.load(err)


async def test_api_needs_the_token_and_agents_need_it_too() -> None:
    orch = Orchestrator(ClausePlanner(), token="s3cret")
    url = await orch.start()
    base = url.replace("ws://", "http://").removesuffix("/agent")
    try:
        status, body = await asyncio.to_thread(get, base + "/api/tasks")
        assert status == 401 and "Bearer" in str(body["error"])
        status, body = await asyncio.to_thread(get, base + "/api/tasks", "s3cret")
        assert status == 200 and body == {"tasks": []}
        status, _ = await asyncio.to_thread(get, base + "/api/tasks/nope", "s3cret")
        assert status == 404
        hello = Hello(agent_id="a", devices=[DeviceProfile(id="p", kind="phone")], token="wrong")
        async with asyncio.timeout(10), connect(url) as ws:
            await ws.send(encode(hello))
            reply = decode(await ws.recv())
            assert reply.type == "error" and "token" in reply.message
        assert orch.devices() == []
        async with asyncio.timeout(10), connect(url) as ws:
            await ws.send(encode(hello.model_copy(update={"token": "s3cret"})))
            assert decode(await ws.recv()).type == "welcome"
        status, body = await asyncio.to_thread(get, base + "/api/devices", "s3cret")
        assert status == 200 and [d["id"] for d in body["devices"]] == ["p"]  # type: ignore[union-attr]
    finally:
        await orch.stop()


@pytest.mark.parametrize("path", ["/", "/nowhere"])
async def test_root_says_where_things_are_and_unknown_paths_are_404(path: str) -> None:
    orch = Orchestrator(ClausePlanner())
    url = await orch.start()
    try:
        status, body = await asyncio.to_thread(get, url.replace("ws://", "http://").removesuffix("/agent") + path)
        assert (status, "agent_endpoint" in body) == ((200, True) if path == "/" else (404, False))
    finally:
        await orch.stop()


async def test_clients_stream_events_and_page_through_a_tasks_log() -> None:
    from fleetmind.devices.virtual import VirtualPhone
    from fleetmind.embedded import EmbeddedFleet

    async with asyncio.timeout(30), EmbeddedFleet([VirtualPhone()], planner=ClausePlanner()) as fleet:
        url = fleet.orchestrator.url.removesuffix("/agent")
        async with connect(url + "/api/events") as client:
            run = await fleet.orchestrator.run("Turn on Bluetooth")
            kinds = []
            while not kinds or kinds[-1] != "task_finished":
                kinds.append(json.loads(await client.recv())["kind"])
        assert kinds[0] == "graph_created" and "step_progress" in kinds
        base = url.replace("ws://", "http://") + f"/api/tasks/{run.id}/events"
        _, everything = await asyncio.to_thread(get, base)
        events = everything["events"]
        assert [e["kind"] for e in events] == kinds  # type: ignore[index]
        _, later = await asyncio.to_thread(get, base + f"?after={events[2]['seq']}")  # type: ignore[index]
        assert later["events"] == events[3:]
        status, _ = await asyncio.to_thread(get, base + "?after=x")
        assert status == 400
