"""The browser's new action kinds in the device contract, without a browser: parsing, hotkey chords,
descriptions, digests, what phones answer, how safety classes them and when grounding proposes them."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from fleetmind.agents.checkpoints import serializer
from fleetmind.agents.grounding import candidates, history_entry, parse_goal
from fleetmind.agents.safety import effect_of
from fleetmind.devices.base import (
    Action,
    Bounds,
    Drag,
    Focus,
    Hotkey,
    Hover,
    Observation,
    RightClick,
    SelectOption,
    Target,
    UIElement,
    describe_action,
    element_digest,
    normalize_hotkey,
)
from fleetmind.devices.browser.controls import playwright_chord
from fleetmind.devices.virtual import VirtualPhone

ACTION = TypeAdapter(Action)
BOX = Bounds(left=0, top=0, right=100, bottom=40)


def el(id_: str, **kw: object) -> UIElement:
    return UIElement(id=id_, bounds=BOX, **kw)  # type: ignore[arg-type]


def web(*elements: UIElement, url: str = "http://127.0.0.1:8000/form") -> Observation:
    return Observation(device_id="b", screen_width=800, screen_height=600, elements=list(elements),
                       foreground_package=url)  # fmt: skip


@pytest.mark.parametrize(
    ("given", "canonical", "playwright"),
    [
        ("ctrl+a", "ctrl+a", "Control+a"),
        ("Ctrl+Shift+A", "ctrl+shift+a", "Control+Shift+a"),
        ("shift+ctrl+tab", "ctrl+shift+tab", "Control+Shift+Tab"),
        ("Cmd+ArrowUp", "meta+up", "Meta+ArrowUp"),
        ("down", "down", "ArrowDown"),
        ("control+Return", "ctrl+enter", "Control+Enter"),
        ("ctrl++", "ctrl++", "Control++"),
        ("A", "A", "A"),
        ("F5", "f5", "F5"),
    ],
)
def test_hotkeys_are_canonical_and_map_to_playwright_keys(given: str, canonical: str, playwright: str) -> None:
    assert normalize_hotkey(given) == canonical
    assert Hotkey(keys=given).keys == canonical
    assert playwright_chord(canonical) == playwright


@pytest.mark.parametrize(
    ("given", "says"),
    [("", "empty"), ("ctrl+", "empty part"), ("hyper+a", "not a modifier"), ("ctrl", "ends with a modifier"),
     ("ctrl+launch", "unknown key 'launch'")],
)  # fmt: skip
def test_bad_hotkeys_say_what_is_wrong(given: str, says: str) -> None:
    with pytest.raises(ValidationError, match=says):
        Hotkey(keys=given)


def test_new_kinds_parse_from_json_and_describe_themselves() -> None:
    obs = web(el("e1", text="Card"), el("e2", text="Done column"), el("e3", description="Fruit"))
    cases = {
        '{"kind": "drag", "start": {"element": "e1"}, "end": {"element": "e2"}}': "drag 'Card' onto 'Done column'",
        '{"kind": "select_option", "target": {"element": "e3"}, "option": "Kiwi"}': "choose 'Kiwi' in 'Fruit'",
        '{"kind": "focus", "target": {"x": 5, "y": 6}}': "focus (5,6)",
        '{"kind": "hover", "target": {"element": "e1"}}': "hover over 'Card'",
        '{"kind": "right_click", "target": {"element": "e1"}}': "right-click 'Card'",
        '{"kind": "hotkey", "keys": "Ctrl+C"}': "press ctrl+c",
    }
    for text, description in cases.items():
        action = ACTION.validate_json(text)
        assert describe_action(action, obs) == description
        assert ACTION.validate_json(ACTION.dump_json(action)) == action
    with pytest.raises(ValidationError):
        ACTION.validate_json('{"kind": "drag", "start": {"element": "e1"}}')


def test_checkpoints_keep_the_new_kinds() -> None:
    serde = serializer()
    for action in (Drag(start=Target(element="e1"), end=Target(x=1, y=2)), Hotkey(keys="ctrl+a"),
                   SelectOption(target=Target(element="e2"), option="Kiwi")):  # fmt: skip
        assert serde.loads_typed(serde.dumps_typed(action)) == action


def test_digests_of_elements_without_the_new_fields_did_not_change() -> None:
    plain = el("e1", text="OK", clickable=True)
    old_style = plain.model_dump_json(exclude={"id", "focused", "options", "value_range"})
    import hashlib

    assert element_digest([plain]) == hashlib.blake2b(old_style.encode(), digest_size=8).hexdigest()
    assert element_digest([el("e1", options=("a", "b"))]) != element_digest([el("e1", options=("a", "c"))])


async def test_a_phone_refuses_browser_only_kinds_clearly() -> None:
    phone = VirtualPhone()
    await phone.observe()
    for action in (Drag(start=Target(x=1, y=1), end=Target(x=5, y=5)), Hotkey(keys="ctrl+a"),
                   Hover(target=Target(x=1, y=1))):  # fmt: skip
        outcome = await phone.act(action)
        assert not outcome.ok and f"{action.kind!r} is not supported" in (outcome.error or "")


def test_safety_classes_the_new_kinds() -> None:
    form = web(el("e1", cls="combobox", text="Apple", options=("Apple", "Kiwi")), el("e2", editable=True),
               el("e3", text="Save", clickable=True), el("e4", cls="slider", text="30"))  # fmt: skip
    lone = web(el("e1", cls="combobox", text="English", options=("English", "Deutsch")))
    at = Target(element="e1")
    assert effect_of(Focus(target=at), form) == "read"
    assert effect_of(Hover(target=at), form) == "read"
    assert effect_of(RightClick(target=at), form) == "read"
    assert effect_of(SelectOption(target=at, option="Kiwi"), form) == "draft"
    assert effect_of(SelectOption(target=at, option="Deutsch"), lone) == "change"
    assert effect_of(Drag(start=Target(element="e3"), end=Target(element="e2")), form) == "draft"
    assert effect_of(Drag(start=Target(element="e4"), end=Target(x=90, y=5)), form) == "change"
    assert [effect_of(Hotkey(keys=k), form) for k in ("ctrl+enter", "ctrl+s", "backspace", "ctrl+v", "down")] == [
        "change", "change", "draft", "draft", "read"
    ]  # fmt: skip


def test_grounding_chooses_the_option_the_goal_names_and_focuses_on_the_web_only() -> None:
    fruit = el("e1", cls="combobox", text="Apple", description="Fruit", clickable=True,
               options=("Apple", "Kiwi", "Kiwi jam"))  # fmt: skip
    nickname = el("e2", cls="textbox", description="Nickname", editable=True, clickable=True)
    obs = web(fruit, nickname, el("e3", cls="button", text="Submit", clickable=True))
    best = max(candidates(parse_goal("Select Kiwi jam from the list and click Submit"), obs, [], []),
               key=lambda c: c.score)  # fmt: skip
    assert best.action == SelectOption(target=Target(element="e1"), option="Kiwi jam", why=best.action.why)
    assert history_entry(best.action, obs) == "typed:Fruit:Kiwi jam"
    chosen = web(fruit.model_copy(update={"text": "Kiwi jam"}), nickname)
    assert not [
        c for c in candidates(parse_goal("Select Kiwi jam"), chosen, [], []) if c.action.kind == "select_option"
    ]
    focus = max(candidates(parse_goal("Focus into the textbox"), obs, [], []), key=lambda c: c.score)
    assert focus.action == Focus(target=Target(element="e2"), why=focus.action.why)
    phone = web(nickname, url="com.example.notes")
    assert not [c for c in candidates(parse_goal("Focus into the textbox"), phone, [], []) if c.action.kind == "focus"]
