"""What the local model hands back: plain dataclasses, no llama.cpp types."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scores:
    """Likelihood of each candidate continuation of a prompt.

    `scores[i]` is the mean log-probability per token of `candidates[i]`; higher is
    likelier. `tokens` counts the prompt's and every candidate's tokens (the size of
    the question); `evaluated` counts the tokens actually run through the model,
    which prefix reuse keeps small; `threads` is how many llama.cpp threads ran.
    """

    scores: list[float]
    tokens: int = 0
    latency_ms: float = 0.0
    evaluated: int = 0
    threads: int = 0


@dataclass(frozen=True)
class Generation:
    """A plain text completion of a prompt, with what it cost.

    `finish_reason` is "stop" when the model (or the grammar) ended the text and
    "length" when `max_tokens` cut it.
    """

    text: str
    tokens_in: int = 0
    tokens_out: int = 0
    latency_ms: float = 0.0
    finish_reason: str = ""
