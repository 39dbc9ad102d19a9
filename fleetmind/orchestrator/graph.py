"""TaskGraph: one user request as a mutable DAG of subtasks, with its invariants in code.

Nodes are `Subtask`s, edges carry a kind (`on_success`, `on_completion`,
`on_failure`). A subtask's inputs are literals or references to an upstream
subtask's named output; they are filled in when that subtask finishes.

All structural edits go through `GraphPatch`, applied atomically: either every
operation applies and the invariants hold (acyclic; running and finished subtasks
untouched; every reference resolves), or the graph is left exactly as it was and
`PatchRejected` lists every reason. Status changes (running, succeeded ...) are
not patches; they are the scheduler's business and go through `mark_*` methods.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any, Literal

import networkx as nx
from pydantic import BaseModel, ConfigDict, Field

Status = Literal["pending", "ready", "running", "succeeded", "failed", "cancelled", "skipped"]
EdgeKind = Literal["on_success", "on_completion", "on_failure"]
DeviceKind = Literal["phone", "browser", "desktop"]

TERMINAL: frozenset[str] = frozenset({"succeeded", "failed", "cancelled", "skipped"})
EDITABLE: frozenset[str] = frozenset({"pending", "ready"})


class Ref(BaseModel):
    """A reference to `subtask`'s named `output`, written `{"from": "s1", "output": "x"}`."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    subtask: str = Field(alias="from")
    output: str

    def __str__(self) -> str:
        return f"{self.subtask}.outputs.{self.output}"


InputValue = str | Ref


class DeviceRequirement(BaseModel):
    """Which devices may run a subtask: a kind, capabilities they must all have, or one device."""

    model_config = ConfigDict(frozen=True)

    kind: DeviceKind | None = None
    capabilities: tuple[str, ...] = ()
    device_id: str | None = None

    def describe(self) -> str:
        """Short text for logs and errors."""
        if self.device_id:
            return f"device {self.device_id}"
        caps = f" with {', '.join(self.capabilities)}" if self.capabilities else ""
        return f"any {self.kind or 'device'}{caps}"


class SubtaskSpec(BaseModel):
    """What a planner says about a subtask."""

    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    goal: str = Field(min_length=1)
    device: DeviceRequirement = Field(default_factory=DeviceRequirement)
    inputs: dict[str, InputValue] = Field(default_factory=dict)
    outputs: list[str] = Field(default_factory=list)
    privacy: Literal["normal", "private"] = "normal"
    max_attempts: int = Field(2, ge=1, le=10)
    timeout_s: float = Field(300.0, gt=0)
    estimated_steps: int = Field(5, ge=1, description="Work estimate, for metrics.")


class SubtaskResult(BaseModel):
    """How a finished attempt ended."""

    status: Literal["succeeded", "failed", "cancelled"]
    outputs: dict[str, str] = Field(default_factory=dict)
    summary: str = ""
    error: str | None = None
    steps: int = 0
    cost_usd: float = 0.0


class Subtask(SubtaskSpec):
    """A subtask in the graph: its spec plus run state."""

    status: Status = "pending"
    attempts: int = 0
    device_id: str | None = Field(None, description="Device of the current or last attempt.")
    tried_devices: list[str] = Field(default_factory=list)
    result: SubtaskResult | None = None

    @property
    def spec(self) -> SubtaskSpec:
        """The planner-facing part."""
        return SubtaskSpec.model_validate(self.model_dump(include=set(SubtaskSpec.model_fields)))


# --- patches ---------------------------------------------------------------


class AddSubtask(BaseModel):
    op: Literal["add_subtask"] = "add_subtask"
    subtask: SubtaskSpec


class UpdateSubtask(BaseModel):
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
    op: Literal["remove_subtask"] = "remove_subtask"
    id: str


class AddEdge(BaseModel):
    op: Literal["add_edge"] = "add_edge"
    src: str
    dst: str
    kind: EdgeKind = "on_success"


class RemoveEdge(BaseModel):
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


class GraphMetrics(BaseModel):
    """Shape of the work: how long at best, how wide, how much in all."""

    subtasks: int
    critical_path: list[str]
    critical_path_work: int
    width: int
    total_work: int
    parallelism: float


# --- the graph -------------------------------------------------------------


class TaskGraph:
    """A mutable DAG of subtasks for one task. Not thread-safe: one owner mutates it."""

    def __init__(self, task_id: str, request: str = "") -> None:
        self.task_id = task_id
        self.request = request
        self.version = 0
        self.patches: list[GraphPatch] = []
        self._g: nx.DiGraph[str] = nx.DiGraph()

    # reading ---------------------------------------------------------------

    def __contains__(self, subtask_id: object) -> bool:
        return subtask_id in self._g

    def __len__(self) -> int:
        return int(self._g.number_of_nodes())

    def subtask(self, subtask_id: str) -> Subtask:
        """The subtask with this id (KeyError names it if absent)."""
        try:
            node: Subtask = self._g.nodes[subtask_id]["subtask"]
        except KeyError:
            raise KeyError(f"no subtask {subtask_id!r} in task {self.task_id}") from None
        return node

    def subtasks(self) -> list[Subtask]:
        """All subtasks in a topological order."""
        return [self._g.nodes[n]["subtask"] for n in nx.lexicographical_topological_sort(self._g)]

    def edges(self) -> list[tuple[str, str, EdgeKind]]:
        """All edges with their kinds."""
        return [(a, b, d["kind"]) for a, b, d in self._g.edges(data=True)]

    def predecessors(self, subtask_id: str) -> list[tuple[str, EdgeKind]]:
        return [(p, self._g.edges[p, subtask_id]["kind"]) for p in self._g.predecessors(subtask_id)]

    def successors(self, subtask_id: str) -> list[str]:
        return list(self._g.successors(subtask_id))

    @property
    def finished(self) -> bool:
        """Every subtask is terminal."""
        return all(s.status in TERMINAL for s in self.subtasks())

    @property
    def succeeded(self) -> bool:
        """Finished, and every subtask that could matter succeeded.

        A failed subtask that an `on_failure` branch handled (some remediation
        succeeded after it) does not fail the whole task.
        """
        if not self.finished:
            return False
        for s in self.subtasks():
            if s.status in ("failed", "cancelled"):
                handled = any(
                    self._g.edges[s.id, n]["kind"] == "on_failure" and self.subtask(n).status == "succeeded"
                    for n in self._g.successors(s.id)
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

    def apply(self, patch: GraphPatch) -> int:
        """Apply `patch` atomically; returns the new version or raises `PatchRejected`."""
        trial = self._g.copy()
        for n in trial.nodes:  # copy() shares attribute objects; subtasks must not be shared
            trial.nodes[n]["subtask"] = trial.nodes[n]["subtask"].model_copy(deep=True)
        reasons: list[str] = []
        for i, op in enumerate(patch.ops):
            reasons += [f"op {i} ({op.op}): {r}" for r in _apply_op(trial, op)]
        reasons += _check_invariants(trial)
        if reasons:
            raise PatchRejected(reasons)
        self._g = trial
        self.version += 1
        self.patches.append(patch)
        return self.version

    # status ----------------------------------------------------------------

    def refresh(self) -> list[str]:
        """Promote pending subtasks whose dependencies are met to ready; skip the hopeless.

        Returns the ids whose status changed. Skips cascade in one call.
        """
        changed: list[str] = []
        progress = True
        while progress:
            progress = False
            for sid in nx.topological_sort(self._g):
                s = self.subtask(sid)
                if s.status != "pending":
                    continue
                verdict = self._dependency_verdict(sid)
                if verdict != "wait":
                    s.status = "ready" if verdict == "ready" else "skipped"
                    changed.append(sid)
                    progress = True
        return changed

    def _dependency_verdict(self, sid: str) -> Literal["ready", "wait", "never"]:
        for pred, kind in self.predecessors(sid):
            status = self.subtask(pred).status
            if status not in TERMINAL:
                return "wait"
            if not _edge_satisfied(kind, status):
                return "never"
        return "ready"

    def ready(self) -> list[Subtask]:
        """Subtasks that may be dispatched now, in topological order."""
        self.refresh()
        return [s for s in self.subtasks() if s.status == "ready"]

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
        s = self.subtask(subtask_id)
        if s.privacy == "private":
            return "private"
        sources = {v.subtask for v in s.inputs.values() if isinstance(v, Ref)}
        return "private" if any(self.effective_privacy(src) == "private" for src in sources) else "normal"

    def mark_running(self, subtask_id: str, device_id: str) -> None:
        """An attempt starts on `device_id`."""
        s = self.subtask(subtask_id)
        if s.status != "ready":
            raise ValueError(f"subtask {subtask_id} is {s.status}, not ready")
        s.status = "running"
        s.attempts += 1
        s.device_id = device_id
        if device_id not in s.tried_devices:
            s.tried_devices.append(device_id)

    def mark_finished(self, subtask_id: str, result: SubtaskResult) -> None:
        """Record an attempt's end; a failure here is final (retries go through `retry`)."""
        s = self.subtask(subtask_id)
        if s.status in TERMINAL:
            raise ValueError(f"subtask {subtask_id} already finished ({s.status})")
        s.result = result
        s.status = result.status

    def retry(self, subtask_id: str, error: str) -> None:
        """Put a running subtask back to ready after a failed attempt."""
        s = self.subtask(subtask_id)
        if s.status != "running":
            raise ValueError(f"subtask {subtask_id} is {s.status}, not running")
        s.status = "ready"
        s.result = SubtaskResult(status="failed", error=error)

    def cancel_all(self, reason: str) -> list[str]:
        """Cancel every unfinished subtask; returns the ids that were running."""
        running = []
        for s in self.subtasks():
            if s.status == "running":
                running.append(s.id)
            if s.status not in TERMINAL:
                s.status = "cancelled"
                s.result = SubtaskResult(status="cancelled", error=reason)
        return running

    # metrics ---------------------------------------------------------------

    def metrics(self) -> GraphMetrics:
        """Critical path, width (largest set that can run at once), total work, parallelism."""
        g = self._g
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


def _edge_satisfied(kind: EdgeKind, upstream_status: str) -> bool:
    if kind == "on_success":
        return upstream_status == "succeeded"
    if kind == "on_failure":
        return upstream_status == "failed"
    return upstream_status in ("succeeded", "failed")


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


def _status(g: nx.DiGraph[str], sid: str) -> str:
    s: Subtask = g.nodes[sid]["subtask"]
    return s.status


def _frozen_reason(g: nx.DiGraph[str], sid: str, what: str) -> str | None:
    status = _status(g, sid)
    if status not in EDITABLE:
        return f"cannot {what} subtask {sid!r}: it is {status}"
    return None


def _apply_op(g: nx.DiGraph[str], op: Any) -> list[str]:
    """Apply one op to the trial graph; returns why it cannot apply (empty = applied)."""
    if isinstance(op, AddSubtask):
        sid = op.subtask.id
        if sid in g:
            return [f"subtask {sid!r} already exists"]
        g.add_node(sid, subtask=Subtask(**op.subtask.model_dump(by_alias=True)))
        return []
    if isinstance(op, UpdateSubtask):
        if op.id not in g:
            return [f"no subtask {op.id!r} to update"]
        if reason := _frozen_reason(g, op.id, "edit"):
            return [reason]
        s: Subtask = g.nodes[op.id]["subtask"]
        changes = op.model_dump(exclude={"op", "id"}, exclude_none=True, by_alias=True)
        g.nodes[op.id]["subtask"] = Subtask.model_validate({**s.model_dump(by_alias=True), **changes})
        return []
    if isinstance(op, RemoveSubtask):
        if op.id not in g:
            return [f"no subtask {op.id!r} to remove"]
        if reason := _frozen_reason(g, op.id, "remove"):
            return [reason]
        # Removing a node drops its out-edges: that would change a frozen successor's dependencies.
        frozen = [n for n in g.successors(op.id) if _status(g, n) not in EDITABLE]
        if frozen:
            return [f"cannot remove subtask {op.id!r}: {n!r} depends on it and is {_status(g, n)}" for n in frozen]
        g.remove_node(op.id)
        return []
    if isinstance(op, AddEdge):
        missing = [n for n in (op.src, op.dst) if n not in g]
        if missing:
            return [f"edge {op.src}->{op.dst}: no subtask {m!r}" for m in missing]
        if op.src == op.dst:
            return [f"edge {op.src}->{op.dst} is a self-loop"]
        if reason := _frozen_reason(g, op.dst, "add a dependency to"):
            return [reason]
        g.add_edge(op.src, op.dst, kind=op.kind)
        # A ready subtask with a new dependency must wait for it again; `refresh` re-promotes.
        dst: Subtask = g.nodes[op.dst]["subtask"]
        if dst.status == "ready":
            dst.status = "pending"
        return []
    if isinstance(op, RemoveEdge):
        if not g.has_edge(op.src, op.dst):
            return [f"no edge {op.src}->{op.dst} to remove"]
        if reason := _frozen_reason(g, op.dst, "remove a dependency of"):
            return [reason]
        g.remove_edge(op.src, op.dst)
        return []
    return [f"unknown op {op!r}"]  # pragma: no cover - the union is closed


def _check_invariants(g: nx.DiGraph[str]) -> list[str]:
    """Whole-graph invariants after all ops: acyclic, references resolve."""
    reasons: list[str] = []
    if not nx.is_directed_acyclic_graph(g):
        cycle = nx.find_cycle(g)
        reasons.append("the edges make a cycle: " + " -> ".join([*(a for a, _ in cycle), cycle[0][0]]))
        return reasons  # ancestry below is meaningless in a cyclic graph
    for sid in g:
        s: Subtask = g.nodes[sid]["subtask"]
        if s.status not in EDITABLE:
            continue  # its inputs were resolved when it started
        ancestors = nx.ancestors(g, sid)
        for name, value in s.inputs.items():
            if not isinstance(value, Ref):
                continue
            if value.subtask not in g:
                reasons.append(f"input {sid}.{name} references missing subtask {value.subtask!r}")
            elif value.subtask not in ancestors:
                reasons.append(
                    f"input {sid}.{name} references {value} but {value.subtask!r} is not upstream"
                    f" of {sid!r}: add an edge {value.subtask}->{sid}"
                )
            elif value.output not in g.nodes[value.subtask]["subtask"].outputs:
                reasons.append(
                    f"input {sid}.{name} references {value} but {value.subtask!r} declares no output {value.output!r}"
                )
    return reasons
