"""Custom agents: your own code runs the subtasks meant for a device kind or an app.

    @fleetmind.sdk.agent(kind="phone", apps=["Weather"])
    class WeatherAgent(Agent):
        "Answers weather goals from an API instead of the Weather app's screens."

        async def run(self, spec, *, on_step=None, ask=None, thread_id=None):
            steps = self.steps(on_step)
            forecast = await self.tools.call("forecast", {"city": "Paris"})
            await steps.report(Done(answer=forecast), why="asked the forecast API")
            return self.succeeded(forecast, spec, steps=steps.count)

An agent has the run contract of the built-in GUI agent (`fleetmind.agents.loop.GuiAgent`):
`await agent.run(spec, on_step=..., ask=...) -> LoopResult`. A device-agent host built
with `agent_factory(registry)` gives each subtask to the first registered agent that
`handles()` it and to the GUI agent otherwise; `fleetmind device ... --agent module:obj`
starts such a host.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar, Literal, cast

from ..agents.loop import AskFn, GuiAgent, LoopResult, OnStep, StepRecord, SubtaskSpec
from ..agents.questions import PendingQuestion
from ..devices.base import Action, ActionOutcome, Device, describe_action
from .errors import FleetmindError
from .tools import Tools

DeviceKind = Literal["phone", "browser", "desktop"]
Tier = Literal["local", "cloud", "rule"]


class StepReporter:
    """Numbers an agent's steps and reports each to the orchestrator (progress events)."""

    def __init__(self, on_step: OnStep | None) -> None:
        self._on_step = on_step
        self.count = 0

    async def report(
        self, action: Action, *, why: str = "", summary: str | None = None, tier: Tier = "rule", cost_usd: float = 0.0
    ) -> StepRecord:
        """Report one step: what was done (`action`, in words `summary`) and why."""
        self.count += 1
        record = StepRecord(self.count, action, summary or describe_action(action), tier, why, cost_usd=cost_usd)
        if self._on_step is not None:
            await self._on_step(record)
        return record


class Agent(ABC):
    """Base class of custom agents: one instance per device, `run` once per subtask.

    Class attributes say what the agent is for: `kind` (phone, browser, desktop; None =
    any) and `apps` (app names; the agent handles a goal that names one of them; empty =
    every goal on its kind). Override `handles` for another rule.
    """

    kind: ClassVar[DeviceKind | None] = None
    apps: ClassVar[Sequence[str]] = ()

    def __init__(self, device: Device, *, tools: Tools | None = None) -> None:
        self.device = device
        self.tools = tools if tools is not None else Tools()

    def handles(self, spec: SubtaskSpec) -> bool:
        """Whether this agent takes the subtask: the device kind fits and the goal names one of `apps`."""
        if self.kind is not None and self.device.info.kind != self.kind:
            return False
        goal = spec.goal.casefold()
        return not self.apps or any(app.casefold() in goal for app in self.apps)

    @abstractmethod
    async def run(
        self,
        spec: SubtaskSpec,
        *,
        on_step: OnStep | None = None,
        ask: AskFn | None = None,
        thread_id: str | None = None,
    ) -> LoopResult:
        """Work on the subtask and say how it ended (same contract as `GuiAgent.run`).

        on_step reports a step to the orchestrator (see `steps()`); ask puts a question
        to the user and returns the answer (see `ask_user()`); thread_id names the attempt.
        """

    # helpers -------------------------------------------------------------------------

    @staticmethod
    async def ask_user(ask: AskFn | None, question: str, *, options: Sequence[str] = ()) -> str:
        """Ask the user through the orchestrator (a choice when `options` are given); "" when nobody can answer."""
        if ask is None:
            return ""
        kind: Literal["question", "choice"] = "choice" if options else "question"
        purpose: Literal["value", "choice"] = "choice" if options else "value"
        return await ask(PendingQuestion(question, purpose, kind=kind, options=list(options)))

    def steps(self, on_step: OnStep | None) -> StepReporter:
        """A step counter that reports each step through `on_step`."""
        return StepReporter(on_step)

    async def act(self, action: Action, steps: StepReporter, *, why: str = "") -> ActionOutcome:
        """Report `action` as a step, then carry it out on the device."""
        await steps.report(action, why=why)
        return await self.device.act(action)

    @staticmethod
    def succeeded(
        answer: str, spec: SubtaskSpec, *, steps: int = 0, outputs: dict[str, str] | None = None
    ) -> LoopResult:
        """A successful result: `answer` fills every declared output unless `outputs` names them."""
        filled = {name: answer for name in spec.outputs}
        filled.update(outputs or {})
        return LoopResult("succeeded", answer, filled, steps=steps)

    @staticmethod
    def failed(reason: str, *, steps: int = 0) -> LoopResult:
        """A failed result with its reason."""
        return LoopResult("failed", reason, error=reason, steps=steps)


AgentClass = type[Agent]


class AgentRegistry:
    """The custom agents a host offers, in the order they are asked whether they handle a subtask."""

    def __init__(self, agents: Sequence[AgentClass] = (), *, tools: Tools | None = None) -> None:
        self.agents: list[AgentClass] = list(agents)
        self.tools = tools if tools is not None else Tools()

    def register(
        self, cls: AgentClass | None = None, /, *, kind: DeviceKind | None = None, apps: Sequence[str] | None = None
    ) -> Any:
        """Register an `Agent` subclass (a class decorator, with or without kind=/apps=)."""

        def add(c: AgentClass) -> AgentClass:
            if not (isinstance(c, type) and issubclass(c, Agent)):
                raise FleetmindError(f"{c!r} is not a subclass of fleetmind.sdk.Agent; subclass it and define run()")
            if kind is not None:
                c.kind = kind
            if apps is not None:
                c.apps = tuple(apps)
            if c not in self.agents:
                self.agents.append(c)
            return c

        return add(cls) if cls is not None else add

    def factory(self, fallback: Callable[[Device], GuiAgent]) -> Callable[[Device], GuiAgent]:
        """An `agent_factory` for `DeviceAgentHost`: registered agents first, `fallback` for the rest."""

        def make(device: Device) -> GuiAgent:
            mine = [cls(device, tools=self.tools) for cls in self.agents]
            kinds_ok = [a for a in mine if a.kind is None or a.kind == device.info.kind]
            # The host only calls run(); it is typed for the GUI agent, whose contract this keeps.
            return cast(GuiAgent, DispatchingAgent(device, kinds_ok, lambda: fallback(device)))

        return make


class DispatchingAgent:
    """Per device: gives each subtask to the first custom agent that handles it, else to the GUI agent.

    It passes the host's durable-question hooks (`use_checkpointer`, `resume`) to the GUI
    agent; a subtask a custom agent was running is not resumed after a host restart.
    """

    def __init__(self, device: Device, agents: Sequence[Agent], fallback: Callable[[], GuiAgent]) -> None:
        self.device = device
        self.agents = list(agents)
        self._make_fallback = fallback
        self._fallback: GuiAgent | None = None
        self._checkpointer: Any = None

    def choose(self, spec: SubtaskSpec) -> Agent | GuiAgent:
        """The agent that will run `spec`."""
        for agent in self.agents:
            if agent.handles(spec):
                return agent
        if self._fallback is None:
            self._fallback = self._make_fallback()
            if self._checkpointer is not None:
                self._fallback.use_checkpointer(self._checkpointer)
        return self._fallback

    def use_checkpointer(self, checkpointer: Any) -> None:
        """Hand the host's checkpointer to the GUI agent (now or when it is made)."""
        self._checkpointer = checkpointer
        if self._fallback is not None:
            self._fallback.use_checkpointer(checkpointer)

    async def resume(
        self,
        spec: SubtaskSpec,
        thread_id: str,
        *,
        answer: str | None = None,
        on_step: OnStep | None = None,
        ask: AskFn | None = None,
    ) -> LoopResult:
        """Go on with a run the GUI agent's checkpointer holds (LookupError for a custom agent's)."""
        chosen = self.choose(spec)
        if not isinstance(chosen, GuiAgent):
            raise LookupError(f"{type(chosen).__name__} keeps no checkpoints; its run cannot be resumed")
        return await chosen.resume(spec, thread_id, answer=answer, on_step=on_step, ask=ask)

    async def run(
        self,
        spec: SubtaskSpec,
        *,
        on_step: OnStep | None = None,
        ask: AskFn | None = None,
        thread_id: str | None = None,
    ) -> LoopResult:
        """Run `spec` on the chosen agent."""
        return await self.choose(spec).run(spec, on_step=on_step, ask=ask, thread_id=thread_id)


registry = AgentRegistry()
"""The default registry: what `@agent` registers into and `--agent module:registry` may name."""


def agent(
    cls: AgentClass | None = None, /, *, kind: DeviceKind | None = None, apps: Sequence[str] | None = None
) -> Any:
    """Register an `Agent` subclass in the default registry: `@agent` or `@agent(kind="phone", apps=["Notes"])`."""
    if cls is not None:
        return registry.register(cls)
    return registry.register(kind=kind, apps=apps)


def load_agents(spec: str) -> AgentRegistry:
    """The registry that `--agent module:obj` (or `path/to/file.py:obj`) names.

    obj may be an `AgentRegistry`, an `Agent` subclass, or a list of them. Without
    `:obj`, the module's own `AgentRegistry`, else what its `@agent` decorators registered.
    """
    module_name, sep, attr = spec.partition(":")
    if not module_name or (sep and not attr):
        raise FleetmindError(f"--agent {spec!r}: write module[:object], e.g. my_agents:WeatherAgent")
    try:
        if module_name.endswith(".py") or "/" in module_name:
            path = Path(module_name)
            if not path.is_file():
                raise FleetmindError(f"--agent {spec!r}: no file {path}")
            mod_spec = importlib.util.spec_from_file_location(path.stem, path)
            assert mod_spec is not None and mod_spec.loader is not None
            module = importlib.util.module_from_spec(mod_spec)
            sys.modules[path.stem] = module
            mod_spec.loader.exec_module(module)
        else:
            if "" not in sys.path:
                sys.path.insert(0, "")  # a module in the current directory, as `python -m` finds it
            module = importlib.import_module(module_name)
    except ImportError as exc:
        raise FleetmindError(f"--agent {spec!r}: cannot import {module_name} ({exc})") from None
    if not attr:
        found = next((v for v in vars(module).values() if isinstance(v, AgentRegistry)), None)
        if found is None and not registry.agents:
            raise FleetmindError(
                f"--agent {spec!r}: {module_name} defines no AgentRegistry and registers no @agent; name one"
                " with module:object"
            )
        return found or registry
    obj = getattr(module, attr, None)
    if obj is None:
        raise FleetmindError(f"--agent {spec!r}: {module_name} has no {attr!r}")
    if isinstance(obj, AgentRegistry):
        return obj
    items = obj if isinstance(obj, list | tuple) else [obj]
    if not all(isinstance(o, type) and issubclass(o, Agent) for o in items):
        raise FleetmindError(f"--agent {spec!r}: {attr} is not an Agent subclass, a list of them, or an AgentRegistry")
    tools = next((getattr(module, n) for n in dir(module) if isinstance(getattr(module, n), Tools)), None)
    return AgentRegistry(items, tools=tools)


__all__ = [
    "Agent",
    "AgentRegistry",
    "DispatchingAgent",
    "StepReporter",
    "agent",
    "load_agents",
    "registry",
]
