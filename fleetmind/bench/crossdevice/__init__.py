"""`fleetmind bench cross-device`: tasks over 2-5 devices where data moves between them, run through the orchestrator.

- `spec`: how a task is written (request, devices, seeding, check, reference graph with per-subtask plans);
- `tasks`: the templates and the 51 tasks they make;
- `fleet`: one run of a task on a fresh fleet (planner or reference graph, agents or oracle, timings);
- `suite`: episodes (each task side by side and one at a time), the figures and plots.
"""
