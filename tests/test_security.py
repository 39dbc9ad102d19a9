"""Device identity over real loopback connections and a real SQLite file: enrolment, bad and
revoked keys, spoofed device ids, a live owner that cannot be pushed aside, and forged
progress, results, questions and rejects for subtasks another device was given."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from test_security_support import PhonePlanner, TinyAgent, served

from fleetmind.orchestrator.identity import DeviceKeys
from fleetmind.protocol.messages import Accept, Assign, Cancel, Error, Progress, Question, Reject, Result, Welcome

TIMEOUT_S = 30


async def test_an_enrolment_token_buys_one_device_key_which_is_stored_hashed(tmp_path: Path) -> None:
    db = tmp_path / "fleet.db"
    keys = DeviceKeys(db)
    token = keys.create_enrolment()
    async with asyncio.timeout(TIMEOUT_S), served(db, keys=keys) as (orch, server):
        first = TinyAgent(server.agent_url, "phone-1", token=token)
        welcome = await first.hello()
        assert isinstance(welcome, Welcome) and welcome.key and welcome.key.startswith("fmk_")
        await first.drop()
        # The token is used up: a second host cannot enrol with it.
        again = await TinyAgent(server.agent_url, "phone-2", token=token).hello()
        assert isinstance(again, Error) and again.code == "used"
        # The key works on every later hello, and is bound to the device it enrolled.
        keyed = TinyAgent(server.agent_url, "phone-1", token=welcome.key)
        assert isinstance(await keyed.hello(), Welcome)
        assert [(r.devices, r.revoked) for r in keys.records()] == [(("phone-1",), None)]
        await keyed.drop()
    secret = welcome.key.split("_", 2)[2]
    for path in tmp_path.iterdir():  # neither the key nor the token is stored in the clear
        assert secret.encode() not in path.read_bytes()
        assert token.split("_", 2)[2].encode() not in path.read_bytes()


async def test_bad_revoked_missing_and_non_ascii_keys_are_refused(tmp_path: Path) -> None:
    db = tmp_path / "fleet.db"
    keys = DeviceKeys(db)
    good = keys.issue(["phone-1"], "host-a")
    async with asyncio.timeout(TIMEOUT_S), served(db, keys=keys) as (_orch, server):
        key_id = good.id
        cases = {
            f"fmk_{key_id}_not-the-secret": "unauthorized",
            "fmk_00000000_whatever": "unauthorized",
            None: "unauthorized",  # keys exist: enrolment is required now
            "plain-shared-token": "unauthorized",
            "fmk_é_ключ": "unauthorized",  # non-ASCII: refused, not a crash
        }
        messages = {}
        for token, code in cases.items():
            agent = TinyAgent(server.agent_url, "phone-1", token=token)
            reply = await agent.hello()
            assert isinstance(reply, Error) and reply.code == code, (token, reply)
            assert agent.ws is not None
            await agent.ws.wait_closed()
            assert agent.ws.close_code == 4001
            messages[token] = reply.message
        assert "fleetmind keys enrol" in messages[None] and "--enrol TOKEN" in messages[None]  # says what to do
        keys.revoke(key_id)
        revoked = await TinyAgent(server.agent_url, "phone-1", token=good.key).hello()
        assert isinstance(revoked, Error) and revoked.code == "revoked"
        # The server is unharmed: a fresh enrolment still works.
        fresh = await TinyAgent(server.agent_url, "phone-1", token=keys.create_enrolment()).hello()
        assert isinstance(fresh, Welcome) and fresh.key


async def test_a_device_enrolled_under_one_key_cannot_be_announced_with_another(tmp_path: Path) -> None:
    db = tmp_path / "fleet.db"
    keys = DeviceKeys(db)
    owner, other = keys.issue(["phone-1"], "a"), keys.issue(["phone-2"], "b")
    async with asyncio.timeout(TIMEOUT_S), served(db, keys=keys) as (orch, server):
        spoof = await TinyAgent(server.agent_url, "phone-2", "phone-1", token=other.key).hello()
        assert isinstance(spoof, Error) and spoof.code == "device_claimed" and "phone-1" in spoof.message
        assert orch.registry.get("phone-1") is None  # nothing was registered
        real = TinyAgent(server.agent_url, "phone-1", token=owner.key)
        assert isinstance(await real.hello(), Welcome)
        await real.drop()


async def test_a_connected_owner_is_not_pushed_aside(tmp_path: Path) -> None:
    async with asyncio.timeout(TIMEOUT_S), served(tmp_path / "fleet.db") as (orch, server):
        owner = TinyAgent(server.agent_url, "phone-1", agent_id="owner", auto=False)
        assert isinstance(await owner.hello(), Welcome)
        intruder = TinyAgent(server.agent_url, "phone-1", agent_id="intruder")
        refused = await intruder.hello()
        assert isinstance(refused, Error) and refused.code == "device_busy"
        assert intruder.ws is not None
        await intruder.ws.wait_closed()
        assert intruder.ws.close_code == 1013  # try again later, not a fatal refusal
        # The owner still gets the device's work.
        run = await orch.submit("open settings")
        assign = await owner.next(Assign)
        assert assign.device_id == "phone-1" and assign.task_id == run.id
        # Resuming its own session is the owner's right, even while connected.
        assert isinstance(await owner.hello(resume=True), Welcome)
        await owner.drop()


async def test_forged_reports_on_another_devices_subtask_are_refused_and_change_nothing(tmp_path: Path) -> None:
    async with (
        asyncio.timeout(TIMEOUT_S),
        served(tmp_path / "fleet.db", planner=PhonePlanner(device="phone-1")) as (orch, server),
    ):
        victim = TinyAgent(server.agent_url, "phone-1", agent_id="victim", auto=False)
        forger = TinyAgent(server.agent_url, "phone-2", agent_id="forger", auto=False)
        for agent in (victim, forger):
            assert isinstance(await agent.hello(), Welcome)
        run = await orch.submit("send the report")
        assign = await victim.next(Assign)
        wire = assign.subtask_id
        forgeries = [
            Accept(subtask_id=wire),
            Progress(subtask_id=wire, step=1, action={"kind": "wait"}, tier="rule", cost_usd=9.0),
            Question(subtask_id=wire, question="give me the PIN"),
            Result(subtask_id=wire, status="succeeded", outputs={"result": "forged"}),
            Reject(subtask_id=wire, reason="not mine, but no"),
        ]
        for forged in forgeries:
            sent = await forger.send(forged)
            error = await forger.next(Error)
            assert error.code == "forbidden" and error.corr == sent.id
            assert f"{forged.type} for subtask" in error.message and "nothing was applied" in error.message
        sub = run.graph.subtask("s0")
        assert sub.status == "running" and sub.device_id == "phone-1"
        assert run.steps == [] and run.questions == {}
        # The real device's report is the one that counts.
        await victim.send(Result(subtask_id=wire, status="succeeded", outputs={"result": "real"}))
        await run.done
        assert run.status == "succeeded" and run.graph.subtask("s0").result.outputs == {"result": "real"}  # type: ignore[union-attr]
        for agent in (victim, forger):
            await agent.drop()


async def test_a_returning_agent_is_told_to_cancel_what_is_no_longer_its_own(tmp_path: Path) -> None:
    async with asyncio.timeout(TIMEOUT_S), served(tmp_path / "fleet.db") as (orch, server):
        agent = TinyAgent(server.agent_url, "phone-1", auto=False)
        assert isinstance(await agent.hello(), Welcome)
        # It claims to be running something this orchestrator never gave it (or took back).
        await agent.drop()
        assert isinstance(await agent.hello(resume=True, running=["gone/s0#1"]), Welcome)
        cancel = await agent.next(Cancel)
        assert cancel.subtask_id == "gone/s0#1" and "no longer yours" in cancel.reason
        # Progress for a stale attempt is not applied either, and is answered with a cancel.
        await agent.send(Progress(subtask_id="gone/s0#1", step=1, action={"kind": "wait"}, tier="rule"))
        assert (await agent.next(Cancel)).subtask_id == "gone/s0#1"
        await agent.drop()


async def test_a_non_ascii_client_token_gets_401_not_500(tmp_path: Path) -> None:
    async with (
        asyncio.timeout(TIMEOUT_S),
        served(tmp_path / "fleet.db", token="s3cret") as (_orch, server),
        httpx.AsyncClient(base_url=server.url) as client,
    ):
        for value in ["Bearer é".encode("latin-1"), "Bearer ключ".encode(), b"Bearer \xff\xfe"]:
            r = await client.get("/api/tasks", headers={"Authorization": value})  # type: ignore[dict-item]
            assert r.status_code == 401, value
        r = await client.get("/api/tasks", params={"token": "ключ"})
        assert r.status_code == 401


@pytest.mark.parametrize("count", [33])
async def test_a_hello_may_announce_only_so_many_devices(tmp_path: Path, count: int) -> None:
    async with asyncio.timeout(TIMEOUT_S), served(tmp_path / "fleet.db") as (orch, server):
        ids = [f"phone-{i}" for i in range(count)]
        reply = await TinyAgent(server.agent_url, *ids).hello()
        assert isinstance(reply, Error) and reply.code == "too_many_devices"
        twice = await TinyAgent(server.agent_url, "phone-1", "phone-1").hello()
        assert isinstance(twice, Error) and twice.code == "invalid_hello"
        assert orch.registry.entries() == []


async def test_revoking_a_key_closes_its_live_connection_within_a_heartbeat(tmp_path: Path) -> None:
    db = tmp_path / "fleet.db"
    keys = DeviceKeys(db)
    issued = keys.issue(["phone-1"], "host-a")
    async with asyncio.timeout(TIMEOUT_S), served(db, keys=keys, heartbeat_s=0.2) as (_orch, server):
        agent = TinyAgent(server.agent_url, "phone-1", token=issued.key, auto=False)
        assert isinstance(await agent.hello(), Welcome)
        DeviceKeys(db).revoke(issued.id)  # as `fleetmind keys revoke` does, from another process
        await agent.closed.wait()
        assert agent.ws is not None and agent.ws.close_code == 4001
        assert "revoked" in (agent.ws.close_reason or "")
        again = await agent.hello(resume=True)
        assert isinstance(again, Error) and again.code == "revoked"
