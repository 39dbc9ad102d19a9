"""How many threads llama.cpp should use for the next call: more than one only on free cores.

llama.cpp's threads meet at a spinning barrier after every operation of a decode
(hundreds per call). When another process holds one of the cores, the thread that
got there first spins until the other is scheduled again, and every barrier costs
a scheduler time slice. On the shared 2-core machine with a load average of 9, two
threads scored 2 candidates in 19.6 s and one thread in 3.1 s (the same scores: the
thread count changes the speed, never the result). So before each call `CoreWatch`
looks at how busy the other processes kept the cores since the last call (from
/proc/stat, minus this process's own CPU time) and drops to the threads that fit
the cores they left free.
"""

from __future__ import annotations

import os
import time

# Others may use this much of the cores we run on: more, and the barrier waits for a
# time slice too often.
TOLERATED_BUSY = 0.25
MIN_WINDOW_S = 0.05  # shorter windows say little; keep the last answer


def _busy_cpu_seconds() -> float | None:
    """CPU seconds all processes spent busy since boot, or None off Linux."""
    try:
        with open("/proc/stat", encoding="ascii") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    # user nice system idle iowait irq softirq steal: steal (another VM had the core) is busy too
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def threads_for(wanted: int, cores: int, others_busy: float) -> int:
    """`wanted` threads, or as many as the cores others leave free (at least one)."""
    return max(1, min(wanted, int(cores - others_busy + TOLERATED_BUSY)))


class CoreWatch:
    """Tracks other processes' CPU use between calls; `threads()` says how many to use now."""

    def __init__(self, cores: int | None = None) -> None:
        self.cores = cores or os.cpu_count() or 1
        self.others_busy: float | None = None  # cores the others kept busy in the last window
        self._last = self._sample()
        self._answer: int | None = None

    @staticmethod
    def _sample() -> tuple[float, float, float | None]:
        return time.monotonic(), time.process_time(), _busy_cpu_seconds()

    def threads(self, wanted: int) -> int:
        """`wanted`, or fewer if other processes kept cores busy since the last call."""
        if wanted <= 1:
            return wanted
        now = self._sample()
        wall, own, busy = now[0] - self._last[0], now[1] - self._last[1], now[2]
        if busy is None or self._last[2] is None:
            return wanted
        if wall < MIN_WINDOW_S and self._answer is not None:
            return min(wanted, self._answer)
        self.others_busy = max(0.0, (busy - self._last[2] - own) / wall)
        self._last = now
        self._answer = threads_for(wanted, self.cores, self.others_busy)
        return self._answer
