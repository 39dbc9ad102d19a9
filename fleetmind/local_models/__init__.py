"""The local model tier: a small GGUF model run in-process by llama-cpp-python.

Importing this package is cheap and never needs llama-cpp-python; the runtime is
imported when a model is first loaded. `fleetmind.agents` wraps `LlamaModel` into a
`ChatModel`; this package imports nothing from `agents`.
"""

from fleetmind.local_models.errors import LocalModelError, LocalModelUnavailable
from fleetmind.local_models.llama import LlamaModel
from fleetmind.local_models.registry import (
    DEFAULT_MODEL,
    available,
    known_models,
    problem,
    resolve_model,
)
from fleetmind.local_models.types import Generation, Scores

__all__ = [
    "DEFAULT_MODEL",
    "Generation",
    "LlamaModel",
    "LocalModelError",
    "LocalModelUnavailable",
    "Scores",
    "available",
    "known_models",
    "problem",
    "resolve_model",
]
