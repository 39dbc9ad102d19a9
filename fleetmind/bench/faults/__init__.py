"""`fleetmind bench faults`: the cross-device suite with faults injected.

- `scenarios`: what goes wrong (a cut connection, a vanished device, a slow device, dropped
  and duplicated frames, a pop-up, the orchestrator killed and restarted);
- `relay`: a loopback WebSocket relay between an agent and the orchestrator, where frames
  are dropped or duplicated and connections cut;
- `devices`: the phones, slowness and pop-ups on them, their rows read back;
- `fleet`: one faulted run in process; `crash` and `served`: the orchestrator in a
  subprocess, SIGKILLed and restarted on its SQLite store;
- `ledger`: work lost and repeated, from the event log and the phones' rows (pure);
- `suite`: episodes, figures, the report.
"""
