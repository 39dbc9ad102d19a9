"""Shared fixtures. The real local model loads once per session (about 2 s)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


@pytest.fixture(scope="session")
def local_model() -> Iterator[Any]:
    """The shipped Gemma 3 270M behind ChatModel (make test installs it)."""
    from fleetmind.agents.local import LocalModel

    model = LocalModel()
    model.load()
    yield model
    model._llama.close()  # noqa: SLF001 - sync close at session end, no loop here
