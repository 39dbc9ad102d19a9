"""The device-agent host: dials an orchestrator, announces its devices, and runs each assigned
subtask with a GUI agent loop, streaming progress and returning results.

- `agent_host`: `DeviceAgentHost`, the connection (hello, welcome, reconnects, replay) and its messages;
- `subtasks`: running one assigned subtask, its questions and its result; resuming one after a restart;
- `pending`: the questions subtasks wait on, and the answers that reach them;
- `wire`: the loop's records as protocol messages, and assignments as the loop's specs;
- `state`: the session and running subtasks on disk (SQLite), so questions outlive the host process;
- `key`: the host's credentials (device key file, enrolment token) and TLS context.
"""

from __future__ import annotations

from .agent_host import DEFAULT_QUESTION_TIMEOUT_S, DeviceAgentHost, HostError, default_agent_id, profile_of

__all__ = ["DEFAULT_QUESTION_TIMEOUT_S", "DeviceAgentHost", "HostError", "default_agent_id", "profile_of"]
