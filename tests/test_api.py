"""The client API (fleetmind.api) over a real loopback server: every route, its errors, the
token, the event stream with resume, past tasks from the SQLite log, and the agent
endpoint on the same port."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from fleetmind.agents.host import DeviceAgentHost
from fleetmind.agents.loop import GuiAgent
from fleetmind.api import ApiServer
from fleetmind.devices.virtual import VirtualPhone
from fleetmind.orchestrator.planner import ClausePlanner
from fleetmind.orchestrator.server import Orchestrator
from fleetmind.orchestrator.store import Event, SQLiteStore
from fleetmind.protocol.messages import (
    Answer,
    Assign,
    Cancel,
    DeviceProfile,
    Hello,
    Progress,
    Question,
    Result,
    Welcome,
)
from fleetmind.protocol.session import Session
from fleetmind.protocol.transport import Link, receive, send_unsequenced


class FakeAgent:
    """A device agent written against the protocol directly: it takes assignments and lets the
    test decide what to send back (questions, results), over the real /agent endpoint."""

    def __init__(self, url: str, device_id: str = "phone-9", token: str | None = None) -> None:
        self.url, self.device_id, self.token = url, device_id, token
        self.inbox: asyncio.Queue[Any] = asyncio.Queue()
        self.link: Link | None = None
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> FakeAgent:
        ws = await connect(self.url)
        hello = Hello(agent_id="fake", token=self.token, devices=[DeviceProfile(id=self.device_id, kind="phone")])
        await send_unsequenced(ws, hello, None)
        welcome = await receive(ws, None)
        assert isinstance(welcome, Welcome), welcome
        self.link = Link(Session(welcome.session_id))
        await self.link.attach(ws, welcome.last_seq)
        self._task = asyncio.create_task(self._read(ws))
        return self

    async def _read(self, ws: ClientConnection) -> None:
        assert self.link is not None
        with contextlib.suppress(ConnectionClosed):
            while True:
                await self.inbox.put(await receive(ws, self.link.session))

    async def next(self, kind: type[Any]) -> Any:
        """The next message of type `kind` (others, such as acks, are skipped)."""
        while not isinstance(message := await self.inbox.get(), kind):
            pass
        return message

    async def send(self, message: Any) -> Any:
        assert self.link is not None
        return await self.link.send(message)

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None and self.link is not None and self.link.ws is not None
        self._task.cancel()
        await self.link.ws.close()


@contextlib.asynccontextmanager
async def served(
    token: str | None = None, phones: int = 0, store: SQLiteStore | None = None
) -> AsyncIterator[tuple[Orchestrator, ApiServer, httpx.AsyncClient]]:
    """An orchestrator served by ApiServer on loopback, with `phones` VirtualPhone agents attached."""
    orch = Orchestrator(ClausePlanner(), store=store, token=token, no_device_timeout_s=5)
    async with ApiServer(orch) as server:
        hosts = [
            DeviceAgentHost(server.agent_url, [VirtualPhone(device_id=f"phone-{i + 1}")], GuiAgent, token=token)
            for i in range(phones)
        ]
        tasks = [asyncio.create_task(h.run()) for h in hosts]
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            await orch.wait_for_devices(phones, timeout_s=10)
            async with httpx.AsyncClient(base_url=server.url, headers=headers, timeout=10) as client:
                yield orch, server, client
        finally:
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            for host in hosts:
                await host.close()


def ws_url(server: ApiServer, path: str) -> str:
    return server.url.replace("http://", "ws://") + path


async def test_submit_follow_and_inspect_a_task_on_virtual_phones() -> None:
    async with asyncio.timeout(30), served(phones=2) as (orch, server, api):
        async with connect(ws_url(server, "/api/events")) as stream:
            r = await api.post(
                "/api/tasks", json={"text": "Turn on Bluetooth and airplane mode", "policy": "auto", "max_steps": 8}
            )
            assert r.status_code == 201, r.text
            task = r.json()
            assert task["status"] == "running" and task["live"] is True
            assert [n["id"] for n in task["graph"]["nodes"]] == ["s1", "s2"]
            seen = []
            while not seen or seen[-1]["kind"] != "task_finished":
                seen.append(json.loads(await stream.recv()))
        assert {e["task_id"] for e in seen} == {task["id"]}
        assert [e["seq"] for e in seen] == sorted(e["seq"] for e in seen)
        assert set(seen[0]) == {"seq", "task_id", "kind", "data", "ts"}

        detail = (await api.get(f"/api/tasks/{task['id']}")).json()
        assert detail["status"] == "succeeded" and detail["live"] is False
        assert {n["status"] for n in detail["graph"]["nodes"]} == {"succeeded"}
        assert {n["device_id"] for n in detail["graph"]["nodes"]} == {"phone-1", "phone-2"}
        assert detail["outputs"] == {"s1": {"result": "Bluetooth on"}, "s2": {"result": "Airplane mode on"}}
        assert detail["steps"] and {s["device"] for s in detail["steps"]} == {"phone-1", "phone-2"}
        assert detail["tiers"] == {"rule": len(detail["steps"])} and detail["cost_usd"] == 0
        assert detail["last_seq"] == seen[-1]["seq"] and detail["questions"] == []
        assert detail["elapsed_s"] == seen[-1]["data"]["summary"]["elapsed_s"]  # stopped when the task ended

        listed = (await api.get("/api/tasks")).json()["tasks"]
        assert [(t["id"], t["status"], t["live"]) for t in listed] == [(task["id"], "succeeded", False)]

        page = (await api.get(f"/api/tasks/{task['id']}/events", params={"after": seen[1]["seq"], "limit": 2})).json()
        assert [e["seq"] for e in page["events"]] == [e["seq"] for e in seen[2:4]] and page["more"] is True
        rest = (await api.get(f"/api/tasks/{task['id']}/events", params={"after": seen[-2]["seq"]})).json()
        assert [e["kind"] for e in rest["events"]] == ["task_finished"] and rest["more"] is False

        devices = (await api.get("/api/devices")).json()["devices"]
        assert [d["id"] for d in devices] == ["phone-1", "phone-2"]
        for d in devices:
            assert d["online"] and d["busy"] is None and d["latest"]["task_id"] == task["id"]
            assert d["latest"]["tier"] == "rule" and d["latest"]["summary"].startswith("done")


async def test_errors_say_what_is_wrong() -> None:
    async with asyncio.timeout(30), served(phones=1) as (orch, _server, api):
        r = await api.post("/api/tasks", content=b"{not json", headers={"Content-Type": "application/json"})
        assert r.status_code == 400 and "not valid JSON" in r.json()["detail"]
        r = await api.post("/api/tasks", content=b"text=hi", headers={"Content-Type": "text/plain"})
        assert r.status_code == 400 and "JSON object" in r.json()["detail"]
        r = await api.post("/api/tasks", json={"text": "Turn on Wi-Fi", "policy": "cheap", "max_steps": 0})
        assert r.status_code == 422
        assert "policy" in r.json()["detail"] and "max_steps" in r.json()["detail"]
        assert {tuple(e["loc"]) for e in r.json()["errors"]} == {("body", "policy"), ("body", "max_steps")}
        r = await api.post("/api/tasks", json={"text": ""})
        assert r.status_code == 422 and "text" in r.json()["detail"]

        for method, path in [
            ("GET", "/api/tasks/nope"),
            ("POST", "/api/tasks/nope/cancel"),
            ("GET", "/api/tasks/nope/events"),
        ]:
            r = await api.request(method, path)
            assert r.status_code == 404 and "no task nope" in r.json()["detail"], (path, r.text)
        r = await api.post("/api/tasks/nope/answer", json={"question_id": "q1", "text": "yes"})
        assert r.status_code == 404 and "no task nope" in r.json()["detail"]
        r = await api.get("/api/tasks/x/events", params={"after": "x"})
        assert r.status_code == 422 and "after" in r.json()["detail"]
        r = await api.get("/api/nowhere")
        assert r.status_code == 404 and "/docs" in r.json()["detail"]

        run = await orch.run("Turn on Bluetooth")
        r = await api.post(f"/api/tasks/{run.id}/answer", json={"question_id": "q1", "text": "yes"})
        assert r.status_code == 409
        assert r.json()["detail"].startswith(f"no pending question q1 on task {run.id}")
        r = await api.post(f"/api/tasks/{run.id}/answer", json={"text": "yes"})
        assert r.status_code == 422 and "question_id" in r.json()["detail"]
        r = await api.post(f"/api/tasks/{run.id}/cancel")
        assert r.status_code == 409 and "succeeded, not running" in r.json()["detail"]


async def test_questions_are_answered_and_tasks_cancelled_through_the_api() -> None:
    async with asyncio.timeout(30), served() as (orch, server, api), FakeAgent(server.agent_url) as agent:
        await orch.wait_for_devices(1)
        task = (await api.post("/api/tasks", json={"text": "Send the report"})).json()
        assign = await agent.next(Assign)
        assert assign.confirm == "ask"
        events = orch.subscribe()
        thumbnail = base64.b64encode(b"\x89PNG\r\n\x1a\n tiny").decode()
        await agent.send(
            Progress(
                subtask_id=assign.subtask_id,
                step=1,
                action={"kind": "wait", "seconds": 0},
                summary="look at the screen",
                tier="local",
                why="a routine step",
                tokens=12,
                thumbnail_png_b64=thumbnail,
            )
        )
        asked = await agent.send(
            Question(subtask_id=assign.subtask_id, question="Which report?", kind="choice", options=["Q1", "Q2"])
        )
        while (await events.get()).kind != "question":
            pass
        detail = (await api.get(f"/api/tasks/{task['id']}")).json()
        assert (detail["tokens"], detail["tiers"]) == (12, {"local": 1})
        [device] = (await api.get("/api/devices")).json()["devices"]
        assert device["busy"] == f"{task['id']}/s1" and device["thumbnail_png_b64"] == thumbnail
        assert (device["latest"]["tier"], device["latest"]["why"]) == ("local", "a routine step")
        [question] = detail["questions"]
        assert question == {
            "id": asked.id,
            "subtask": "s1",
            "wire_id": assign.subtask_id,
            "question": "Which report?",
            "kind": "choice",
            "options": ["Q1", "Q2"],
            "secret": False,
        }
        r = await api.post(f"/api/tasks/{task['id']}/answer", json={"question_id": asked.id, "text": "Q2"})
        assert r.status_code == 200 and r.json()["questions"] == []
        answer = await agent.next(Answer)
        assert (answer.text, answer.corr, answer.subtask_id) == ("Q2", asked.id, assign.subtask_id)
        again = await api.post(f"/api/tasks/{task['id']}/answer", json={"question_id": asked.id, "text": "Q1"})
        assert again.status_code == 409 and f"no pending question {asked.id}" in again.json()["detail"]
        await agent.send(Result(subtask_id=assign.subtask_id, status="succeeded", outputs={"report": "Q2"}))
        done = await orch.runs[task["id"]].done
        assert done.status == "succeeded"
        kinds = [e.kind for e in orch.store.events(task["id"])]
        assert kinds.index("question") < kinds.index("answered") < kinds.index("task_finished")

        second = (await api.post("/api/tasks", json={"text": "Wait for the bus"})).json()
        held = await agent.next(Assign)
        r = await api.post(f"/api/tasks/{second['id']}/cancel")
        assert r.status_code == 200 and r.json()["status"] == "cancelled" and r.json()["live"] is False
        cancel = await agent.next(Cancel)
        assert cancel.subtask_id == held.subtask_id


async def test_the_token_guards_every_api_route_and_the_event_stream() -> None:
    async with asyncio.timeout(30), served(token="s3cret", phones=1) as (_orch, server, api):
        async with httpx.AsyncClient(base_url=server.url) as anonymous:
            for path in ["/api/tasks", "/api/devices", "/api/tasks/x", "/api/tasks/x/events"]:
                r = await anonymous.get(path)
                assert r.status_code == 401 and r.json()["detail"].startswith("missing token"), path
                assert r.headers["www-authenticate"] == "Bearer"
            r = await anonymous.post("/api/tasks", json={"text": "hi"}, headers={"Authorization": "Bearer s3cre7"})
            assert r.status_code == 401 and r.json()["detail"].startswith("wrong token")
            r = await anonymous.get("/api/tasks", headers={"Authorization": "Basic s3cret"})
            assert r.status_code == 401
            # The page and the docs load without it: the page asks for the token itself.
            assert (await anonymous.get("/")).status_code == 200
            docs = await anonymous.get("/docs")
            assert docs.status_code == 200 and "/docs-assets/swagger-ui-bundle.js" in docs.text
            assert "cdn" not in docs.text  # no internet at run time
            schema = (await anonymous.get("/openapi.json")).json()
            assert {"TaskDetail", "TaskList", "DeviceList", "EventPage", "SubmitRequest"} <= set(
                schema["components"]["schemas"]
            )
            assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
        assert (await api.get("/api/tasks")).json() == {"tasks": []}

        for query in ["", "?token=wrong"]:
            async with connect(ws_url(server, "/api/events" + query)) as ws:
                with pytest.raises(ConnectionClosed) as closed:
                    await ws.recv()
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4001
            assert "token" in closed.value.rcvd.reason
        for options in [{"additional_headers": {"Authorization": "Bearer s3cret"}}, {}]:
            url = ws_url(server, "/api/events?after=0" + ("" if options else "&token=s3cret"))
            async with connect(url, **options) as ws:
                r = await api.post("/api/tasks", json={"text": "Turn on Bluetooth"})
                assert json.loads(await ws.recv())["kind"] == "graph_created"

        hello = Hello(agent_id="a", devices=[DeviceProfile(id="p", kind="phone")], token="wrong")
        async with connect(server.agent_url) as ws:
            await send_unsequenced(ws, hello, None)
            reply = await receive(ws, None)
            assert reply.type == "error" and "token" in reply.message  # type: ignore[union-attr]


async def test_the_event_stream_resumes_after_an_event_number_and_filters_by_task() -> None:
    async with asyncio.timeout(30), served(phones=1) as (orch, server, _api):
        first = await orch.run("Turn on Bluetooth")
        second = await orch.run("Turn on airplane mode")
        log = orch.store.events(first.id) + orch.store.events(second.id)
        middle = log[len(log) // 2].seq
        async with connect(ws_url(server, f"/api/events?after={middle}")) as ws:
            replay = [json.loads(await ws.recv()) for _ in range(sum(e.seq > middle for e in log))]
            third = await orch.submit("Turn on Wi-Fi")
            live = json.loads(await ws.recv())
        assert [e["seq"] for e in replay] == [e.seq for e in log if e.seq > middle]
        assert (live["task_id"], live["kind"]) == (third.id, "graph_created")
        await third.done
        async with connect(ws_url(server, f"/api/events?after=0&task={second.id}")) as ws:
            only = [json.loads(await ws.recv()) for _ in orch.store.events(second.id)]
        assert {e["task_id"] for e in only} == {second.id}


async def test_past_tasks_come_back_from_the_sqlite_log(tmp_path: Path) -> None:
    db = tmp_path / "events.sqlite"
    async with asyncio.timeout(30):
        async with served(phones=1, store=SQLiteStore(db)) as (orch, _server, _api):
            run = await orch.run("Turn on Bluetooth")
            # A task whose orchestrator stopped before it ended leaves a log without an end.
            orch.store.append(Event(task_id="cut", kind="graph_created", data={"request": "Call Ada", "subtasks": []}))
        async with served(store=SQLiteStore(db)) as (_orch, _server, api):
            listed = {t["id"]: t for t in (await api.get("/api/tasks")).json()["tasks"]}
            assert (listed[run.id]["status"], listed[run.id]["live"]) == ("succeeded", False)
            assert listed["cut"]["status"] == "interrupted"
            detail = (await api.get(f"/api/tasks/{run.id}")).json()
            assert detail["request"] == "Turn on Bluetooth" and detail["status"] == "succeeded"
            assert [(n["id"], n["status"], n["device_id"]) for n in detail["graph"]["nodes"]] == [
                ("s1", "succeeded", "phone-1")
            ]
            assert detail["outputs"] == {"s1": {"result": "Bluetooth on"}}
            assert len(detail["steps"]) == len(run.steps) and detail["elapsed_s"] > 0
            r = await api.post(f"/api/tasks/{run.id}/cancel")
            assert r.status_code == 409


async def test_agents_resume_their_session_over_the_served_endpoint() -> None:
    async with asyncio.timeout(30), served() as (orch, server, _api):
        host = DeviceAgentHost(server.agent_url, [VirtualPhone(device_id="phone-1")], GuiAgent)
        runner = asyncio.create_task(host.run())
        try:
            await host.wait_connections(1)
            session = host.link.session.session_id  # type: ignore[union-attr]
            await host.drop_connection()
            await host.wait_connections(2)
            assert host.link.session.session_id == session  # type: ignore[union-attr]
            run = await orch.run("Turn on Bluetooth")
            assert run.status == "succeeded"
        finally:
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await runner
            await host.close()


async def test_the_orchestrators_own_listener_serves_only_the_agent_endpoint() -> None:
    orch = Orchestrator(ClausePlanner())
    url = await orch.start()
    try:
        async with httpx.AsyncClient() as client:
            r = await client.get(url.replace("ws://", "http://").removesuffix("/agent") + "/api/tasks")
        assert r.status_code == 404 and "fleetmind serve" in r.text
    finally:
        await orch.stop()


async def test_the_ui_files_come_from_memory_with_etags() -> None:
    async with asyncio.timeout(30), served() as (_orch, _server, api):
        page = await api.get("/")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert page.headers["cache-control"] == "no-cache"
        script = await api.get("/app.js")
        assert script.headers["content-type"].startswith("text/javascript")
        again = await api.get("/app.js", headers={"If-None-Match": script.headers["etag"]})
        assert again.status_code == 304 and again.content == b""
        assert (await api.head("/style.css")).status_code == 200
        missing = await api.get("/nope.js")
        assert missing.status_code == 404 and "the web UI is at /" in missing.text
