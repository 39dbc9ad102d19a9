"""`fleetmind bench perf`: raw performance on loopback, each figure beside a same-run baseline.

- `fleet`: fake agents speaking the real protocol to a real orchestrator;
- `wire`: round trips and dispatch latency with N agents, beside bare `websockets`;
- `memory`: memory per connected agent, beside bare connections;
- `observe`: observation latency per device kind;
- `run`: every stage, bounded, into one report (scheduler figures from `bench.scheduler`,
  the one-connection figures from `bench.protocol`).
"""
