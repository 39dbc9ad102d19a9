"""`fleetmind bench android`: AndroidWorld-style task templates on one phone, seeded and checked over adb.

- `spec`: how a template is written (goal, random parameters, seed, check, reference plan);
- `tasks/`: the templates, by app;
- `phone`: `AdbPhone`, seeding and reading a phone through `adb shell` (settings, content, am, pm);
- `oracle`: the reference-plan replay (the `oracle` policy);
- `suite`: episodes, devices, the two policies, the figures.
"""
