"""TaskGraph's kept bookkeeping against naive recomputation, under random interleavings of
patches and status changes:

- after `refresh`, every status is what walking the whole graph to a fixed point gives
  (the way `ready()` used to work), and `ready()` lists exactly the ready subtasks;
- a patch is rejected for exactly the reasons (in the same order) that trying it on a
  deep copy of the whole graph and checking the whole copy gives, and `check` agrees
  with `apply` and changes nothing.
"""

from __future__ import annotations

from typing import Any

import networkx as nx
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from fleetmind.orchestrator.graph import (
    EDITABLE,
    TERMINAL,
    AddEdge,
    AddSubtask,
    GraphPatch,
    PatchRejected,
    Ref,
    RemoveEdge,
    RemoveSubtask,
    Subtask,
    SubtaskResult,
    SubtaskSpec,
    TaskGraph,
    UpdateSubtask,
)
from fleetmind.orchestrator.subtask import edge_satisfied

# --- the naive oracles ---------------------------------------------------------------


def naive_settle(g: TaskGraph) -> dict[str, str]:
    """The statuses `refresh` must reach: promote and skip over the whole graph until nothing moves."""
    status = {s.id: s.status for s in g.subtasks()}
    progress = True
    while progress:
        progress = False
        for sid in status:
            if status[sid] != "pending":
                continue
            verdict = "ready"
            for pred, kind in g.predecessors(sid):
                if status[pred] not in TERMINAL:
                    verdict = "wait"
                    break
                if not edge_satisfied(kind, status[pred]):
                    verdict = "never"
                    break
            if verdict != "wait":
                status[sid] = "ready" if verdict == "ready" else "skipped"
                progress = True
    return status


def naive_reasons(g: TaskGraph, node_order: list[str], patch: GraphPatch) -> list[str]:
    """Why `patch` fails, found the old way: on a deep copy of everything, checked whole."""
    trial: nx.DiGraph[str] = nx.DiGraph()
    for sid in node_order:
        trial.add_node(sid, subtask=g.subtask(sid).model_copy(deep=True))
    for a, b, kind in g.edges():
        trial.add_edge(a, b, kind=kind)
    reasons: list[str] = []
    for i, op in enumerate(patch.ops):
        reasons += [f"op {i} ({op.op}): {r}" for r in _naive_op(trial, op)]
    if not nx.is_directed_acyclic_graph(trial):
        return [*reasons, "the edges make a cycle"]
    for sid in trial:
        s: Subtask = trial.nodes[sid]["subtask"]
        if s.status not in EDITABLE:
            continue
        ancestors = nx.ancestors(trial, sid)
        for name, value in s.inputs.items():
            if not isinstance(value, Ref):
                continue
            if value.subtask not in trial:
                reasons.append(f"input {sid}.{name} references missing subtask {value.subtask!r}")
            elif value.subtask not in ancestors:
                reasons.append(f"input {sid}.{name} references {value} but {value.subtask!r} is not upstream"
                               f" of {sid!r}: add an edge {value.subtask}->{sid}")
            elif value.output not in trial.nodes[value.subtask]["subtask"].outputs:
                reasons.append(f"input {sid}.{name} references {value} but {value.subtask!r} declares no"
                               f" output {value.output!r}")
    return reasons


def _naive_op(g: nx.DiGraph[str], op: Any) -> list[str]:
    def status(sid: str) -> str:
        return str(g.nodes[sid]["subtask"].status)

    def frozen(sid: str, what: str) -> list[str]:
        return [] if status(sid) in EDITABLE else [f"cannot {what} subtask {sid!r}: it is {status(sid)}"]

    if isinstance(op, AddSubtask):
        if op.subtask.id in g:
            return [f"subtask {op.subtask.id!r} already exists"]
        g.add_node(op.subtask.id, subtask=Subtask(**op.subtask.model_dump(by_alias=True)))
        return []
    if isinstance(op, UpdateSubtask):
        if op.id not in g:
            return [f"no subtask {op.id!r} to update"]
        if reasons := frozen(op.id, "edit"):
            return reasons
        changes = op.model_dump(exclude={"op", "id"}, exclude_none=True, by_alias=True)
        g.nodes[op.id]["subtask"] = Subtask.model_validate({**g.nodes[op.id]["subtask"].model_dump(by_alias=True),
                                                            **changes})
        return []
    if isinstance(op, RemoveSubtask):
        if op.id not in g:
            return [f"no subtask {op.id!r} to remove"]
        if reasons := frozen(op.id, "remove"):
            return reasons
        stuck = [n for n in g.successors(op.id) if status(n) not in EDITABLE]
        if stuck:
            return [f"cannot remove subtask {op.id!r}: {n!r} depends on it and is {status(n)}" for n in stuck]
        g.remove_node(op.id)
        return []
    if isinstance(op, AddEdge):
        missing = [n for n in (op.src, op.dst) if n not in g]
        if missing:
            return [f"edge {op.src}->{op.dst}: no subtask {m!r}" for m in missing]
        if op.src == op.dst:
            return [f"edge {op.src}->{op.dst} is a self-loop"]
        if reasons := frozen(op.dst, "add a dependency to"):
            return reasons
        g.add_edge(op.src, op.dst, kind=op.kind)
        return []
    assert isinstance(op, RemoveEdge)
    if not g.has_edge(op.src, op.dst):
        return [f"no edge {op.src}->{op.dst} to remove"]
    if reasons := frozen(op.dst, "remove a dependency of"):
        return reasons
    g.remove_edge(op.src, op.dst)
    return []


# --- random patches ----------------------------------------------------------------------

IDS = ["a", "b", "c", "d", "e", "f"]
ids = st.sampled_from(IDS)
kinds = st.sampled_from(["on_success", "on_completion", "on_failure"])
refs = st.builds(Ref, subtask=ids, output=st.sampled_from(["x", "y"]))
inputs = st.dictionaries(st.sampled_from(["p", "q"]), st.one_of(st.just("lit"), refs), max_size=2)
outputs = st.lists(st.sampled_from(["x", "y"]), unique=True, max_size=2)
specs = st.builds(SubtaskSpec, id=ids, goal=st.just("do it"), inputs=inputs | st.just({}), outputs=outputs)
ops = st.one_of(
    st.builds(AddSubtask, subtask=specs),
    st.builds(AddEdge, src=ids, dst=ids, kind=kinds),
    st.builds(AddEdge, src=ids, dst=ids, kind=kinds),
    st.builds(UpdateSubtask, id=ids, inputs=st.none() | inputs, outputs=st.none() | outputs),
    st.builds(RemoveSubtask, id=ids),
    st.builds(RemoveEdge, src=ids, dst=ids),
)


class Bookkeeping(RuleBasedStateMachine):
    """Random patches and status changes; `settle` compares against the naive oracles."""

    def __init__(self) -> None:
        super().__init__()
        self.g = TaskGraph("task-i")
        self.node_order: list[str] = []  # the graph's insertion order, mirrored from accepted patches

    def _with_status(self, *wanted: str) -> list[str]:
        return [s.id for s in self.g.subtasks() if s.status in wanted]

    def _patch(self, patch: GraphPatch) -> None:
        expected = naive_reasons(self.g, self.node_order, patch)
        before, version = self.g.snapshot(), self.g.version
        reasons = self.g.check(patch)
        assert self.g.snapshot() == before and self.g.version == version
        if expected and expected[-1] == "the edges make a cycle":
            assert reasons[:-1] == expected[:-1]
            assert reasons[-1].startswith("the edges make a cycle: ")
            cycle = reasons[-1].removeprefix("the edges make a cycle: ").split(" -> ")
            assert cycle[0] == cycle[-1] and len(cycle) > 2
        else:
            assert reasons == expected
        try:
            self.g.apply(patch)
        except PatchRejected as exc:
            event("patch rejected")
            assert exc.reasons == reasons
            assert self.g.snapshot() == before and self.g.version == version
            return
        event("patch accepted")
        assert not reasons
        for op in patch.ops:
            if isinstance(op, AddSubtask):
                self.node_order.append(op.subtask.id)
            elif isinstance(op, RemoveSubtask):
                self.node_order.remove(op.id)

    @rule(patch=st.builds(GraphPatch, ops=st.lists(ops, min_size=1, max_size=5)))
    def random_patch(self, patch: GraphPatch) -> None:
        self._patch(patch)

    @rule(data=st.data(), kind=kinds, rewire=st.booleans())
    def grow(self, data: st.DataObject, kind: Any, rewire: bool) -> None:
        """A patch meant to apply: a new subtask fed by an existing one, maybe one more waits for it."""
        free = [i for i in IDS if i not in self.g]
        if not free:
            return
        new = data.draw(st.sampled_from(free))
        existing = [s.id for s in self.g.subtasks()]
        ops_: list[Any] = [AddSubtask(subtask=SubtaskSpec(id=new, goal="more", outputs=["x"]))]
        if existing:
            up = data.draw(st.sampled_from(existing))
            ops_.append(AddEdge(src=up, dst=new, kind=kind))
            editable = [n for n in self._with_status("pending", "ready") if n != up]
            if rewire and editable:
                ops_.append(AddEdge(src=new, dst=data.draw(st.sampled_from(editable))))
        self._patch(GraphPatch(ops=ops_))

    @rule()
    def settle(self) -> None:
        expected = naive_settle(self.g)
        before = {s.id: s.status for s in self.g.subtasks()}
        changed = self.g.refresh()
        after = {s.id: s.status for s in self.g.subtasks()}
        assert after == expected
        assert sorted(changed) == sorted(n for n in after if after[n] != before[n])
        ready = [s.id for s in self.g.ready()]
        assert ready == [n for n in self.node_order if after[n] == "ready"]  # in the order they were added
        assert self.g.refresh() == []

    @precondition(lambda self: any(s.status == "ready" for s in self.g.subtasks()))
    @rule(data=st.data())
    def start(self, data: st.DataObject) -> None:
        self.g.mark_running(data.draw(st.sampled_from(self._with_status("ready"))), "dev-1")

    @precondition(lambda self: any(s.status == "running" for s in self.g.subtasks()))
    @rule(data=st.data(), status=st.sampled_from(["succeeded", "failed", "cancelled"]))
    def finish(self, data: st.DataObject, status: Any) -> None:
        sid = data.draw(st.sampled_from(self._with_status("running")))
        self.g.mark_finished(sid, SubtaskResult(status=status, outputs={o: "v" for o in self.g.subtask(sid).outputs}))

    @precondition(lambda self: any(s.status == "running" for s in self.g.subtasks()))
    @rule(data=st.data())
    def retry(self, data: st.DataObject) -> None:
        self.g.retry(data.draw(st.sampled_from(self._with_status("running"))), "flaky")

    @precondition(lambda self: any(s.status in EDITABLE for s in self.g.subtasks()))
    @rule(data=st.data(), unplaceable=st.booleans())
    def give_up(self, data: st.DataObject, unplaceable: bool) -> None:
        ready = self._with_status("ready")
        if unplaceable and ready:
            self.g.mark_unplaceable(data.draw(st.sampled_from(ready)), "no device")
        else:
            self.g.cancel(data.draw(st.sampled_from(self._with_status("pending", "ready"))), "dropped")

    @invariant()
    def counts_agree(self) -> None:
        subtasks = self.g.subtasks()
        assert self.g.finished == all(s.status in TERMINAL for s in subtasks)
        assert [s.id for s in subtasks] == list(nx.lexicographical_topological_sort(_shape(self.g)))


def _shape(g: TaskGraph) -> nx.DiGraph[str]:
    dag: nx.DiGraph[str] = nx.DiGraph()
    dag.add_nodes_from(s.id for s in g.subtasks())
    dag.add_edges_from((a, b) for a, b, _ in g.edges())
    return dag


Bookkeeping.TestCase.settings = settings(
    max_examples=150, stateful_step_count=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TestBookkeeping = Bookkeeping.TestCase


# --- the topological order the patch checks keep ----------------------------------------


def chain(*ids: str) -> TaskGraph:
    g = TaskGraph("t")
    g.apply(GraphPatch.from_specs([SubtaskSpec(id=i, goal="go", outputs=["x"]) for i in ids],
                                  [(a, b, "on_success") for a, b in zip(ids, ids[1:], strict=False)]))
    return g


def test_a_cycle_that_a_later_op_breaks_is_no_cycle() -> None:
    g = chain("a", "b", "c")
    patch = GraphPatch(ops=[AddEdge(src="c", dst="a"), RemoveEdge(src="a", dst="b")])
    assert g.check(patch) == naive_reasons(g, ["a", "b", "c"], patch) == []
    g.apply(patch)
    assert g.edges() == [("b", "c", "on_success"), ("c", "a", "on_success")]
    assert [s.id for s in g.ready()] == ["b"]


def test_many_insertions_in_one_spot_keep_the_order_sound() -> None:
    # Each new subtask goes between "a" and the previous newcomer: the order keeps halving
    # one gap until floating point runs out and everything is numbered afresh.
    g = chain("root", "a", "z")  # "a" is not first: the order gives it 1.0, where floats are coarse
    below = "z"
    for i in range(80):
        new = f"n{i}"
        g.apply(GraphPatch(ops=[
            AddSubtask(subtask=SubtaskSpec(id=new, goal="go", outputs=["x"],
                                           inputs={"i": Ref(subtask="a", output="x")})),
            AddEdge(src="a", dst=new), AddEdge(src=new, dst=below),
        ]))
        below = new
    assert nx.is_directed_acyclic_graph(_shape(g))
    reasons = g.check(GraphPatch(ops=[AddEdge(src="z", dst="n79")]))
    assert reasons and reasons[0].startswith("the edges make a cycle: n79 -> n78 -> ")
    assert g.check(GraphPatch(ops=[AddEdge(src="n79", dst="n0")])) == []  # already downstream: fine
    g.refresh()
    for sid in ["root", "a", *(f"n{i}" for i in range(79, -1, -1)), "z"]:
        assert [s.id for s in g.ready()] == [sid]
        g.mark_running(sid, "dev-1")
        g.mark_finished(sid, SubtaskResult(status="succeeded", outputs={"x": sid}))
    assert g.ready() == [] and g.succeeded


def test_cutting_an_edge_far_upstream_breaks_a_reference_far_downstream() -> None:
    ids = [f"s{i}" for i in range(30)]
    g = chain(*ids)
    g.apply(GraphPatch(ops=[
        AddSubtask(subtask=SubtaskSpec(id="end", goal="use", inputs={"i": Ref(subtask="s0", output="x")})),
        AddEdge(src="s29", dst="end"),
    ]))
    patch = GraphPatch(ops=[RemoveEdge(src="s0", dst="s1")])
    assert g.check(patch) == naive_reasons(g, [*ids, "end"], patch) == [
        "input end.i references s0.outputs.x but 's0' is not upstream of 'end': add an edge s0->end"
    ]
    assert g.check(GraphPatch(ops=[RemoveEdge(src="s0", dst="s1"), AddEdge(src="s0", dst="end")])) == []


def test_privacy_follows_data_through_a_lattice_once() -> None:
    # Each subtask takes the outputs of both subtasks of the layer above: following every
    # path, as a recursion would, takes 2**40 steps; looking at each subtask once, 80.
    specs = [SubtaskSpec(id="top-0", goal="go", outputs=["x"], privacy="private"),
             SubtaskSpec(id="top-1", goal="go", outputs=["x"])]
    edges: list[Any] = []
    for layer in range(1, 41):
        for i in (0, 1):
            ups = [f"{'top' if layer == 1 else f'l{layer - 1}'}-{j}" for j in (0, 1)]
            specs.append(SubtaskSpec(id=f"l{layer}-{i}", goal="go", outputs=["x"],
                                     inputs={f"in{j}": Ref(subtask=u, output="x") for j, u in enumerate(ups)}))
            edges += [(u, f"l{layer}-{i}", "on_success") for u in ups]
    g = TaskGraph("t")
    g.apply(GraphPatch.from_specs(specs, edges))
    assert g.effective_privacy("l40-1") == "private"
    assert g.effective_privacy("top-1") == "normal"
