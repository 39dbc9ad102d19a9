"""A custom agent: weather goals are answered from an API instead of a weather app's screens.

    python examples/custom_agent.py                 # on a local fleet of two virtual phones
    fleetmind device virtual --connect ws://HOST:PORT/agent --agent examples/custom_agent.py:WeatherAgent

`WeatherAgent` subclasses `fleetmind.sdk.Agent`: it handles the subtasks whose goal names
"weather" (the `apps` it is registered for) on any phone, calls the `forecast` tool, reports
that as a step and returns the forecast as the subtask's output. Every other subtask (here:
saving the forecast in a note) goes to the built-in GUI agent on the same devices.
"""

from __future__ import annotations

import asyncio
import re
import sys

import fleetmind
from fleetmind.devices.base import Done
from fleetmind.sdk import Agent, AgentRegistry, AskFn, LoopResult, OnStep, SubtaskSpec, Tools
from fleetmind.sdk.local import local_fleet

tools = Tools()

FORECASTS = {"paris": "Paris: 18°C, light rain", "london": "London: 14°C, overcast", "rome": "Rome: 24°C, sunny"}


@tools.tool
def forecast(city: str) -> str:
    """Today's forecast for a city (a stand-in for a weather service's HTTP API)."""
    try:
        return FORECASTS[city.strip().lower()]
    except KeyError:
        raise ValueError(f"no forecast for {city!r}; known cities: {', '.join(FORECASTS)}") from None


registry = AgentRegistry(tools=tools)


@registry.register(kind="phone", apps=["weather"])
class WeatherAgent(Agent):
    """Answers weather goals through the forecast tool: one step, no screen."""

    def handles(self, spec: SubtaskSpec) -> bool:
        """"the weather in Paris", not a note that merely mentions the weather."""
        return super().handles(spec) and re.search(r"\bweather\s+(?:in|for)\b", spec.goal, re.I) is not None

    async def run(
        self,
        spec: SubtaskSpec,
        *,
        on_step: OnStep | None = None,
        ask: AskFn | None = None,
        thread_id: str | None = None,
    ) -> LoopResult:
        steps = self.steps(on_step)
        m = re.search(r"\b(?:in|for)\s+([A-Z][\w-]*(?:\s+[A-Z][\w-]*)*)", spec.goal)
        city = m.group(1) if m else await self.ask_user(ask, "Which city's weather?")
        if not city:
            return self.failed("the goal names no city and nobody said which")
        try:
            text = await self.tools.call("forecast", {"city": city})
        except ValueError as exc:
            return self.failed(str(exc), steps=steps.count)
        await steps.report(Done(answer=text), why=f"{type(self).__name__} called the forecast tool for {city}")
        return self.succeeded(text, spec, steps=steps.count)


REQUEST = "Look up the weather in Paris, then save it in a note"


async def main(request: str = REQUEST) -> int:
    """Run `request` on a local fleet whose phones offer WeatherAgent; print who did what."""
    async with local_fleet("phone:2", agents=registry) as fleet, fleetmind.connect(fleet.url, token=fleet.token) as fm:
        run = await fm.submit(request, confirm="allow")
        result = await run.wait(timeout_s=120)
    for step in result.steps:
        print(f"{step['subtask']} #{step['step']} [{step['tier']}] {step['summary']}  ({step['why']})")
    print(f"{result.status}: {result.outputs}")
    if not result.ok:
        print(result.summary)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main(*sys.argv[1:2])))
