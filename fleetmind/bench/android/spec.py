"""How an android task template is written: goal, parameters, seeding, check and reference plan.

In the style of AndroidWorld's `TaskEval`: `params(rng)` draws the random parameters
from the episode's seed, `goal` renders the request (some templates in several
phrasings, as people say it), `seed` puts the initial state on the phone and `check`
reads the phone's state afterwards, both through `AdbPhone` (adb shell only). The check
never believes the agent: for a question, the answer is compared with the seeded data.
`plan` is the reference action plan the oracle policy replays.
"""

from __future__ import annotations

import random
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from .oracle import Step
from .phone import AdbPhone

__all__ = [
    "APPS",
    "LEVELS",
    "Check",
    "Level",
    "Params",
    "Template",
    "answer_has",
    "digits",
    "pick",
    "words",
]

Level = Literal["easy", "medium", "hard"]
LEVELS: tuple[Level, ...] = ("easy", "medium", "hard")
APPS = ("Settings", "Contacts", "Messages", "Calendar", "Clock", "Notes", "Files", "Bank")
TAGS = ("retrieval", "multi-app", "scroll", "casual")
Params = dict[str, Any]
Check = Callable[[AdbPhone, Params, str], Awaitable[bool]]
"""(phone, params, the answer the user got) -> whether the task is done, read from the phone."""


@dataclass(frozen=True)
class Template:
    """One task template (see the module docstring).

    goals: goal texts with `{param}` placeholders; an episode uses one, drawn from its seed.
    tags: `retrieval` (a question answered from seeded data), `multi-app`, `scroll`
    (the target starts off screen), `casual` (phrased the way people talk).
    """

    id: str
    level: Level
    apps: tuple[str, ...]
    goals: tuple[str, ...]
    params: Callable[[random.Random], Params]
    seed: Callable[[AdbPhone, Params], Awaitable[None]]
    check: Check
    plan: Callable[[Params], list[Step]]
    tags: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if unknown := set(self.apps) - set(APPS):
            raise ValueError(f"template {self.id}: unknown apps {sorted(unknown)}; use {APPS}")
        if unknown := set(self.tags) - set(TAGS):
            raise ValueError(f"template {self.id}: unknown tags {sorted(unknown)}; use {TAGS}")
        if not self.goals:
            raise ValueError(f"template {self.id}: give at least one goal")

    @property
    def retrieval(self) -> bool:
        """Whether the task asks a question (the answer is checked against seeded data)."""
        return "retrieval" in self.tags

    def instantiate(self, seed: int) -> tuple[Params, str]:
        """The parameters and the goal text for one episode seed (the same seed, the same episode)."""
        rng = random.Random(f"{self.id}:{seed}")
        params = self.params(rng)
        goal = rng.choice(self.goals).format_map(params)
        return params, goal


def pick(rng: random.Random, items: Sequence[Any], k: int | None = None) -> Any:
    """One item (or k distinct items) of `items`."""
    return rng.choice(items) if k is None else rng.sample(list(items), k)


def digits(text: str) -> str:
    """Only the digits of `text` (phone numbers compare this way)."""
    return re.sub(r"\D", "", text)


def words(text: str) -> str:
    """Lower-case words of `text`, single-spaced (free text compares this way)."""
    return " ".join(re.findall(r"[\w$.:@'-]+", text.casefold()))


def answer_has(answer: str, *expected: str) -> bool:
    """Whether the answer contains every expected value (case and spacing ignored; numbers by digits)."""
    said = words(answer)
    for value in expected:
        if re.fullmatch(r"[\d\s()+-]{7,}", value):
            if digits(value) not in digits(answer):
                return False
        elif words(value) not in said:
            return False
    return True
