"""`fleetmind bench requests`: everyday requests, phrased as people phrase them, run on a
fresh virtual fleet each and checked against device state.

- `items/`: the held-out paraphrase set (never tune grounding on single items of it);
- `spec`: how an item is written (request, devices, seed, expected outcome, answers, check);
- `world`: snapshots of device state and their differences;
- `stage`: the fleet an item runs on; `answerer`: the scripted user; `runner`: running items;
- `score`: verdicts and figures (false successes, unintended changes, questions);
- `report`, `suite`: the table, report.json / report.md, and the command.
"""
