"""The models an agent step can go to, and how a step is sent to one.

- `base`: the one interface every model speaks (`ChatModel`: complete and rank) and a
  scripted stand-in for tests;
- `local`: the on-device GGUF model through llama.cpp; `cloud`: any litellm model;
- `ranking`: how the local model orders the candidate actions grounding proposes;
- `router`: which tier a step may go to (difficulty, privacy, budget); `spend`: the daily
  cloud budget; `prompts`: what a cloud model is shown (redacted);
- `tiers`: the agent's view of all of it: one step decided by a rule, the local model or
  the cloud, as the router allows.

Only `base` is imported here: the others pull in llama.cpp, litellm or the grounding
package, and are imported by name (`fleetmind.agents.models.tiers`).
"""

from .base import (
    ChatModel,
    Completion,
    ModelError,
    ModelOutputError,
    ModelTier,
    ModelUnavailable,
    Ranking,
    ScriptedModel,
    parse_json_as,
)

__all__ = [
    "ChatModel",
    "Completion",
    "ModelError",
    "ModelOutputError",
    "ModelTier",
    "ModelUnavailable",
    "Ranking",
    "ScriptedModel",
    "parse_json_as",
]
