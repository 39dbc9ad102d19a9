"""TaskGraph: edge semantics, references, patch invariants, metrics; then properties under
random interleavings of patches and status changes."""

from __future__ import annotations

import itertools
from typing import Any

import networkx as nx
import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from pydantic import ValidationError

from fleetmind.orchestrator.graph import (
    EDITABLE,
    TERMINAL,
    AddEdge,
    AddSubtask,
    EdgeKind,
    GraphPatch,
    PatchRejected,
    Ref,
    RemoveEdge,
    RemoveSubtask,
    SubtaskResult,
    SubtaskSpec,
    TaskGraph,
    UpdateSubtask,
)


def spec(sid: str, **fields: Any) -> SubtaskSpec:
    fields.setdefault("goal", f"do {sid}")
    return SubtaskSpec(id=sid, **fields)


def build(
    *specs: SubtaskSpec | str, edges: list[tuple[str, str, EdgeKind]] | None = None
) -> TaskGraph:
    g = TaskGraph("task-1", "a request")
    g.apply(GraphPatch.from_specs([s if isinstance(s, SubtaskSpec) else spec(s) for s in specs],
                                  edges or []))
    return g


def run(g: TaskGraph, sid: str, status: str = "succeeded", **outputs: str) -> None:
    """Dispatch `sid` (it must be ready) and finish it."""
    assert sid in [s.id for s in g.ready()], f"{sid} is {g.subtask(sid).status}"
    g.mark_running(sid, "dev-1")
    g.mark_finished(sid, SubtaskResult(status=status, outputs=outputs))
    g.refresh()


def statuses(g: TaskGraph) -> dict[str, str]:
    return {s.id: s.status for s in g.subtasks()}


def reject(g: TaskGraph, *ops: Any) -> list[str]:
    """Apply a patch that must be rejected; check it left the graph alone; return reasons."""
    before, version, patches = g.snapshot(), g.version, len(g.patches)
    with pytest.raises(PatchRejected) as info:
        g.apply(GraphPatch(ops=list(ops)))
    assert g.snapshot() == before
    assert g.version == version
    assert len(g.patches) == patches
    assert info.value.reasons
    return info.value.reasons


# --- edge kinds and status flow ---------------------------------------------


def test_roots_are_ready_and_dependents_wait() -> None:
    g = build("a", "b", "c", edges=[("a", "b", "on_success"), ("b", "c", "on_success")])
    assert statuses(g) == {"a": "pending", "b": "pending", "c": "pending"}
    assert [s.id for s in g.ready()] == ["a"]
    assert statuses(g) == {"a": "ready", "b": "pending", "c": "pending"}
    g.mark_running("a", "dev-1")
    assert g.ready() == []
    g.mark_finished("a", SubtaskResult(status="succeeded"))
    assert [s.id for s in g.ready()] == ["b"]


def test_on_success_skips_after_failure_and_skips_cascade_in_one_refresh() -> None:
    g = build("a", "b", "c", "d",
              edges=[("a", "b", "on_success"), ("b", "c", "on_success"), ("c", "d", "on_completion")])
    g.refresh()
    g.mark_running("a", "dev-1")
    g.mark_finished("a", SubtaskResult(status="failed", error="boom"))
    assert sorted(g.refresh()) == ["b", "c", "d"]  # a skipped upstream satisfies no edge kind
    assert statuses(g) == {"a": "failed", "b": "skipped", "c": "skipped", "d": "skipped"}
    assert g.finished and not g.succeeded


@pytest.mark.parametrize(
    ("upstream", "kind", "expected"),
    [
        ("succeeded", "on_success", "ready"),
        ("failed", "on_success", "skipped"),
        ("cancelled", "on_success", "skipped"),
        ("succeeded", "on_completion", "ready"),
        ("failed", "on_completion", "ready"),
        ("cancelled", "on_completion", "skipped"),
        ("succeeded", "on_failure", "skipped"),
        ("failed", "on_failure", "ready"),
        ("cancelled", "on_failure", "skipped"),
    ],
)
def test_edge_kinds(upstream: str, kind: EdgeKind, expected: str) -> None:
    g = build("up", "down", edges=[("up", "down", kind)])
    run(g, "up", upstream)
    assert g.subtask("down").status == expected


def test_waits_for_every_predecessor() -> None:
    g = build("a", "b", "c", edges=[("a", "c", "on_success"), ("b", "c", "on_completion")])
    run(g, "a")
    assert g.subtask("c").status == "pending"
    run(g, "b", "failed")
    assert g.subtask("c").status == "ready"


def test_failure_branch_in_a_diamond() -> None:
    # a -> b (on success), a -> fix (on failure), both -> report (on completion)
    g = build("a", "b", "fix", "report", edges=[
        ("a", "b", "on_success"), ("a", "fix", "on_failure"),
        ("b", "report", "on_completion"), ("fix", "report", "on_completion"),
    ])
    run(g, "a", "failed")
    assert statuses(g) == {"a": "failed", "b": "skipped", "fix": "ready", "report": "skipped"}


def test_retry_puts_a_running_subtask_back_to_ready() -> None:
    g = build(spec("a", max_attempts=3))
    g.refresh()
    g.mark_running("a", "dev-1")
    g.retry("a", "tap missed")
    s = g.subtask("a")
    assert (s.status, s.attempts) == ("ready", 1)
    assert s.result is not None and (s.result.status, s.result.error) == ("failed", "tap missed")
    g.mark_running("a", "dev-2")
    assert (g.subtask("a").attempts, g.subtask("a").tried_devices) == (2, ["dev-1", "dev-2"])


def test_status_methods_refuse_wrong_states() -> None:
    g = build("a", "b", edges=[("a", "b", "on_success")])
    with pytest.raises(ValueError, match="pending, not ready"):
        g.mark_running("a", "dev-1")
    g.refresh()
    with pytest.raises(ValueError, match="not running"):
        g.retry("a", "x")
    run(g, "a")
    with pytest.raises(ValueError, match="already finished"):
        g.mark_finished("a", SubtaskResult(status="failed"))
    with pytest.raises(KeyError, match="nope"):
        g.subtask("nope")


def test_cancel_all() -> None:
    g = build("a", "b", "c", edges=[("a", "b", "on_success")])
    g.refresh()
    g.mark_running("a", "dev-1")
    assert g.cancel_all("user stopped") == ["a"]
    assert set(statuses(g).values()) == {"cancelled"}
    assert g.finished and not g.succeeded


# --- succeeded ---------------------------------------------------------------


def test_succeeded_requires_finished() -> None:
    g = build("a", "b")
    run(g, "a")
    assert not g.finished and not g.succeeded
    run(g, "b")
    assert g.finished and g.succeeded


def test_handled_failure_does_not_fail_the_task() -> None:
    g = build("a", "b", "fix", edges=[("a", "b", "on_success"), ("a", "fix", "on_failure")])
    run(g, "a", "failed")
    run(g, "fix")
    assert statuses(g) == {"a": "failed", "b": "skipped", "fix": "succeeded"}
    assert g.finished and g.succeeded


def test_failed_remediation_fails_the_task() -> None:
    g = build("a", "fix", edges=[("a", "fix", "on_failure")])
    run(g, "a", "failed")
    run(g, "fix", "failed")
    assert g.finished and not g.succeeded


def test_unused_remediation_is_skipped_and_task_succeeds() -> None:
    g = build("a", "fix", edges=[("a", "fix", "on_failure")])
    run(g, "a")
    assert g.subtask("fix").status == "skipped"
    assert g.succeeded


def test_on_completion_successor_does_not_handle_a_failure() -> None:
    g = build("a", "cleanup", edges=[("a", "cleanup", "on_completion")])
    run(g, "a", "failed")
    run(g, "cleanup")
    assert g.finished and not g.succeeded


# --- data references ---------------------------------------------------------


def test_references_resolve_after_upstream_succeeds() -> None:
    g = build(
        spec("find", outputs=["address", "eta"]),
        spec("mid"),
        spec("send", inputs={
            "to": "Anna",
            "where": Ref(subtask="find", output="address"),
            "when": Ref.model_validate({"from": "find", "output": "eta"}),
        }),
        edges=[("find", "mid", "on_success"), ("mid", "send", "on_success")],  # transitive
    )
    run(g, "find", address="Kungsgatan 1", eta="18:40")
    run(g, "mid")
    assert g.subtask("send").status == "ready"
    assert g.resolve_inputs("send") == {"to": "Anna", "where": "Kungsgatan 1", "when": "18:40"}


def test_snapshot_writes_references_with_from() -> None:
    g = build(spec("a", outputs=["x"]), spec("b", inputs={"i": Ref(subtask="a", output="x")}),
              edges=[("a", "b", "on_success")])
    (b,) = [s for s in g.snapshot()["subtasks"] if s["id"] == "b"]
    assert b["inputs"] == {"i": {"from": "a", "output": "x"}}
    assert str(Ref(subtask="a", output="x")) == "a.outputs.x"


@pytest.mark.parametrize(
    ("ref", "edge", "needle"),
    [
        (Ref(subtask="ghost", output="x"), None, "references missing subtask 'ghost'"),
        (Ref(subtask="a", output="x"), None, "'a' is not upstream of 'b': add an edge a->b"),
        (Ref(subtask="a", output="nope"), ("a", "b"), "'a' declares no output 'nope'"),
        (Ref(subtask="b", output="x"), ("a", "b"), "'b' is not upstream of 'b'"),
    ],
)
def test_bad_reference_reasons(ref: Ref, edge: tuple[str, str] | None, needle: str) -> None:
    g = build(spec("a", outputs=["x"]))
    ops: list[Any] = [AddSubtask(subtask=spec("b", outputs=["x"], inputs={"i": ref}))]
    if edge:
        ops.append(AddEdge(src=edge[0], dst=edge[1]))
    reasons = reject(g, *ops)
    assert len(reasons) == 1
    assert "input b.i" in reasons[0] and needle in reasons[0]


def test_removing_an_edge_or_upstream_that_a_reference_needs_is_rejected() -> None:
    g = build(spec("a", outputs=["x"]), spec("b", inputs={"i": Ref(subtask="a", output="x")}),
              edges=[("a", "b", "on_success")])
    assert "not upstream" in reject(g, RemoveEdge(src="a", dst="b"))[0]
    assert "missing subtask 'a'" in reject(g, RemoveSubtask(id="a"))[0]
    assert "declares no output 'x'" in reject(g, UpdateSubtask(id="a", outputs=["y"]))[0]


# --- patch invariants --------------------------------------------------------


def _running_and_finished() -> TaskGraph:
    """done (succeeded) -> busy (running); idle has no edges."""
    g = build(spec("done", outputs=["x"]), "busy", "idle", edges=[("done", "busy", "on_success")])
    run(g, "done", x="1")
    g.mark_running("busy", "dev-1")
    return g


@pytest.mark.parametrize("sid", ["done", "busy"])
def test_running_and_finished_cannot_be_edited_or_removed(sid: str) -> None:
    g = _running_and_finished()
    status = g.subtask(sid).status
    assert reject(g, UpdateSubtask(id=sid, goal="other")) == [
        f"op 0 (update_subtask): cannot edit subtask {sid!r}: it is {status}"
    ]
    assert reject(g, RemoveSubtask(id=sid)) == [
        f"op 0 (remove_subtask): cannot remove subtask {sid!r}: it is {status}"
    ]


def test_dependencies_of_running_subtask_are_frozen() -> None:
    g = _running_and_finished()
    assert "cannot add a dependency to subtask 'busy'" in reject(
        g, AddEdge(src="idle", dst="busy"))[0]
    assert "cannot add a dependency to subtask 'busy'" in reject(  # not even a kind change
        g, AddEdge(src="done", dst="busy", kind="on_completion"))[0]
    assert "cannot remove a dependency of subtask 'busy'" in reject(
        g, RemoveEdge(src="done", dst="busy"))[0]
    assert "cannot add a dependency to subtask 'done'" in reject(
        g, AddEdge(src="idle", dst="done"))[0]


def test_edges_out_of_running_and_finished_subtasks_are_allowed() -> None:
    g = _running_and_finished()
    g.apply(GraphPatch(ops=[
        AddSubtask(subtask=spec("after", inputs={"i": Ref(subtask="done", output="x")})),
        AddEdge(src="busy", dst="after", kind="on_completion"),
        AddEdge(src="done", dst="after"),
    ]))
    assert g.predecessors("after") == [("busy", "on_completion"), ("done", "on_success")]


def test_cannot_remove_a_subtask_a_finished_one_depends_on() -> None:
    # c is skipped as soon as b fails, while a (its other upstream) is still ready.
    g = build("a", "b", "c", edges=[("b", "c", "on_success"), ("a", "c", "on_success")])
    run(g, "b", "failed")
    assert statuses(g) == {"a": "ready", "b": "failed", "c": "skipped"}
    assert reject(g, RemoveSubtask(id="a")) == [
        "op 0 (remove_subtask): cannot remove subtask 'a': 'c' depends on it and is skipped"
    ]


def test_new_dependency_sends_a_ready_subtask_back_to_waiting() -> None:
    g = build("a")
    assert [s.id for s in g.ready()] == ["a"]
    g.apply(GraphPatch(ops=[
        AddSubtask(subtask=spec("first", outputs=["x"])),
        AddEdge(src="first", dst="a"),
        UpdateSubtask(id="a", inputs={"i": Ref(subtask="first", output="x")}),
    ]))
    assert [s.id for s in g.ready()] == ["first"]
    with pytest.raises(ValueError, match="not ready"):
        g.mark_running("a", "dev-1")
    run(g, "first", x="42")
    assert g.subtask("a").status == "ready"
    assert g.resolve_inputs("a") == {"i": "42"}


def test_new_dependency_on_a_finished_upstream_is_judged_at_once() -> None:
    g = build("a", "b")
    run(g, "a", "failed")
    assert g.subtask("b").status == "ready"
    g.apply(GraphPatch(ops=[AddEdge(src="a", dst="b", kind="on_success")]))
    assert g.refresh() == ["b"]
    assert g.subtask("b").status == "skipped"


def test_rejected_patch_lists_every_reason_and_changes_nothing() -> None:
    g = _running_and_finished()
    g.apply(GraphPatch.from_specs([spec("p"), spec("q")], [("p", "q", "on_success")]))
    reasons = reject(
        g,
        AddSubtask(subtask=spec("new")),  # fine on its own
        AddSubtask(subtask=spec("idle")),  # duplicate
        UpdateSubtask(id="busy", goal="x"),  # running
        RemoveSubtask(id="ghost"),  # missing
        AddEdge(src="ghost", dst="phantom"),  # two missing ends
        AddEdge(src="p", dst="p"),  # self-loop
        RemoveEdge(src="idle", dst="p"),  # no such edge
        UpdateSubtask(id="p", inputs={"i": Ref(subtask="new", output="o")}),  # not upstream
        AddEdge(src="q", dst="new"),
        UpdateSubtask(id="missing", goal="x"),  # missing
    )
    assert reasons == [
        "op 1 (add_subtask): subtask 'idle' already exists",
        "op 2 (update_subtask): cannot edit subtask 'busy': it is running",
        "op 3 (remove_subtask): no subtask 'ghost' to remove",
        "op 4 (add_edge): edge ghost->phantom: no subtask 'ghost'",
        "op 4 (add_edge): edge ghost->phantom: no subtask 'phantom'",
        "op 5 (add_edge): edge p->p is a self-loop",
        "op 6 (remove_edge): no edge idle->p to remove",
        "op 9 (update_subtask): no subtask 'missing' to update",
        "input p.i references new.outputs.o but 'new' is not upstream of 'p': add an edge new->p",
    ]
    assert "new" not in g


def test_cycle_is_rejected_with_the_cycle_named() -> None:
    g = build("a", "b", "c", edges=[("a", "b", "on_success"), ("b", "c", "on_success")])
    (reason,) = reject(g, AddEdge(src="c", dst="a"))
    assert reason.startswith("the edges make a cycle: ")
    assert set(reason.removeprefix("the edges make a cycle: ").split(" -> ")) == {"a", "b", "c"}


def test_version_bumps_once_per_applied_patch_and_patches_are_kept() -> None:
    g = TaskGraph("t")
    assert g.version == 0
    p1 = GraphPatch.from_specs([spec("a"), spec("b")], reason="plan")
    p2 = GraphPatch(ops=[AddEdge(src="a", dst="b"), UpdateSubtask(id="b", goal="better")],
                    reason="replan")
    assert g.apply(p1) == 1
    reject(g, RemoveSubtask(id="zzz"))
    assert g.apply(p2) == 2
    assert g.version == 2 and g.snapshot()["version"] == 2
    assert g.patches == [p1, p2]
    assert g.subtask("b").goal == "better"
    assert g.apply(GraphPatch()) == 3  # an empty patch is still an applied patch


def test_later_ops_see_earlier_ops_of_the_same_patch() -> None:
    g = build("a")
    g.apply(GraphPatch(ops=[
        RemoveSubtask(id="a"),
        AddSubtask(subtask=spec("a", goal="again", outputs=["x"])),
        AddSubtask(subtask=spec("b", inputs={"i": Ref(subtask="a", output="x")})),
        AddEdge(src="a", dst="b"),
    ]))
    assert g.subtask("a").goal == "again" and g.edges() == [("a", "b", "on_success")]


def test_update_keeps_what_it_does_not_name() -> None:
    g = build(spec("a", outputs=["x"], privacy="private", max_attempts=3))
    g.apply(GraphPatch(ops=[UpdateSubtask(id="a", goal="new goal", timeout_s=9.0)]))
    a = g.subtask("a")
    assert (a.goal, a.outputs, a.privacy, a.max_attempts, a.timeout_s) == (
        "new goal", ["x"], "private", 3, 9.0)


def test_invalid_update_is_refused_when_the_patch_is_built() -> None:
    with pytest.raises(ValidationError):
        UpdateSubtask(id="a", goal="")
    with pytest.raises(ValidationError):
        UpdateSubtask(id="a", max_attempts=0)


def test_patch_from_planner_json() -> None:
    patch = GraphPatch.model_validate({"reason": "plan", "ops": [
        {"op": "add_subtask", "subtask": {"id": "a", "goal": "find", "outputs": ["x"]}},
        {"op": "add_subtask", "subtask": {"id": "b", "goal": "use",
                                          "inputs": {"i": {"from": "a", "output": "x"}}}},
        {"op": "add_edge", "src": "a", "dst": "b", "kind": "on_completion"},
    ]})
    g = TaskGraph("t")
    g.apply(patch)
    assert g.subtask("b").inputs == {"i": Ref(subtask="a", output="x")}
    assert g.predecessors("b") == [("a", "on_completion")]


# --- metrics -----------------------------------------------------------------


def test_metrics_of_a_chain() -> None:
    g = build(spec("a", estimated_steps=3), spec("b", estimated_steps=2),
              spec("c", estimated_steps=4), edges=[("a", "b", "on_success"), ("b", "c", "on_success")])
    m = g.metrics()
    assert (m.subtasks, m.critical_path, m.critical_path_work) == (3, ["a", "b", "c"], 9)
    assert (m.width, m.total_work, m.parallelism) == (1, 9, 1.0)


def test_metrics_of_a_diamond() -> None:
    g = build(spec("a", estimated_steps=1), spec("left", estimated_steps=2),
              spec("right", estimated_steps=5), spec("z", estimated_steps=1),
              edges=[("a", "left", "on_success"), ("a", "right", "on_success"),
                     ("left", "z", "on_success"), ("right", "z", "on_failure")])
    m = g.metrics()
    assert m.critical_path == ["a", "right", "z"] and m.critical_path_work == 7
    assert (m.width, m.total_work, m.parallelism) == (2, 9, round(9 / 7, 3))


def test_metrics_of_independent_subtasks() -> None:
    g = build(*[spec(f"s{i}", estimated_steps=2) for i in range(5)])
    m = g.metrics()
    assert (m.width, m.total_work, m.critical_path_work, m.parallelism) == (5, 10, 2, 5.0)
    assert len(m.critical_path) == 1


def test_width_is_the_largest_antichain_not_the_largest_level() -> None:
    # A spine c0 -> c1 -> c2 -> c3 with a leaf hanging off each of c0, c1, c2. No depth
    # level holds more than 2 subtasks, yet the three leaves and c3 can all run at once.
    g = build("c0", "c1", "c2", "c3", "x", "y", "z", edges=[
        ("c0", "c1", "on_success"), ("c1", "c2", "on_success"), ("c2", "c3", "on_success"),
        ("c0", "x", "on_success"), ("c1", "y", "on_success"), ("c2", "z", "on_success"),
    ])
    assert g.metrics().width == _brute_force_width(g) == 4


def test_metrics_of_an_empty_graph() -> None:
    m = TaskGraph("t").metrics()
    assert (m.subtasks, m.critical_path, m.width, m.total_work, m.parallelism) == (0, [], 0, 0, 0.0)


def as_digraph(g: TaskGraph) -> nx.DiGraph:
    """The graph's shape rebuilt from its public view."""
    dag = nx.DiGraph()
    dag.add_nodes_from(s.id for s in g.subtasks())
    dag.add_edges_from((a, b) for a, b, _ in g.edges())
    return dag


def _brute_force_width(g: TaskGraph) -> int:
    dag = as_digraph(g)
    closure = nx.transitive_closure_dag(dag)
    nodes = list(dag)
    for size in range(len(nodes), 0, -1):
        for group in itertools.combinations(nodes, size):
            if not any(closure.has_edge(u, v) for u in group for v in group):
                return size
    return 0


# --- properties --------------------------------------------------------------

SATISFIED_BY: dict[str, set[str]] = {
    "on_success": {"succeeded"},
    "on_failure": {"failed"},
    "on_completion": {"succeeded", "failed"},
}
IDS = ["a", "b", "c", "d", "e"]
OUTPUT_NAMES = ["x", "y"]
ids = st.sampled_from(IDS)
kinds = st.sampled_from(["on_success", "on_completion", "on_failure"])
refs = st.builds(Ref, subtask=ids, output=st.sampled_from([*OUTPUT_NAMES, "z"]))
inputs = st.dictionaries(st.sampled_from(["p", "q"]),
                         st.one_of(st.sampled_from(["lit", ""]), refs), max_size=2)
outputs = st.lists(st.sampled_from(OUTPUT_NAMES), unique=True, max_size=2)
specs = st.builds(SubtaskSpec, id=ids, goal=st.sampled_from(["open app", "send"]),
                  inputs=inputs | st.just({}), outputs=outputs,
                  estimated_steps=st.integers(1, 4))
ops = st.one_of(
    st.builds(AddSubtask, subtask=specs),
    st.builds(AddEdge, src=ids, dst=ids, kind=kinds),
    st.builds(AddSubtask, subtask=specs),
    st.builds(AddEdge, src=ids, dst=ids, kind=kinds),
    st.builds(UpdateSubtask, id=ids, goal=st.none() | st.just("changed goal"),
              inputs=st.none() | inputs, outputs=st.none() | outputs,
              max_attempts=st.none() | st.integers(1, 3)),
    st.builds(RemoveSubtask, id=ids),
    st.builds(RemoveEdge, src=ids, dst=ids),
)
patches = st.builds(GraphPatch, ops=st.lists(ops, min_size=1, max_size=4))


class GraphMachine(RuleBasedStateMachine):
    """Random patches, valid and not, interleaved with the scheduler's status changes."""

    def __init__(self) -> None:
        super().__init__()
        self.g = TaskGraph("task-p", "property")
        # Spec and in-edges of each running or finished subtask as they were when it left
        # EDITABLE; a retried subtask is ready again, so editable again.
        self.frozen: dict[str, tuple[SubtaskSpec, set[tuple[str, str]]]] = {}

    def _in_edges(self, sid: str) -> set[tuple[str, str]]:
        return set(self.g.predecessors(sid))

    def _with_status(self, *wanted: str) -> list[str]:
        return [s.id for s in self.g.subtasks() if s.status in wanted]

    @rule(patch=patches)
    def apply_patch(self, patch: GraphPatch) -> None:
        self._apply(patch)

    @rule(data=st.data(), steps=st.integers(1, 4), kind=kinds)
    def grow(self, data: st.DataObject, steps: int, kind: EdgeKind) -> None:
        """A patch built to be valid: a fresh subtask fed by an existing one."""
        free = [i for i in IDS if i not in self.g]
        if not free:
            return
        new = data.draw(st.sampled_from(free))
        ops: list[Any] = []
        new_inputs: dict[str, Any] = {}
        existing = [s.id for s in self.g.subtasks()]
        if existing:
            up = self.g.subtask(data.draw(st.sampled_from(existing)))
            ops.append(AddEdge(src=up.id, dst=new, kind=kind))
            if up.outputs:
                new_inputs["p"] = Ref(subtask=up.id, output=up.outputs[0])
        ops.insert(0, AddSubtask(subtask=spec(new, inputs=new_inputs, outputs=["x"],
                                             estimated_steps=steps)))
        self._apply(GraphPatch(ops=ops))

    def _apply(self, patch: GraphPatch) -> None:
        before, version = self.g.snapshot(), self.g.version
        frozen_now = {s.id: (s.spec, self._in_edges(s.id), s.status)
                      for s in self.g.subtasks() if s.status not in EDITABLE}
        try:
            new_version = self.g.apply(patch)
        except PatchRejected as exc:
            event("patch rejected")
            assert exc.reasons
            assert self.g.snapshot() == before
            assert self.g.version == version
            return
        event("patch accepted")
        assert new_version == self.g.version == version + 1
        assert self.g.patches[-1] is patch
        for sid, (spec_then, edges_then, status_then) in frozen_now.items():
            s = self.g.subtask(sid)  # running and finished subtasks cannot be removed
            assert s.spec == spec_then
            assert self._in_edges(sid) == edges_then
            assert s.status == status_then

    @rule()
    def refresh(self) -> None:
        for sid in self.g.refresh():
            assert self.g.subtask(sid).status in ("ready", "skipped")
        assert self.g.refresh() == []  # one call reaches the fixed point

    @precondition(lambda self: any(s.status == "ready" for s in self.g.subtasks()))
    @rule(data=st.data())
    def start(self, data: st.DataObject) -> None:
        sid = data.draw(st.sampled_from(self._with_status("ready")))
        resolved = self.g.resolve_inputs(sid)  # every reference must resolve at dispatch
        assert set(resolved) == set(self.g.subtask(sid).inputs)
        self.g.mark_running(sid, data.draw(st.sampled_from(["dev-1", "dev-2"])))

    @precondition(lambda self: any(s.status == "running" for s in self.g.subtasks()))
    @rule(data=st.data(), status=st.sampled_from(["succeeded", "failed", "cancelled"]))
    def finish(self, data: st.DataObject, status: str) -> None:
        sid = data.draw(st.sampled_from(self._with_status("running")))
        outs = {o: f"{sid}-{o}" for o in self.g.subtask(sid).outputs}
        self.g.mark_finished(sid, SubtaskResult(status=status, outputs=outs))

    @precondition(lambda self: any(s.status == "running" for s in self.g.subtasks()))
    @rule(data=st.data())
    def retry(self, data: st.DataObject) -> None:
        sid = data.draw(st.sampled_from(self._with_status("running")))
        self.g.retry(sid, "flaky")
        assert self.g.subtask(sid).status == "ready"

    @invariant()
    def acyclic(self) -> None:
        assert nx.is_directed_acyclic_graph(as_digraph(self.g))

    @invariant()
    def frozen_subtasks_never_change(self) -> None:
        for sid, (spec_then, edges_then) in list(self.frozen.items()):
            assert sid in self.g
            s = self.g.subtask(sid)
            assert s.spec == spec_then
            assert self._in_edges(sid) == edges_then
            if s.status in EDITABLE:  # only `retry` hands a subtask back for editing
                assert s.status == "ready" and s.attempts > 0
                del self.frozen[sid]
        for s in self.g.subtasks():
            if s.status not in EDITABLE and s.id not in self.frozen:
                self.frozen[s.id] = (s.spec, self._in_edges(s.id))

    @invariant()
    def dispatchable_subtasks_have_finished_upstream(self) -> None:
        dag = as_digraph(self.g)
        for s in self.g.subtasks():
            if s.status in ("ready", "running"):
                for pred in nx.ancestors(dag, s.id):
                    assert self.g.subtask(pred).status in TERMINAL, (s.id, pred)
            if s.status == "ready":
                for pred, kind in self.g.predecessors(s.id):
                    assert self.g.subtask(pred).status in SATISFIED_BY[kind], (s.id, pred)

    @invariant()
    def references_of_editable_subtasks_resolve(self) -> None:
        for s in self.g.subtasks():
            if s.status not in EDITABLE:
                continue
            for value in s.inputs.values():
                if isinstance(value, Ref):
                    assert value.subtask in nx.ancestors(as_digraph(self.g), s.id)
                    assert value.output in self.g.subtask(value.subtask).outputs

    @invariant()
    def metrics_agree_with_brute_force(self) -> None:
        m = self.g.metrics()
        work = {s.id: s.estimated_steps for s in self.g.subtasks()}
        assert m.subtasks == len(self.g) and m.total_work == sum(work.values())
        assert m.width == _brute_force_width(self.g)
        if work:
            dag = as_digraph(self.g)
            assert nx.is_path(dag, m.critical_path)
            assert m.critical_path_work == sum(work[n] for n in m.critical_path)
            heaviest = max(
                sum(work[n] for n in path)
                for src in dag for dst in nx.descendants(dag, src) | {src}
                for path in ([[src]] if src == dst else nx.all_simple_paths(dag, src, dst))
            )
            assert m.critical_path_work == heaviest
            assert m.parallelism == round(m.total_work / m.critical_path_work, 3)


GraphMachine.TestCase.settings = settings(
    max_examples=100, stateful_step_count=30, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestGraphProperties = GraphMachine.TestCase
