"""Stand-ins the agent tests share (not a test module: pytest does not collect it)."""

from __future__ import annotations

from fleetmind.agents.questions import PendingQuestion


class Answers:
    """A user at the other end: answers each question from a script and records it."""

    def __init__(self, *replies: str) -> None:
        self.replies = list(replies)
        self.asked: list[PendingQuestion] = []

    async def __call__(self, question: PendingQuestion) -> str:
        self.asked.append(question)
        return self.replies.pop(0) if self.replies else ""
