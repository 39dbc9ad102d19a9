"""fleetmind: one natural-language request, done by GUI agents across a fleet of phones and browsers.

Start with `fleetmind run "..."` (see README.md); from Python, `fleetmind.connect(url)`
drives a running orchestrator (see `fleetmind.sdk`). The packages: `protocol` (the agent
wire protocol), `orchestrator` (task graphs, scheduling, planning), `agents` (the GUI
agent loop, routing, models, the device-agent host), `devices` (Android, browser and
virtual devices), `local_models` (GGUF models through llama.cpp), `sdk`, `mcp`, `bench`, `cli`.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .sdk import connect, connect_sync

__version__ = "0.1.0"

__all__ = ["__version__", "connect", "connect_sync"]


def __getattr__(name: str) -> object:
    # The SDK pulls in httpx and the agent loop: import it when a program asks for it,
    # not whenever any part of fleetmind is imported.
    if name in ("connect", "connect_sync"):
        import importlib

        return getattr(importlib.import_module(".sdk", __name__), name)
    raise AttributeError(f"module 'fleetmind' has no attribute {name!r}")
