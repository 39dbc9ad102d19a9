"""End to end over real loopback WebSockets: an orchestrator, three agent hosts with
virtual phones, a scripted stand-in for the cloud LLM, and a dropped connection.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter
from typing import Any

from pydantic import BaseModel

from fleetmind.agents.host import DeviceAgentHost
from fleetmind.agents.loop import GuiAgent
from fleetmind.agents.models import ChatModel, Completion, ScriptedModel
from fleetmind.devices.virtual import VirtualPhone
from fleetmind.orchestrator.planner import ModelPlanner
from fleetmind.orchestrator.server import Orchestrator
from fleetmind.protocol.messages import Result

# a -> b, a -> c, (b, c) -> d is the diamond; e runs alongside.
PLAN = {
    "subtasks": [
        {"id": "a", "goal": "produce alpha", "device": {"kind": "phone"}, "outputs": ["x"]},
        {
            "id": "b",
            "goal": "produce beta",
            "device": {"kind": "phone"},
            "outputs": ["y"],
            "inputs": {"x": {"from": "a", "output": "x"}},
        },
        {
            "id": "c",
            "goal": "produce gamma",
            "device": {"kind": "phone"},
            "outputs": ["z"],
            "inputs": {"x": {"from": "a", "output": "x"}},
        },
        {
            "id": "d",
            "goal": "combine delta",
            "device": {"kind": "phone"},
            "outputs": ["w"],
            "inputs": {"y": {"from": "b", "output": "y"}, "z": {"from": "c", "output": "z"}},
        },
        {"id": "e", "goal": "produce epsilon", "device": {"kind": "phone"}, "outputs": ["v"]},
    ],
    "edges": [{"src": "a", "dst": "b"}, {"src": "a", "dst": "c"}, {"src": "b", "dst": "d"}, {"src": "c", "dst": "d"}],
}


class StepwiseCloud(ChatModel):
    """Stands in for a cloud LLM: one `wait` step, then `done` with outputs built from
    the inputs. The second step of `gamma` blocks on a gate the test controls."""

    name, tier = "test-cloud", "cloud"

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.gamma_started = asyncio.Event()
        self.gamma_gate = asyncio.Event()

    async def complete(
        self, messages: list[dict[str, str]], *, schema: type[BaseModel] | None = None, max_tokens: int = 512
    ) -> Completion:
        user = messages[-1]["content"]
        goal = re.search(r"Goal: (.*)", user).group(1)  # type: ignore[union-attr]
        inputs = eval(re.search(r"Inputs: (.*)", user).group(1))  # noqa: S307 - our own repr of a dict
        word = goal.split()[-1]
        self.calls[word] += 1
        if self.calls[word] == 1:
            action: dict[str, Any] = {"kind": "wait", "seconds": 0}
        else:
            if word == "gamma":
                self.gamma_started.set()
                await self.gamma_gate.wait()
            value = word + "(" + ",".join(f"{k}={v}" for k, v in sorted(inputs.items())) + ")"
            action = {"kind": "done", "answer": value, "outputs": {}}
        text = json.dumps({"thought": "scripted", "action": action})
        return Completion(text=text, parsed=schema.model_validate_json(text) if schema else None, cost_usd=0.001)


async def test_diamond_dag_with_data_flow_survives_a_dropped_connection() -> None:
    cloud = StepwiseCloud()
    orch = Orchestrator(ModelPlanner(ScriptedModel([PLAN])), reconnect_grace_s=30)
    url = await orch.start()
    phones = [VirtualPhone(device_id=f"phone-{i}", seed=i) for i in range(3)]
    hosts = [
        DeviceAgentHost(url, [p], lambda d: GuiAgent(d, cloud=cloud), agent_id=f"agent-{i}")
        for i, p in enumerate(phones)
    ]
    host_tasks = [asyncio.create_task(h.run()) for h in hosts]
    results_sent: Counter[str] = Counter()
    for h in hosts:  # count every result a host hands to its link (replays are not re-sends)
        original = h._finish

        async def counting(msg: Any, result: Any, *, cancelled: bool = False, _orig: Any = original) -> None:
            results_sent[msg.goal] += 1
            await _orig(msg, result, cancelled=cancelled)

        h._finish = counting  # type: ignore[method-assign]
    try:
        async with asyncio.timeout(60):
            await orch.wait_for_devices(3)
            run = await orch.submit("scripted diamond", policy="cloud-only")
            await cloud.gamma_started.wait()
            gamma_host = next(h for h in hosts if any("/c#" in k for k in h._running))  # noqa: SLF001
            await gamma_host.drop_connection()
            cloud.gamma_gate.set()  # gamma finishes while its agent is offline
            await gamma_host.wait_connections(2)  # ... and comes back
            await run.done
        graph = run.graph
        assert run.status == "succeeded", run.error
        outputs = {s.id: s.result.outputs for s in graph.subtasks() if s.result}
        assert outputs["a"] == {"x": "alpha()"}
        assert outputs["b"] == {"y": "beta(x=alpha())"}
        assert outputs["c"] == {"z": "gamma(x=alpha())"}
        assert outputs["d"] == {"w": "delta(y=beta(x=alpha()),z=gamma(x=alpha()))"}
        # gamma ran once: one attempt, one result, two model steps, no duplicated progress
        assert graph.subtask("c").attempts == 1
        assert results_sent["produce gamma"] == 1
        assert cloud.calls["gamma"] == 2, [s for s in run.steps if s["subtask"] == "c"]
        gamma_steps = [s["step"] for s in run.steps if s["subtask"] == "c"]
        assert gamma_steps == [1, 2]
        # the scheduler spread work: e ran alongside the diamond on another phone
        assert len({s.device_id for s in graph.subtasks()}) >= 2
        summary = orch.summary(run)
        assert summary["steps"] == 10 and summary["tiers"] == {"cloud": 10}
        events = orch.store.events(run.id)
        assert events[0].kind == "graph_created" and events[-1].kind == "task_finished"
    finally:
        await orch.stop()
        for t in host_tasks:
            t.cancel()
        await asyncio.gather(*host_tasks, return_exceptions=True)


async def test_malformed_agent_frames_get_errors_and_the_link_survives() -> None:
    from websockets.asyncio.client import connect

    from fleetmind.protocol.codec import decode, encode
    from fleetmind.protocol.messages import DeviceProfile, Hello

    orch = Orchestrator(ModelPlanner(ScriptedModel([PLAN])))
    url = await orch.start()
    try:
        async with asyncio.timeout(10), connect(url) as ws:
            await ws.send(encode(Hello(agent_id="x", devices=[DeviceProfile(id="p", kind="phone")])))
            assert decode(await ws.recv()).type == "welcome"
            await ws.send('{"type": "progress", "v": 1, "subtask_id": "s", "step": "two"}')
            err = decode(await ws.recv())
            assert err.type == "error" and err.field == "step"
            await ws.send(encode(Result(subtask_id="nope/x#1", status="succeeded", seq=1)))
            assert decode(await ws.recv()).type == "ack"  # still talking
            assert [d.id for d in orch.devices()] == ["p"]
    finally:
        await orch.stop()


async def test_unknown_protocol_version_closes_with_a_clear_code() -> None:
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    orch = Orchestrator(ModelPlanner(ScriptedModel([PLAN])))
    url = await orch.start()
    try:
        async with asyncio.timeout(10), connect(url) as ws:
            await ws.send('{"v": 99, "type": "hello", "agent_id": "x", "devices": []}')
            err = json.loads(await ws.recv())
            assert err["code"] == "unsupported_version"
            try:
                await ws.recv()
            except ConnectionClosed as closed:
                assert closed.rcvd is not None and closed.rcvd.code == 4002
    finally:
        await orch.stop()


async def test_what_a_private_subtask_finds_never_reaches_a_cloud_model(local_model: object) -> None:
    from fleetmind.embedded import EmbeddedFleet

    secret = "555 0177"
    seen: list[str] = []

    def cloud(messages: list[dict[str, str]], schema: object) -> dict[str, object]:
        seen.extend(m["content"] for m in messages)
        return {"thought": "", "action": {"kind": "press_key", "key": "back"}}

    plan = {"subtasks": [
        {"id": "find", "goal": "Find the phone number of Grace Hopper", "privacy": "private", "outputs": ["result"]},
        {"id": "send", "goal": "Send it to Ada Lovelace by SMS", "inputs": {"info": {"from": "find",
                                                                                    "output": "result"}}},
    ], "edges": [{"src": "find", "dst": "send"}]}
    phone = VirtualPhone(device_id="phone-1")
    phone.seed(contacts=[{"name": "Grace Hopper", "phone": secret}, {"name": "Ada Lovelace", "phone": "555 0100"}])
    fleet = EmbeddedFleet([phone], local=local_model, cloud=ScriptedModel(cloud),  # type: ignore[arg-type]
                          planner=ModelPlanner(ScriptedModel([plan])))
    async with asyncio.timeout(120), fleet:
        run = await fleet.orchestrator.run("x", confirm="allow")  # the user pre-approved sending
    assert run.status == "succeeded", run.error
    assert run.graph.effective_privacy("send") == "private"  # privacy flowed along the data edge
    assert any(m.body == secret for m in phone.state.messages)  # the work was done...
    assert not any(secret in text for text in seen)  # ...and no cloud model saw the secret
    typed = [st["action"]["text"] for st in run.steps if st["action"]["kind"] == "type_text"]
    assert typed and secret not in typed and "•••" in typed  # progress events mask what was typed
