"""The cloud tier: any litellm model behind `ChatModel`; also self-hosted OpenAI-compatible servers.

litellm is imported lazily, here only, with its price map read from the package
(no network at import). Every call has a timeout; the default of litellm is 6000 s.

A self-hosted server (Ollama, llama_cpp.server, vLLM) is reached through litellm's
`openai/` provider with `api_base`. Servers differ in how they take a JSON schema:
OpenAI's `json_schema` response format (Ollama, vLLM) or `json_object` with a
`schema` (llama_cpp.server); `structured="auto"` tries the first and switches to the
second for good when the server refuses it.
"""

from __future__ import annotations

import os
import time
from typing import Any, Literal

from pydantic import BaseModel

from .base import ChatModel, Completion, ModelError, ModelTier, ModelUnavailable, parse_json_as

Structured = Literal["auto", "json_schema", "json_object"]

DEFAULT_TIMEOUT_S = 60.0


def _litellm() -> Any:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    try:
        import litellm
    except ImportError as exc:
        raise ModelUnavailable(
            "the cloud tier needs litellm: make install (or pip install 'fleetmind[cloud]')"
        ) from exc
    litellm.suppress_debug_info = True
    return litellm


class LiteLLMModel(ChatModel):
    """A cloud (or OpenAI-compatible local server) model reached through litellm.

    `mock_response` makes every call answer that text without any network: tests
    and offline demos use it. tier: "local" for a server on the user's own hardware
    (its calls cost nothing). max_tokens: a cap on every answer's length. structured:
    how a schema is asked for (see the module docstring). unreachable_hint: what to
    tell the user when the server cannot be reached. name: what the user reads (default: model).
    max_retries: retries of a failed request (default: the provider client's).
    """

    def __init__(
        self,
        model: str,
        *,
        api_base: str | None = None,
        api_key: str | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        mock_response: str | None = None,
        tier: ModelTier = "cloud",
        max_tokens: int | None = None,
        structured: Structured = "json_schema",
        unreachable_hint: str = "check the network or use --policy local-only",
        name: str | None = None,
        max_retries: int | None = None,
    ) -> None:
        self.model = model
        """The litellm model id (provider/model)."""
        self.name = name or model
        self.tier = tier
        self.api_base = api_base
        self.api_key = api_key
        self.timeout_s = timeout_s
        self.mock_response = mock_response
        self.max_tokens = max_tokens
        self.structured: Structured = structured
        self.unreachable_hint = unreachable_hint
        self.max_retries = max_retries

    async def complete(
        self,
        messages: list[dict[str, str]],
        *,
        schema: type[BaseModel] | None = None,
        max_tokens: int = 512,
    ) -> Completion:
        litellm = _litellm()
        kwargs: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "max_tokens": min(max_tokens, self.max_tokens) if self.max_tokens else max_tokens,
            "timeout": self.timeout_s,
            "temperature": 0,
        }
        if self.api_base:
            kwargs["api_base"] = self.api_base
        if self.api_key:
            kwargs["api_key"] = self.api_key
        if self.max_retries is not None:
            kwargs["max_retries"] = self.max_retries
        if self.mock_response is not None:
            kwargs["mock_response"] = self.mock_response
        start = time.perf_counter()
        try:
            response = await litellm.acompletion(**kwargs, **self._format(schema))
        except Exception as exc:  # litellm wraps every provider's errors; sort them for the user
            if schema is not None and self.structured == "auto" and "response_format" in str(exc):
                self.structured = "json_object"  # this server takes a schema the llama.cpp way
                return await self.complete(messages, schema=schema, max_tokens=max_tokens)
            raise _explain(self.name, litellm, exc, self.unreachable_hint) from exc
        text = response.choices[0].message.content or ""
        usage = getattr(response, "usage", None)
        cost = 0.0
        if self.tier == "cloud":
            try:
                cost = float(litellm.completion_cost(completion_response=response))
            except Exception:  # unknown pricing: free as far as we can tell
                cost = 0.0
        return Completion(
            text=text,
            parsed=parse_json_as(text, schema) if schema is not None else None,
            tokens_in=getattr(usage, "prompt_tokens", 0) or 0,
            tokens_out=getattr(usage, "completion_tokens", 0) or 0,
            cost_usd=cost,
            latency_ms=(time.perf_counter() - start) * 1000,
        )

    def _format(self, schema: type[BaseModel] | None) -> dict[str, Any]:
        """The response_format argument for `schema`, in the form this server takes."""
        if schema is None:
            return {}
        if self.structured == "json_object":
            return {"response_format": {"type": "json_object", "schema": schema.model_json_schema()}}
        return {"response_format": schema}


def _explain(name: str, litellm: Any, exc: Exception, hint: str = "check the network") -> ModelError:
    """Turn a litellm error into one that says what to do."""
    status = getattr(exc, "status_code", None)
    text = str(exc)
    if status in (401, 403) or isinstance(exc, litellm.exceptions.AuthenticationError):
        return ModelUnavailable(f"{name}: the API key was refused ({status}); set the provider's key variable")
    chain: list[BaseException] = []
    cause: BaseException | None = exc
    while cause is not None and len(chain) < 10:
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    unreachable = isinstance(exc, litellm.exceptions.APIConnectionError | litellm.exceptions.Timeout) or any(
        isinstance(c, ConnectionError | TimeoutError) for c in chain
    )
    if unreachable or "Connection error" in text:
        return ModelUnavailable(
            f"{name} cannot be reached ({text[:200]}); {hint}"
        )
    if status == 429 or isinstance(exc, litellm.exceptions.RateLimitError):
        return ModelError(f"{name} is rate-limited; wait and retry, or lower the request rate")
    return ModelError(f"{name} failed: {text[:300]}")
