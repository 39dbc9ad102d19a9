"""The cloud tier through litellm against an OpenAI-compatible server on loopback:
structured output, errors that say what to do, and a GUI agent driven by it."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from fleetmind.agents.loop import CloudStep, GuiAgent, SubtaskSpec
from fleetmind.agents.models import ModelError, ModelUnavailable
from fleetmind.agents.models.cloud import LiteLLMModel
from fleetmind.devices.virtual import VirtualPhone


class FakeOpenAI:
    """Answers /v1/chat/completions with whatever `reply(request)` returns (a string)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.reply: Any = lambda request: "{}"
        self.status = 200
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server API
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append(body)
                content = outer.reply(body)
                payload = json.dumps({
                    "id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": body["model"],
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": content}}],
                    "usage": {"prompt_tokens": 50, "completion_tokens": 10, "total_tokens": 60},
                } if outer.status == 200 else {"error": {"message": "bad key", "type": "invalid_request_error"}})
                self.send_response(outer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload.encode())

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}/v1"


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI()
    thread = threading.Thread(target=server.server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


def model(fake: FakeOpenAI) -> LiteLLMModel:
    return LiteLLMModel("openai/test-model", api_base=fake.base, api_key="sk-test", timeout_s=10)


async def test_structured_output_is_requested_and_parsed(fake: FakeOpenAI) -> None:
    fake.reply = lambda _r: json.dumps({"thought": "open it", "action": {"kind": "launch_app", "app": "Settings"}})
    completion = await model(fake).complete([{"role": "user", "content": "hi"}], schema=CloudStep)
    assert isinstance(completion.parsed, CloudStep) and completion.parsed.action.kind == "launch_app"
    assert completion.tokens_in == 50 and completion.tokens_out == 10
    sent = fake.requests[-1]
    assert sent["response_format"]["type"] == "json_schema"  # the schema travelled with the request
    assert sent["temperature"] == 0


async def test_a_cloud_model_drives_the_phone(fake: FakeOpenAI) -> None:
    def reply(request: dict[str, Any]) -> str:
        screen = request["messages"][-1]["content"]
        if "App: Settings" not in screen:
            return json.dumps({"thought": "", "action": {"kind": "launch_app", "app": "Settings"}})
        line = next(ln for ln in screen.splitlines() if "'Bluetooth'" in ln and "Switch" in ln)
        if "checked" in line.split(")")[-1]:
            return json.dumps({"thought": "", "action": {"kind": "done", "answer": "Bluetooth is on"}})
        return json.dumps({"thought": "", "action": {"kind": "tap", "target": {"element": line[1:line.index("]")]}}})

    fake.reply = reply
    phone = VirtualPhone()
    result = await GuiAgent(phone, cloud=model(fake)).run(
        SubtaskSpec(goal="Turn on Bluetooth", tier_policy="cloud-only"))
    assert result.status == "succeeded" and phone.state.settings.bluetooth
    assert len(fake.requests) == 3


async def test_unreachable_cloud_says_what_to_do() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dead = LiteLLMModel("openai/x", api_base=f"http://127.0.0.1:{port}/v1", api_key="sk", timeout_s=3)
    with pytest.raises(ModelUnavailable, match="cannot be reached"):
        await dead.complete([{"role": "user", "content": "hi"}])


async def test_refused_key_and_garbage_answers_are_clear_errors(fake: FakeOpenAI) -> None:
    fake.reply = lambda _r: "this is not json"
    with pytest.raises(ModelError, match="not a valid CloudStep"):
        await model(fake).complete([{"role": "user", "content": "hi"}], schema=CloudStep)
    fake.status = 401
    with pytest.raises(ModelUnavailable, match="API key"):
        await model(fake).complete([{"role": "user", "content": "hi"}])


async def test_a_cloud_that_refuses_is_not_asked_again_at_every_step(fake: FakeOpenAI) -> None:
    fake.status = 401
    phone = VirtualPhone()
    result = await GuiAgent(phone, cloud=model(fake)).run(SubtaskSpec(goal="Write a note about the meeting"))
    assert len(fake.requests) == 1  # then the agent carried on without it
    assert result.status == "failed" and "stuck" in result.summary
