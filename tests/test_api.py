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
