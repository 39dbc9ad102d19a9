"""The paraphrase set of `fleetmind bench requests`: everyday requests as people say them.

HELD-OUT SET. These items measure how fleetmind copes with requests it was not
written around. Never tune grounding, prompts, planner rules or thresholds on
single items of this set (no special case for a phrase, a name or a value found
here); fix the general behaviour an item exposes and check it on other wording.
Keep these requests apart from the phone-tasks bench and from test fixtures.
Edit an item only when it is wrong about the phone (a bad check or seed), and
say so in the commit.
"""

from __future__ import annotations

from ..spec import Item
from . import agenda, fleet, people, records, settings

ITEMS: tuple[Item, ...] = (*settings.ITEMS, *people.ITEMS, *agenda.ITEMS, *records.ITEMS, *fleet.ITEMS)


def _unique(items: tuple[Item, ...]) -> tuple[Item, ...]:
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise ValueError(f"requests bench: item id {item.id!r} is used twice; give each item its own id")
        seen.add(item.id)
    return items


_unique(ITEMS)

__all__ = ["ITEMS"]
