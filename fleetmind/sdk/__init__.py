"""The public Python SDK.

Drive a running orchestrator (`fleetmind serve`):

    import fleetmind

    async with fleetmind.connect("http://127.0.0.1:8765", token="T") as fm:
        run = await fm.submit("Turn on Wi-Fi, then send 'on' to Ada Lovelace by SMS", confirm="allow")
        async for event in run:                     # typed events: StepProgress, QuestionAsked, ...
            if isinstance(event, fleetmind.sdk.QuestionAsked):
                await run.answer("yes")
        result = await run.wait()                   # RunResult: status, outputs, summary, steps, cost

Without asyncio: `fleetmind.connect_sync(url)` (a `SyncClient`).

Define your own agents, tools and skills:

- `Agent` (subclass it) and `@agent(kind=..., apps=[...])` / `AgentRegistry`: code that runs
  the subtasks meant for a device kind or an app, with the GUI agent's run contract
  (`run(spec: SubtaskSpec, *, on_step, ask, thread_id) -> LoopResult`); start a host with
  `fleetmind device virtual|android|browser --connect URL --agent module:obj`.
- `Tools`: typed functions an agent may call, validated against their signatures.
- `Skill`: a named, parameterised action sequence, run on a `Device` step by step; with a
  `goal` template ("save a note titled {title} saying {body}") and added to a `SkillStore`
  (`SkillStore.default()`, or `fleetmind skills add FILE.json`), GUI agents replay it for
  goals of that form, as they replay the skills they learn from verified runs.

Try it all in one process: `fleetmind.sdk.local.local_fleet("phone:2", agents=registry)`
serves an orchestrator with virtual phones on loopback (see examples/).
"""

from ..agents.loop import AskFn, LoopResult, OnStep, StepRecord, SubtaskSpec
from .agents import Agent, AgentRegistry, DispatchingAgent, StepReporter, agent, load_agents, registry
from .client import DEFAULT_URL, Client, Run, connect
from .errors import ApiError, ConnectionFailed, FleetmindError, NoPendingQuestion, TaskNotFound, Unauthorized
from .models import (
    DeviceStatus,
    Event,
    GraphChanged,
    LogEvent,
    Question,
    QuestionAnswered,
    QuestionAsked,
    RunResult,
    StepProgress,
    SubtaskState,
    Task,
    TaskFinished,
    TaskSummary,
)
from .skills import Skill, SkillError, SkillResult, SkillStore
from .sync import SyncClient, SyncRun, connect_sync
from .tools import Tool, ToolError, Tools

__all__ = [
    "DEFAULT_URL",
    "Agent",
    "AgentRegistry",
    "AskFn",
    "ApiError",
    "Client",
    "ConnectionFailed",
    "DeviceStatus",
    "DispatchingAgent",
    "Event",
    "FleetmindError",
    "GraphChanged",
    "LogEvent",
    "LoopResult",
    "NoPendingQuestion",
    "OnStep",
    "Question",
    "QuestionAnswered",
    "QuestionAsked",
    "Run",
    "RunResult",
    "Skill",
    "SkillError",
    "SkillResult",
    "SkillStore",
    "StepProgress",
    "StepRecord",
    "StepReporter",
    "SubtaskSpec",
    "SubtaskState",
    "SyncClient",
    "SyncRun",
    "Task",
    "TaskFinished",
    "TaskNotFound",
    "TaskSummary",
    "Tool",
    "ToolError",
    "Tools",
    "Unauthorized",
    "agent",
    "connect",
    "connect_sync",
    "load_agents",
    "registry",
]
