"""`fleetmind bench scheduler`: what building, scheduling and patching a task graph cost
as it grows, beside a naive baseline measured in the same run.

The graphs are layered: `WIDTH` lanes, each subtask waiting (`on_success`) for the one
above it in its lane and taking its output as an input; the first subtask of each layer
also waits (`on_completion`) for the last one of the layer above. For each size, three
figures:

- build: one patch that adds every subtask and edge, applied to an empty `TaskGraph`;
- scheduling, per subtask: the whole graph run to completion on `DEVICES` phones. Each
  pass takes `ready()`, lets `decide_dispatch` match the ready subtasks to idle phones,
  marks the chosen ones running, then succeeded;
- one-subtask patch: a subtask inserted between two middle layers (it takes an output
  of the layer above, and a subtask of the layer below now waits for it).

The baseline does the same work the way `TaskGraph` did before it kept its own
bookkeeping: `ready()` promotes and skips by walking the whole graph in topological
order until nothing changes, and a patch is tried on a copy of the graph with every
subtask deep-copied, then the whole copy is checked (acyclic, every subtask's
references against all its ancestors). Where the baseline's scheduling run would take
minutes, it is timed on the first subtasks of the run and says so. Lanes keep the
baseline's whole-graph checks to seconds at 10,000 subtasks: when every layer mixes with
the one above, each subtask has most of the graph upstream and they take about a minute.

Times are CPU seconds of this process (`time.process_time`), so other work on the
machine disturbs them less than wall-clock time would.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import networkx as nx

from ..orchestrator.graph import (
    AddEdge,
    AddSubtask,
    EdgeKind,
    GraphPatch,
    Ref,
    Subtask,
    SubtaskResult,
    SubtaskSpec,
    TaskGraph,
)
from ..orchestrator.scheduler import DeviceView, ReadySubtask, decide_dispatch
from ..orchestrator.subtask import TERMINAL, edge_satisfied

SIZES = (10, 1_000, 10_000)
WIDTH = 10
"""Subtasks per layer."""
DEVICES = 4
"""Phones that run them; fewer than a layer holds, so ready subtasks queue."""
BASELINE_BUDGET_S = 3.0
"""CPU seconds the baseline's scheduling runs may take before they stop and report their sample."""
MIN_SCHEDULED = 2_000
"""Subtasks scheduled per figure at least: small graphs run several times."""


@dataclass(frozen=True)
class Figure:
    """One measure on one graph size: ours beside the baseline's."""

    subtasks: int
    measure: str
    seconds: float
    baseline_seconds: float
    baseline_note: str = ""

    @property
    def speedup(self) -> float:
        return self.baseline_seconds / self.seconds if self.seconds else float("inf")


def layered_patch(subtasks: int, width: int = WIDTH) -> GraphPatch:
    """A patch adding `subtasks` subtasks in layers of `width`, with their edges."""
    specs: list[SubtaskSpec] = []
    edges: list[tuple[str, str, EdgeKind]] = []
    for k in range(subtasks):
        layer, i = divmod(k, width)
        sid = _sid(layer, i)
        inputs: dict[str, Any] = {}
        if layer:
            above = _sid(layer - 1, i)
            inputs["previous"] = Ref(subtask=above, output="x")
            edges.append((above, sid, "on_success"))
            if i == 0 and width > 1:
                edges.append((_sid(layer - 1, width - 1), sid, "on_completion"))
        specs.append(SubtaskSpec(id=sid, goal=f"step {k}", inputs=inputs, outputs=["x"]))
    return GraphPatch.from_specs(specs, edges, reason="bench")


def insertion_patch(subtasks: int, n: int, width: int = WIDTH) -> GraphPatch:
    """Insert subtask `extra-n` below the middle layer and above the next one (if any)."""
    layers = (subtasks + width - 1) // width
    middle = (layers - 1) // 2
    above, below, new = _sid(middle, 0), _sid(middle + 1, 0), f"extra-{n}"
    ops: list[Any] = [
        AddSubtask(subtask=SubtaskSpec(id=new, goal="one more step", inputs={"i": Ref(subtask=above, output="x")},
                                       outputs=["x"])),
        AddEdge(src=above, dst=new),
    ]
    if middle + 1 < layers:
        ops.append(AddEdge(src=new, dst=below))
    return GraphPatch(ops=ops, reason="bench")


def _sid(layer: int, i: int) -> str:
    return f"L{layer}.{i}"


# --- the baseline ------------------------------------------------------------------


class WalkingGraph:
    """The baseline: every question answered by walking the whole graph, as TaskGraph did."""

    def __init__(self) -> None:
        self.g: nx.DiGraph[str] = nx.DiGraph()

    def apply(self, patch: GraphPatch) -> None:
        """Try `patch` on a deep copy, check the whole copy, keep it (adds only)."""
        trial = self.g.copy()
        for n in trial.nodes:
            trial.nodes[n]["subtask"] = trial.nodes[n]["subtask"].model_copy(deep=True)
        for op in patch.ops:
            if isinstance(op, AddSubtask):
                trial.add_node(op.subtask.id, subtask=Subtask(**op.subtask.model_dump(by_alias=True)),
                               status="pending")
            elif isinstance(op, AddEdge):
                trial.add_edge(op.src, op.dst, kind=op.kind)
        if not nx.is_directed_acyclic_graph(trial):
            raise ValueError("cycle")
        for sid in trial:
            if trial.nodes[sid]["status"] not in ("pending", "ready"):
                continue
            ancestors = nx.ancestors(trial, sid)
            for value in trial.nodes[sid]["subtask"].inputs.values():
                if isinstance(value, Ref) and (
                    value.subtask not in ancestors or value.output not in trial.nodes[value.subtask]["subtask"].outputs
                ):
                    raise ValueError(f"bad reference {value}")
        self.g = trial

    def _status(self, sid: str) -> str:
        status: str = self.g.nodes[sid]["status"]
        return status

    def ready(self) -> list[Subtask]:
        progress = True
        while progress:
            progress = False
            for sid in nx.topological_sort(self.g):
                if self._status(sid) != "pending":
                    continue
                verdict = "ready"
                for pred in self.g.predecessors(sid):
                    status = self._status(pred)
                    if status not in TERMINAL:
                        verdict = "wait"
                        break
                    if not edge_satisfied(self.g.edges[pred, sid]["kind"], status):
                        verdict = "never"
                        break
                if verdict != "wait":
                    self.g.nodes[sid]["status"] = "ready" if verdict == "ready" else "skipped"
                    progress = True
        return [
            self.g.nodes[n]["subtask"]
            for n in nx.lexicographical_topological_sort(self.g)
            if self._status(n) == "ready"
        ]

    def mark_running(self, sid: str, device_id: str) -> None:
        self.g.nodes[sid]["status"] = "running"

    def mark_finished(self, sid: str, result: SubtaskResult) -> None:
        self.g.nodes[sid]["status"] = result.status


# --- measuring -----------------------------------------------------------------------


class _Schedulable(Protocol):
    def ready(self) -> list[Subtask]: ...
    def mark_running(self, subtask_id: str, device_id: str) -> None: ...
    def mark_finished(self, subtask_id: str, result: SubtaskResult) -> None: ...


def run_to_completion(graph: _Schedulable, budget_s: float | None = None) -> tuple[int, float]:
    """Run every subtask on `DEVICES` phones; returns (subtasks run, CPU seconds).

    Stops early, after a whole pass, once `budget_s` is spent.
    """
    phones = [f"phone-{i}" for i in range(DEVICES)]
    assigned: Counter[str] = Counter()
    done = 0
    start = time.process_time()
    while True:
        ready = graph.ready()
        if not ready:
            break
        candidates = [ReadySubtask(s.id, s.device) for s in ready]
        views = [DeviceView(p, "phone", assigned_total=assigned[p]) for p in phones]
        chosen = decide_dispatch(candidates, views, running_total=0, max_concurrent=DEVICES)
        for d in chosen:
            graph.mark_running(d.subtask_id, d.device_id)
            assigned[d.device_id] += 1
        for d in chosen:
            graph.mark_finished(d.subtask_id, SubtaskResult(status="succeeded", outputs={"x": d.subtask_id}))
        done += len(chosen)
        if budget_s is not None and time.process_time() - start > budget_s:
            break
    return done, time.process_time() - start


def _cpu(fn: Callable[[], object]) -> float:
    start = time.process_time()
    fn()
    return time.process_time() - start


def _median_cpu(make: Callable[[int], Callable[[], object]], min_runs: int, budget_s: float) -> float:
    """Median CPU time of `make(i)()`, at least `min_runs` times or until `budget_s` is spent."""
    times: list[float] = []
    while len(times) < min_runs or (sum(times) < budget_s and len(times) < 20):
        times.append(_cpu(make(len(times))))
    return statistics.median(times)


def _time_one_side(
    make: Callable[[], Any], plan: GraphPatch, subtasks: int, budget_s: float | None
) -> tuple[float, float, int, float]:
    """Build, patch and run one kind of graph: (build s, patch s, subtasks run, run s).

    Small graphs are built and run again until `MIN_SCHEDULED` subtasks ran, to rise above
    the clock's grain. Only this side's graphs are alive while it is timed, and timing
    starts after a garbage collection: the other side's leftovers do not slow it down.
    """
    gc.collect()
    build = _median_cpu(lambda _: _applier(make(), plan), 1, 0.2)
    graph = make()
    graph.apply(plan)
    patch = _median_cpu(lambda i: _applier(graph, insertion_patch(subtasks, i)), 5 if budget_s is None else 1, 0.2)
    ran, seconds = 0, 0.0
    while ran < MIN_SCHEDULED and (budget_s is None or seconds < budget_s):
        graph = make()  # fresh, without the inserted subtasks
        graph.apply(plan)
        more, spent = run_to_completion(graph, None if budget_s is None else budget_s - seconds)
        ran, seconds = ran + more, seconds + spent
        if budget_s is None and more != subtasks:
            raise AssertionError(f"the run stopped after {more} of {subtasks} subtasks")
    return build, patch, ran, seconds


def _applier(graph: Any, patch: GraphPatch) -> Callable[[], object]:
    return lambda: graph.apply(patch)


def measure(subtasks: int) -> list[Figure]:
    """Build, scheduling and one-subtask patch figures for one size."""
    plan = layered_patch(subtasks)
    build, patch, ran, seconds = _time_one_side(lambda: TaskGraph("bench"), plan, subtasks, None)
    build_b, patch_b, ran_b, seconds_b = _time_one_side(WalkingGraph, plan, subtasks, BASELINE_BUDGET_S)
    note = f"first {ran_b:,} subtasks" if ran_b < subtasks else ""
    return [
        Figure(subtasks, "build", build, build_b),
        Figure(subtasks, "scheduling, per subtask", seconds / ran, seconds_b / ran_b, note),
        Figure(subtasks, "one-subtask patch", patch, patch_b),
    ]


def run(sizes: Sequence[int] = SIZES) -> list[Figure]:
    """Every figure for every size, smallest graph first."""
    return [f for n in sizes for f in measure(n)]
