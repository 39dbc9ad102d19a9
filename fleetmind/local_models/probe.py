"""Measure the local model: load, scoring with and without prefix reuse and batching, generation.

Run `python -m fleetmind.local_models.probe [--model NAME_OR_GGUF] [--repeats N]`;
`fleetmind bench local-model` calls `run_probe` and `format_report`. Everything is
measured in the same run, at a fixed thread count, against the naive baseline (the
prompt re-evaluated from an empty cache for every candidate). The scores of each way
of scoring are compared with the naive ones on every screen: "reuse" (one decode per
candidate) must agree exactly; "batched" (all candidates in one decode) shows by how
much llama.cpp's batch shapes move a score, and whether the ranking changes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from fleetmind.local_models.llama import LlamaModel, ScoringMode
from fleetmind.local_models.threads import CoreWatch

# Screens as an agent would describe them: about 80 tokens of prompt, 8 candidates each.
SCREENS = [
    ("Settings", ["Network and internet", "Connected devices", "Apps and notifications", "Battery and power saving",
                  "Display and brightness", "Sound and vibration", "Storage and memory", "Security and location"]),
    ("Clock", ["Alarm", "World clock", "Timer", "Stopwatch", "Bedtime", "Add alarm", "Settings", "Send feedback"]),
    ("Messages", ["Start chat", "Search conversations", "Archived", "Spam and blocked", "Ada Lovelace",
                  "Grace Hopper", "Settings", "Help and feedback"]),
    ("Contacts", ["Create contact", "Search contacts", "Favourites", "Ada Lovelace", "Grace Hopper",
                  "Import from file", "Fix and manage", "Settings"]),
    ("Files", ["Downloads", "Images", "Videos", "Audio", "Documents", "report.pdf", "Free up space", "Sort by name"]),
    ("Bank", ["Check balance", "Send money", "Pay a bill", "Recent payments", "Cards", "Statements",
              "Contact support", "Log out"]),
]
GOALS = {
    "Settings": ("turn on the dark theme", "free up some space"),
    "Clock": ("wake me up at 6 am", "time my run"),
    "Messages": ("text Bob that I am late", "read my latest message"),
    "Contacts": ("add a contact named Bob", "call Ada"),
    "Files": ("delete report.pdf", "look at my photos"),
    "Bank": ("pay Jonas $15", "how much money do I have"),
}


def question(screen: int, goal: int = 0) -> tuple[str, list[str]]:
    """The prompt and the candidates for one screen and one of its two goals."""
    app, labels = SCREENS[screen]
    lines = "".join(f"{i}. {label}\n" for i, label in enumerate(labels, 1))
    prompt = (
        f"You are operating an Android phone. The screen shows the {app} app.\n"
        f"Visible elements:\n{lines}Goal: {GOALS[app][goal]}.\nThe element to tap is:"
    )
    return prompt, [f" {i}. {label}" for i, label in enumerate(labels, 1)]


def channel_questions(screen: int) -> tuple[list[str], list[str]]:
    """The agent's noisy-channel ranking: one prompt per action, the goal continues each."""
    app, labels = SCREENS[screen]
    prompts = [f"On my phone's {app} screen, I tap {label} so that I can" for label in labels]
    return prompts, [f" {GOALS[app][0]}"] * len(labels)


PROMPT, CANDIDATES = question(0)
OTHER_PROMPT = question(0, 1)[0]
ACTION_SCHEMA = {
    "type": "object",
    "properties": {"tap": {"enum": [c.strip() for c in CANDIDATES]}},
    "required": ["tap"],
}


@dataclass(frozen=True)
class Timings:
    """One way of scoring: medians in ms from an empty cache, for a new screen, the same
    screen with the other goal, the same question again; its agreement with naive scores."""

    cold_ms: float
    new_screen_ms: float
    other_goal_ms: float
    warm_ms: float
    max_diff: float
    same_ranking: int
    screens: int


@dataclass(frozen=True)
class ProbeReport:
    """Figures from one probe run; times in milliseconds, medians over `repeats` calls."""

    model: str
    path: Path | None
    n_threads: int
    repeats: int
    load_average: tuple[float, float, float]
    others_busy: float | None
    load_ms: float
    prompt_tokens: int
    candidate_tokens: int
    batched_rows: int
    naive_ms: float
    reuse: Timings
    batched: Timings
    one_thread_ms: float
    channel_ms: float
    channel_each_ms: float
    channel_diff: float
    single_noise: float
    best: str
    generate_ms: float
    generate_tokens: int
    generated: str


def _median_ms(call: Callable[[], object], repeats: int, before: Callable[[], object] = lambda: None) -> float:
    times = []
    for _ in range(repeats):
        before()
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _max_diff(a: list[float], b: list[float]) -> float:
    return max(abs(x - y) for x, y in zip(a, b, strict=True))


def _order(scores: list[float]) -> list[int]:
    return sorted(range(len(scores)), key=scores.__getitem__, reverse=True)


def _timings(llm: LlamaModel, mode: ScoringMode, naive: list[list[float]], repeats: int) -> Timings:
    diffs, same = [], 0
    for screen, reference in enumerate(naive):
        llm.reset()
        scores = llm._score(*question(screen), mode).scores
        diffs.append(_max_diff(scores, reference))
        same += _order(scores) == _order(reference)
    llm._score(*question(0), mode)  # the first call sets up llama.cpp's buffers: not a decision's cost
    cold = _median_ms(lambda: llm._score(*question(0), mode), repeats, llm.reset)
    screens = _cycle(len(SCREENS))
    new_screen = _median_ms(lambda: llm._score(*question(next(screens)), mode), repeats)
    llm._score(*question(0), mode)
    goals = iter([1, 0] * repeats)
    other_goal = _median_ms(lambda: llm._score(*question(0, next(goals)), mode), repeats)
    llm._score(*question(0), mode)
    warm = _median_ms(lambda: llm._score(*question(0), mode), repeats)
    return Timings(cold, new_screen, other_goal, warm, max(diffs), same, len(naive))


def _channel(llm: LlamaModel, repeats: int) -> tuple[float, float, float]:
    """Median ms of the 8 channel questions of a new screen in one batch and one call each,
    and the batch's largest difference from naive scores."""
    diff = 0.0
    for screen in range(len(SCREENS)):
        prompts, goals = channel_questions(screen)
        together = llm._score_pairs(prompts, goals, "batched").scores
        alone = [llm._score(p, [g], "naive").scores[0] for p, g in zip(prompts, goals, strict=True)]
        diff = max(diff, _max_diff(together, alone))
    screens = _cycle(len(SCREENS))
    batched = _median_ms(lambda: llm._score_pairs(*channel_questions(next(screens)), "batched"), repeats)

    def each() -> None:
        for prompt, goal in zip(*channel_questions(next(screens)), strict=True):
            llm._score(prompt, [goal], "batched")

    return batched, _median_ms(each, repeats), diff


def _cycle(n: int) -> Iterator[int]:
    """1, 2, .. n-1, 0, 1, ..: never the screen just scored (0 is scored first)."""
    i = 0
    while True:
        i = (i + 1) % n
        yield i


def run_probe(model: str | Path | None = None, *, repeats: int = 5, n_threads: int | None = None) -> ProbeReport:
    """Load `model`, then time every way of scoring on the same screens, and one generation."""
    llm = LlamaModel(model, n_threads=n_threads, adapt_threads=False)
    watch = CoreWatch()
    try:
        llm.load()
        naive = [llm._score(*question(s), "naive").scores for s in range(len(SCREENS))]
        single = llm._score(PROMPT, CANDIDATES, "single").scores  # prompt and candidate in one decode
        naive_ms = _median_ms(lambda: llm._score(PROMPT, CANDIDATES, "naive"), max(1, min(repeats, 3)))
        reuse = _timings(llm, "reuse", naive, repeats)
        batched = _timings(llm, "batched", naive, repeats)
        llm.n_threads, threads = 1, llm.n_threads
        screens = _cycle(len(SCREENS))
        one_thread_ms = _median_ms(lambda: llm._score(*question(next(screens)), "batched"), repeats)
        llm.n_threads = threads
        channel_ms, channel_each_ms, channel_diff = _channel(llm, repeats)
        watch.threads(threads)
        load_average = os.getloadavg()
        llm.reset()
        rows = llm._score(PROMPT, CANDIDATES, "batched").evaluated - llm.count_tokens(PROMPT, prompt=True) + 1
        generation = llm.generate_blocking(PROMPT + " ", ACTION_SCHEMA, 64)
        prompt_tokens = llm.count_tokens(PROMPT, prompt=True)
        return ProbeReport(
            model=llm.name,
            path=llm.path,
            n_threads=llm.n_threads,
            repeats=repeats,
            load_average=load_average,
            others_busy=watch.others_busy,
            load_ms=llm.load_ms or 0.0,
            prompt_tokens=prompt_tokens,
            candidate_tokens=sum(llm.count_tokens(c) for c in CANDIDATES),
            batched_rows=rows,
            naive_ms=naive_ms,
            reuse=reuse,
            batched=batched,
            one_thread_ms=one_thread_ms,
            channel_ms=channel_ms,
            channel_each_ms=channel_each_ms,
            channel_diff=channel_diff,
            single_noise=_max_diff(single, naive[0]),
            best=CANDIDATES[_order(naive[0])[0]].strip(),
            generate_ms=generation.latency_ms,
            generate_tokens=generation.tokens_out,
            generated=generation.text,
        )
    finally:
        llm.close()


def format_report(report: ProbeReport) -> str:
    """The report as aligned text lines, under 80 columns."""
    r, b, q = report, report.batched, report.reuse

    def row(label: str, batched: float, reuse: float) -> str:
        return f"{label:<24}{batched:8.0f} ms  x{r.naive_ms / max(batched, 1e-9):5.1f}{reuse:10.0f} ms"

    busy = "?" if r.others_busy is None else f"{r.others_busy:.1f}"
    prefix_ms = b.new_screen_ms - b.warm_ms
    return "\n".join(
        [
            f"model        {r.model}, {r.n_threads} threads, loaded in {r.load_ms:.0f} ms",
            f"             {r.path}",
            f"machine      load average {' '.join(f'{x:.2f}' for x in r.load_average)}; other processes",
            f"             kept {busy} of {os.cpu_count()} cores busy during the run",
            f"question     prompt {r.prompt_tokens} tokens, {len(CANDIDATES)} candidates of "
            f"{r.candidate_tokens} tokens ({r.batched_rows} as a prefix tree)",
            "",
            f"{'':<24}{'batched':>11} {'vs naive':>8}{'sequential':>13}",
            row("cold (empty cache)", b.cold_ms, q.cold_ms),
            row("new screen", b.new_screen_ms, q.new_screen_ms),
            row("same screen, other goal", b.other_goal_ms, q.other_goal_ms),
            row("same question again", b.warm_ms, q.warm_ms),
            f"{'naive baseline':<24}{r.naive_ms:8.0f} ms  (prompt re-run for every candidate)",
            f"{'max |score - naive|':<24}{b.max_diff:11.1e}{'':9}{q.max_diff:10.1e}",
            f"{'same ranking as naive':<24}{b.same_ranking:>8}/{b.screens}{'':9}{q.same_ranking:>7}/{q.screens}",
            "",
            f"new screen, batched: prompt {prefix_ms:.0f} ms ({prefix_ms / max(r.prompt_tokens, 1):.1f} ms/token), "
            f"candidates {b.warm_ms:.0f} ms",
            f"  ({b.warm_ms / max(r.batched_rows, 1):.1f} ms per prefix-tree row); "
            f"with 1 thread {r.one_thread_ms:.0f} ms",
            f"agent's noisy-channel ranking, 8 questions of a new screen: {r.channel_ms:.0f} ms in one batch,",
            f"  {r.channel_each_ms:.0f} ms one call each; max |score - naive| {r.channel_diff:.1e}",
            f"prompt and candidate in one run of decodes vs naive: {r.single_noise:.1e}",
            f"best candidate {r.best!r}",
            f"generate (JSON schema) {r.generate_ms:.0f} ms, {r.generate_tokens} tokens: {r.generated!r}",
            f"(medians of {r.repeats} calls, naive of {max(1, min(r.repeats, 3))}; {len(SCREENS)} screens "
            "compared with naive)",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: print the probe's figures."""
    parser = argparse.ArgumentParser(prog="python -m fleetmind.local_models.probe")
    parser.add_argument("--model", default=None, help="known model name or path to a .gguf")
    parser.add_argument("--repeats", type=int, default=5, help="calls per timing (median)")
    parser.add_argument("--threads", type=int, default=None, help="llama.cpp threads (default: cores, max 4)")
    args = parser.parse_args(argv)
    print(format_report(run_probe(args.model, repeats=args.repeats, n_threads=args.threads)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
