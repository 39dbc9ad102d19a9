"""`LlamaModel`: a GGUF model run in-process by llama-cpp-python, for scoring and completion.

Scoring is the local tier's main job: a base model ranks a short list of candidate
continuations far better than it generates free text. `score` evaluates the prompt
once and keeps it in the KV cache of a scoring context of its own (`scoring.Scorer`),
then runs all candidates in one decode, each on its own sequence, their shared first
tokens once for all. The prompt stays cached between calls, so an agent loop whose
prompts share a prefix pays only for the part that changed. The scores equal a naive
re-evaluation bit for bit (see `scoring` for how, and the probe for the check).

Measured with `fleetmind bench local-model` (Gemma 3 270M Q4_K_M, llama-cpp-python
0.3.36, 2 threads on the shared 2-core VM, other processes keeping about one core
busy; 83-token prompt, 8 candidates of 48 tokens, 34 as a prefix tree; medians of 5,
two runs; scores equal to naive on all 6 screens in both):

                                          batched        one decode per candidate
    empty cache                           0.40-0.42 s    5.1-7.9 s
    new screen                            0.34-0.39 s    7.3-9.9 s
    same screen, other goal               0.25-0.27 s    0.62-7.6 s
    same question again                   0.20-0.21 s    0.47-0.50 s
    naive: prompt re-run per candidate    28-33 s (2.95 s in a quieter run, where
                                          batched took 0.29 s for a new screen)

The batched figures moved least between runs: a new screen takes 4 decodes batched,
11 with one decode per candidate and 32 naive, and llama.cpp's threads wait for each
other at a spinning barrier after every operation of every decode, which is where a
busy core costs time. For the same reason `CoreWatch` drops to the threads the other
processes leave free (see `threads`).

Why not `Llama(logits_all=True)`: it allocates n_ctx x n_vocab float32 scores
(2048 x 262,144 x 4 B = 2.1 GB for Gemma). Here only the candidate rows are requested,
about 1 MB per candidate token, read straight from llama.cpp and discarded.

Nothing of llama's is written to stdout or stderr, and nobody else's output is hidden.
llama.cpp's own log lines go through its log callback to the `logging` logger
`fleetmind.local_models.llama_cpp` (see `NATIVE_LOG_LEVELS`). `Llama(verbose=False)` is
not used: it blanks file descriptors 1 and 2 of the whole process while a model loads
(about a second), swallowing every other thread's output. With `verbose=True` the
Python wrapper prints a few lines of its own while loading; only the loading thread's
writes to `sys.stderr` are turned into debug log lines, for the length of the load.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal, TextIO, cast

from fleetmind.local_models.errors import LocalModelError, LocalModelUnavailable
from fleetmind.local_models.registry import model_name, require_llama_cpp, resolve_model
from fleetmind.local_models.scoring import Scorer
from fleetmind.local_models.threads import CoreWatch
from fleetmind.local_models.types import Generation, Scores

log = logging.getLogger(__name__)
native_log = logging.getLogger("fleetmind.local_models.llama_cpp")
"""llama.cpp's (and ggml's) own log lines, and the Python wrapper's load-time prints."""

# "reuse": prompt cached, one decode per candidate from it. "batched": prompt cached, all
# candidates in one decode. "naive": prompt re-run from an empty cache per candidate, in
# the same decodes as "reuse". "single": like naive, but prompt and candidate in one decode.
ScoringMode = Literal["reuse", "batched", "naive", "single"]

MAX_THREADS = 4
BATCH_CANDIDATES = True


# ggml_log_level -> logging level. llama.cpp's INFO is load-time detail (hundreds of
# lines per model): DEBUG. Its warnings are about the model file and cache layout, the
# same at every load and nothing a user can act on (the shipped Gemma 3 gets two:
# "control-looking token" and "using full-size SWA cache"): INFO, shown with --verbose.
# Errors stay errors.
NATIVE_LOG_LEVELS = {0: logging.DEBUG, 1: logging.DEBUG, 2: logging.DEBUG, 3: logging.INFO, 4: logging.ERROR}
_GGML_LOG_LEVEL_CONT = 5  # continues the previous message (progress dots)


class _NativeLog:
    """llama.cpp's log callback: one `logging` record per line, at the line's level.

    llama.cpp hands over fragments (a line may come in pieces, `CONT` continues the
    last one), so each thread collects text until a newline. It is called from C:
    it must never raise.
    """

    def __init__(self) -> None:
        self._pending = threading.local()

    def __call__(self, level: int, text: bytes | None, _user_data: object) -> None:
        # An exception cannot cross into C; losing a log line is the lesser harm.
        with contextlib.suppress(Exception):
            pending = self._pending
            if level != _GGML_LOG_LEVEL_CONT:
                pending.level = NATIVE_LOG_LEVELS.get(level, logging.DEBUG)
            pending.text = getattr(pending, "text", "") + (text or b"").decode("utf-8", "replace")
            *lines, pending.text = pending.text.split("\n")
            for line in lines:
                if line.strip():
                    native_log.log(getattr(pending, "level", logging.DEBUG), "%s", line)


_native_callback: Any = None  # the ctypes function pointer llama.cpp holds: keep it alive
_native_lock = threading.Lock()


def _route_native_logs(lib: Any) -> None:
    """Point llama.cpp's log callback (process-wide, so once) at `native_log`."""
    global _native_callback
    with _native_lock:
        if _native_callback is None:
            _native_callback = lib.llama_log_callback(_NativeLog())
            lib.llama_log_set(_native_callback, None)


class _ThreadDiverted:
    """Stands in for `sys.stderr` while one thread loads a model.

    That thread's writes become debug lines of `native_log`; every other thread
    writes to the real stream as before. Once `active` is cleared it passes all
    writes through, in case something captured it meanwhile.
    """

    def __init__(self, stream: TextIO, thread: int, sink: Callable[[str], None]) -> None:
        self._stream = stream
        self._thread = thread
        self._sink = sink
        self.active = True

    def write(self, text: str) -> int:
        if self.active and threading.get_ident() == self._thread:
            self._sink(text)
            return len(text)
        return self._stream.write(text)

    def __getattr__(self, name: str) -> Any:  # flush, fileno, encoding ... of the real stream
        return getattr(self._stream, name)


_divert_lock = threading.Lock()  # one swap of sys.stderr at a time, undone in order


@contextlib.contextmanager
def _stderr_of_this_thread_to_log() -> Iterator[None]:
    """Turn this thread's writes to `sys.stderr` into debug log lines, and nobody else's."""
    lines: list[str] = []
    with _divert_lock:
        stream = sys.stderr
        diverted = _ThreadDiverted(stream, threading.get_ident(), lines.append)
        stand_in = cast(TextIO, diverted)
        sys.stderr = stand_in
        try:
            yield
        finally:
            diverted.active = False
            if sys.stderr is stand_in:  # else someone swapped it meanwhile: leave theirs
                sys.stderr = stream
            for line in "".join(lines).splitlines():
                if line.strip():
                    native_log.debug("%s", line)


def default_threads() -> int:
    """Threads for llama.cpp: every core, capped at `MAX_THREADS` (more rarely helps a small model)."""
    return min(os.cpu_count() or 2, MAX_THREADS)


class LlamaModel:
    """A local GGUF model: likelihood scoring of candidates and plain completion.

    Loading is lazy (first call or `load()`) and happens once. A llama.cpp context is
    not thread-safe, so every use holds one lock; the async methods run the blocking
    work in a worker thread. Output is deterministic: scoring has no sampling and
    generation is greedy (temperature 0).
    """

    tier = "local"

    def __init__(
        self,
        model: str | Path | None = None,
        *,
        n_ctx: int = 2048,
        n_threads: int | None = None,
        n_batch: int = 256,
        seed: int = 0,
        batch_candidates: bool = BATCH_CANDIDATES,
        adapt_threads: bool = True,
    ) -> None:
        self.name = model_name(model)
        self.spec = model
        self.n_ctx = n_ctx
        self.n_threads = n_threads or default_threads()
        self.n_batch = n_batch
        self.seed = seed
        self.batch_candidates = batch_candidates
        self.adapt_threads = adapt_threads
        self.path: Path | None = None
        self.load_ms: float | None = None
        self._lock = threading.Lock()
        self._llm: Any = None  # llama_cpp.Llama once loaded
        self._scorer: Scorer | None = None  # a context of its own, several sequences
        self._lib: Any = None  # the llama_cpp module
        self._cores = CoreWatch()

    # -- lifecycle -------------------------------------------------------------------

    def load(self) -> None:
        """Resolve the model file and load it, once; raises `LocalModelUnavailable`."""
        with self._lock:
            self._load_locked()

    def _load_locked(self) -> Any:
        if self._llm is not None:
            return self._llm
        lib = require_llama_cpp()
        path = resolve_model(self.spec)
        start = time.perf_counter()
        _route_native_logs(lib)
        try:
            # verbose=True: verbose=False would blank fds 1 and 2 of the whole process.
            with _stderr_of_this_thread_to_log():
                llm = lib.Llama(
                    model_path=str(path),
                    n_ctx=self.n_ctx,
                    n_threads=self.n_threads,
                    n_threads_batch=self.n_threads,
                    n_batch=self.n_batch,
                    seed=self.seed,
                    verbose=True,
                )
        except (ValueError, RuntimeError, OSError) as exc:
            raise LocalModelUnavailable(
                f"llama.cpp could not load {str(path)!r} ({exc}); check that it is a GGUF "
                f"model of an architecture llama-cpp-python {lib.__version__} supports"
            ) from exc
        llm.verbose = False  # loaded: no timing printouts after each completion
        try:
            self._scorer = Scorer(
                lib, llm.model, n_ctx=self.n_ctx, n_batch=self.n_batch, n_threads=self.n_threads, n_vocab=llm.n_vocab()
            )
        except LocalModelUnavailable:
            llm.close()
            raise
        self._lib, self._llm, self.path = lib, llm, path
        self.load_ms = (time.perf_counter() - start) * 1000
        log.info("local model %s loaded from %s in %.0f ms", self.name, path, self.load_ms)
        return llm

    def close(self) -> None:
        """Free the model and its context; a later call loads it again."""
        with self._lock:
            if self._scorer is not None:
                self._scorer.close()
                self._scorer = None
            if self._llm is not None:
                self._llm.close()
                self._llm = None

    def reset(self) -> None:
        """Forget the cached prompt, so the next call evaluates from scratch."""
        with self._lock:
            if self._scorer is not None:
                self._scorer.forget()

    def threads_now(self) -> int:
        """Threads the next call will use: `n_threads`, fewer while other processes hold cores."""
        return self._cores.threads(self.n_threads) if self.adapt_threads else self.n_threads

    def count_tokens(self, text: str, *, prompt: bool = False) -> int:
        """Tokens in `text` as `score` counts them: a prompt gets the BOS token, a candidate not."""
        with self._lock:
            llm = self._load_locked()
            return len(llm.tokenize(text.encode(), add_bos=prompt, special=prompt))

    # -- public async API ---------------------------------------------------------------

    async def score(self, prompt: str, candidates: Sequence[str], *, reuse_prefix: bool = True) -> Scores:
        """Mean log-probability per token of each candidate as the continuation of `prompt`.

        Candidates are tokenized on their own, so write them as they would follow
        the prompt (usually with a leading space). `reuse_prefix=False` re-evaluates
        the whole prompt for every candidate: slower, kept to check and measure
        the reuse path. With `batch_candidates` (the default) all candidates run in
        one decode; see `scoring` for what that costs in exactness.
        """
        return await asyncio.to_thread(self.score_blocking, prompt, candidates, reuse_prefix)

    async def score_each(self, prompts: Sequence[str], candidates: Sequence[str]) -> Scores:
        """Like `score`, but candidate i continues prompt i: several questions in one batch.

        The prompts' common prefix is evaluated once and the rest as one prefix tree, so
        questions that differ in a few words (the noisy-channel ranking asks one per
        candidate action) cost little more than one. Scores equal `score(prompts[i],
        [candidates[i]])` for each i.
        """
        return await asyncio.to_thread(self.score_each_blocking, prompts, candidates)

    async def generate(
        self, prompt: str, *, json_schema: dict[str, Any] | None = None, max_tokens: int = 512
    ) -> Generation:
        """Greedy completion of `prompt` (no chat template), constrained by `json_schema` if given."""
        return await asyncio.to_thread(self.generate_blocking, prompt, json_schema, max_tokens)

    # -- blocking implementations -------------------------------------------------------------

    def score_blocking(self, prompt: str, candidates: Sequence[str], reuse_prefix: bool = True) -> Scores:
        """`score` in the calling thread."""
        if not reuse_prefix:
            return self._score(prompt, candidates, "naive")
        return self._score(prompt, candidates, "batched" if self.batch_candidates else "reuse")

    def score_each_blocking(self, prompts: Sequence[str], candidates: Sequence[str]) -> Scores:
        """`score_each` in the calling thread."""
        if len(prompts) != len(candidates):
            raise LocalModelError(f"{len(prompts)} prompts for {len(candidates)} candidates; give one prompt each")
        return self._score_pairs(prompts, candidates, "batched" if self.batch_candidates else "reuse")

    def _score(self, prompt: str, candidates: Sequence[str], mode: ScoringMode) -> Scores:
        return self._score_pairs([prompt] * len(candidates), candidates, mode)

    def _score_pairs(self, prompts: Sequence[str], candidates: Sequence[str], mode: ScoringMode) -> Scores:
        start = time.perf_counter()
        with self._lock:
            llm = self._load_locked()
            tokenized: dict[str, list[int]] = {}
            for prompt in prompts:
                if prompt not in tokenized:
                    tokenized[prompt] = llm.tokenize(prompt.encode(), add_bos=True, special=True)
                    if not tokenized[prompt]:
                        raise LocalModelError("cannot score candidates after an empty prompt")
            prompt_tokens = [tokenized[p] for p in prompts]
            cand_tokens: list[list[int]] = [llm.tokenize(c.encode(), add_bos=False, special=False) for c in candidates]
            for i, toks in enumerate(cand_tokens):
                if not toks:
                    raise LocalModelError(f"candidate {i} ({candidates[i]!r}) has no tokens")
            longest = max((len(p) + len(t) for p, t in zip(prompt_tokens, cand_tokens, strict=True)), default=0)
            if longest > self.n_ctx:
                raise LocalModelError(
                    f"a prompt and its candidate take {longest} tokens, more than the "
                    f"{self.n_ctx}-token context; shorten the prompt"
                )
            scorer = self._scorer
            assert scorer is not None  # loaded with the model
            scorer.set_threads(self.threads_now())
            try:
                scores, evaluated = self._run(scorer, mode, prompt_tokens, cand_tokens)
            except Exception:
                # The cache may hold half a candidate: never let a later call trust it.
                scorer.forget()
                raise
        return Scores(
            scores=scores,
            tokens=sum(len(t) for t in tokenized.values()) + sum(len(t) for t in cand_tokens),
            latency_ms=(time.perf_counter() - start) * 1000,
            evaluated=evaluated,
            threads=scorer.threads,
        )

    @staticmethod
    def _run(
        scorer: Scorer, mode: ScoringMode, prompts: list[list[int]], cands: list[list[int]]
    ) -> tuple[list[float], int]:
        if not cands:
            return [], 0
        if mode == "batched":
            return scorer.batched(prompts, cands)
        scores: list[float] = []
        evaluated = 0
        done = 0
        # The other ways take one prompt at a time, with the candidates that follow it.
        for prompt, same in itertools.groupby(prompts):
            part = cands[done : done + len(list(same))]
            if mode == "reuse":
                part_scores, run = scorer.sequential(prompt, part)
            else:
                part_scores, run = scorer.fresh(prompt, part, split=mode == "naive")
            scores.extend(part_scores)
            evaluated += run
            done += len(part)
        return scores, evaluated

    def generate_blocking(
        self, prompt: str, json_schema: dict[str, Any] | None = None, max_tokens: int = 512
    ) -> Generation:
        """`generate` in the calling thread."""
        start = time.perf_counter()
        with self._lock:
            llm = self._load_locked()
            grammar = None
            if json_schema is not None:
                try:
                    grammar = self._lib.LlamaGrammar.from_json_schema(json.dumps(json_schema), verbose=False)
                except Exception as exc:  # the converter raises bare Exception/ValueError
                    raise LocalModelError(
                        f"JSON schema cannot be turned into a grammar ({exc}); "
                        f"simplify it (no recursive $ref, no unsupported formats)"
                    ) from exc
            prompt_tokens: list[int] = llm.tokenize(prompt.encode(), add_bos=True, special=True)
            if not prompt_tokens or len(prompt_tokens) >= self.n_ctx:
                raise LocalModelError(
                    f"prompt of {len(prompt_tokens)} tokens does not fit the {self.n_ctx}-token context"
                )
            # From an empty cache: reusing a cached prefix would evaluate the prompt in other
            # batch shapes, and that can change a greedy choice (see `scoring`).
            llm.reset()
            threads = self.threads_now()
            self._lib.llama_set_n_threads(llm.ctx, threads, threads)
            try:
                out = llm.create_completion(
                    prompt_tokens,
                    max_tokens=max_tokens,
                    temperature=0.0,
                    grammar=grammar,
                    seed=self.seed,
                )
            except ValueError as exc:  # e.g. prompt plus max_tokens longer than the context
                raise LocalModelError(f"{self.name} could not complete the prompt: {exc}") from exc
        choice = out["choices"][0]
        usage = out["usage"]
        return Generation(
            text=choice["text"],
            tokens_in=usage["prompt_tokens"],
            tokens_out=usage["completion_tokens"],
            latency_ms=(time.perf_counter() - start) * 1000,
            finish_reason=choice.get("finish_reason") or "",
        )
