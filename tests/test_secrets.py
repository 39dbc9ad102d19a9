"""Secrets: kept in the keyring or an encrypted file on the device host, named in requests,
typed on the device, and never in a prompt, event, record, log or result.

The end-to-end run is a real orchestrator on loopback, a real device host, and the
VirtualPhone's Bank app; only the models are scripted (and record what they were shown).
"""

from __future__ import annotations

import asyncio
import json
import logging
import stat
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from scripted import Answers

from fleetmind.agents.host import DeviceAgentHost
from fleetmind.agents.loop import GuiAgent, LoopResult, StepRecord, SubtaskSpec
from fleetmind.agents.models import ScriptedModel
from fleetmind.agents.questions import PendingQuestion
from fleetmind.devices.base import Action, ActionOutcome, Bounds, Device, DeviceInfo, Observation, TypeText, UIElement
from fleetmind.devices.base import Target as At
from fleetmind.devices.virtual import VirtualPhone
from fleetmind.orchestrator.planner import ModelPlanner
from fleetmind.orchestrator.server import Orchestrator
from fleetmind.protocol.messages import Budget
from fleetmind.secrets import (
    FileStore,
    KeyringStore,
    SecretStoreError,
    keyring_available,
    normalise_name,
    open_store,
    placeholder,
    referenced_secret,
)
from fleetmind.secrets.keeper import SAVE_QUESTION, SecretKeeper

PIN = "8642"
REQUEST = "Log in to the Bank with my bank PIN and tell me my balance"


class MemoryKeyring(KeyringBackend):
    """An OS keyring that lives in a dict (a real backend class, registered through `keyring`)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        del self.entries[(service, username)]


@pytest.fixture
def memory_keyring() -> Any:
    before = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(before)


# -- the stores --------------------------------------------------------------------------


def roundtrip(store: Any) -> None:
    assert store.names() == [] and store.get("bank-pin") is None
    store.set("Bank PIN", PIN)
    store.set("work_password", "correct horse")
    assert store.get("bank-pin") == PIN and store.get("BANK pin") == PIN
    assert store.names() == ["bank-pin", "work-password"]
    store.set("bank-pin", "1357")  # replaces
    assert store.get("bank-pin") == "1357"
    assert store.delete("bank-pin") and not store.delete("bank-pin")
    assert store.names() == ["work-password"] and store.get("bank-pin") is None


def test_the_keyring_store_keeps_secrets_in_the_os_keyring(memory_keyring: MemoryKeyring) -> None:
    assert keyring_available()
    store = open_store("auto")
    assert isinstance(store, KeyringStore)
    roundtrip(store)
    assert memory_keyring.entries[("fleetmind", "work-password")] == "correct horse"


def test_without_a_keyring_backend_auto_takes_the_file_and_keyring_says_why(tmp_path: Path) -> None:
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())  # what a headless machine has
    try:
        assert not keyring_available()
        assert isinstance(open_store("auto", tmp_path), FileStore)
        with pytest.raises(SecretStoreError, match="no OS keyring"):
            open_store("keyring")
    finally:
        keyring.set_keyring(before)


def test_the_file_store_is_encrypted_and_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FLEETMIND_SECRETS_PASSPHRASE", raising=False)
    store = FileStore(tmp_path / "data")
    roundtrip(store)
    store.set("card-number", "4111 1111 1111 1111")
    for path in (store.path, store.key_path):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE(store.directory.stat().st_mode) == 0o700
    raw = store.path.read_bytes()
    assert b"correct horse" not in raw and b"4111" not in raw
    assert FileStore(tmp_path / "data").get("card-number") == "4111 1111 1111 1111"  # a new process reads it
    store.key_path.unlink()
    with pytest.raises(SecretStoreError, match="secrets.key is missing"):
        FileStore(tmp_path / "data").names()


def test_a_passphrase_keyed_file_opens_only_with_its_passphrase(tmp_path: Path) -> None:
    store = FileStore(tmp_path, passphrase="a long passphrase")
    store.set("bank-pin", PIN)
    assert not store.key_path.exists() and PIN.encode() not in store.path.read_bytes()
    assert FileStore(tmp_path, passphrase="a long passphrase").get("bank-pin") == PIN
    with pytest.raises(SecretStoreError, match="does not open"):
        FileStore(tmp_path, passphrase="wrong").get("bank-pin")
    with pytest.raises(SecretStoreError, match="FLEETMIND_SECRETS_PASSPHRASE"):
        FileStore(tmp_path, passphrase="").get("bank-pin")


# -- names -------------------------------------------------------------------------------


def test_requests_name_secrets_and_names_normalise() -> None:
    assert referenced_secret(REQUEST) == "bank-pin"
    assert referenced_secret("use my work password to log in") == "work-password"
    assert referenced_secret("open the bank's PIN screen") == "bank-pin"
    assert referenced_secret("log in with secret bank-pin") == "bank-pin"
    assert referenced_secret('log in with secret "Bank PIN"') == "bank-pin"
    for plain in ("Log in to the Bank with password 2468", "change my PIN", "tell me the secret code"):
        assert referenced_secret(plain) is None, plain
    assert normalise_name("  Bank_PIN ") == "bank-pin"


# -- the agent on the device host ----------------------------------------------------------


async def run_with(
    keeper: SecretKeeper, user: Answers, goal: str = REQUEST
) -> tuple[LoopResult, list[StepRecord], Any]:
    phone = VirtualPhone(seed=5)
    steps: list[StepRecord] = []

    async def on_step(record: StepRecord) -> None:
        steps.append(record)

    spec = SubtaskSpec(goal=goal, outputs=["result"], budget=Budget(max_steps=14))
    agent = GuiAgent(keeper.device(phone))
    result = await agent.run(spec, on_step=on_step, ask=keeper.asker(user, phone.info.id))
    keeper.forget(phone.info.id)
    return result, steps, phone


async def test_a_missing_named_secret_is_asked_once_and_saved_when_the_user_says_yes(tmp_path: Path) -> None:
    store = FileStore(tmp_path, passphrase="p")
    user = Answers(PIN, "yes")
    result, steps, phone = await run_with(SecretKeeper(store), user)
    assert [q.purpose for q in user.asked] == ["secret", "confirm"]
    assert 'secret "bank-pin"' in user.asked[0].text and user.asked[1].text.startswith(SAVE_QUESTION)
    assert result.status == "succeeded" and "2,450.75" in result.outputs["result"] and phone.state.bank.logged_in
    assert store.get("bank-pin") == PIN
    assert not any(PIN in repr(s) for s in steps)

    again = Answers()  # next time the store answers: nobody is asked
    result, _, phone = await run_with(SecretKeeper(store), again)
    assert again.asked == [] and result.status == "succeeded" and phone.state.bank.logged_in


async def test_an_answer_the_user_does_not_save_is_typed_once_and_forgotten(tmp_path: Path) -> None:
    store = FileStore(tmp_path, passphrase="p")
    keeper = SecretKeeper(store, offer_save="always")
    user = Answers(PIN, "no")
    result, _, phone = await run_with(keeper, user, "Log in to the Bank and tell me my balance")
    assert user.asked[1].text.startswith(f'{SAVE_QUESTION} "bank-password"')  # unnamed: app and field name it
    assert result.status == "succeeded" and phone.state.bank.logged_in
    assert store.names() == [] and keeper.value(phone.info.id, "bank-password") is None


async def test_a_saved_answer_to_an_unnamed_question_fills_the_next_one(tmp_path: Path) -> None:
    store = FileStore(tmp_path, passphrase="p")
    keeper = SecretKeeper(store, offer_save="always")
    first = Answers(PIN, "yes")
    await run_with(keeper, first, "Log in to the Bank and tell me my balance")
    assert store.names() == ["bank-password"] and store.get("bank-password") == PIN
    again = Answers()
    result, _, phone = await run_with(keeper, again, "Log in to the Bank and tell me my balance")
    assert again.asked == [] and result.status == "succeeded" and phone.state.bank.logged_in


async def test_the_configured_app_secret_fills_a_request_that_names_none(tmp_path: Path) -> None:
    store = FileStore(tmp_path, passphrase="p")
    store.set("bank-pin", PIN)
    user = Answers()
    keeper = SecretKeeper(store, apps={"Bank": "Bank PIN"})
    result, _, phone = await run_with(keeper, user, "Log in to the Bank and tell me my balance")
    assert user.asked == [] and result.status == "succeeded" and phone.state.bank.logged_in


class Form(Device):
    """A device showing one password field and one message field; records what it typed."""

    def __init__(self) -> None:
        self.typed: list[str] = []

    @property
    def info(self) -> DeviceInfo:
        return DeviceInfo(id="form", kind="phone", platform="test", screen_width=100, screen_height=100)

    async def observe(self) -> Observation:
        box = Bounds(left=0, top=0, right=100, bottom=10)
        return Observation(
            device_id="form",
            screen_width=100,
            screen_height=100,
            elements=[
                UIElement(id="pw", description="Password", bounds=box, editable=True, password=True),
                UIElement(id="msg", description="Message", bounds=box, editable=True),
            ],
        )

    async def act(self, action: Action) -> ActionOutcome:
        assert isinstance(action, TypeText)
        self.typed.append(action.text)
        return ActionOutcome(ok=True)


async def test_a_secret_is_typed_only_into_a_password_field_and_only_when_given(tmp_path: Path) -> None:
    store = FileStore(tmp_path, passphrase="p")
    store.set("bank-pin", PIN)
    keeper, form = SecretKeeper(store), Form()
    device = keeper.device(form)
    await device.observe()
    into = {f: TypeText(text=placeholder("bank-pin"), target=At(element=f)) for f in ("pw", "msg")}
    refused = await device.act(into["pw"])  # no question gave it to this device's subtask
    assert not refused.ok and "not given" in (refused.error or "")
    question = PendingQuestion("?", "secret", key="password", secret="bank-pin", save_as="bank-pin", app="Bank")
    nobody = Answers()
    assert await keeper.asker(nobody, "form")(question) == placeholder("bank-pin")  # what the loop keeps
    assert nobody.asked == []
    copied = await device.act(into["msg"])  # e.g. a model copying the placeholder into a message
    assert not copied.ok and "only into a password or PIN field" in (copied.error or "")
    assert (await device.act(into["pw"])).ok and form.typed == [PIN]


# -- end to end over the agent protocol ---------------------------------------------------


class Recorded(VirtualPhone):
    """The Bank phone, remembering the text the host typed on it (what only the device may see)."""

    typed: list[str]

    async def act(self, action: Action) -> ActionOutcome:
        if isinstance(action, TypeText):
            self.typed.append(action.text)
        return await super().act(action)


async def test_a_named_secret_unlocks_the_bank_and_appears_nowhere_but_on_the_device(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    store = FileStore(tmp_path, passphrase="p")
    store.set("bank-pin", PIN)
    plan = {"subtasks": [{"id": "bank", "goal": REQUEST, "device": {"kind": "phone"}, "outputs": ["balance"]}]}
    planner_model = ScriptedModel([plan])
    cloud = ScriptedModel(lambda messages, schema: {"thought": "", "action": {"kind": "press_key", "key": "back"}})
    phone = Recorded(seed=5, device_id="phone-1")
    phone.typed = []
    orch = Orchestrator(ModelPlanner(planner_model))
    url = await orch.start()
    host = DeviceAgentHost(url, [phone], lambda d: GuiAgent(d, cloud=cloud), agent_id="h", secrets=SecretKeeper(store))
    serving = asyncio.create_task(host.run())
    try:
        async with asyncio.timeout(60):
            await host.wait_connections(1)
            run = await orch.run(REQUEST)
    finally:
        await orch.stop()
        serving.cancel()
        await asyncio.gather(serving, return_exceptions=True)
        await host.close()
    assert run.status == "succeeded", run.error
    assert phone.state.bank.logged_in and PIN in phone.typed  # the device, and only the device, got it
    result = run.graph.subtask("bank").result
    assert result is not None and "$2,450.75" in result.outputs["balance"]
    events = json.dumps([e.data for e in orch.store.events(run.id)], default=str, ensure_ascii=False)
    assert "step_progress" in {e.kind for e in orch.store.events(run.id)} and "•••" in events
    prompts = json.dumps([*planner_model.calls, *cloud.calls])
    assert planner_model.calls and "bank PIN" in prompts
    for where, text in {"events": events, "result": repr(result), "prompts": prompts, "log": caplog.text}.items():
        assert PIN not in text, f"the PIN leaked into the {where}"


# -- the command line ----------------------------------------------------------------------


def test_the_cli_reads_values_from_stdin_and_lists_names_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from fleetmind.cli import app

    monkeypatch.setenv("FLEETMIND_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("FLEETMIND_SECRETS__BACKEND", "file")
    monkeypatch.delenv("FLEETMIND_SECRETS_PASSPHRASE", raising=False)
    monkeypatch.delenv("FLEETMIND_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)  # no fleetmind.toml here or in the user's config
    cli = CliRunner()
    stored = cli.invoke(app, ["secrets", "set", "Bank PIN"], input=f"{PIN}\n")
    assert stored.exit_code == 0, stored.output
    listed = cli.invoke(app, ["secrets", "list"])
    assert listed.exit_code == 0 and listed.stdout.split() == ["bank-pin"] and PIN not in listed.output
    assert FileStore(tmp_path).get("bank-pin") == PIN
    assert cli.invoke(app, ["secrets", "set", "bank-pin", PIN]).exit_code == 2  # never a value on the command line
    assert cli.invoke(app, ["secrets", "rm", "bank_pin"]).exit_code == 0
    assert cli.invoke(app, ["secrets", "rm", "bank-pin"]).exit_code == 2
    assert FileStore(tmp_path).names() == []
