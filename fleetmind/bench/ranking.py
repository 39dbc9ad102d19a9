"""`fleetmind bench local-ranking`: how well the local model picks the next action.

Decision points are real VirtualPhone screens where text grounding alone cannot
decide (the goal does not name the element) and the right next action is clear to
a person. Each ranking method of `agents.models.ranking` is scored on the same points in
the same run, against the baseline of the text-match prior alone.

These points were also used while choosing the default method, so treat the
figures as optimistic; a held-out benchmark belongs to the benchmark suites.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from ..agents.grounding import candidates, parse_goal
from ..agents.models import ChatModel
from ..agents.models.ranking import Method, rank_candidates
from ..devices.base import Done
from ..devices.virtual import VirtualPhone

Setup = Callable[[VirtualPhone], object]


def _tap_text(phone: VirtualPhone, text: str) -> None:
    el = next(e for e in phone.snapshot(screenshot=False).elements if e.text == text)
    phone.tap(*el.bounds.center)


def _messages_allowed(phone: VirtualPhone) -> None:
    phone.launch("Messages")
    _tap_text(phone, "Allow")


def _home(phone: VirtualPhone) -> None:
    """Start on the home screen."""


@dataclass(frozen=True)
class DecisionPoint:
    goal: str
    setup: Setup
    right: frozenset[str]
    """Candidate texts that are right here (equivalents count)."""


POINTS = [
    DecisionPoint("Send an SMS to Bob saying hi", _messages_allowed, frozenset({"tap Start chat"})),
    DecisionPoint("Send an SMS to Bob saying hi", lambda p: p.launch("Messages"), frozenset({"tap Allow"})),
    DecisionPoint("Add a contact named Bob", lambda p: p.launch("Contacts"), frozenset({"tap Create contact"})),
    DecisionPoint("Set an alarm for 6 am", _home, frozenset({"open Clock"})),
    DecisionPoint("Add an alarm for 6 am", lambda p: p.launch("Clock"), frozenset({"tap Add alarm"})),
    DecisionPoint("Turn on Bluetooth", _home, frozenset({"open Settings"})),
    DecisionPoint("Write a note about the meeting", _home, frozenset({"open Notes"})),
    DecisionPoint("Write a note about the meeting", lambda p: p.launch("Notes"), frozenset({"tap New note"})),
    DecisionPoint("Call Ada Lovelace", lambda p: p.launch("Contacts"), frozenset({"tap Ada Lovelace"})),
    DecisionPoint("Show me Grace Hopper's details", lambda p: p.launch("Contacts"), frozenset({"tap Grace Hopper"})),
    DecisionPoint("Check my balance", _home, frozenset({"open Bank"})),
    DecisionPoint("Read my latest text message", _home, frozenset({"open Messages"})),
    DecisionPoint("Text Bob that I am late", _home, frozenset({"open Messages"})),
    DecisionPoint("Delete the file report.pdf", _home, frozenset({"open Files"})),
    DecisionPoint("When does my alarm ring?", _home, frozenset({"open Clock"})),
]


@dataclass
class MethodResult:
    name: str
    right: int
    total: int
    latency_ms: float

    @property
    def accuracy(self) -> float:
        return self.right / self.total if self.total else 0.0


VARIANTS: list[tuple[str, Method | None, float]] = [
    ("text prior only (baseline)", None, 1.0),
    ("direct likelihood + prior", "direct", 0.5),
    ("PMI + prior", "pmi", 0.5),
    ("channel, no prior", "channel", 0.0),
    ("channel + prior (default)", "channel", 0.5),
]


async def run_ranking_bench(model: ChatModel, *, top_k: int = 8) -> list[MethodResult]:
    """Score every variant on every decision point."""
    results = {name: MethodResult(name, 0, 0, 0.0) for name, _, _ in VARIANTS}
    for point in POINTS:
        phone = VirtualPhone(seed=1)
        phone.seed(contacts=[{"name": "Ada Lovelace", "phone": "555 0100"},
                             {"name": "Grace Hopper", "phone": "555 0199"}])
        point.setup(phone)
        obs = phone.snapshot(screenshot=False)
        goal = parse_goal(point.goal)
        cands = [c for c in candidates(goal, obs, phone.info.apps, []) if not isinstance(c.action, Done)]
        cands = sorted(cands, key=lambda c: c.score, reverse=True)[:top_k]
        for name, method, prior in VARIANTS:
            r = results[name]
            r.total += 1
            start = time.perf_counter()
            if method is None:
                best = cands[0]
            else:
                ranked = await rank_candidates(model, point.goal, obs, cands, method=method, prior_weight=prior)
                best = cands[ranked.order[0]]
            r.latency_ms += (time.perf_counter() - start) * 1000
            r.right += best.text in point.right
    for r in results.values():
        r.latency_ms /= max(r.total, 1)
    return list(results.values())
