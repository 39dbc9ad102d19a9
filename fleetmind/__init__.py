"""fleetmind: one natural-language request, done by GUI agents across a fleet of phones and browsers.

Start with `fleetmind run "..."` (see README.md). The packages: `protocol` (the agent
wire protocol), `orchestrator` (task graphs, scheduling, planning), `agents` (the GUI
agent loop, routing, models, the device-agent host), `devices` (Android, browser and
virtual devices), `local_models` (GGUF models through llama.cpp), `bench`, `cli`.
"""

__version__ = "0.1.0"
