"""Benchmarks that print their figures, each against a baseline measured in the same run.

- `local-model`: load time and likelihood-scoring latency of the local GGUF model,
  prefix reuse against naive re-evaluation;
- `local-ranking`: how often each local ranking method picks the right next action;
- `phone-tasks`: whole subtasks on VirtualPhones checked against phone state, in
  process and through the ADB server;
- `protocol`: agent-protocol round trips against a bare WebSocket echo.
"""
