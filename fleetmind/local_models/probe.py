"""Measure the local model: load time, scoring with and without prefix reuse, generation.

Run `python -m fleetmind.local_models.probe [--model NAME_OR_GGUF] [--repeats N]`.
Prefix-reuse scoring is checked against naive re-evaluation in the same run: the
scores must agree, and the report shows by how much they differ and how much faster
reuse is. `fleetmind bench local-model` calls `run_probe` and `format_report`.
"""

from __future__ import annotations

import argparse
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


@dataclass(frozen=True)
class ProbeReport:
    """Figures from one probe run; times in milliseconds, medians over `repeats` calls."""

    model: str
    path: Path | None
    n_threads: int
    repeats: int
    load_ms: float
    prompt_tokens: int
    candidate_tokens: int
    naive_ms: float
    cold_ms: float
    warm_ms: float
    max_score_diff: float
    best_reuse: str
    best_naive: str
    generate_ms: float
    generate_tokens: int
    generated: str


def _median_ms(call: Callable[[], object], repeats: int, before: Callable[[], object]) -> float:
    times = []
    for _ in range(repeats):
        before()
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def run_probe(model: str | Path | None = None, *, repeats: int = 5) -> ProbeReport:
    """Load `model` and time scoring (naive, reuse cold, reuse warm) and one generation."""
    llm = LlamaModel(model)
    try:
        llm.load()
        naive = llm.score_blocking(PROMPT, CANDIDATES, reuse_prefix=False)
        llm.reset()
        reused = llm.score_blocking(PROMPT, CANDIDATES)
        naive_ms = _median_ms(
            lambda: llm.score_blocking(PROMPT, CANDIDATES, reuse_prefix=False),
            repeats,
            lambda: None,
        )
        cold_ms = _median_ms(lambda: llm.score_blocking(PROMPT, CANDIDATES), repeats, llm.reset)
        llm.score_blocking(PROMPT, CANDIDATES)
        warm_ms = _median_ms(lambda: llm.score_blocking(PROMPT, CANDIDATES), repeats, lambda: None)
        llm.reset()
        generation = llm.generate_blocking(PROMPT + " ", ACTION_SCHEMA, 64)
        prompt_tokens = llm.count_tokens(PROMPT, prompt=True)
        return ProbeReport(
            model=llm.name,
            path=llm.path,
            n_threads=llm.n_threads,
            repeats=repeats,
            load_ms=llm.load_ms or 0.0,
            prompt_tokens=prompt_tokens,
            candidate_tokens=reused.tokens - prompt_tokens,
            naive_ms=naive_ms,
            cold_ms=cold_ms,
            warm_ms=warm_ms,
            max_score_diff=max(abs(a - b) for a, b in zip(reused.scores, naive.scores, strict=True)),
            best_reuse=CANDIDATES[_best(reused.scores)].strip(),
            best_naive=CANDIDATES[_best(naive.scores)].strip(),
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
    speedup_cold = r.naive_ms / r.cold_ms if r.cold_ms else float("nan")
    speedup_warm = r.naive_ms / r.warm_ms if r.warm_ms else float("nan")
    return "\n".join(
        [
            f"model             {r.model} ({r.path}), {r.n_threads} threads",
            f"load              {r.load_ms:8.0f} ms",
            f"question          prompt {r.prompt_tokens} tokens, "
            f"{len(CANDIDATES)} candidates, {r.candidate_tokens} candidate tokens",
            f"score naive       {r.naive_ms:8.0f} ms  (prompt re-evaluated per candidate)",
            f"score reuse cold  {r.cold_ms:8.0f} ms  (prompt evaluated once; x{speedup_cold:.1f})",
            f"score reuse warm  {r.warm_ms:8.0f} ms  (prompt already cached; x{speedup_warm:.1f})",
            f"max |reuse-naive| {r.max_score_diff:.2e}  best: {r.best_reuse!r} / {r.best_naive!r}",
            f"generate (schema) {r.generate_ms:8.0f} ms  {r.generate_tokens} tokens: {r.generated!r}",
            f"(medians of {r.repeats} calls)",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: print the probe's figures."""
    parser = argparse.ArgumentParser(prog="python -m fleetmind.local_models.probe")
    parser.add_argument("--model", default=None, help="known model name or path to a .gguf")
    parser.add_argument("--repeats", type=int, default=5, help="calls per timing (median)")
    args = parser.parse_args(argv)
    print(format_report(run_probe(args.model, repeats=args.repeats)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
