"""A password or PIN the user types as an answer reaches the device that asked, and nothing else:
no event (nor the SQLite file under them), no API response, no log record, no file of the device
host. Without a terminal, the CLI never answers a secret question with a placeholder.

The end-to-end run is a real orchestrator served by the client API on loopback, a real device
host keeping its state on disk, and the VirtualPhone's Bank app (test_secrets.py's `Recorded`);
only the planner and the cloud model are scripted.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_questions_restart import REQUEST as RESTART_REQUEST
from test_questions_restart import fleet
from test_secrets import REQUEST, Recorded

import fleetmind
from fleetmind.agents.host import DeviceAgentHost
from fleetmind.agents.host.state import HostState
from fleetmind.agents.loop import GuiAgent, SubtaskSpec
from fleetmind.agents.models import ScriptedModel
from fleetmind.agents.questions import PendingQuestion
from fleetmind.api import ApiServer
from fleetmind.cli import follow
from fleetmind.orchestrator.planner import ModelPlanner
from fleetmind.orchestrator.server import MASKED_ANSWER, Orchestrator
from fleetmind.orchestrator.store import SQLiteStore
from fleetmind.protocol.messages import Assign, Budget
from fleetmind.sdk import QuestionAsked, TaskFinished
from fleetmind.secrets import FileStore
from fleetmind.secrets.keeper import SAVE_QUESTION, SecretKeeper

PIN = "40713985"
"""Long enough that no timestamp, id or count in the files read here holds it by chance."""


def bank_phone() -> Recorded:
    phone = Recorded(seed=5, device_id="phone-1")
    phone.typed = []
    return phone


def bytes_under(directory: Path) -> bytes:
    """Every file under `directory` (SQLite databases with their -wal and -shm files), concatenated."""
    return b"".join(p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file())


async def test_a_pin_typed_through_the_api_unlocks_the_bank_and_is_kept_nowhere_else(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="fleetmind")
    caplog.set_level(logging.INFO)
    plan = {"subtasks": [{"id": "bank", "goal": REQUEST, "device": {"kind": "phone"}, "outputs": ["balance"]}]}
    cloud = ScriptedModel(lambda messages, schema: {"thought": "", "action": {"kind": "press_key", "key": "back"}})
    (tmp_path / "orchestrator").mkdir()
    store = SQLiteStore(tmp_path / "orchestrator" / "events.sqlite")
    orch = Orchestrator(ModelPlanner(ScriptedModel([plan])), store=store)
    phone = bank_phone()
    keeper = SecretKeeper(FileStore(tmp_path / "secrets", passphrase="p"))  # empty: the user must give the PIN
    responses: list[str] = []
    events: list[str] = []
    async with asyncio.timeout(60), ApiServer(orch) as server:
        host = DeviceAgentHost(
            server.agent_url,
            [phone],
            lambda d: GuiAgent(d, cloud=cloud),
            agent_id="h",
            secrets=keeper,
            state_dir=tmp_path / "host",
        )
        serving = asyncio.create_task(host.run())
        try:
            await host.wait_connections(1)
            async with fleetmind.connect(server.url) as fm, httpx.AsyncClient(base_url=server.url) as api:
                run = await fm.submit(REQUEST)
                async for event in run:
                    events.append(event.model_dump_json())
                    if isinstance(event, QuestionAsked) and event.secret:
                        assert "bank-pin" in event.question and not phone.state.bank.logged_in
                        detail = (await api.get(f"/api/tasks/{run.id}")).json()
                        assert [q["secret"] for q in detail["questions"]] == [True]
                        body = {"question_id": event.question_id, "text": PIN}
                        answered = await api.post(f"/api/tasks/{run.id}/answer", json=body)
                        assert answered.status_code == 200, answered.text
                        responses.append(answered.text)
                    elif isinstance(event, QuestionAsked):
                        assert event.question.startswith(SAVE_QUESTION) and not event.secret
                        await run.answer("no", event.question_id)  # typed once, not saved
                    elif isinstance(event, TaskFinished):
                        break
                for path in (f"/api/tasks/{run.id}", f"/api/tasks/{run.id}/events", "/api/tasks", "/api/devices"):
                    got = await api.get(path)
                    assert got.status_code == 200
                    responses.append(got.text)
                hoststate_on_disk = bytes_under(tmp_path / "host")  # before the host closes: mid-run
                result = await run.wait()
        finally:
            serving.cancel()
            await asyncio.gather(serving, return_exceptions=True)
            await host.close()

    assert result.status == "succeeded", result.error
    assert phone.state.bank.logged_in and phone.typed == [PIN]  # the device, and only the device, typed it
    assert "$2,450.75" in result.outputs["bank"]["balance"]
    stored = [e for e in orch.store.events(run.id) if e.kind == "answered"]
    assert [e.data["text"] for e in stored] == [MASKED_ANSWER, "no"]  # only the secret one is masked
    stored_events = json.dumps([e.data for e in orch.store.events(run.id)], ensure_ascii=False)
    store.close()  # everything on disk now, -wal file included
    everywhere = {
        "stored events": stored_events,
        "event stream": "\n".join(events),
        "API responses": "\n".join(responses),
        "log": caplog.text,
        "event store file": bytes_under(tmp_path / "orchestrator").decode("latin-1"),
        "host state files": (hoststate_on_disk + bytes_under(tmp_path / "host")).decode("latin-1"),
        "secret store file": bytes_under(tmp_path / "secrets").decode("latin-1"),  # encrypted, and not saved
    }
    for where, text in everywhere.items():
        assert PIN not in text, f"the PIN leaked into the {where}"
    assert MASKED_ANSWER in everywhere["event stream"] and caplog.records


def test_host_state_never_writes_a_secret_answer(tmp_path: Path) -> None:
    state = HostState(tmp_path, "h")
    assign = Assign(subtask_id="t/bank#1", task_id="t", device_id="phone-1", goal=REQUEST)
    state.add_subtask(assign, 1.0)
    state.asked("t/bank#1", "q1", "Bank asks for Password. What is it?", 2.0, secret=True)
    assert state.answered("t/bank#1", PIN, "q1") and state.answered("t/bank#1", PIN)  # a replay: still not written
    [stored] = state.subtasks()
    # Answered, its value in memory only: a restarted host asks again instead of waiting on q1.
    assert (stored.question_id, stored.answer, stored.secret) == (None, None, True)
    state.asked("t/bank#1", "q2", f'{SAVE_QUESTION} "bank-pin"? (yes/no)', 3.0)
    assert state.answered("t/bank#1", "no", "q2")
    [stored] = state.subtasks()
    assert (stored.question_id, stored.answer, stored.secret) == ("q2", "no", False)  # other answers are kept
    state.close()
    assert PIN.encode() not in bytes_under(tmp_path)


def test_a_state_directory_from_before_secret_questions_opens_and_gains_the_column(tmp_path: Path) -> None:
    old = sqlite3.connect(tmp_path / "host.sqlite")
    old.execute(
        "CREATE TABLE subtasks (wire_id TEXT PRIMARY KEY, assign TEXT NOT NULL, started_at REAL NOT NULL,"
        " question_id TEXT, question TEXT, asked_at REAL, answer TEXT)"
    )
    old.close()
    state = HostState(tmp_path, "h")
    assert state.subtasks() == []
    state.close()


async def ask_at_the_cli(question: PendingQuestion) -> str:
    """The CLI's way of asking (`fleetmind run`), as the agent's `ask`."""
    answer = await follow.ask_user("bank", question.text, question.options, secret=question.purpose == "secret")
    return answer or ""


async def test_without_a_terminal_a_secret_question_is_declined_and_nothing_is_typed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert await follow.ask_user("s1", "Which report?") is None  # nobody can answer any question
    phone = bank_phone()
    keeper = SecretKeeper(FileStore(tmp_path, passphrase="p"))
    spec = SubtaskSpec(goal=REQUEST, outputs=["balance"], budget=Budget(max_steps=14))
    async with asyncio.timeout(30):
        result = await GuiAgent(keeper.device(phone)).run(spec, ask=keeper.asker(ask_at_the_cli, phone.info.id))
    assert result.status == "failed" and result.final, result
    assert result.report is not None and result.report.kind == "needs_user", result.report
    assert phone.typed == [] and not phone.state.bank.logged_in  # no placeholder typed as the PIN
    assert follow.NO_TERMINAL not in repr(result)


async def test_at_a_terminal_a_secret_is_read_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    read: list[dict[str, Any]] = []

    def typed(prompt: str, **options: Any) -> str:
        read.append(options)
        return PIN

    monkeypatch.setattr(follow.console, "input", typed)
    assert await follow.ask_user("bank", "PIN?", secret=True) == PIN
    assert await follow.ask_user("bank", "Which report?", ["Q1", "Q2"]) == PIN
    assert read == [{"password": True}, {"password": False}]


@pytest.mark.parametrize("answered", ["while the host is down", "after the host is back"])
async def test_a_secret_question_open_at_a_host_restart_is_awaited_again_and_never_written(
    tmp_path: Path, answered: str
) -> None:
    async with fleet(tmp_path) as f:
        await f.start_host(state_dir=f.state_dir)
        run = await f.orch.submit(RESTART_REQUEST)
        asked = (await f.next_event("question")).data
        assert asked["secret"]
        await f.kill_host()
        if answered == "while the host is down":
            await f.orch.answer(asked["wire_id"], PIN, asked["id"])
            await f.start_host(state_dir=f.state_dir)
        else:
            await f.start_host(state_dir=f.state_dir)
            await f.orch.answer(asked["wire_id"], PIN, asked["id"])
        await run.done
        on_disk = bytes_under(f.state_dir)  # host.sqlite and the loop's checkpoints, with their -wal files
    assert run.status == "succeeded", run.error
    assert f.phone.state.bank.logged_in
    events = f.orch.store.events(run.id)
    assert len([e for e in events if e.kind == "question"]) == 1  # the open question was awaited, not asked anew
    assert PIN.encode() not in on_disk, "the PIN was written to the host's state"
    assert PIN not in json.dumps([e.data for e in events], ensure_ascii=False)
