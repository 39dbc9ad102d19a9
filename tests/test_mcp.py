"""`fleetmind mcp` over stdio, driven by the `mcp` SDK's own client: the tools it lists, a task
submitted and its result read, a question and an unknown task as tool errors, and the
step-by-step device tools on a virtual phone."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from typing import Any

import pytest
from mcp import StdioServerParameters
from mcp.client.session import ClientSession
from mcp.client.stdio import stdio_client

from fleetmind.sdk.local import LocalFleet, local_fleet


@pytest.fixture
async def fleet() -> AsyncIterator[LocalFleet]:
    async with asyncio.timeout(60), local_fleet("phone:1") as f:
        yield f


def structured(result: Any) -> Any:
    assert not result.is_error, result.content
    if result.structured_content is not None:
        data = result.structured_content
        return data.get("result", data) if isinstance(data, dict) and set(data) == {"result"} else data
    return json.loads(result.content[0].text)


async def test_mcp_client_lists_tools_submits_a_task_and_reads_its_result(fleet: LocalFleet) -> None:
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "fleetmind.cli", "mcp", "--url", fleet.url, "--devices", "phone:1"],
        env={**os.environ, "FLEETMIND_TOKEN": fleet.token or ""},
    )
    async with asyncio.timeout(90), stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        tools = {t.name: t for t in (await session.list_tools()).tools}
        assert {"list_devices", "submit_task", "get_task", "list_tasks", "answer_question", "cancel_task",
                "list_local_devices", "observe_screen", "screenshot", "act"} <= set(tools)
        # The action tool's schema is the device Action union, discriminated on kind.
        act_schema = json.dumps(tools["act"].input_schema)
        assert '"type_text"' in act_schema and '"launch_app"' in act_schema and "discriminator" in act_schema

        devices = structured(await session.call_tool("list_devices", {}))
        assert [d["id"] for d in devices] == ["phone-1"]

        task = structured(await session.call_tool("submit_task", {"text": "Turn on Bluetooth", "wait": True}))
        assert task["status"] == "succeeded", task
        assert task["outputs"] == {"s1": {"result": "Bluetooth on"}}
        again = structured(await session.call_tool("get_task", {"task_id": task["id"]}))
        assert again["subtasks"][0]["summary"] == "Bluetooth on" and again["steps"] == task["steps"] > 0

        answered = await session.call_tool("answer_question", {"task_id": task["id"], "text": "yes"})
        assert answered.is_error and "has no question waiting" in answered.content[0].text
        unknown = await session.call_tool("get_task", {"task_id": "nope"})
        assert unknown.is_error and "no task 'nope'" in unknown.content[0].text


async def test_mcp_device_tools_drive_a_virtual_phone_step_by_step(fleet: LocalFleet) -> None:
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "fleetmind.cli", "mcp", "--url", fleet.url, "--token", fleet.token or "", "--devices", "phone:1"],
    )
    async with asyncio.timeout(90), stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        screen = (await session.call_tool("observe_screen", {"device_id": "phone-1"})).content[0].text
        assert screen.startswith("device phone-1, app Home")
        assert "'Settings' (" in screen
        done = structured(
            await session.call_tool("act", {"device_id": "phone-1", "action": {"kind": "launch_app", "app": "Notes"}})
        )
        assert done["ok"] and done["action"] == "open Notes"
        screen = (await session.call_tool("observe_screen", {"device_id": "phone-1"})).content[0].text
        assert "app Notes" in screen.splitlines()[0] and "'New note'" in screen
        shot = await session.call_tool("screenshot", {"device_id": "phone-1"})
        assert shot.content[0].type == "image" and shot.content[0].mime_type == "image/png"
        bad = await session.call_tool("act", {"device_id": "phone-1", "action": {"kind": "teleport"}})
        assert bad.is_error
        wrong = await session.call_tool("observe_screen", {"device_id": "phone-9"})
        assert wrong.is_error and "this server drives phone-1" in wrong.content[0].text


async def test_mcp_over_streamable_http(fleet: LocalFleet) -> None:
    import socket
    import subprocess

    from mcp.client.streamable_http import streamable_http_client

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "fleetmind.cli", "mcp", "--http", "--port", str(port), "--url", fleet.url,
        env={**os.environ, "FLEETMIND_TOKEN": fleet.token or ""}, stderr=subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(60):
            assert proc.stderr is not None
            assert f"http://127.0.0.1:{port}/mcp" in (await proc.stderr.readline()).decode()
            for _ in range(200):  # another process: its port opens when uvicorn is up
                try:
                    _, writer = await asyncio.open_connection("127.0.0.1", port)
                    writer.close()
                    break
                except OSError:
                    await asyncio.sleep(0.1)
            url = f"http://127.0.0.1:{port}/mcp"
            async with streamable_http_client(url) as (read, write), ClientSession(read, write) as session:
                await session.initialize()
                names = {t.name for t in (await session.list_tools()).tools}
                assert "submit_task" in names and "act" not in names  # no --devices, no device tools
                task = structured(await session.call_tool("submit_task", {"text": "Turn on Bluetooth", "wait": True}))
                assert task["status"] == "succeeded"
    finally:
        proc.terminate()
        await proc.wait()
