"""A self-hosted OpenAI-compatible server as the private tier: `python -m llama_cpp.server` on
loopback serving the shipped Gemma 3 270M GGUF.

The 270M base model writes poor actions; these tests check the plumbing: requests reach
the server, a private subtask's step is served by it and never by the cloud, JSON
answers parse or fail with a clear error, planning goes through it, and an unreachable
server says what to do. One server per module, ready when it says so on its log and
answers /v1/models; killed at the end.
"""

from __future__ import annotations

import asyncio
import os
import re
import selectors
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest

from fleetmind.agents.grounding import Candidate, parse_goal
from fleetmind.agents.models import ModelOutputError, ModelUnavailable, ScriptedModel
from fleetmind.agents.models.tiers import StepContext
from fleetmind.agents.records import CloudStep, SubtaskSpec
from fleetmind.config import Endpoint, Settings
from fleetmind.config.runtime import agent_factory, build_models, endpoint_model
from fleetmind.devices.base import Tap, Target
from fleetmind.devices.virtual import VirtualPhone
from fleetmind.orchestrator.planning import ModelPlanner, PlanningFailed

pytestmark = [pytest.mark.model, pytest.mark.timeout(600)]

STARTUP_S = 120.0
ANSWER_S = 240.0
"""Bound on one answer: 32 tokens take seconds on an idle machine, minutes on a loaded 2-core one."""


@dataclass
class Server:
    """The running llama_cpp.server and what it logged."""

    url: str
    process: subprocess.Popen[bytes]
    log: list[str] = field(default_factory=list)
    logged: threading.Condition = field(default_factory=threading.Condition)

    def completions(self) -> int:
        """Chat completion requests the server has answered so far."""
        return sum('"POST /v1/chat/completions HTTP/1.1"' in line for line in list(self.log))

    async def answered(self, count: int) -> bool:
        """Wait (bounded) until the server's access log shows `count` chat completions: uvicorn
        logs a request after answering it, so the line may trail the client's response."""

        def wait() -> bool:
            with self.logged:
                return self.logged.wait_for(lambda: self.completions() >= count, timeout=30)

        return await asyncio.to_thread(wait)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    pytest.importorskip("llama_cpp.server.app", reason="llama-cpp-python[server] extras: pip install -e '.[dev]'")
    from fleetmind.local_models.registry import resolve_model

    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(resolve_model()), "--model_alias", "gemma",
         "--chat_format", "gemma", "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048",
         "--n_threads", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,  # uvicorn's access log (one line per request) goes to stdout
    )
    srv = Server(f"http://127.0.0.1:{port}/v1", process)
    assert process.stdout is not None
    try:
        # Ready when uvicorn says so: read the log as it comes (bounded), no polling with sleeps.
        with selectors.DefaultSelector() as sel:
            sel.register(process.stdout, selectors.EVENT_READ)
            deadline = time.monotonic() + STARTUP_S
            pending = ""
            while not any("Uvicorn running on" in line for line in srv.log):
                left = deadline - time.monotonic()
                if left <= 0 or process.poll() is not None or not sel.select(timeout=left):
                    pytest.fail(f"llama_cpp.server did not start within {STARTUP_S:g} s: {srv.log[-5:]}")
                chunk = os.read(process.stdout.fileno(), 65536)  # raw reads: a buffered readline hides lines
                pending += chunk.decode(errors="replace")
                *lines, pending = pending.split("\n")
                srv.log.extend(lines)
        threading.Thread(target=_drain, args=(process, srv), daemon=True).start()  # a full pipe would stall it
        models = httpx.get(f"{srv.url}/models", timeout=30).json()
        assert [m["id"] for m in models["data"]] == ["gemma"]
        yield srv
    finally:
        process.kill()
        process.wait(timeout=30)


def _drain(process: subprocess.Popen[bytes], srv: Server) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        with srv.logged:
            srv.log.append(line.decode(errors="replace"))
            srv.logged.notify_all()


JSON_OBJECT = {"structured_output": "json_object"}
"""llama_cpp.server's way, known from the first test: one request per answer."""


def _endpoint(server: Server, **kw: object) -> Endpoint:
    fields = {"base_url": server.url, "model": "gemma", "private": True, "max_tokens": 32, "timeout_s": ANSWER_S}
    return Endpoint.model_validate({**fields, **kw})


async def test_structured_answers_parse_or_fail_clearly(server: Server) -> None:
    model = endpoint_model("home", _endpoint(server))
    assert model.tier == "local" and model.name == "home (gemma)"
    before = server.completions()
    messages = [{"role": "user", "content": "Screen: [e1] Switch 'Wi-Fi'. Goal: turn on Wi-Fi. One action as JSON."}]
    try:
        completion = await model.complete(messages, schema=CloudStep)
    except ModelOutputError as exc:  # the 270M model's JSON did not fit the schema: said so, with the schema's name
        assert "not a valid CloudStep" in str(exc)
    else:
        assert isinstance(completion.parsed, CloudStep) and completion.cost_usd == 0.0
    # llama_cpp.server refuses OpenAI's json_schema format; "auto" switched to json_object with a schema.
    assert model.structured == "json_object"
    assert await server.answered(before + 2)  # the refused request, and the answered one


async def test_private_subtask_is_served_by_the_endpoint_never_the_cloud(server: Server) -> None:
    settings = Settings.model_validate(
        {"models": {"local": {"endpoint": "home"}, "endpoints": {"home": _endpoint(server, **JSON_OBJECT)}}}
    )
    models = build_models(settings)
    cloud = ScriptedModel([], name="cloud")  # any call would fail the test below: it has no replies
    models.operator = cloud
    agent = agent_factory(settings, models, None)(phone := VirtualPhone(seed=1))
    obs = await phone.observe()
    icons = [e for e in obs.elements if e.text and e.clickable][:3]
    cands = [Candidate(Tap(target=Target(element=e.id)), f"tap '{e.text}'", 0.1) for e in icons]
    spec = SubtaskSpec(goal="Check my bank balance", privacy="private")
    before = server.completions()
    record = await agent.tiers.decide_step(spec, parse_goal(spec.goal), obs, cands, StepContext(1, [], 0.0, False))
    assert await server.answered(before + 1) and cloud.calls == []
    assert record.why.startswith("privacy: private subtask stays on the device")
    assert "private endpoint home (gemma)" in record.why
    # Either the endpoint's action, or its failure noted and the best text match (never the cloud).
    if record.tier == "rule":
        assert "private endpoint home (gemma) failed (" in record.why and not record.settled
    else:
        assert record.tier == "local" and record.cost_usd == 0.0


async def test_planning_goes_through_the_endpoint(server: Server) -> None:
    before = server.completions()
    planner = ModelPlanner(endpoint_model("home", _endpoint(server, max_tokens=48, **JSON_OBJECT)), max_repairs=0)
    phone = VirtualPhone()
    from fleetmind.agents.host import profile_of

    try:
        patch = await planner.plan("Turn on Wi-Fi", [profile_of(phone)])
    except PlanningFailed as exc:  # a base model's plan is not a valid graph: the reasons are named
        assert "home (gemma) gave no valid plan" in str(exc)
    else:
        assert patch.ops
    assert await server.answered(before + 1)


async def test_an_unreachable_endpoint_says_what_to_do() -> None:
    port = _free_port()  # nothing listens there
    endpoint = Endpoint(base_url=f"http://127.0.0.1:{port}/v1", model="gemma", private=True, timeout_s=10)
    model = endpoint_model("home", endpoint)
    with pytest.raises(ModelUnavailable) as exc:
        await model.complete([{"role": "user", "content": "hi"}])
    hint = r"home \(gemma\) cannot be reached .*start it, or fix models.endpoints.home.base_url"
    assert re.search(hint, str(exc.value))
