"""Measure the local model: load time, scoring with and without prefix reuse, generation.

Run `python -m fleetmind.local_models.probe [--model NAME_OR_GGUF] [--repeats N]`.
Prefix-reuse scoring is checked against naive re-evaluation in the same run: the
scores must agree, and the report shows by how much they differ and how much faster
reuse is. `fleetmind bench local-model` calls `run_probe` and `format_report`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fleetmind.local_models.llama import LlamaModel

# A settings screen as an agent would describe it: about 80 tokens of prompt.
PROMPT = (
    "You are operating an Android phone. The screen shows the Settings app.\n"
    "Visible elements:\n"
    "1. Network and internet\n"
    "2. Connected devices\n"
    "3. Apps and notifications\n"
    "4. Battery and power saving\n"
    "5. Display and brightness\n"
    "6. Sound and vibration\n"
    "7. Storage and memory\n"
    "8. Security and location\n"
    "Goal: turn on the dark theme.\n"
    "The element to tap is:"
)
CANDIDATES = [
    " 1. Network and internet",
    " 2. Connected devices",
    " 3. Apps and notifications",
    " 4. Battery and power saving",
    " 5. Display and brightness",
    " 6. Sound and vibration",
    " 7. Storage and memory",
    " 8. Security and location",
]
ACTION_SCHEMA = {
    "type": "object",
    "properties": {"tap": {"enum": [c.strip() for c in CANDIDATES]}},
    "required": ["tap"],
}


# The same screen with another goal: the agent loop's next question shares the prefix.
OTHER_PROMPT = PROMPT.replace("turn on the dark theme", "free up some space")


@dataclass(frozen=True)
class ProbeReport:
    """Figures from one probe run; times in milliseconds, medians over `repeats` calls."""

    model: str
    path: Path | None
    n_threads: int
    repeats: int
    load_average: tuple[float, float, float]
    load_ms: float
    prompt_tokens: int
    candidate_tokens: int
    naive_ms: float
    cold_ms: float
    new_goal_ms: float
    warm_ms: float
    reuse_vs_naive: float
    batch_noise: float
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


def run_probe(model: str | Path | None = None, *, repeats: int = 5, n_threads: int | None = None) -> ProbeReport:
    """Load `model`, then time scoring (naive, reuse cold / new goal / warm) and one generation."""
    llm = LlamaModel(model, n_threads=n_threads)
    try:
        llm.load()
        load_average = os.getloadavg()
        naive = llm.score_blocking(PROMPT, CANDIDATES, reuse_prefix=False)
        # Prompt and candidate in one decode: how far llama.cpp's batch shapes move a score.
        single = llm._score(PROMPT, CANDIDATES, "single")
        llm.reset()
        reused = llm.score_blocking(PROMPT, CANDIDATES)
        naive_ms = _median_ms(lambda: llm.score_blocking(PROMPT, CANDIDATES, reuse_prefix=False), repeats)
        cold_ms = _median_ms(lambda: llm.score_blocking(PROMPT, CANDIDATES), repeats, llm.reset)
        prompts = iter([OTHER_PROMPT, PROMPT] * repeats)
        new_goal_ms = _median_ms(lambda: llm.score_blocking(next(prompts), CANDIDATES), repeats)
        llm.score_blocking(PROMPT, CANDIDATES)
        warm_ms = _median_ms(lambda: llm.score_blocking(PROMPT, CANDIDATES), repeats)
        llm.reset()
        generation = llm.generate_blocking(PROMPT + " ", ACTION_SCHEMA, 64)
        prompt_tokens = llm.count_tokens(PROMPT, prompt=True)
        return ProbeReport(
            model=llm.name,
            path=llm.path,
            n_threads=llm.n_threads,
            repeats=repeats,
            load_average=load_average,
            load_ms=llm.load_ms or 0.0,
            prompt_tokens=prompt_tokens,
            candidate_tokens=reused.tokens - prompt_tokens,
            naive_ms=naive_ms,
            cold_ms=cold_ms,
            new_goal_ms=new_goal_ms,
            warm_ms=warm_ms,
            reuse_vs_naive=_max_diff(reused.scores, naive.scores),
            batch_noise=_max_diff(single.scores, naive.scores),
            best=CANDIDATES[_best(reused.scores)].strip(),
            generate_ms=generation.latency_ms,
            generate_tokens=generation.tokens_out,
            generated=generation.text,
        )
    finally:
        llm.close()


def _best(scores: list[float]) -> int:
    return max(range(len(scores)), key=scores.__getitem__)


def format_report(report: ProbeReport) -> str:
    """The report as aligned text lines."""
    r = report

    def speedup(ms: float) -> str:
        return f"x{r.naive_ms / ms:.1f}" if ms else "x?"

    return "\n".join(
        [
            f"model              {r.model} ({r.path}), {r.n_threads} threads",
            f"load average       {' '.join(f'{x:.2f}' for x in r.load_average)} (1, 5, 15 min)",
            f"load               {r.load_ms:8.0f} ms",
            f"question           prompt {r.prompt_tokens} tokens, "
            f"{len(CANDIDATES)} candidates, {r.candidate_tokens} candidate tokens",
            f"score naive        {r.naive_ms:8.0f} ms  prompt re-evaluated for every candidate",
            f"score reuse cold   {r.cold_ms:8.0f} ms  {speedup(r.cold_ms)}  prompt evaluated once",
            f"score reuse goal   {r.new_goal_ms:8.0f} ms  {speedup(r.new_goal_ms)}  same screen, other goal",
            f"score reuse warm   {r.warm_ms:8.0f} ms  {speedup(r.warm_ms)}  same prompt again",
            f"|reuse - naive|    {r.reuse_vs_naive:.1e}  (max over candidates; 0 = identical)",
            f"batch-shape noise  {r.batch_noise:.1e}  (naive vs prompt+candidate in one decode)",
            f"best candidate     {r.best!r}",
            f"generate (schema)  {r.generate_ms:8.0f} ms  {r.generate_tokens} tokens: {r.generated!r}",
            f"(times are medians of {r.repeats} calls)",
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
