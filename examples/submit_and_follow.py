"""Submit a request and follow it: typed events as they happen, questions answered, the result.

    python examples/submit_and_follow.py                                  # a local fleet of two virtual phones
    python examples/submit_and_follow.py --url http://127.0.0.1:8765 --token T "Turn on Bluetooth"

With --url it drives a running orchestrator (`fleetmind serve`); without, it starts one
in this process with `fleetmind.sdk.local.local_fleet`. Confirmations are answered
"yes" and other questions with --answer (a real program would ask its user).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator

import fleetmind
from fleetmind.sdk import QuestionAsked, StepProgress, SubtaskState, TaskFinished
from fleetmind.sdk.local import local_fleet

REQUEST = "Turn on Wi-Fi and dark theme, then add a contact named Ada Lovelace with phone 555 0100"


@contextlib.asynccontextmanager
async def orchestrator(url: str | None, token: str | None) -> AsyncIterator[tuple[str, str | None]]:
    """The URL and token to use: the one given, or a local fleet's."""
    if url:
        yield url, token
        return
    async with local_fleet("phone:2") as fleet:
        yield fleet.url, fleet.token


async def main(argv: list[str]) -> int:
    """Submit, print each event, answer questions, print the result; 0 when the task succeeded."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("request", nargs="?", default=REQUEST)
    parser.add_argument("--url", help="a running orchestrator (default: start a local fleet)")
    parser.add_argument("--token", help="its client token (default $FLEETMIND_TOKEN)")
    parser.add_argument("--answer", default="", help="what to answer a free-text question")
    args = parser.parse_args(argv)
    async with orchestrator(args.url, args.token) as (url, token), fleetmind.connect(url, token=token) as fm:
        print(f"devices: {', '.join(d.id for d in await fm.devices())}")
        run = await fm.submit(args.request)
        print(f"task {run.id}: {args.request}")
        async for event in run:
            match event:
                case SubtaskState(subtask=sid, status=status, device=device):
                    print(f"  {sid} {status}" + (f" on {device}" if device else ""))
                case StepProgress(subtask=sid, step=n, tier=tier, summary=summary):
                    print(f"  {sid} step {n} [{tier}] {summary}")
                case QuestionAsked(subtask=sid, question=question, question_kind=kind):
                    answer = "yes" if kind == "confirm" else args.answer
                    print(f"  {sid} asks: {question} -> {answer!r}")
                    await run.answer(answer, event.question_id)
                case TaskFinished(status=status):
                    print(f"finished: {status}")
        result = await run.wait()
    print(result.summary)
    for subtask, outputs in result.outputs.items():
        for name, value in outputs.items():
            print(f"{subtask}.{name} = {value}")
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
