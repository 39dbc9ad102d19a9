"""Status changes go along TRANSITIONS, and nowhere else: each method makes exactly the
moves the table gives it and refuses every other with the subtask and both statuses named."""

from __future__ import annotations

from typing import Any, get_args

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from fleetmind.orchestrator.graph import (
    EDITABLE,
    TERMINAL,
    TRANSITIONS,
    AddEdge,
    AddSubtask,
    GraphPatch,
    InvalidTransition,
    PatchRejected,
    Status,
    SubtaskResult,
    SubtaskSpec,
    TaskGraph,
)

METHODS = ["mark_running", "mark_finished", "retry", "cancel", "mark_unplaceable"]
OUTCOMES = ["succeeded", "failed", "cancelled"]
ACTIONS = [*METHODS, "mark_running", "mark_finished", "refresh", "refresh", "add_dependency"]


def graph() -> TaskGraph:
    """a and b are roots; c waits for a (on success) and b (on completion); d is c's fix."""
    g = TaskGraph("t")
    g.apply(GraphPatch.from_specs(
        [SubtaskSpec(id=s, goal=f"do {s}") for s in "abcd"],
        [("a", "c", "on_success"), ("b", "c", "on_completion"), ("c", "d", "on_failure")],
    ))
    return g


def statuses(g: TaskGraph) -> dict[str, str]:
    return {s.id: s.status for s in g.subtasks()}


def target(method: str, outcome: str) -> str:
    return {"mark_running": "running", "mark_finished": outcome, "retry": "ready", "cancel": "cancelled",
            "mark_unplaceable": "failed"}[method]


def call(g: TaskGraph, method: str, sid: str, outcome: Any) -> None:
    if method == "mark_running":
        g.mark_running(sid, "dev-1")
    elif method == "mark_finished":
        g.mark_finished(sid, SubtaskResult(status=outcome))
    elif method == "retry":
        g.retry(sid, "flaky")
    elif method == "cancel":
        g.cancel(sid, "not needed")
    else:
        g.mark_unplaceable(sid, "no device")


@settings(max_examples=250, deadline=None)
@given(st.data())
def test_each_status_change_is_accepted_iff_the_table_allows_it(data: st.DataObject) -> None:
    g = graph()
    for step in range(data.draw(st.integers(1, 40), label="steps")):
        action = data.draw(st.sampled_from(ACTIONS), label=f"action {step}")
        before = statuses(g)
        # Half the time a subtask the action may move, so that every row of the table is reached.
        movable = sorted(n for n, s in before.items() if any(
            a == s and m == action for (a, _), m in TRANSITIONS.items()))
        anyone = st.sampled_from(sorted(before))
        sid = data.draw(st.sampled_from(movable) | anyone if movable else anyone, label=f"subtask {step}")
        if action == "refresh":  # the graph's own moves: promote or skip
            changed = g.refresh()
            after = statuses(g)
            assert set(changed) == {n for n in before if after[n] != before[n]}
            for n in changed:
                assert TRANSITIONS[(before[n], after[n])] == "refresh"  # type: ignore[index]
            continue
        if action == "add_dependency":  # a patch: a ready subtask waits again
            dep = f"dep{step}"
            patch = GraphPatch(ops=[AddSubtask(subtask=SubtaskSpec(id=dep, goal="first")), AddEdge(src=dep, dst=sid)])
            try:
                g.apply(patch)
            except PatchRejected:
                assert before[sid] not in EDITABLE
                assert statuses(g) == before
                continue
            after = statuses(g)
            assert after[dep] == "pending"
            for n in before:
                if after[n] != before[n]:
                    assert (n, TRANSITIONS[(before[n], after[n])]) == (sid, "apply")  # type: ignore[index]
            continue
        outcome = data.draw(st.sampled_from(OUTCOMES), label=f"outcome {step}")
        to = target(action, outcome)
        allowed = TRANSITIONS.get((before[sid], to)) == action  # type: ignore[arg-type]
        event(f"{action} on a {before[sid]} subtask: {'accepted' if allowed else 'refused'}")
        try:
            call(g, action, sid, outcome)
        except InvalidTransition as exc:
            assert not allowed, str(exc)
            assert (exc.subtask_id, exc.from_status, exc.to_status, exc.method) == (sid, before[sid], to, action)
            assert f"subtask {sid!r}" in str(exc) and f"{before[sid]} -> {to}" in str(exc)
            assert statuses(g) == before
        else:
            assert allowed, f"{action} moved {sid} {before[sid]} -> {to}"
            assert statuses(g) == {**before, sid: to}


def test_the_table() -> None:
    every: set[str] = set(get_args(Status))
    assert {a for a, _ in TRANSITIONS} | {b for _, b in TRANSITIONS} == every
    assert not [pair for pair in TRANSITIONS if pair[0] in TERMINAL]  # finished is final
    assert {b for (a, b), m in TRANSITIONS.items() if m == "mark_finished"} == {"succeeded", "failed", "cancelled"}
    assert {a for (a, b), m in TRANSITIONS.items() if m == "mark_finished"} == {"running"}


def test_only_a_running_subtask_finishes() -> None:
    g = graph()
    g.refresh()
    with pytest.raises(InvalidTransition, match=r"subtask 'a' of task t cannot go ready -> succeeded by"
                                                r" mark_finished\(\): it is ready, not running"):
        g.mark_finished("a", SubtaskResult(status="succeeded"))
    with pytest.raises(InvalidTransition, match=r"mark_unplaceable\(\) makes that move"):
        g.mark_finished("a", SubtaskResult(status="failed"))
    with pytest.raises(InvalidTransition, match=r"pending -> cancelled .* cancel\(\) makes that move"):
        g.mark_finished("c", SubtaskResult(status="cancelled"))
    assert statuses(g) == {"a": "ready", "b": "ready", "c": "pending", "d": "pending"}


def test_cancel_before_start_and_unplaceable() -> None:
    g = graph()
    g.refresh()
    g.cancel("c", "not needed")
    g.mark_unplaceable("a", "no phone has Notes")
    assert (g.subtask("a").status, g.subtask("a").result) == (
        "failed", SubtaskResult(status="failed", error="no phone has Notes"))
    assert g.subtask("c").result == SubtaskResult(status="cancelled", error="not needed")
    g.mark_running("b", "dev-1")
    with pytest.raises(InvalidTransition, match="it is running, not pending or ready"):
        g.cancel("b", "too late")
    g.mark_finished("b", SubtaskResult(status="cancelled", error="cancelled on its device"))
    assert sorted(g.refresh()) == ["d"]  # c was cancelled: its on_failure fix never runs
    assert g.finished and not g.succeeded


def test_cancel_all_finishes_running_and_cancels_the_rest() -> None:
    g = graph()
    g.refresh()
    g.mark_running("a", "dev-1")
    assert g.cancel_all("user stopped") == ["a"]
    assert set(statuses(g).values()) == {"cancelled"}
    assert g.subtask("a").result == SubtaskResult(status="cancelled", error="user stopped")


def test_status_cannot_be_assigned_around_the_table() -> None:
    g = graph()
    with pytest.raises(ValidationError, match="frozen"):
        g.subtask("a").status = "succeeded"
    assert g.subtask("a").status == "pending"
