"""What a device-agent host keeps on disk so that a restart of it loses nothing.

With a state directory, the host keeps in one SQLite file (`host.sqlite`, stdlib sqlite3):
- its session with the orchestrator: session id, the next seq it will send, the last seq
  it told the orchestrator it received, and its agent id;
- every numbered message it sent that the orchestrator has not acknowledged yet (the
  replay buffer), written before the message goes out, so a restarted host replays just
  what the orchestrator missed and numbers on without a gap;
- each running subtask's `assign`, and its latest question: the question's id, when it
  was asked, and the answer once one arrives. The answer to a secret question (a password,
  a PIN) is never written: it lives in the host's memory only (secrets/keeper.py keeps it,
  or saves it to the encrypted secret store if the user says so), and after a restart the
  question is put to the user again.
The agent loop's own state at a question is beside it, in langgraph's SQLite
checkpointer (`checkpoints.sqlite`). Every write is small and synchronous, and happens
before anything that depends on it leaves the host, so a host killed at any point
starts again from a consistent record.
"""

from __future__ import annotations

import fcntl
import os
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ...protocol.codec import decode, encode
from ...protocol.messages import Assign, Message
from ...protocol.session import Session

__all__ = ["DurableSession", "HostState", "StateMismatch", "StoredSession", "StoredSubtask", "default_state_dir"]

STATE_FILE = "host.sqlite"
CHECKPOINTS_FILE = "checkpoints.sqlite"
LOCK_FILE = "host.lock"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS session (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    agent_id TEXT NOT NULL,
    session_id TEXT NOT NULL,
    next_seq INTEGER NOT NULL,
    last_received INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY, frame TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS subtasks (
    wire_id TEXT PRIMARY KEY,
    assign TEXT NOT NULL,
    started_at REAL NOT NULL,
    question_id TEXT,
    question TEXT,
    asked_at REAL,
    answer TEXT,
    secret INTEGER NOT NULL DEFAULT 0
);
"""


def default_state_dir(agent_id: str) -> Path:
    """Where a host with this agent id keeps its state by default: the user's data directory
    (`$XDG_DATA_HOME`, else ~/.local/share) under fleetmind/hosts/<agent id>."""
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "fleetmind" / "hosts" / re.sub(r"[^\w.+-]", "_", agent_id)


class StateMismatch(ValueError):
    """The state directory belongs to another agent id, or another host process uses it."""


@dataclass(frozen=True)
class StoredSession:
    """The session a previous run of the host left behind."""

    session_id: str
    next_seq: int
    last_received: int
    unacked: list[Message]


@dataclass(frozen=True)
class StoredSubtask:
    """A subtask the host was running, as recorded.

    question_id: the id of the latest question it sent (None: it asked none that is recorded,
    or its secret answer arrived and lives in memory only); asked_at: when (Unix time);
    answer: the answer to it, once one arrived (never for a secret question);
    secret: the latest question asks for a password or PIN (unanswered while question_id is set).
    """

    assign: Assign
    started_at: float
    question_id: str | None = None
    question: str | None = None
    asked_at: float | None = None
    answer: str | None = None
    secret: bool = False


class HostState:
    """The host's record in `directory/host.sqlite`; one host process uses a directory at a
    time (a lock on `host.lock` refuses a second one)."""

    def __init__(self, directory: str | Path, agent_id: str) -> None:
        self.directory = Path(directory)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._lock = open(self.directory / LOCK_FILE, "a+")  # noqa: SIM115 - held until close()
        except OSError as exc:
            raise OSError(f"cannot use {self.directory} as the host's state directory: {exc}") from exc
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._lock.close()
            raise StateMismatch(
                f"another device host is using {self.directory}; stop it first, or give this one another "
                "state directory (--state-dir) and agent id"
            ) from None
        try:
            self._db = sqlite3.connect(self.directory / STATE_FILE, isolation_level=None)
        except sqlite3.Error as exc:
            self._lock.close()
            raise OSError(f"cannot use {self.directory} as the host's state directory: {exc}") from exc
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(subtasks)")}
        if "secret" not in columns:  # a state directory from before secret questions were marked
            self._db.execute("ALTER TABLE subtasks ADD COLUMN secret INTEGER NOT NULL DEFAULT 0")
        row = self._db.execute("SELECT agent_id FROM session").fetchone()
        if row is not None and row[0] != agent_id:
            self.close()
            raise StateMismatch(
                f"{self.directory} holds the state of agent {row[0]!r}, not {agent_id!r}; "
                f"run with agent id {row[0]!r} or give another state directory"
            )
        self.agent_id = agent_id

    @property
    def checkpoints_path(self) -> Path:
        """The SQLite file for the agent loops' langgraph checkpoints."""
        return self.directory / CHECKPOINTS_FILE

    def close(self) -> None:
        """Close the database and let go of the directory; the record stays on disk."""
        self._db.close()
        self._lock.close()

    # the session -------------------------------------------------------------------

    def session(self) -> StoredSession | None:
        """The recorded session, with the messages the orchestrator has not acknowledged."""
        row = self._db.execute("SELECT session_id, next_seq, last_received FROM session").fetchone()
        if row is None:
            return None
        frames = self._db.execute("SELECT frame FROM outbox ORDER BY seq").fetchall()
        return StoredSession(row[0], row[1], row[2], [decode(f) for (f,) in frames])

    def start_session(self, session_id: str) -> None:
        """Record a new session from its start; the old one's replay buffer goes."""
        with self._transaction():
            self._db.execute("DELETE FROM outbox")
            self._db.execute(
                "INSERT OR REPLACE INTO session VALUES (1, ?, ?, 1, 0)",
                (self.agent_id, session_id),
            )

    def stamped(self, message: Message, next_seq: int, last_received: int) -> None:
        """Record a message just numbered (kept until acknowledged) and the session's numbers."""
        with self._transaction():
            if message.seq:
                self._db.execute("INSERT OR REPLACE INTO outbox VALUES (?, ?)", (message.seq, encode(message)))
            self._db.execute("UPDATE session SET next_seq = ?, last_received = ?", (next_seq, last_received))

    def acknowledged(self, upto: int) -> None:
        """Forget sent messages up to seq `upto`: the orchestrator has them."""
        self._db.execute("DELETE FROM outbox WHERE seq <= ?", (upto,))

    # subtasks ----------------------------------------------------------------------

    def add_subtask(self, assign: Assign, started_at: float) -> None:
        """Record a subtask the host accepted."""
        self._db.execute(
            "INSERT OR REPLACE INTO subtasks (wire_id, assign, started_at) VALUES (?, ?, ?)",
            (assign.subtask_id, encode(assign), started_at),
        )

    def asked(self, wire_id: str, question_id: str, question: str, asked_at: float, *, secret: bool = False) -> None:
        """Record the question a subtask now waits on (replacing an earlier one and its answer);
        secret: it asks for a password or PIN, whose answer is never written here."""
        self._db.execute(
            "UPDATE subtasks SET question_id = ?, question = ?, asked_at = ?, answer = NULL, secret = ?"
            " WHERE wire_id = ?",
            (question_id, question, asked_at, int(secret), wire_id),
        )

    def answered(self, wire_id: str, text: str, question_id: str | None = None) -> bool:
        """Record the answer to a subtask's question (to question `question_id`, when given);
        False if no such subtask and question are recorded.

        A secret question's answer is not written: the question is marked answered instead (its
        id goes, so a restarted host asks again rather than wait on a question already answered;
        `secret` stays set until the next question, so no later answer is written either).
        """
        match = " WHERE wire_id = ? AND (? IS NULL OR question_id IS NULL OR question_id = ?)"
        args = (wire_id, question_id, question_id)
        done = "UPDATE subtasks SET question_id = NULL, question = NULL, asked_at = NULL"
        if self._db.execute(done + match + " AND secret = 1", args).rowcount > 0:
            return True
        cursor = self._db.execute("UPDATE subtasks SET answer = ?" + match + " AND secret = 0", (text, *args))
        return cursor.rowcount > 0

    def forget_subtask(self, wire_id: str) -> None:
        """The subtask ended (or was given up): nothing about it needs to outlive the host."""
        self._db.execute("DELETE FROM subtasks WHERE wire_id = ?", (wire_id,))

    def subtasks(self) -> list[StoredSubtask]:
        """The recorded subtasks, oldest first."""
        rows = self._db.execute(
            "SELECT assign, started_at, question_id, question, asked_at, answer, secret FROM subtasks"
            " ORDER BY started_at"
        ).fetchall()
        out = []
        for frame, started_at, question_id, question, asked_at, answer, secret in rows:
            assign = decode(frame)
            assert isinstance(assign, Assign)
            out.append(StoredSubtask(assign, started_at, question_id, question, asked_at, answer, bool(secret)))
        return out

    def _transaction(self) -> sqlite3.Connection:
        # In autocommit mode, `with connection:` alone commits nothing it did not begin.
        self._db.execute("BEGIN")
        return self._db


class DurableSession(Session):
    """A protocol `Session` whose numbers and replay buffer are written to a `HostState`
    as they change, so a restarted host resumes it where the killed one stopped."""

    def __init__(
        self,
        state: HostState,
        session_id: str,
        *,
        next_seq: int = 1,
        last_received: int = 0,
        unacked: Sequence[Message] = (),
    ) -> None:
        super().__init__(session_id, next_seq=next_seq, last_received=last_received)
        self._state = state
        for message in unacked:
            self._unacked[message.seq] = message

    @classmethod
    def begin(cls, state: HostState, session_id: str) -> DurableSession:
        """A new session, recorded from its first message."""
        state.start_session(session_id)
        return cls(state, session_id)

    @classmethod
    def restore(cls, state: HostState) -> DurableSession | None:
        """The session a previous run left, or None."""
        stored = state.session()
        if stored is None:
            return None
        return cls(
            state,
            stored.session_id,
            next_seq=stored.next_seq,
            last_received=stored.last_received,
            unacked=stored.unacked,
        )

    def stamp(self, message: Message) -> Message:
        """Number a message and record it (and our numbers) before it can be sent."""
        stamped = super().stamp(message)
        self._state.stamped(stamped, self.next_seq, self.last_received)
        return stamped

    def acknowledge(self, ack: int) -> None:
        """Forget acknowledged messages, on disk too."""
        before = self.unacked
        super().acknowledge(ack)
        if self.unacked != before:
            self._state.acknowledged(ack)
