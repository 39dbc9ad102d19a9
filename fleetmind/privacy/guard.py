"""`RedactingModel`: a chat model seen through redaction, for the planners' and replanners' requests.

Every message's text but the system prompt has its sensitive values replaced by placeholders (one `Redactor`
per request), and the answer, text and parsed object both, has them put back, so a plan
whose goal reads "Log in with PIN <SECRET_1>" runs with the PIN. A model the user marked
private (tier "local") is on the device's side and sees the values as they are.

Duck-typed on purpose: the orchestrator's planners hold any object with `name` and
`complete`, and this module imports nothing of the agents'.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

from pydantic import BaseModel

from .audit import audit_redactions
from .redaction import Redactor
from .rules import NO_RULES, PrivacyRules

__all__ = ["RedactingModel", "redacting"]


class RedactingModel:
    """Wraps a chat model so that what it is sent is redacted and what it answers is restored."""

    def __init__(self, inner: Any, rules: PrivacyRules = NO_RULES) -> None:
        self.inner = inner
        self.rules = rules
        self.name: str = inner.name

    def __getattr__(self, attr: str) -> Any:  # tier, cost and the like read through
        return getattr(self.inner, attr)

    async def complete(
        self, messages: list[dict[str, str]], *, schema: type[BaseModel] | None = None, max_tokens: int = 512
    ) -> Any:
        """The inner model's completion of the redacted `messages`, with the values restored."""
        redactor = Redactor(self.rules)
        sent = [  # the system prompt is ours (its examples are no one's data)
            m
            if m.get("role") == "system"
            else {**m, "content": redactor.redact(m.get("content", ""), f"messages[{i}]")}
            for i, m in enumerate(messages)
        ]
        completion = await self.inner.complete(sent, schema=schema, max_tokens=max_tokens)
        if not redactor.redactions:
            return completion
        audit_redactions(redactor, "planning request", self.name)
        text = redactor.restore(completion.text)
        parsed = completion.parsed
        if isinstance(parsed, BaseModel):
            dumped = parsed.model_dump(mode="json", by_alias=True)
            parsed = type(parsed).model_validate(redactor.restore_json(dumped))
        if dataclasses.is_dataclass(completion) and not isinstance(completion, type):
            return dataclasses.replace(completion, text=text, parsed=parsed)
        restored = copy.copy(completion)
        restored.text, restored.parsed = text, parsed
        return restored


def redacting(model: Any, rules: PrivacyRules = NO_RULES) -> Any:
    """`model` behind redaction, unless it is already, or is a private (on-device) model."""
    if isinstance(model, RedactingModel) or getattr(model, "tier", "cloud") == "local":
        return model
    return RedactingModel(model, rules)
