"""TaskGraph: one user request as a mutable DAG of subtasks, with its invariants in code.

Nodes are `Subtask`s, edges carry a kind (`on_success`, `on_completion`,
`on_failure`). A subtask's inputs are literals or references to an upstream
subtask's named output; they are filled in when that subtask finishes.

All structural edits go through `GraphPatch`, applied atomically: either every
operation applies and the invariants hold (acyclic; running and finished subtasks
untouched; every reference resolves), or the graph is left exactly as it was and
`PatchRejected` lists every reason. Status changes (running, succeeded ...) are
not patches; they go through the `mark_*`, `retry` and `cancel` methods, each along
one edge of `TRANSITIONS`, or raise `InvalidTransition`.

Scheduling never walks the whole graph: each subtask keeps a count of its upstream
subtasks that have not finished and of those that finished in a way its edge does not
accept, kept current by every status change and patch; `refresh` only looks at the
subtasks whose counts moved, and `ready` reads a set kept along the way.
"""

from __future__ import annotations

from typing import Any, Literal, get_args

import networkx as nx
from pydantic import BaseModel

from .patch import (
    AddEdge,
    AddSubtask,
    GraphPatch,
    PatchDraft,
    PatchOp,
    PatchRejected,
    RemoveEdge,
    RemoveSubtask,
    UpdateSubtask,
)
from .subtask import (
    EDITABLE,
    TERMINAL,
    TRANSITIONS,
    DeviceKind,
    DeviceRequirement,
    EdgeKind,
    InputValue,
    InvalidTransition,
    Ref,
    Status,
    Subtask,
    SubtaskResult,
    SubtaskSpec,
    edge_satisfied,
)

__all__ = [
    "EDITABLE",
    "TERMINAL",
    "TRANSITIONS",
    "AddEdge",
    "AddSubtask",
    "DeviceKind",
    "DeviceRequirement",
    "EdgeKind",
    "GraphMetrics",
    "GraphPatch",
    "InputValue",
    "InvalidTransition",
    "PatchOp",
    "PatchRejected",
    "Ref",
    "RemoveEdge",
    "RemoveSubtask",
    "Status",
    "Subtask",
    "SubtaskResult",
    "SubtaskSpec",
    "TaskGraph",
    "UpdateSubtask",
]


class GraphMetrics(BaseModel):
    """Shape of the work: how long at best, how wide, how much in all."""

    subtasks: int
    critical_path: list[str]
    critical_path_work: int
    width: int
    total_work: int
    parallelism: float


class TaskGraph:
    """A mutable DAG of subtasks for one task. Not thread-safe: one owner mutates it."""

    def __init__(self, task_id: str, request: str = "") -> None:
        self.task_id = task_id
        self.request = request
        self.version = 0
        self.patches: list[GraphPatch] = []
        self._dag: nx.DiGraph[str] = nx.DiGraph()
        # Per subtask: its place in the node order (the order subtasks were added), its
        # place in a topological order (patch checks), how many upstream subtasks have not
        # finished, and how many finished in a way their edge does not accept.
        self._position: dict[str, int] = {}
        self._order: dict[str, float] = {}
        self._waiting: dict[str, int] = {}
        self._blocked: dict[str, int] = {}
        self._next_position = 0
        self._next_order = 0.0
        self._referrers: dict[str, set[str]] = {}  # subtask id -> ids whose inputs name it
        self._ready: set[str] = set()
        self._unsettled: dict[str, None] = {}  # pending subtasks whose counts moved since `refresh`
        self._counts: dict[str, int] = dict.fromkeys(get_args(Status), 0)

    # reading ---------------------------------------------------------------

    def __contains__(self, subtask_id: object) -> bool:
        return subtask_id in self._dag

    def __len__(self) -> int:
        return int(self._dag.number_of_nodes())

    def subtask(self, subtask_id: str) -> Subtask:
        """The subtask with this id (KeyError names it if absent)."""
        try:
            node: Subtask = self._dag.nodes[subtask_id]["subtask"]
        except KeyError:
            raise KeyError(f"no subtask {subtask_id!r} in task {self.task_id}") from None
        return node

    def subtasks(self) -> list[Subtask]:
        """All subtasks in a topological order (ties broken by id)."""
        return [self._dag.nodes[n]["subtask"] for n in nx.lexicographical_topological_sort(self._dag)]

    def edges(self) -> list[tuple[str, str, EdgeKind]]:
        """All edges with their kinds."""
        return [(a, b, d["kind"]) for a, b, d in self._dag.edges(data=True)]

    def predecessors(self, subtask_id: str) -> list[tuple[str, EdgeKind]]:
        """The subtasks `subtask_id` depends on, with the kind of each dependency."""
        return [(p, d["kind"]) for p, d in self._dag.pred[subtask_id].items()]

    def successors(self, subtask_id: str) -> list[str]:
        """The subtasks that depend on `subtask_id`."""
        return list(self._dag.successors(subtask_id))

    @property
    def finished(self) -> bool:
        """Every subtask is terminal."""
        return sum(self._counts[s] for s in TERMINAL) == len(self._dag)

    @property
    def succeeded(self) -> bool:
        """Finished, and every subtask that could matter succeeded.

        A failed subtask that an `on_failure` branch handled (some remediation
        succeeded after it) does not fail the whole task.
        """
        if not self.finished:
            return False
        for sid in self._dag:
            if self.subtask(sid).status in ("failed", "cancelled"):
                handled = any(
                    d["kind"] == "on_failure" and self.subtask(n).status == "succeeded"
                    for n, d in self._dag.succ[sid].items()
                )
                if not handled:
                    return False
        return True

    def snapshot(self) -> dict[str, Any]:
        """JSON-ready view: subtasks, edges, version."""
        return {
            "task_id": self.task_id,
            "request": self.request,
            "version": self.version,
            "subtasks": [s.model_dump(mode="json", by_alias=True) for s in self.subtasks()],
            "edges": [{"src": a, "dst": b, "kind": k} for a, b, k in self.edges()],
        }

    # patching --------------------------------------------------------------

    def check(self, patch: GraphPatch) -> list[str]:
        """Every reason `patch` would be rejected (empty: it would apply). Changes nothing."""
        return self._draft(patch).reasons

    def apply(self, patch: GraphPatch) -> int:
        """Apply `patch` atomically; returns the new version or raises `PatchRejected`."""
        draft = self._draft(patch)
        if draft.reasons:
            raise PatchRejected(draft.reasons)
        for op, node in draft.steps:
            if isinstance(op, AddSubtask):
                assert node is not None
                self._add(node)
            elif isinstance(op, UpdateSubtask):
                assert node is not None
                self._replace(node)
            elif isinstance(op, RemoveSubtask):
                self._remove(op.id)
            elif isinstance(op, AddEdge):
                self._add_edge(op.src, op.dst, op.kind)
            else:
                self._remove_edge(op.src, op.dst)
        if draft.order_updates:
            self._order.update(draft.order_updates)
            self._next_order = max(self._next_order, max(draft.order_updates.values()) + 1)
        self.version += 1
        self.patches.append(patch)
        return self.version

    def _draft(self, patch: GraphPatch) -> PatchDraft:
        return PatchDraft(
            self._dag,
            self._order,
            self._position,
            self._referrers,
            next_order=self._next_order,
            next_position=self._next_position,
        ).check(patch.ops)

    def _add(self, node: Subtask) -> None:
        sid = node.id
        self._dag.add_node(sid, subtask=node)
        self._position[sid] = self._next_position
        self._next_position += 1
        self._waiting[sid] = self._blocked[sid] = 0
        self._counts[node.status] += 1
        self._refer(node, True)
        self._unsettled[sid] = None

    def _replace(self, node: Subtask) -> None:
        live = self.subtask(node.id)
        # The draft copied the status before an earlier op of this patch sent a ready
        # subtask back to pending: the replacement keeps the live one. Not a transition.
        object.__setattr__(node, "status", live.status)
        self._refer(live, False)
        self._dag.nodes[node.id]["subtask"] = node
        self._refer(node, True)

    def _remove(self, sid: str) -> None:
        node = self.subtask(sid)
        for v, d in self._dag.succ[sid].items():
            self._count_edge(node.status, d["kind"], v, -1)
        self._refer(node, False)
        self._counts[node.status] -= 1
        self._ready.discard(sid)
        self._unsettled.pop(sid, None)
        for index in (self._position, self._waiting, self._blocked):
            del index[sid]
        self._order.pop(sid, None)  # a subtask added by this same patch has no place yet
        self._dag.remove_node(sid)

    def _add_edge(self, src: str, dst: str, kind: EdgeKind) -> None:
        upstream = self.subtask(src).status
        if self._dag.has_edge(src, dst):  # a new kind for an existing dependency
            self._count_edge(upstream, self._dag.edges[src, dst]["kind"], dst, -1)
        self._dag.add_edge(src, dst, kind=kind)
        self._count_edge(upstream, kind, dst, +1)
        # A ready subtask with a new dependency must wait for it again; `refresh` re-promotes.
        node = self.subtask(dst)
        if node.status == "ready":
            self._move(node, "pending", "apply")

    def _remove_edge(self, src: str, dst: str) -> None:
        self._count_edge(self.subtask(src).status, self._dag.edges[src, dst]["kind"], dst, -1)
        self._dag.remove_edge(src, dst)

    def _count_edge(self, upstream: str, kind: EdgeKind, dst: str, sign: int) -> None:
        """Add (+1) or take back (-1) what an edge from an `upstream` subtask means for `dst`."""
        if upstream not in TERMINAL:
            self._waiting[dst] += sign
        elif not edge_satisfied(kind, upstream):
            self._blocked[dst] += sign
        self._unsettled[dst] = None

    def _refer(self, node: Subtask, present: bool) -> None:
        for ref in node.references:
            if present:
                self._referrers.setdefault(ref.subtask, set()).add(node.id)
            else:
                self._referrers.get(ref.subtask, set()).discard(node.id)

    # status ----------------------------------------------------------------

    def _move(self, node: Subtask, to: Status, method: str) -> None:
        """Change a status along `TRANSITIONS`, keeping the ready set and the counts current."""
        was = node.status
        if TRANSITIONS.get((was, to)) != method:
            raise InvalidTransition(self.task_id, node.id, was, to, method)
        object.__setattr__(node, "status", to)  # the field is frozen to everyone but this method
        self._counts[was] -= 1
        self._counts[to] += 1
        if was == "ready":
            self._ready.discard(node.id)
        if to == "ready":
            self._ready.add(node.id)
        elif to == "pending":
            self._unsettled[node.id] = None
        elif to in TERMINAL:
            for v, d in self._dag.succ[node.id].items():
                self._waiting[v] -= 1
                if not edge_satisfied(d["kind"], to):
                    self._blocked[v] += 1
                self._unsettled[v] = None

    def refresh(self) -> list[str]:
        """Promote pending subtasks whose dependencies are met to ready; skip the hopeless.

        Returns the ids whose status changed. Skips cascade in one call. Looks only at the
        subtasks whose upstream changed since the last call.
        """
        changed: list[str] = []
        while self._unsettled:
            batch, self._unsettled = self._unsettled, {}
            for sid in batch:
                node = self._dag.nodes[sid]["subtask"] if sid in self._dag else None
                if node is None or node.status != "pending":
                    continue
                verdict = self._dependency_verdict(sid)
                if verdict != "wait":
                    self._move(node, "ready" if verdict == "ready" else "skipped", "refresh")
                    changed.append(sid)
        return changed

    def _dependency_verdict(self, sid: str) -> Literal["ready", "wait", "never"]:
        waiting, blocked = self._waiting[sid], self._blocked[sid]
        if not blocked:
            return "wait" if waiting else "ready"
        if not waiting:
            return "never"
        # Some upstream have not finished and some finished the wrong way: as ever, the
        # first of them in edge order decides whether to wait or to skip now.
        for pred, kind in self.predecessors(sid):
            status = self.subtask(pred).status
            if status not in TERMINAL:
                return "wait"
            if not edge_satisfied(kind, status):
                return "never"
        raise AssertionError(f"counts of {sid} disagree with its edges")  # pragma: no cover

    def ready(self) -> list[Subtask]:
        """Subtasks that may be dispatched now, in the order they were added to the graph.

        No ready subtask depends on another (their upstream all finished), so that is a
        topological order too.
        """
        self.refresh()
        return [self._dag.nodes[sid]["subtask"] for sid in sorted(self._ready, key=self._position.__getitem__)]

    def resolve_inputs(self, subtask_id: str) -> dict[str, str]:
        """The subtask's inputs with every reference replaced by the upstream output."""
        values: dict[str, str] = {}
        for name, value in self.subtask(subtask_id).inputs.items():
            if isinstance(value, Ref):
                upstream = self.subtask(value.subtask)
                outputs = upstream.result.outputs if upstream.result else {}
                values[name] = outputs.get(value.output, "")
            else:
                values[name] = value
        return values

    def effective_privacy(self, subtask_id: str) -> Literal["normal", "private"]:
        """"private" if the subtask is, or takes an input derived from a private subtask's output.

        Privacy flows with data: what a private subtask found stays private downstream.
        """
        # Each subtask the data comes through is looked at once: where two inputs share an
        # upstream, following every path would double the work at each such layer.
        seen, todo = {subtask_id}, [subtask_id]
        while todo:
            s = self.subtask(todo.pop())
            if s.privacy == "private":
                return "private"
            for ref in s.references:
                if ref.subtask not in seen:
                    seen.add(ref.subtask)
                    todo.append(ref.subtask)
        return "normal"

    def mark_running(self, subtask_id: str, device_id: str) -> None:
        """An attempt starts on `device_id` (ready -> running)."""
        s = self.subtask(subtask_id)
        self._move(s, "running", "mark_running")
        s.attempts += 1
        s.device_id = device_id
        if device_id not in s.tried_devices:
            s.tried_devices.append(device_id)

    def mark_finished(self, subtask_id: str, result: SubtaskResult) -> None:
        """Record how a running attempt ended; a failure here is final (retries go through `retry`).

        Only a running subtask finishes: one that never started is `cancel`led, or fails
        through `mark_unplaceable`.
        """
        s = self.subtask(subtask_id)
        self._move(s, result.status, "mark_finished")
        s.result = result

    def retry(self, subtask_id: str, error: str) -> None:
        """Put a running subtask back to ready after a failed attempt or a lost device."""
        s = self.subtask(subtask_id)
        self._move(s, "ready", "retry")
        s.result = SubtaskResult(status="failed", error=error)

    def mark_unplaceable(self, subtask_id: str, error: str) -> None:
        """Fail a ready subtask that no device can run, without an attempt (ready -> failed)."""
        s = self.subtask(subtask_id)
        self._move(s, "failed", "mark_unplaceable")
        s.result = SubtaskResult(status="failed", error=error)

    def cancel(self, subtask_id: str, reason: str) -> None:
        """Cancel a subtask that has not started (pending or ready -> cancelled).

        A running one is cancelled on its device first, then finished with
        `mark_finished(..., SubtaskResult(status="cancelled"))`.
        """
        s = self.subtask(subtask_id)
        self._move(s, "cancelled", "cancel")
        s.result = SubtaskResult(status="cancelled", error=reason)

    def cancel_all(self, reason: str) -> list[str]:
        """Cancel every unfinished subtask; returns the ids that were running."""
        running = []
        for s in self.subtasks():
            if s.status == "running":
                running.append(s.id)
                self.mark_finished(s.id, SubtaskResult(status="cancelled", error=reason))
            elif s.status not in TERMINAL:
                self.cancel(s.id, reason)
        return running

    # metrics ---------------------------------------------------------------

    def metrics(self) -> GraphMetrics:
        """Critical path, width (largest set that can run at once), total work, parallelism."""
        g = self._dag
        work = {n: self.subtask(n).estimated_steps for n in g}
        total = sum(work.values())
        if not g:
            return GraphMetrics(
                subtasks=0, critical_path=[], critical_path_work=0, width=0, total_work=0, parallelism=0.0
            )
        # Longest path by node weight: push each node's work onto its outgoing edges.
        best: dict[str, tuple[int, list[str]]] = {}
        for n in nx.topological_sort(g):
            prev = max((best[p] for p in g.predecessors(n)), default=(0, []), key=lambda t: t[0])
            best[n] = (prev[0] + work[n], [*prev[1], n])
        cp_work, cp = max(best.values(), key=lambda t: t[0])
        return GraphMetrics(
            subtasks=len(g),
            critical_path=cp,
            critical_path_work=cp_work,
            width=_width(g),
            total_work=total,
            parallelism=round(total / cp_work, 3),
        )


def _width(g: nx.DiGraph[str]) -> int:
    """Largest antichain, exactly: Dilworth's theorem via a maximum bipartite matching."""
    closure = nx.transitive_closure_dag(g)
    b: nx.Graph[tuple[str, str]] = nx.Graph()
    left = [("L", n) for n in g]
    b.add_nodes_from(left)
    b.add_nodes_from(("R", n) for n in g)
    b.add_edges_from((("L", u), ("R", v)) for u, v in closure.edges)
    matching = nx.bipartite.hopcroft_karp_matching(b, top_nodes=left)
    return int(g.number_of_nodes() - len(matching) // 2)
