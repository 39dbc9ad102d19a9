"""The local tier behind `ChatModel`: a GGUF model from `local_models`, in process."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel

from ...local_models.errors import LocalModelError, LocalModelUnavailable
from ...local_models.llama import LlamaModel
from .base import ChatModel, Completion, ModelError, ModelUnavailable, Ranking, parse_json_as


class LocalModel(ChatModel):
    """A llama.cpp model on this device. Ranks candidates; completes with a JSON grammar.

    The shipped default (Gemma 3 270M) is a base model: it continues text rather
    than following chat turns, so the agent mostly asks it to rank.
    """

    tier = "local"

    def __init__(self, spec: str | Path | None = None, *, n_ctx: int = 2048, n_threads: int | None = None) -> None:
        self._llama = LlamaModel(spec, n_ctx=n_ctx, n_threads=n_threads)
        self.name = self._llama.name

    def load(self) -> float:
        """Load now (not on the first step); returns the load time in ms."""
        try:
            self._llama.load()
        except LocalModelUnavailable as exc:
            raise ModelUnavailable(str(exc)) from exc
        return self._llama.load_ms or 0.0

    async def rank(self, prompt: str, candidates: Sequence[str]) -> Ranking:
        try:
            scores = await self._llama.score(prompt, candidates)
        except LocalModelUnavailable as exc:
            raise ModelUnavailable(str(exc)) from exc
        except LocalModelError as exc:
            raise ModelError(str(exc)) from exc
        return Ranking(scores=list(scores.scores), tokens=scores.evaluated, latency_ms=scores.latency_ms)

    async def rank_each(self, prompts: Sequence[str], continuations: Sequence[str]) -> Ranking:
        """Log-likelihood of continuation i after prompt i, for every i, in one batch."""
        try:
            scores = await self._llama.score_each(prompts, continuations)
        except LocalModelUnavailable as exc:
            raise ModelUnavailable(str(exc)) from exc
        except LocalModelError as exc:
            raise ModelError(str(exc)) from exc
        return Ranking(scores=list(scores.scores), tokens=scores.evaluated, latency_ms=scores.latency_ms)

    async def complete(
        self,
        messages: list[dict[str, str]],
        *,
        schema: type[BaseModel] | None = None,
        max_tokens: int = 512,
    ) -> Completion:
        prompt = "\n\n".join(f"{m['role']}: {m['content']}" for m in messages) + "\n\nassistant:"
        try:
            gen = await self._llama.generate(
                prompt, json_schema=schema.model_json_schema() if schema else None, max_tokens=max_tokens
            )
        except LocalModelError as exc:
            raise ModelError(str(exc)) from exc
        parsed = parse_json_as(gen.text, schema) if schema is not None else None
        return Completion(
            text=gen.text, parsed=parsed, tokens_in=gen.tokens_in, tokens_out=gen.tokens_out, latency_ms=gen.latency_ms
        )

    async def close(self) -> None:
        self._llama.close()


__all__ = ["LocalModel"]
