"""Shared fixtures. The real local model loads once per session (about 2 s)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
# `fleetmind run` learns skills and app memory in the data directory: tests get their own,
# so neither the user's data nor one test's runs change another's.
os.environ["FLEETMIND_DATA_DIR"] = tempfile.mkdtemp(prefix="fleetmind-test-data-")


@pytest.fixture(scope="session")
def local_model() -> Iterator[Any]:
    """The shipped Gemma 3 270M behind ChatModel (make test installs it)."""
    from fleetmind.agents.models.local import LocalModel

    model = LocalModel()
    model.load()
    yield model
    model._llama.close()  # noqa: SLF001 - sync close at session end, no loop here
