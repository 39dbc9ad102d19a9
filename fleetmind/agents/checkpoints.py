"""Where the agent loop keeps its state while it waits on the user: langgraph checkpointers.

The loop's state holds our own types (observations, actions, step records, the
pending question). langgraph's serializer only rebuilds types it is told are safe,
so every checkpointer made here registers exactly those, and nothing else.
`memory_checkpointer()` is the default; `sqlite_checkpointer(path)` keeps questions
across a restart of the device host (langgraph's SQLite checkpointer).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

from ..devices import base
from .questions import PendingQuestion
from .records import LoopResult, StepRecord, Subgoal
from .reflection import StepLog, Verdict

__all__ = ["STATE_TYPES", "memory_checkpointer", "serializer", "sqlite_checkpointer"]

STATE_TYPES: tuple[type, ...] = (
    base.Observation,
    base.UIElement,
    base.Bounds,
    base.Target,
    base.Tap,
    base.LongPress,
    base.Swipe,
    base.Scroll,
    base.TypeText,
    base.PressKey,
    base.LaunchApp,
    base.Wait,
    base.Done,
    base.AskUser,
    base.Fail,
    base.Drag,
    base.SelectOption,
    base.Focus,
    base.Hover,
    base.RightClick,
    base.Hotkey,
    StepRecord,
    Subgoal,
    LoopResult,
    PendingQuestion,
    Verdict,
    StepLog,
)
"""Every type of ours the loop's state may hold."""


def serializer() -> JsonPlusSerializer:
    """langgraph's serializer, allowed to rebuild `STATE_TYPES` and nothing else of ours."""
    return JsonPlusSerializer(allowed_msgpack_modules=STATE_TYPES)


def memory_checkpointer() -> InMemorySaver:
    """Checkpoints in memory: questions survive nothing but the run itself."""
    return InMemorySaver(serde=serializer())


@asynccontextmanager
async def sqlite_checkpointer(path: str | Path) -> AsyncIterator[BaseCheckpointSaver[str]]:
    """Checkpoints in a SQLite file, so a question outlives its host process."""
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    async with AsyncSqliteSaver.from_conn_string(str(path)) as saver:
        saver.serde = serializer()
        yield saver
