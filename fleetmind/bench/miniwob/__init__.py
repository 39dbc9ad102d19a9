"""`fleetmind bench miniwob`: the 125 MiniWoB++ tasks (the BrowserGym set) run by the real GUI
agent through `BrowserDevice`, scored by each page's own reward.

- `tasks`: the task list, the widget kind of each task, where the package's pages are;
- `server`: the pages served on loopback;
- `episode`: one seeded episode on a browser (start, instruction, reward);
- `suite`: the `bench.runner.Suite` (episodes, browsers, the agent) and its summary;
- `run`: the command-line driver (progress bar, report, plots).
"""
