"""The cloud tier: any litellm model behind `ChatModel`.

litellm is imported lazily, here only, with its price map read from the package
(no network at import). Every call has a timeout; the default of litellm is 6000 s.
"""

from __future__ import annotations

import os
import time
from typing import Any

from pydantic import BaseModel

from .models import ChatModel, Completion, ModelError, ModelUnavailable, parse_json_as

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
    and offline demos use it.
    """

    tier = "cloud"

    def __init__(
        self,
        model: str,
        *,
        api_base: str | None = None,
        api_key: str | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        mock_response: str | None = None,
    ) -> None:
        self.name = model
        self.api_base = api_base
        self.api_key = api_key
        self.timeout_s = timeout_s
        self.mock_response = mock_response

    async def complete(
        self,
        messages: list[dict[str, str]],
        *,
        schema: type[BaseModel] | None = None,
        max_tokens: int = 512,
    ) -> Completion:
        litellm = _litellm()
        kwargs: dict[str, Any] = {
            "model": self.name,
            "messages": messages,
            "max_tokens": max_tokens,
            "timeout": self.timeout_s,
            "temperature": 0,
        }
        if schema is not None:
            kwargs["response_format"] = schema
        if self.api_base:
            kwargs["api_base"] = self.api_base
        if self.api_key:
            kwargs["api_key"] = self.api_key
        if self.mock_response is not None:
            kwargs["mock_response"] = self.mock_response
        start = time.perf_counter()
        try:
            response = await litellm.acompletion(**kwargs)
        except Exception as exc:  # litellm wraps every provider's errors; sort them for the user
            raise _explain(self.name, litellm, exc) from exc
        text = response.choices[0].message.content or ""
        usage = getattr(response, "usage", None)
        try:
            cost = float(litellm.completion_cost(completion_response=response))
        except Exception:  # unknown pricing (a local server): free as far as we can tell
            cost = 0.0
        return Completion(
            text=text,
            parsed=parse_json_as(text, schema) if schema is not None else None,
            tokens_in=getattr(usage, "prompt_tokens", 0) or 0,
            tokens_out=getattr(usage, "completion_tokens", 0) or 0,
            cost_usd=cost,
            latency_ms=(time.perf_counter() - start) * 1000,
        )


def _explain(name: str, litellm: Any, exc: Exception) -> ModelError:
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
            f"{name} cannot be reached ({text[:200]}); check the network or use --policy local-only"
        )
    if status == 429 or isinstance(exc, litellm.exceptions.RateLimitError):
        return ModelError(f"{name} is rate-limited; wait and retry, or lower the request rate")
    return ModelError(f"{name} failed: {text[:300]}")
