"""Planners turn a request into a GraphPatch; replanners patch a running graph.

- `ModelPlanner` asks a model for a structured plan, checks it against the graph
  invariants in code, and sends every validation error back for a bounded number
  of repairs before giving up with `PlanningFailed`.
- `ClausePlanner` needs no model: it splits the request into clauses ("then" means
  after, "and" means alongside). It is the offline default, honest about its reach.
- `ModelReplanner` / `RetryReplanner` react to finished or failed subtasks.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field, ValidationError

from ..protocol.messages import DeviceProfile
from .graph import (
    AddEdge,
    AddSubtask,
    DeviceRequirement,
    EdgeKind,
    GraphPatch,
    PatchRejected,
    Ref,
    RemoveEdge,
    SubtaskSpec,
    TaskGraph,
    UpdateSubtask,
)

log = logging.getLogger(__name__)


class StructuredModel(Protocol):
    """The part of a chat model a planner uses (agents.models.ChatModel fits)."""

    name: str

    async def complete(
        self,
        messages: list[dict[str, str]],
        *,
        schema: type[BaseModel] | None = None,
        max_tokens: int = 512,
    ) -> Any: ...


class PlanningFailed(RuntimeError):
    """No valid plan could be made; `reasons` says why, last attempt first."""

    def __init__(self, message: str, reasons: Sequence[str] = ()) -> None:
        super().__init__(message + ("".join(f"\n- {r}" for r in reasons)))
        self.reasons = list(reasons)


class PlanEdge(BaseModel):
    """A dependency in a plan."""

    src: str
    dst: str
    kind: EdgeKind = "on_success"


class Plan(BaseModel):
    """What a planning model must return."""

    subtasks: list[SubtaskSpec] = Field(min_length=1)
    edges: list[PlanEdge] = Field(default_factory=list)
    reason: str = ""

    def to_patch(self) -> GraphPatch:
        return GraphPatch.from_specs(self.subtasks, [(e.src, e.dst, e.kind) for e in self.edges], reason=self.reason)


class Planner(Protocol):
    """Makes the first GraphPatch for a request."""

    async def plan(self, request: str, devices: Sequence[DeviceProfile]) -> GraphPatch: ...


@dataclass(frozen=True)
class ReplanEvent:
    """Something the replanner should consider."""

    kind: Literal["failed", "succeeded"]
    subtask_id: str
    error: str | None = None


class Replanner(Protocol):
    """Proposes an edit of a running graph (or None) after some events."""

    async def replan(self, graph: TaskGraph, events: Sequence[ReplanEvent]) -> GraphPatch | None: ...


# --- model planner -------------------------------------------------------------

_PLAN_SYSTEM = """You plan work for GUI agents on a fleet of devices.
Split the user's request into subtasks, each done by one agent on one device.
Return JSON matching the schema: subtasks (id, goal, device {kind: phone|browser|desktop} or
{device_id: ...} to pin one device, inputs, outputs, privacy) and edges (src, dst, kind:
on_success|on_completion|on_failure). Goals are short imperative sentences a GUI agent can do
on one device ("Turn on Wi-Fi", "Send an SMS to Ada saying hello").
A subtask that needs another's result declares an input {"from": "<id>", "output": "<name>"}
and the other declares that output name; add an edge between them. Independent subtasks
have no edge so they run in parallel. Mark subtasks that touch passwords, banking or
personal messages privacy "private"."""


def _devices_text(devices: Sequence[DeviceProfile]) -> str:
    if not devices:
        return "No devices are connected yet; use kind phone or browser."
    return "\n".join(f"- {d.id}: {d.kind} ({d.platform}); apps: {', '.join(d.apps[:20]) or 'n/a'}" for d in devices)


def validate_patch(patch: GraphPatch, graph: TaskGraph | None = None) -> list[str]:
    """Every reason `patch` would be rejected (on a scratch copy of `graph`, or an empty one)."""
    scratch = TaskGraph("scratch")
    if graph is not None:
        scratch = TaskGraph(graph.task_id)
        scratch._g = graph._g.copy()  # noqa: SLF001 - apply() deep-copies before mutating
    try:
        scratch.apply(patch)
    except PatchRejected as exc:
        return exc.reasons
    return []


class ModelPlanner:
    """Plans with a model's structured output; repairs invalid plans from their errors."""

    def __init__(self, model: StructuredModel, *, max_repairs: int = 2) -> None:
        self.model = model
        self.max_repairs = max_repairs

    async def plan(self, request: str, devices: Sequence[DeviceProfile]) -> GraphPatch:
        messages = [
            {"role": "system", "content": _PLAN_SYSTEM},
            {"role": "user", "content": f"Devices:\n{_devices_text(devices)}\n\nRequest: {request}"},
        ]
        reasons: list[str] = []
        for attempt in range(self.max_repairs + 1):
            try:
                completion = await self.model.complete(messages, schema=Plan)
                plan = (
                    completion.parsed
                    if isinstance(completion.parsed, Plan)
                    else (Plan.model_validate_json(completion.text))
                )
                patch = plan.to_patch()
                reasons = validate_patch(patch)
            except (ValidationError, ValueError) as exc:
                reasons = [f"the plan is not valid JSON for the schema: {exc}"]
                completion = None
            if not reasons:
                return patch
            log.info("plan attempt %d rejected: %s", attempt + 1, reasons)
            messages.append({"role": "assistant", "content": getattr(completion, "text", "")})
            messages.append(
                {
                    "role": "user",
                    "content": "That plan is invalid:\n"
                    + "\n".join(f"- {r}" for r in reasons)
                    + "\nReturn a corrected plan.",
                }
            )
        raise PlanningFailed(
            f"{self.model.name} gave no valid plan after {self.max_repairs + 1} attempts;"
            " rephrase the request or use a stronger planning model (--model-cloud)",
            reasons,
        )


# --- clause planner ------------------------------------------------------------

_VERBS = frozenset(
    [
        "turn",
        "switch",
        "enable",
        "disable",
        "open",
        "add",
        "create",
        "send",
        "set",
        "search",
        "find",
        "go",
        "call",
        "text",
        "write",
        "make",
        "delete",
        "remove",
        "check",
        "read",
        "take",
        "book",
        "install",
        "play",
        "change",
        "save",
        "copy",
        "share",
        "look",
        "get",
        "tell",
        "note",
        "schedule",
        "start",
        "stop",
        "log",
        "sign",
        "visit",
        "browse",
        "compose",
        "reply",
        "buy",
        "order",
        "lower",
        "raise",
        "increase",
        "decrease",
        "mute",
        "unmute",
    ]
)
_BROWSER_WORDS = re.compile(
    r"\b(web ?site|web|browser|url|https?://\S+|www\.\S+|online|internet|encyclopedia|wikipedia)\b", re.I
)
_PRIVATE_WORDS = re.compile(r"\b(bank|password|passcode|pin|login|log in|sign in|medical|salary)\b", re.I)
_REFERS_BACK = re.compile(r"\b(it|that|them|this|the result|the answer)\b", re.I)
_EVERY_DEVICE = re.compile(r"\s+on (?:all|both|every|each)(?: of)? (?:the |my )?(phone|browser|desktop)s?\b", re.I)
_DEVICE_SUFFIX = re.compile(r"\s+(?:on|in) (?:the |my |a )?(phone|browser|desktop|web)s?\b", re.I)


_LIST_VERBS = ("turn on", "turn off", "switch on", "switch off", "enable", "disable", "mute", "unmute")
"""Verbs that take a list of things ("turn on Wi-Fi and Bluetooth"): each thing is its own subtask."""
_NAVIGATION_VERBS = ("open", "go", "launch", "visit", "start")
"""A clause with these only gets somewhere: "open Settings and turn on Wi-Fi" is one subtask."""


def _split(request: str) -> list[list[str]]:
    """Sequential stages, each a list of parallel clauses.

    "and"/"," separate clauses when what follows starts with a verb, or when it is
    one more item for a list verb ("turn on Wi-Fi and dark theme"); otherwise they
    are part of the clause ("saying milk and eggs"). Quoted text is never split.
    """
    quoted: list[str] = []

    def hide(m: re.Match[str]) -> str:
        quoted.append(m.group(0))
        return f"\x00{len(quoted) - 1}\x00"

    def show(text: str) -> str:
        return re.sub(r"\x00(\d+)\x00", lambda m: quoted[int(m.group(1))], text)

    masked = re.sub(r"[\"“][^\"”]*[\"”]", hide, request)
    stages = [
        st
        for st in re.split(r"\s*(?:,\s*)?\b(?:and then|then|after that|afterwards)\b\s*|;\s*", masked, flags=re.I)
        if st and st.strip(" ,.")
    ]
    out = []
    for stage in stages:
        pieces = re.split(r"(\s*,\s*and\b\s*|\s+and\s+|\s*,\s*)", stage, flags=re.I)
        clauses = [pieces[0]]
        verb = _leading_verb(pieces[0].strip(" ,."))
        for sep, piece in zip(pieces[1::2], pieces[2::2], strict=True):
            own = _leading_verb(piece.strip(" ,."))
            if own and not (verb and verb.lower() in _NAVIGATION_VERBS):
                clauses.append(piece)
                verb = own
            elif not own and verb and verb.lower() in _LIST_VERBS:
                clauses.append(piece)
            else:  # part of the clause: "saying milk and eggs", "open Settings and turn on Wi-Fi"
                clauses[-1] += sep + piece
                verb = own or verb
        out.append([show(c.strip(" ,.")) for c in clauses if c.strip(" ,.")])
    return out


def _leading_verb(clause: str) -> str | None:
    words = clause.split()
    if not words or words[0].lower() not in _VERBS:
        return None
    # keep a particle ("turn on", "switch off") with the verb
    if len(words) > 1 and words[1].lower() in ("on", "off", "up", "down"):  # "turn on", "switch off"
        return " ".join(words[:2])
    return words[0]


def _kind_word(word: str) -> Literal["phone", "browser", "desktop"]:
    kind = word.lower()
    return "browser" if kind == "web" else kind  # type: ignore[return-value]


class ClausePlanner:
    """Plans without a model by splitting the request into clauses.

    "A and B then C" becomes A and B in parallel, then C after both. A clause with
    no verb borrows the previous clause's ("turn on Wi-Fi and dark theme"). A clause
    that says "it"/"that" gets the previous stage's `result` outputs as inputs.
    Device kind comes from words in the clause ("on the browser", a URL, "website");
    "on every phone" (all, both, each) makes one subtask per phone, pinned to it.
    """

    async def plan(self, request: str, devices: Sequence[DeviceProfile]) -> GraphPatch:
        stages = _split(request.strip())
        if not stages:
            raise PlanningFailed(f"nothing to do in the request {request!r}; say what to do")
        kinds: set[str] = {d.kind for d in devices}
        specs: list[SubtaskSpec] = []
        edges: list[tuple[str, str, EdgeKind]] = []
        previous: list[str] = []
        verb: str | None = None
        for stage in stages:
            current: list[str] = []
            for clause in stage:
                own = _leading_verb(clause)
                if own:
                    verb = own
                elif verb:
                    clause = f"{verb} {clause}"
                every = _EVERY_DEVICE.search(clause)
                kind = self._kind(clause, kinds) if not every else _kind_word(every.group(1))
                goal = _EVERY_DEVICE.sub("", _DEVICE_SUFFIX.sub("", clause)).strip()
                inputs: dict[str, str | Ref] = {}
                if previous and _REFERS_BACK.search(clause):
                    for p in previous:
                        inputs[f"{p}_result"] = Ref.model_validate({"from": p, "output": "result"})
                # "on every phone": one subtask per such device, each pinned to it
                targets = [DeviceRequirement(device_id=d.id) for d in devices if d.kind == kind] if every else []
                for requirement in targets or [DeviceRequirement(kind=kind)]:
                    sid = f"s{len(specs) + 1}"
                    specs.append(
                        SubtaskSpec(
                            id=sid,
                            goal=goal[:1].upper() + goal[1:],
                            device=requirement,
                            inputs=inputs,
                            outputs=["result"],
                            privacy="private" if _PRIVATE_WORDS.search(clause) else "normal",
                        )
                    )
                    edges += [(p, sid, "on_success") for p in previous]
                    current.append(sid)
            previous = current
        return GraphPatch.from_specs(specs, edges, reason=f"split into {len(specs)} clause(s)")

    @staticmethod
    def _kind(clause: str, kinds: set[str]) -> Literal["phone", "browser", "desktop"]:
        m = _DEVICE_SUFFIX.search(clause)
        if m:
            return _kind_word(m.group(1))
        if _BROWSER_WORDS.search(clause) and ("browser" in kinds or not kinds):
            return "browser"
        if "phone" in kinds or not kinds:
            return "phone"
        return sorted(kinds)[0]  # type: ignore[return-value]


# --- replanners ------------------------------------------------------------------


class RetryReplanner:
    """Without a model: give a failed subtask one fresh try as a remediation subtask.

    The new subtask starts from the home screen, hangs off the failed one by an
    `on_failure` edge, and takes over its dependents (edges and data references),
    so the rest of the graph can still run.
    """

    async def replan(self, graph: TaskGraph, events: Sequence[ReplanEvent]) -> GraphPatch | None:
        ops: list[Any] = []
        for event in events:
            if event.kind != "failed" or event.subtask_id.endswith("-fix"):
                continue
            failed = graph.subtask(event.subtask_id)
            fix_id = f"{failed.id}-fix"
            if fix_id in graph:
                continue
            spec = failed.spec.model_copy(
                update={
                    "id": fix_id,
                    "goal": f"{failed.goal} (start from the home screen; an earlier try failed: "
                    f"{(event.error or 'unknown error')[:120]})",
                    "max_attempts": 1,
                }
            )
            ops.append(AddSubtask(subtask=spec))
            ops.append(AddEdge(src=failed.id, dst=fix_id, kind="on_failure"))
            for succ in graph.successors(failed.id):
                kind = dict(graph.predecessors(succ))[failed.id]
                if kind == "on_failure" or graph.subtask(succ).status not in ("pending", "ready"):
                    continue
                ops.append(RemoveEdge(src=failed.id, dst=succ))
                ops.append(AddEdge(src=fix_id, dst=succ, kind=kind))
                inputs = {
                    k: (
                        Ref.model_validate({"from": fix_id, "output": v.output})
                        if isinstance(v, Ref) and v.subtask == failed.id
                        else v
                    )
                    for k, v in graph.subtask(succ).inputs.items()
                }
                ops.append(UpdateSubtask(id=succ, inputs=inputs))
        if not ops:
            return None
        return GraphPatch(ops=ops, reason="retry failed subtasks as remediation branches")


def cloud_safe_snapshot(graph: TaskGraph) -> dict[str, Any]:
    """The graph as a cloud model may see it: what private subtasks found is masked."""
    snap = graph.snapshot()
    for sub in snap["subtasks"]:
        if graph.effective_privacy(sub["id"]) == "private" and sub.get("result"):
            result = sub["result"]
            result["outputs"] = {k: "[private]" for k in result.get("outputs", {})}
            result["summary"] = "[private]"
    return snap


class ModelReplanner:
    """Asks a model for a patch after failures; validates it, with bounded repairs."""

    def __init__(self, model: StructuredModel, *, max_repairs: int = 1) -> None:
        self.model = model
        self.max_repairs = max_repairs

    async def replan(self, graph: TaskGraph, events: Sequence[ReplanEvent]) -> GraphPatch | None:
        failed = [e for e in events if e.kind == "failed"]
        if not failed:
            return None
        messages = [
            {
                "role": "system",
                "content": _PLAN_SYSTEM + "\nNow a subtask failed. Return a"
                " GraphPatch: ops (add_subtask, update_subtask, remove_subtask, add_edge,"
                " remove_edge) that works around the failure, or empty ops to accept it."
                " Running and finished subtasks cannot be changed.",
            },
            {
                "role": "user",
                "content": json.dumps(
                    {
                        "graph": cloud_safe_snapshot(graph),
                        "events": [
                            {**e.__dict__, "error": "[private]"}
                            if graph.effective_privacy(e.subtask_id) == "private" else e.__dict__
                            for e in failed
                        ],
                    },
                    default=str,
                ),
            },
        ]
        for _ in range(self.max_repairs + 1):
            completion = await self.model.complete(messages, schema=GraphPatch)
            try:
                patch = (
                    completion.parsed
                    if isinstance(completion.parsed, GraphPatch)
                    else (GraphPatch.model_validate_json(completion.text))
                )
            except ValidationError as exc:
                reasons = [str(exc)]
            else:
                if not patch.ops:
                    return None
                reasons = validate_patch(patch, graph)
                if not reasons:
                    return patch
            messages.append({"role": "user", "content": "Invalid patch:\n" + "\n".join(reasons)})
        log.warning("replanner gave no valid patch; accepting the failure")
        return None
