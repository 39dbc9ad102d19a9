"""Graph patches: the ops a planner or replanner may send, and how a patch is checked.

`PatchDraft` lays a patch over a graph without changing it. It keeps only the patch's
own delta (subtasks added, replaced or removed; edges added or removed) and reads
everything else from the graph, so checking a patch costs about what the patch touches,
not what the graph holds:

- each op is checked against the graph as the earlier ops of the same patch left it;
- a cycle can only close through an edge the patch adds: each one is fitted into the
  graph's topological order (a bounded two-way search, after Pearce and Kelly), so an
  edge that already agrees with the order costs nothing;
- a reference can only break where the patch adds or edits a subtask, edits or removes
  the subtask it names, or cuts an edge or a subtask upstream of it: only those are
  checked.

`TaskGraph.apply` replays `steps` when `reasons` is empty, and touches nothing otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Annotated, Any, Literal

import networkx as nx
from pydantic import BaseModel, Field

from .subtask import EDITABLE, DeviceRequirement, EdgeKind, InputValue, Ref, Subtask, SubtaskSpec


class AddSubtask(BaseModel):
    """Add a new subtask (pending)."""

    op: Literal["add_subtask"] = "add_subtask"
    subtask: SubtaskSpec


class UpdateSubtask(BaseModel):
    """Change the named fields of a subtask that has not started."""

    op: Literal["update_subtask"] = "update_subtask"
    id: str
    goal: str | None = Field(None, min_length=1)
    device: DeviceRequirement | None = None
    inputs: dict[str, InputValue] | None = None
    outputs: list[str] | None = None
    privacy: Literal["normal", "private"] | None = None
    max_attempts: int | None = Field(None, ge=1, le=10)
    timeout_s: float | None = Field(None, gt=0)


class RemoveSubtask(BaseModel):
    """Remove a subtask that has not started, with its edges."""

    op: Literal["remove_subtask"] = "remove_subtask"
    id: str


class AddEdge(BaseModel):
    """Make `dst` depend on `src` (or change the kind of that dependency)."""

    op: Literal["add_edge"] = "add_edge"
    src: str
    dst: str
    kind: EdgeKind = "on_success"


class RemoveEdge(BaseModel):
    """Drop `dst`'s dependency on `src`."""

    op: Literal["remove_edge"] = "remove_edge"
    src: str
    dst: str


PatchOp = Annotated[AddSubtask | UpdateSubtask | RemoveSubtask | AddEdge | RemoveEdge, Field(discriminator="op")]


class GraphPatch(BaseModel):
    """An atomic edit of a TaskGraph."""

    ops: list[PatchOp] = Field(default_factory=list)
    reason: str = Field("", description="Why the planner or replanner made this edit.")

    @classmethod
    def from_specs(
        cls,
        specs: Iterable[SubtaskSpec],
        edges: Iterable[tuple[str, str, EdgeKind]] = (),
        reason: str = "",
    ) -> GraphPatch:
        """A patch that adds these subtasks and edges."""
        ops: list[Any] = [AddSubtask(subtask=s) for s in specs]
        ops += [AddEdge(src=a, dst=b, kind=k) for a, b, k in edges]
        return cls(ops=ops, reason=reason)


class PatchRejected(ValueError):
    """A patch broke an invariant; `reasons` lists every one. The graph is unchanged."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("patch rejected:\n" + "\n".join(f"- {r}" for r in reasons))
        self.reasons = reasons


Step = tuple[AddSubtask | UpdateSubtask | RemoveSubtask | AddEdge | RemoveEdge, Subtask | None]
"""One op to replay, with the subtask it puts in the graph (add and update only)."""


class PatchDraft:
    """A patch laid over a graph it does not change: every reason to reject it, or the steps.

    `dag` holds each subtask under the node attribute "subtask"; `order` is a topological
    order of it (a number per subtask, larger downstream), below `next_order`; `position`
    is each subtask's place in the graph's node order, below `next_position`; `referrers`
    maps a subtask id to the ids of the subtasks whose inputs name it. After `check`,
    `order_updates` holds the new or moved places in the topological order and
    `positions` the places of new subtasks in the node order.
    """

    def __init__(
        self,
        dag: nx.DiGraph[str],
        order: Mapping[str, float],
        position: Mapping[str, int],
        referrers: Mapping[str, Iterable[str]],
        *,
        next_order: float,
        next_position: int,
    ) -> None:
        self._dag = dag
        self._order = order
        self._position = position
        self._referrers = referrers
        self._next_order = next_order
        self._next_position = next_position
        self._nodes: dict[str, Subtask | None] = {}  # replaced or added; None = removed
        self._cut: set[str] = set()  # subtasks of the graph removed: their edges in it are gone
        self._edges: dict[tuple[str, str], bool] = {}  # edges added (True) or removed (False)
        self._out: dict[str, dict[str, None]] = {}  # keys of `_edges` by source, in order
        self._in: dict[str, dict[str, None]] = {}  # ... and by destination
        self._added: dict[str, None] = {}  # subtasks added and still there, in order
        self._suspects: set[str] = set()  # subtasks whose references need checking
        self._shrunk: list[str] = []  # roots of the regions that may have lost an upstream
        self.reasons: list[str] = []
        self.steps: list[Step] = []
        self.order_updates: dict[str, float] = {}
        self.positions: dict[str, int] = {}

    def check(self, ops: Iterable[Any]) -> PatchDraft:
        """Lay `ops` over the graph, in order, then check the invariants of the result."""
        for i, op in enumerate(ops):
            self.reasons += [f"op {i} ({op.op}): {r}" for r in self._lay(op)]
        self.reasons += self._invariants()
        return self

    # the graph as the patch leaves it --------------------------------------------------

    def _has(self, sid: str) -> bool:
        if sid in self._nodes:
            return self._nodes[sid] is not None
        return sid in self._dag

    def _get(self, sid: str) -> Subtask:
        node = self._nodes.get(sid)
        if node is not None:
            return node
        base: Subtask = self._dag.nodes[sid]["subtask"]
        return base

    def _in_base(self, u: str, v: str) -> bool:
        """The graph has this edge and the patch did not remove either end."""
        return u not in self._cut and v not in self._cut and self._dag.has_edge(u, v)

    def _has_edge(self, u: str, v: str) -> bool:
        laid = self._edges.get((u, v))
        return self._in_base(u, v) if laid is None else laid

    def _succ(self, u: str) -> Iterator[str]:
        if u in self._dag and u not in self._cut:
            for v in self._dag.successors(u):
                if v not in self._cut and self._edges.get((u, v), True):
                    yield v
        for v in self._out.get(u, ()):
            if self._edges[(u, v)] and not self._in_base(u, v):
                yield v

    def _pred(self, v: str) -> Iterator[str]:
        if v in self._dag and v not in self._cut:
            for u in self._dag.predecessors(v):
                if u not in self._cut and self._edges.get((u, v), True):
                    yield u
        for u in self._in.get(v, ()):
            if self._edges[(u, v)] and not self._in_base(u, v):
                yield u

    def _lay_edge(self, u: str, v: str, present: bool) -> None:
        self._edges[(u, v)] = present
        self._out.setdefault(u, {})[v] = None
        self._in.setdefault(v, {})[u] = None

    def _order_of(self, sid: str) -> float:
        moved = self.order_updates.get(sid)
        return self._order[sid] if moved is None else moved

    # ops ---------------------------------------------------------------------------------

    def _frozen(self, sid: str, what: str) -> str | None:
        status = self._get(sid).status
        return None if status in EDITABLE else f"cannot {what} subtask {sid!r}: it is {status}"

    def _lay(self, op: Any) -> list[str]:
        """Lay one op over the draft; returns why it cannot apply (empty = laid)."""
        if isinstance(op, AddSubtask):
            sid = op.subtask.id
            if self._has(sid):
                return [f"subtask {sid!r} already exists"]
            node = Subtask(**op.subtask.model_dump(by_alias=True))
            self._nodes[sid] = node
            self._added[sid] = None
            self._suspects.add(sid)
            self.steps.append((op, node))
            return []
        if isinstance(op, UpdateSubtask):
            if not self._has(op.id):
                return [f"no subtask {op.id!r} to update"]
            if reason := self._frozen(op.id, "edit"):
                return [reason]
            changes = op.model_dump(exclude={"op", "id"}, exclude_none=True, by_alias=True)
            node = Subtask.model_validate({**self._get(op.id).model_dump(by_alias=True), **changes})
            self._nodes[op.id] = node
            self._suspects.add(op.id)
            self._suspects.update(self._referrers.get(op.id, ()))  # its outputs may have changed
            self.steps.append((op, node))
            return []
        if isinstance(op, RemoveSubtask):
            if not self._has(op.id):
                return [f"no subtask {op.id!r} to remove"]
            if reason := self._frozen(op.id, "remove"):
                return [reason]
            # Removing a node drops its out-edges: that would change a frozen successor's dependencies.
            after = list(self._succ(op.id))
            frozen = [n for n in after if self._get(n).status not in EDITABLE]
            if frozen:
                return [
                    f"cannot remove subtask {op.id!r}: {n!r} depends on it and is {self._get(n).status}"
                    for n in frozen
                ]
            self._nodes[op.id] = None
            self._added.pop(op.id, None)
            if op.id in self._dag:
                self._cut.add(op.id)
            for v in self._out.get(op.id, ()):
                self._edges[(op.id, v)] = False
            for u in self._in.get(op.id, ()):
                self._edges[(u, op.id)] = False
            self._shrunk += after
            self._suspects.update(self._referrers.get(op.id, ()))
            self.steps.append((op, None))
            return []
        if isinstance(op, AddEdge):
            missing = [n for n in (op.src, op.dst) if not self._has(n)]
            if missing:
                return [f"edge {op.src}->{op.dst}: no subtask {m!r}" for m in missing]
            if op.src == op.dst:
                return [f"edge {op.src}->{op.dst} is a self-loop"]
            if reason := self._frozen(op.dst, "add a dependency to"):
                return [reason]
            self._lay_edge(op.src, op.dst, True)
            self.steps.append((op, None))
            return []
        if isinstance(op, RemoveEdge):
            if not self._has_edge(op.src, op.dst):
                return [f"no edge {op.src}->{op.dst} to remove"]
            if reason := self._frozen(op.dst, "remove a dependency of"):
                return [reason]
            self._lay_edge(op.src, op.dst, False)
            self._shrunk.append(op.dst)
            self.steps.append((op, None))
            return []
        return [f"unknown op {op!r}"]  # pragma: no cover - the union is closed

    # invariants --------------------------------------------------------------------------

    def _invariants(self) -> list[str]:
        """Acyclic, then (in an acyclic graph only) every reference of an editable subtask resolves."""
        for k, sid in enumerate(self._added):  # new subtasks go last in both orders
            self.order_updates[sid] = self._next_order + k
            self.positions[sid] = self._next_position + k
        cycle = self._order_new_edges()
        if cycle:
            return ["the edges make a cycle: " + " -> ".join([*cycle, cycle[0]])]
        return self._check_references()

    def _order_new_edges(self) -> list[str] | None:
        """Fit each edge the patch adds into the topological order; a cycle if one cannot fit."""
        new = [e for e, present in self._edges.items() if present and not self._in_base(*e)]
        waiting = set(new)  # not yet in the order: the searches must not follow them
        for u, v in new:
            waiting.discard((u, v))
            if self._order_of(u) < self._order_of(v):
                continue
            if self._reaches(v, u, waiting):
                return self._path(v, u, waiting)
        return None

    def _reaches(self, v: str, u: str, waiting: set[tuple[str, str]]) -> bool:
        """Whether `u` is downstream of `v`, for a new edge u->v that the order puts backwards.

        Searches forward from `v` and backward from `u` in turns, only between the two in
        the order (a path v->...->u climbs through that band). When one side runs out, no
        path exists, and that side's subtasks move to the other side of the new edge.
        """
        lo, hi = self._order_of(v), self._order_of(u)
        ahead, behind = {v}, {u}
        ahead_todo, behind_todo = [v], [u]
        while ahead_todo and behind_todo:
            n = ahead_todo.pop()
            for m in self._succ(n):
                if (n, m) in waiting:
                    continue
                if m in behind:
                    return True
                if m not in ahead and self._order_of(m) < hi:
                    ahead.add(m)
                    ahead_todo.append(m)
            n = behind_todo.pop()
            for m in self._pred(n):
                if (m, n) in waiting:
                    continue
                if m in ahead:
                    return True
                if m not in behind and self._order_of(m) > lo:
                    behind.add(m)
                    behind_todo.append(m)
        if not ahead_todo:  # everything downstream of v below u: lift it above u
            bound = min((self._order_of(m) for n in ahead for m in self._succ(n)
                         if m not in ahead and (n, m) not in waiting), default=None)
            self._move(sorted(ahead, key=self._order_of), hi, bound, waiting)
        else:  # everything upstream of u above v: drop it below v
            bound = max((self._order_of(m) for n in behind for m in self._pred(n)
                         if m not in behind and (m, n) not in waiting), default=None)
            self._move(sorted(behind, key=self._order_of), bound, lo, waiting)
        return False

    def _move(self, group: list[str], low: float | None, high: float | None, waiting: set[tuple[str, str]]) -> None:
        """Give `group` (in its order) new places strictly between `low` and `high`."""
        if low is None:
            assert high is not None
            low = high - len(group) - 1
        if high is None:
            high = low + len(group) + 1
        step = (high - low) / (len(group) + 1)
        places = [low + step * (i + 1) for i in range(len(group))]
        if all(a < b for a, b in zip([low, *places], [*places, high], strict=True)):
            self.order_updates.update(zip(group, places, strict=True))
        else:  # floating-point room ran out after many moves in one spot: number everything afresh
            self._renumber(waiting)

    def _present(self) -> Iterator[str]:
        yield from (n for n in self._dag if n not in self._cut)
        yield from (n for n, s in self._nodes.items() if s is not None and (n not in self._dag or n in self._cut))

    def _renumber(self, waiting: set[tuple[str, str]]) -> None:
        nodes = list(self._present())
        indegree = {n: 0 for n in nodes}
        for n in nodes:
            for m in self._succ(n):
                if (n, m) not in waiting:
                    indegree[m] += 1
        todo = [n for n in nodes if indegree[n] == 0]
        k = 0
        while todo:
            n = todo.pop()
            self.order_updates[n] = float(k)
            k += 1
            for m in self._succ(n):
                if (n, m) not in waiting:
                    indegree[m] -= 1
                    if indegree[m] == 0:
                        todo.append(m)

    def _path(self, v: str, u: str, waiting: set[tuple[str, str]]) -> list[str]:
        """Subtasks on a path v->...->u (through edges already in the order)."""
        parent: dict[str, str] = {}
        todo = [v]
        while todo:
            n = todo.pop()
            for m in self._succ(n):
                if (n, m) in waiting or m in parent or m == v:
                    continue
                parent[m] = n
                if m == u:
                    path = [u]
                    while path[-1] != v:
                        path.append(parent[path[-1]])
                    return path[::-1]
                todo.append(m)
        raise AssertionError(f"no path {v}->{u}")  # pragma: no cover - _reaches found one

    def _upstream(self, src: str, dst: str) -> bool:
        """Whether `src` is a proper ancestor of `dst` (the order bounds the search)."""
        if src == dst:
            return False
        if self._has_edge(src, dst):
            return True
        limit = self._order_of(dst)
        seen, todo = {src}, [src]
        while todo:
            for m in self._succ(todo.pop()):
                if m == dst:
                    return True
                if m not in seen and self._order_of(m) < limit:
                    seen.add(m)
                    todo.append(m)
        return False

    def _downstream(self, roots: Iterable[str]) -> set[str]:
        seen = {r for r in roots if self._has(r)}
        todo = list(seen)
        while todo:
            for m in self._succ(todo.pop()):
                if m not in seen:
                    seen.add(m)
                    todo.append(m)
        return seen

    def _check_references(self) -> list[str]:
        suspects = self._suspects | self._downstream(self._shrunk)
        live = [s for s in suspects if self._has(s)]
        reasons: list[str] = []
        for sid in sorted(live, key=lambda s: self.positions.get(s, self._position.get(s, -1))):
            s = self._get(sid)
            if s.status not in EDITABLE:
                continue  # its inputs were resolved when it started
            for name, value in s.inputs.items():
                if not isinstance(value, Ref):
                    continue
                if not self._has(value.subtask):
                    reasons.append(f"input {sid}.{name} references missing subtask {value.subtask!r}")
                elif not self._upstream(value.subtask, sid):
                    reasons.append(
                        f"input {sid}.{name} references {value} but {value.subtask!r} is not upstream"
                        f" of {sid!r}: add an edge {value.subtask}->{sid}"
                    )
                elif value.output not in self._get(value.subtask).outputs:
                    reasons.append(
                        f"input {sid}.{name} references {value} but {value.subtask!r} declares no output"
                        f" {value.output!r}"
                    )
        return reasons
