"""Observation latency per device kind: how long `Device.observe()` takes, p50 and p95.

Three kinds, each started the way an embedded fleet starts it (`embedded.virtual_devices`):
a VirtualPhone in process, a VirtualPhone behind the ADB-protocol server driven by
`AndroidDevice` through adbutils (the code path of a real phone), and a `BrowserDevice`
(Debian's Chromium) on a VirtualWeb page. All on loopback.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from ...devices.browser import find_chromium
from ...embedded import Transport, virtual_devices
from .wire import percentile

__all__ = ["ObserveFigure", "measure_observe"]

KINDS: dict[str, tuple[dict[str, int], Transport]] = {
    "VirtualPhone, in process": ({"phone": 1}, "direct"),
    "VirtualPhone over ADB (AndroidDevice)": ({"phone": 1}, "adb"),
    "BrowserDevice on a VirtualWeb page": ({"browser": 1}, "adb"),
}


@dataclass(frozen=True)
class ObserveFigure:
    """observe() latency of one device kind (milliseconds); `skipped` says why a kind did not run."""

    device: str
    samples: int
    p50_ms: float
    p95_ms: float
    elements: int
    skipped: str = ""


async def measure_observe(samples: int = 30) -> list[ObserveFigure]:
    """`samples` observations of each device kind, after one warm-up observation."""
    figures = []
    for name, (counts, transport) in KINDS.items():
        if "browser" in counts and find_chromium() is None:
            figures.append(ObserveFigure(name, 0, 0.0, 0.0, 0, "Chromium is not installed"))
            continue
        async with virtual_devices(counts, transport=transport) as devices:
            device = devices[0]
            first = await device.observe()
            times = []
            for _ in range(samples):
                start = time.perf_counter()
                await device.observe()
                times.append((time.perf_counter() - start) * 1000)
        figures.append(ObserveFigure(name, samples, round(percentile(times, 50), 2), round(percentile(times, 95), 2),
                                     len(first.elements)))
    return figures
