"""`fleetmind bench requests`: its machinery can catch what it exists to catch.

The diff sees a change nobody asked for, a claim of success the device state
refutes counts as a false success, and the scripted user answers a question and
notes what had changed by then. The items here are test fixtures, written for
these tests: none comes from the held-out set.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from fleetmind.agents.models import ChatModel, Completion
from fleetmind.bench.requests.answerer import UNSCRIPTED, reply_for
from fleetmind.bench.requests.items import ITEMS
from fleetmind.bench.requests.report import write_reports
from fleetmind.bench.requests.runner import BenchConfig, run_item
from fleetmind.bench.requests.score import ItemRun, figures, judge
from fleetmind.bench.requests.spec import BASE_SEED, Digits, Item, Text, has, setting, unchanged
from fleetmind.bench.requests.world import World, diff, flatten, path_allowed
from fleetmind.devices.virtual import PhoneState
from fleetmind.orchestrator.planner import ClausePlanner

BLUETOOTH = "Turn on Bluetooth"


def _phone() -> PhoneState:
    return PhoneState().seed(**BASE_SEED)


def test_the_set_is_large_varied_and_well_formed() -> None:
    kinds = {i.expect for i in ITEMS}
    apps = {a for i in ITEMS for a in i.apps}
    assert len(ITEMS) >= 80 and kinds == {"success", "question", "confirmation", "refusal"}
    assert {"Settings", "Contacts", "Messages", "Calendar", "Clock", "Notes", "Files", "Bank", "Web"} <= apps
    assert any("browser" in i.devices and "phone" in i.devices for i in ITEMS)
    assert any(i.devices == "phone:2" for i in ITEMS)
    # questions and confirmations script the answers a user would give
    assert all(i.reply for i in ITEMS if i.expect == "question")
    assert all(i.confirm for i in ITEMS if i.expect == "confirmation")


def test_diff_sees_a_change_nobody_asked_for_and_ignores_navigation() -> None:
    phone = _phone()
    before = flatten({"phone-1": phone}, None)
    phone.contacts.append(phone.contacts[0].model_copy(update={"name": "Nora Blum"}))
    phone.settings.brightness = 20  # the side effect
    phone.now += 30  # the clock and where the user is are not user data
    phone.nav.keyboard_shown = True
    changes = diff(before, flatten({"phone-1": phone}, None))
    assert [c.path for c in changes] == ["phone-1:contacts", "phone-1:settings.brightness"]
    assert "Nora Blum" in changes[0].describe() and changes[1].describe().endswith("50 -> 20")

    item = Item("t-add", "Add Nora", ("Contacts",), has("contacts", name=Text("Nora Blum")),
                allow=frozenset({"contacts"}))
    verdict = judge(ItemRun(item, "succeeded", check_passed=True, changes=changes))
    assert not verdict.passed and [c.path for c in verdict.unintended] == ["phone-1:settings.brightness"]
    assert figures([(ItemRun(item, "succeeded", changes=changes), verdict)]).total.unintended_changes == 1


def test_allowed_paths_apply_to_every_phone_unless_pinned() -> None:
    assert path_allowed("phone-2:settings.wifi", {"settings.wifi"})
    assert path_allowed("phone-1:bank.balance", {"bank"})
    assert not path_allowed("phone-1:settings.wifi", {"phone-2:settings.wifi"})
    assert not path_allowed("phone-1:settings.wifi_extra", {"settings.wifi"})
    assert not path_allowed("web:messages", {"messages"}) and path_allowed("web:messages", {"web:messages"})


def test_a_success_the_state_refutes_is_a_false_success() -> None:
    item = Item("t-bt", BLUETOOTH, ("Settings",), setting("bluetooth", True), allow=frozenset({"settings.bluetooth"}))
    claimed = judge(ItemRun(item, "succeeded", check_passed=False))
    honest = judge(ItemRun(item, "failed", check_passed=False))
    assert claimed.false_success and not claimed.passed
    assert not honest.false_success and not honest.passed
    # nothing to do (the user said no): "succeeded" is a false success even with nothing changed
    declined = Item("t-no", "Text Ann", ("Messages",), unchanged(), expect="confirmation", confirm="no")
    assert judge(ItemRun(declined, "succeeded", check_passed=True)).false_success
    f = figures([(ItemRun(item, "succeeded"), claimed), (ItemRun(item, "failed"), honest)])
    assert f.total.false_successes == 1 and f.reported_succeeded == 1


def test_answers_follow_the_script() -> None:
    item = Item("t-q", "Text Ada", ("Messages",), unchanged(), expect="question", reply="Ada Byron", confirm="no")
    assert reply_for(item, "choice", ("Ada Park", "Ada Byron (555 0101)")) == "Ada Byron (555 0101)"
    assert reply_for(item, "confirm") == "no"
    refusal = Item("t-r", "On my watch", ("Other",), unchanged(), expect="refusal")
    assert reply_for(refusal, "confirm") == "no" and reply_for(refusal, "question") == UNSCRIPTED == ""


def test_answer_checks_compare_digits_and_read_the_truth_from_state() -> None:
    from fleetmind.bench.requests.spec import answer

    check = answer(lambda w: w.phone().contacts[0].phone, "Maya's number")
    phone = _phone()
    assert check(World({"phone-1": phone}, answers="Maya Okafor: 5550142"))
    assert not check(World({"phone-1": phone}, answers="555 0143"))
    assert Digits("555-0142")("555 0142")


async def test_real_runs_count_a_pass_a_false_success_and_an_unintended_change(tmp_path: Path) -> None:
    config = BenchConfig(transport="direct", item_timeout_s=20)
    good = Item("t-bt", BLUETOOTH, ("Settings",), setting("bluetooth", True), allow=frozenset({"settings.bluetooth"}))
    # deliberately wrong: the check wants the opposite and the item allows no change at all
    wrong = Item("t-bt-wrong", BLUETOOTH, ("Settings",), setting("bluetooth", False))
    passed, passed_verdict = await run_item(good, config)
    failed, failed_verdict = await run_item(wrong, config)
    assert passed.status == "succeeded" and passed_verdict.passed, passed_verdict.reasons
    assert [c.describe() for c in passed.changes] == ["phone-1:settings.bluetooth False -> True"]
    assert failed.status == "succeeded" and not failed.check_passed
    assert failed_verdict.false_success and not failed_verdict.passed
    assert [c.path for c in failed_verdict.unintended] == ["phone-1:settings.bluetooth"]

    runs = [(passed, passed_verdict), (failed, failed_verdict)]
    f = figures(runs)
    assert (f.total.passed, f.total.false_successes, f.total.unintended_items) == (1, 1, 1)
    meta = {"items": 2, "tiers": "test", "confirm": "ask", "transport": "direct", "jobs": 1, "wall_s": 1.0}
    json_path, md_path = write_reports(tmp_path, f, meta, runs)
    report = json.loads(json_path.read_text())
    assert "t-bt-wrong" in md_path.read_text()
    assert report["summary"]["false_successes"] == 1 and report["items"][1]["unintended"]


class AskingCloud(ChatModel):
    """Stands in for a cloud LLM: its first step asks the user what the note should say,
    every later step says done. A second step only comes once an answer resumed the agent."""

    name, tier = "test-cloud", "cloud"

    def __init__(self) -> None:
        self.calls = 0

    async def complete(
        self, messages: list[dict[str, str]], *, schema: type[BaseModel] | None = None, max_tokens: int = 512
    ) -> Completion:
        self.calls += 1
        action: dict[str, Any] = (
            {"kind": "ask_user", "question": "What should the note say?"}
            if self.calls == 1
            else {"kind": "done", "answer": "noted"}
        )
        text = json.dumps({"thought": "scripted", "action": action})
        return Completion(text=text, parsed=schema.model_validate_json(text) if schema else None)


async def test_the_scripted_user_answers_a_question_and_notes_the_state_then() -> None:
    cloud = AskingCloud()
    item = Item("t-note", "Write a note", ("Notes",), unchanged(), expect="question", reply="Buy stamps")
    config = BenchConfig(cloud=cloud, policy="cloud-only", transport="direct", item_timeout_s=20,
                         planner=ClausePlanner())
    run, verdict = await run_item(item, config)
    assert run.status != "timed out", "the agent never got its answer"
    assert [(q.kind, q.question, q.answer, q.changes) for q in run.asked] == [
        ("question", "What should the note say?", "Buy stamps", ())
    ]
    assert cloud.calls >= 2  # the agent went on after the answer
    assert verdict.asked_question and verdict.quiet


def test_an_unknown_item_prefix_is_a_usage_error_naming_the_real_ones() -> None:
    from typer.testing import CliRunner

    from fleetmind.cli import app

    result = CliRunner().invoke(app, ["bench", "requests", "--only", "zzz-"])
    assert result.exit_code == 2 and "settings-" in result.output and "bank-" in result.output
