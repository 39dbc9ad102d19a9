"""`python -m fleetmind.bench.faults.served`: the orchestrator process the crash scenario kills and restarts.

It is the orchestrator `fleetmind serve --db F` runs (the same `Orchestrator` on the same
`SQLiteStore` file, crash recovery on start), serving the agent endpoint only, with the
task's reference graph for a planner (the oracle policy: `fleetmind serve` plans with a
model or the clause planner, which would not give the reference graph). The first start
waits for the devices and submits the request; a restart finds the task in the store and
runs it on. It prints `agents: URL` when listening and `task: ID` once the task exists.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
from collections.abc import Sequence
from pathlib import Path

from ...orchestrator.graph import GraphPatch
from ...orchestrator.planner import RetryReplanner
from ...orchestrator.server import Orchestrator
from ...orchestrator.store import SQLiteStore
from ...protocol.messages import Budget, DeviceProfile

__all__ = ["PlanFile", "main"]


class PlanFile:
    """A planner that returns the graph written in a file, whatever the request."""

    def __init__(self, patch: GraphPatch) -> None:
        self.patch = patch

    async def plan(self, request: str, devices: Sequence[DeviceProfile]) -> GraphPatch:
        """The stored graph."""
        return self.patch


async def serve(db: Path, plan: Path, port: int, devices: int, grace_s: float) -> None:
    """Run the orchestrator until killed."""
    written = json.loads(plan.read_text())
    store = SQLiteStore(db)
    orch = Orchestrator(PlanFile(GraphPatch.model_validate(written["patch"])), RetryReplanner(), store,
                        max_concurrent=8, reconnect_grace_s=grace_s, no_device_timeout_s=grace_s)
    url = await orch.start(port=port)
    print(f"agents: {url}", flush=True)
    known = store.tasks()
    if known:
        print(f"task: {known[0]['task_id']}", flush=True)
    else:
        await orch.wait_for_devices(devices, timeout_s=30)
        run = await orch.submit(written["request"], budget=Budget(max_steps=20), confirm="allow")
        print(f"task: {run.id}", flush=True)
    await asyncio.Event().wait()  # until the bench kills it


def main() -> None:
    """Parse the flags and serve."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--db", type=Path, required=True, help="SQLite store (kept across restarts)")
    parser.add_argument("--plan", type=Path, required=True, help="JSON: {request, patch} (the reference graph)")
    parser.add_argument("--port", type=int, default=0, help="agent port (0: a free one)")
    parser.add_argument("--devices", type=int, default=1, help="devices to wait for before submitting")
    parser.add_argument("--grace", type=float, default=30.0, help="seconds a lost agent may take to come back")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(serve(args.db, args.plan, args.port, args.devices, args.grace))


if __name__ == "__main__":
    main()
