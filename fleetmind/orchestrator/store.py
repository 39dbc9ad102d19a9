"""The event log: every task's events, in order, in SQLite (PostgreSQL can sit behind
the same `EventStore` interface when one machine is outgrown).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, Field


class Event(BaseModel):
    """One thing that happened to a task; what clients stream and the store keeps."""

    task_id: str
    kind: str = Field(
        description="graph_created, graph_patched, subtask_state, step_progress, question, task_finished, log"
    )
    data: dict[str, Any] = Field(default_factory=dict)
    ts: float = Field(default_factory=time.time)
    seq: int = 0


class EventStore(Protocol):
    """Append-only per-task event log."""

    def append(self, event: Event) -> Event: ...
    def events(self, task_id: str, after: int = 0) -> list[Event]: ...
    def tasks(self) -> list[dict[str, Any]]: ...


class SQLiteStore:
    """EventStore on SQLite; `path=":memory:"` for a throwaway log."""

    def __init__(self, path: str | Path = ":memory:") -> None:
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY AUTOINCREMENT,"
            " task_id TEXT NOT NULL, kind TEXT NOT NULL, ts REAL NOT NULL, data TEXT NOT NULL)"
        )
        self._db.execute("CREATE INDEX IF NOT EXISTS events_task ON events(task_id, seq)")

    def append(self, event: Event) -> Event:
        with self._lock:
            cur = self._db.execute(
                "INSERT INTO events(task_id, kind, ts, data) VALUES (?, ?, ?, ?)",
                (event.task_id, event.kind, event.ts, json.dumps(event.data, default=str)),
            )
        return event.model_copy(update={"seq": cur.lastrowid or 0})

    def events(self, task_id: str, after: int = 0) -> list[Event]:
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, task_id, kind, ts, data FROM events WHERE task_id=? AND seq>? ORDER BY seq",
                (task_id, after),
            ).fetchall()
        return [Event(seq=r[0], task_id=r[1], kind=r[2], ts=r[3], data=json.loads(r[4])) for r in rows]

    def tasks(self) -> list[dict[str, Any]]:
        """One row per task: id, request, status, first and last event time."""
        with self._lock:
            rows = self._db.execute(
                "SELECT task_id, MIN(ts), MAX(ts),"
                " (SELECT data FROM events e2 WHERE e2.task_id=e.task_id AND kind='graph_created'"
                "  ORDER BY seq LIMIT 1),"
                " (SELECT data FROM events e3 WHERE e3.task_id=e.task_id AND kind='task_finished'"
                "  ORDER BY seq DESC LIMIT 1)"
                " FROM events e GROUP BY task_id ORDER BY MIN(seq)"
            ).fetchall()
        out = []
        for task_id, first, last, created, finished in rows:
            request = json.loads(created).get("request", "") if created else ""
            status = json.loads(finished).get("status", "") if finished else "running"
            out.append({"task_id": task_id, "request": request, "status": status, "started": first, "updated": last})
        return out

    def close(self) -> None:
        self._db.close()
