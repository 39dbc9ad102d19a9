"""One interface for every model an agent or planner talks to: `ChatModel`.

Two abilities:
- `complete(messages, schema=...)`: a chat completion, optionally constrained to a
  pydantic schema (the cloud tier via litellm; the local tier via a JSON grammar);
- `rank(prompt, candidates)`: the log-likelihood of each candidate continuation.
  Base models (like the shipped Gemma 3 270M) are far better at choosing among a
  short list than at free generation, so the local tier mostly ranks.

`ScriptedModel` replays a fixed script; tests and offline demos use it in place of a
cloud LLM (never in place of our own code under test).
"""

from __future__ import annotations

import json
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ValidationError

ModelTier = Literal["local", "cloud"]
T = TypeVar("T", bound=BaseModel)


class ModelError(RuntimeError):
    """A model could not answer; the message says why and what to do."""


class ModelOutputError(ModelError, ValueError):
    """The model answered, but not in the form asked for (callers may ask it to repair)."""


class ModelUnavailable(ModelError):
    """The model cannot be reached or loaded at all (missing file, no network, no key)."""


@dataclass
class Completion:
    """A model's answer, with what it cost."""

    text: str
    parsed: BaseModel | None = None
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    latency_ms: float = 0.0


@dataclass
class Ranking:
    """Scores for candidates: mean log-probability per token, higher is likelier."""

    scores: list[float]
    tokens: int = 0
    latency_ms: float = 0.0

    @property
    def best(self) -> int:
        """Index of the likeliest candidate."""
        return max(range(len(self.scores)), key=self.scores.__getitem__)

    @property
    def margin(self) -> float:
        """Gap between the best and the second best score: a usable confidence."""
        if len(self.scores) < 2:
            return float("inf")
        top = sorted(self.scores, reverse=True)
        return top[0] - top[1]


class ChatModel(ABC):
    """A model behind one interface, local or cloud."""

    name: str = "model"
    tier: ModelTier = "local"

    @abstractmethod
    async def complete(
        self,
        messages: list[dict[str, str]],
        *,
        schema: type[BaseModel] | None = None,
        max_tokens: int = 512,
    ) -> Completion:
        """Answer a chat; with `schema`, `parsed` holds a validated instance."""

    async def rank(self, prompt: str, candidates: Sequence[str]) -> Ranking:
        """Log-likelihood of each candidate after `prompt` (not every model can)."""
        raise ModelError(f"{self.name} cannot rank candidates")

    @property
    def can_rank(self) -> bool:
        """Whether `rank` is implemented."""
        return type(self).rank is not ChatModel.rank

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Free the model's resources."""


async def complete_as(
    model: ChatModel, messages: list[dict[str, str]], schema: type[T], *, max_tokens: int = 512
) -> tuple[T, Completion]:
    """`complete` with a schema, returning the validated instance (ModelError if invalid)."""
    completion = await model.complete(messages, schema=schema, max_tokens=max_tokens)
    parsed = completion.parsed
    if parsed is None:
        parsed = parse_json_as(completion.text, schema)
    if not isinstance(parsed, schema):
        raise ModelError(f"{model.name} returned {type(parsed).__name__}, not {schema.__name__}")
    return parsed, completion


def parse_json_as(text: str, schema: type[T]) -> T:
    """Parse model text as `schema`, tolerating a fenced block or prose around the JSON."""
    body = text.strip()
    if body.startswith("```"):
        body = body.strip("`")
        body = body.split("\n", 1)[1] if "\n" in body else body
    start, end = body.find("{"), body.rfind("}")
    if start >= 0 and end > start:
        body = body[start : end + 1]
    try:
        return schema.model_validate_json(body)
    except ValidationError as exc:
        raise ModelOutputError(f"model output is not a valid {schema.__name__}: {exc}") from exc


Script = Callable[[list[dict[str, str]], type[BaseModel] | None], Any]


@dataclass
class ScriptedModel(ChatModel):
    """Answers from a script: a list of replies (used in order) or a function of the chat.

    Each reply may be a pydantic instance, a dict or a JSON/text string. Tests use it
    to stand in for a cloud LLM.
    """

    replies: list[Any] | Script = field(default_factory=list)
    name: str = "scripted"
    tier: ModelTier = "cloud"
    cost_per_call_usd: float = 0.0
    calls: list[list[dict[str, str]]] = field(default_factory=list)

    async def complete(
        self,
        messages: list[dict[str, str]],
        *,
        schema: type[BaseModel] | None = None,
        max_tokens: int = 512,
    ) -> Completion:
        start = time.perf_counter()
        self.calls.append(messages)
        if callable(self.replies):
            reply = self.replies(messages, schema)
        elif self.replies:
            reply = self.replies.pop(0)
        else:
            raise ModelError(f"{self.name}: script exhausted after {len(self.calls) - 1} calls")
        if isinstance(reply, BaseException):
            raise reply
        if isinstance(reply, BaseModel):
            text = reply.model_dump_json()
        elif isinstance(reply, dict):
            text = json.dumps(reply)
        else:
            text = str(reply)
        parsed = None
        if schema is not None:
            parsed = parse_json_as(text, schema)
        return Completion(
            text=text,
            parsed=parsed,
            tokens_in=sum(len(m["content"]) // 4 for m in messages),
            tokens_out=len(text) // 4,
            cost_usd=self.cost_per_call_usd,
            latency_ms=(time.perf_counter() - start) * 1000,
        )
