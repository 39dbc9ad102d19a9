"""The day's cloud spend across tasks and processes, and the model wrapper that records it.

`DailySpend` is a small SQLite ledger in the data directory: every cloud call's cost
is added under the local date, so every `fleetmind` process on this machine (run,
serve, device hosts) sees the same day's total. The router reads it through
`Step.daily_spent_usd`; `MeteredModel` records each call and refuses calls once the
cap is reached (a second line of defence behind the router, and the only one for
planning and replanning calls).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from pydantic import BaseModel

from .base import ChatModel, Completion, ModelUnavailable, Ranking

__all__ = ["DailySpend", "MeteredModel", "daily_spent_message"]


def daily_spent_message(cap_usd: float) -> str:
    """What the user reads when the day's cloud budget is gone."""
    return f"daily cloud budget of ${cap_usd:.2f} spent; steps stay local until tomorrow"


class DailySpend:
    """The cloud spend per local day, kept in SQLite at `path`.

    cap_usd: the day's budget (None: unlimited, spend is still recorded).
    today: the clock (tests pass a fixed date).
    """

    def __init__(
        self, path: str | Path, cap_usd: float | None = None, *, today: Callable[[], dt.date] = dt.date.today
    ) -> None:
        self.path = Path(path)
        self.cap_usd = cap_usd
        self.today = today
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._memory = sqlite3.connect(":memory:") if str(path) == ":memory:" else None
        with self._db() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS spend (day TEXT NOT NULL, usd REAL NOT NULL, tokens INTEGER NOT NULL,"
                " model TEXT NOT NULL, at TEXT NOT NULL)"
            )

    @contextlib.contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        if self._memory is not None:
            with self._memory:
                yield self._memory
            return
        db = sqlite3.connect(self.path, timeout=10)
        try:
            with db:  # one transaction: commits, or rolls back on error
                yield db
        finally:
            db.close()

    def spent_today(self) -> float:
        """USD spent on cloud calls today."""
        with self._db() as db:
            row = db.execute("SELECT COALESCE(SUM(usd), 0) FROM spend WHERE day = ?", (self.today().isoformat(),))
            return float(row.fetchone()[0])

    def remaining(self) -> float | None:
        """USD left today, or None without a cap."""
        return None if self.cap_usd is None else max(0.0, self.cap_usd - self.spent_today())

    def exhausted(self) -> bool:
        """Whether today's budget is gone."""
        left = self.remaining()
        return left is not None and left <= 0.0

    def record(self, usd: float, tokens: int = 0, model: str = "") -> None:
        """Add one call's cost to today's total."""
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with self._db() as db:
            db.execute(
                "INSERT INTO spend (day, usd, tokens, model, at) VALUES (?, ?, ?, ?, ?)",
                (self.today().isoformat(), float(usd), int(tokens), model, now),
            )


class MeteredModel(ChatModel):
    """A cloud model whose every call is recorded in a `DailySpend`, and refused once the day's
    budget is spent (ModelUnavailable saying so)."""

    def __init__(self, inner: ChatModel, spend: DailySpend) -> None:
        self.inner = inner
        self.spend = spend
        self.name = inner.name
        self.tier = inner.tier

    async def complete(
        self,
        messages: list[dict[str, str]],
        *,
        schema: type[BaseModel] | None = None,
        max_tokens: int = 512,
    ) -> Completion:
        if self.spend.exhausted():
            assert self.spend.cap_usd is not None
            raise ModelUnavailable(f"{self.name}: {daily_spent_message(self.spend.cap_usd)}")
        completion = await self.inner.complete(messages, schema=schema, max_tokens=max_tokens)
        self.spend.record(completion.cost_usd, completion.tokens_in + completion.tokens_out, self.name)
        return completion

    async def rank(self, prompt: str, candidates: Sequence[str]) -> Ranking:
        return await self.inner.rank(prompt, candidates)

    @property
    def can_rank(self) -> bool:
        return self.inner.can_rank

    async def close(self) -> None:
        await self.inner.close()
