"""`fleetmind bench routing` on two phone tasks: the reference oracle stands in for the cloud,
cloud-only sends every step to it, and the router keeps grounded steps off it."""

from __future__ import annotations

from rich.console import Console

from fleetmind.bench.routing import run_routing_bench


async def test_routing_bench_counts_cloud_calls_per_policy() -> None:
    report = await run_routing_bench(None, only=["Turn on Bluetooth", "Find the phone number of Ada"])
    by_policy = {r.policy: r for r in report.results}
    assert report.tasks == 2 and report.references == 2  # the rule tier solved both: verified references
    assert all(r.succeeded == 2 for r in report.results)
    cloud_only, auto = by_policy["cloud-only"], by_policy["auto"]
    assert cloud_only.cloud_calls == cloud_only.steps > 0 and cloud_only.tokens > 0 and cloud_only.cost_usd > 0
    assert auto.cloud_calls == 0 and by_policy["local-only"].cloud_calls == 0
    assert report.oracle_hits == cloud_only.cloud_calls and report.oracle_misses == 0
    console = Console(width=200, record=True)
    console.print(report.render())
    assert "cloud: reference oracle (priced as gpt-4o-mini)" in console.export_text()
