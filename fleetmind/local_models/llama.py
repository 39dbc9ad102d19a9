"""`LlamaModel`: a GGUF model run in-process by llama-cpp-python, for scoring and completion.

Scoring is the local tier's main job: a base model ranks a short list of candidate
continuations far better than it generates free text. `score` evaluates the prompt
once, keeps it in the KV cache, and for each candidate runs only the candidate's own
tokens (asking llama.cpp for the logits of every one of them in a single decode), then
rewinds the cache to the end of the prompt. The prompt stays cached between calls, so
an agent loop whose prompts share a prefix pays only for the part that changed.

Measured with `python -m fleetmind.local_models.probe --repeats 5` (Gemma 3 270M Q4_K_M,
llama-cpp-python 0.3.36, 2-core x86-64 VM with no other load; prompt 83 tokens,
8 candidates of 5-7 tokens, 48 candidate tokens in all; medians of 5 calls):

                                                  2 threads     1 thread
    load (file already assembled)                 1.03 s        1.02 s
    score, naive: prompt re-run per candidate     3.8-3.9 s     6.5 s
    score, reuse, empty cache                     1.07-1.15 s   1.6 s
    score, reuse, same screen with another goal   0.65-0.78 s   1.3 s
    score, reuse, same prompt already cached      0.68-0.73 s   1.0 s
    generate with a JSON-schema grammar (11 tok)  1.5 s         2.0 s
    max |reuse - naive| score                     0 (bit-identical)
    max |naive - prompt+candidate in one decode|  0.017 (0.083 on a 9-token prompt)

Scores are bit-identical to a fresh evaluation whatever was cached before, because
the prompt is always evaluated in the same PREFIX_BLOCK-aligned blocks (see below).
Once the prompt is cached, the cost is the candidates': each candidate token needs a
full 262k-entry vocabulary row (~14 ms each here), so short candidates are cheap.
Under heavy load from other processes (load average 5-9) every figure grew 5-20x,
and 1 thread beat 2 (naive 6.6 s vs 22 s): llama.cpp's threads spin-wait for each other.

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
import json
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TextIO, cast

from fleetmind.local_models.errors import LocalModelError, LocalModelUnavailable
from fleetmind.local_models.registry import model_name, require_llama_cpp, resolve_model
from fleetmind.local_models.types import Generation, Scores

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

log = logging.getLogger(__name__)
native_log = logging.getLogger("fleetmind.local_models.llama_cpp")
"""llama.cpp's (and ggml's) own log lines, and the Python wrapper's load-time prints."""

# "reuse": prompt cached, candidates scored from it. "naive": prompt re-run from an empty
# cache per candidate. "single": like naive, but prompt and candidate in one decode.
ScoringMode = Literal["reuse", "naive", "single"]

MAX_THREADS = 4
# Prompts are evaluated in blocks aligned to this many tokens; see `_extend_cache`.
PREFIX_BLOCK = 32


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
    ) -> None:
        self.name = model_name(model)
        self.spec = model
        self.n_ctx = n_ctx
        self.n_threads = n_threads or default_threads()
        self.n_batch = n_batch
        self.seed = seed
        self.path: Path | None = None
        self.load_ms: float | None = None
        self._lock = threading.Lock()
        self._llm: Any = None  # llama_cpp.Llama once loaded
        self._batch: Any = None  # our own llama_batch: per-token control of logits
        self._lib: Any = None  # the llama_cpp module
        self._canonical = 0  # cached positions evaluated in PREFIX_BLOCK-aligned blocks

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
        self._batch = lib.llama_batch_init(self.n_batch, 0, 1)
        self._lib, self._llm, self.path = lib, llm, path
        self.load_ms = (time.perf_counter() - start) * 1000
        log.info("local model %s loaded from %s in %.0f ms", self.name, path, self.load_ms)
        return llm

    def close(self) -> None:
        """Free the model and its context; a later call loads it again."""
        with self._lock:
            if self._batch is not None:
                self._lib.llama_batch_free(self._batch)
                self._batch = None
            if self._llm is not None:
                self._llm.close()
                self._llm = None

    def reset(self) -> None:
        """Forget the cached prompt, so the next call evaluates from scratch."""
        with self._lock:
            if self._llm is not None:
                self._forget()

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
        the reuse path.
        """
        return await asyncio.to_thread(self.score_blocking, prompt, candidates, reuse_prefix)

    async def generate(
        self, prompt: str, *, json_schema: dict[str, Any] | None = None, max_tokens: int = 512
    ) -> Generation:
        """Greedy completion of `prompt` (no chat template), constrained by `json_schema` if given."""
        return await asyncio.to_thread(self.generate_blocking, prompt, json_schema, max_tokens)

    # -- blocking implementations -------------------------------------------------------------

    def score_blocking(self, prompt: str, candidates: Sequence[str], reuse_prefix: bool = True) -> Scores:
        """`score` in the calling thread."""
        return self._score(prompt, candidates, "reuse" if reuse_prefix else "naive")

    def _score(self, prompt: str, candidates: Sequence[str], mode: ScoringMode) -> Scores:
        start = time.perf_counter()
        with self._lock:
            llm = self._load_locked()
            prompt_tokens: list[int] = llm.tokenize(prompt.encode(), add_bos=True, special=True)
            if not prompt_tokens:
                raise LocalModelError("cannot score candidates after an empty prompt")
            cand_tokens: list[list[int]] = [llm.tokenize(c.encode(), add_bos=False, special=False) for c in candidates]
            for i, toks in enumerate(cand_tokens):
                if not toks:
                    raise LocalModelError(f"candidate {i} ({candidates[i]!r}) has no tokens")
            longest = max((len(t) for t in cand_tokens), default=0)
            if len(prompt_tokens) + longest > self.n_ctx:
                raise LocalModelError(
                    f"prompt of {len(prompt_tokens)} tokens plus a candidate of {longest} "
                    f"tokens exceeds the {self.n_ctx}-token context; shorten the prompt"
                )
            try:
                if mode == "reuse":
                    scores, evaluated = self._score_reusing(prompt_tokens, cand_tokens)
                else:
                    scores, evaluated = self._score_fresh(prompt_tokens, cand_tokens, split=mode == "naive")
            except Exception:
                # The cache may hold half a candidate: never let a later call trust it.
                self._forget()
                raise
        return Scores(
            scores=scores,
            tokens=len(prompt_tokens) + sum(len(t) for t in cand_tokens),
            latency_ms=(time.perf_counter() - start) * 1000,
            evaluated=evaluated,
        )

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
            # Evaluate all but the last prompt token the canonical way (reusing the cache);
            # create_completion's own prefix match then runs only the last one.
            self._extend_cache(prompt_tokens[:-1])
            try:
                out = llm.create_completion(
                    prompt_tokens,
                    max_tokens=max_tokens,
                    temperature=0.0,
                    grammar=grammar,
                    seed=self.seed,
                )
            except ValueError as exc:  # e.g. prompt plus max_tokens longer than the context
                self._forget()
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

    # -- scoring internals (lock held) ---------------------------------------------------------
    #
    # llama.cpp's CPU kernels do not give bit-identical results for a token evaluated in
    # batches of different shapes (log-probs move by up to ~0.08 here). So the prompt is
    # always evaluated in blocks aligned to multiples of PREFIX_BLOCK, and only whole
    # blocks (or the exact same prompt) are reused: a score then depends on its input
    # alone, never on what was cached before, and equals a fresh evaluation exactly.

    def _score_reusing(self, prompt_tokens: list[int], cand_tokens: list[list[int]]) -> tuple[list[float], int]:
        # The cache holds the prompt minus its last token; each candidate's decode starts
        # with that token, whose logits predict the candidate's first token.
        context, last = prompt_tokens[:-1], prompt_tokens[-1]
        evaluated = self._extend_cache(context)
        scores = []
        for toks in cand_tokens:
            logprobs = self._decode([last, *toks[:-1]], len(context), 0, toks)
            scores.append(sum(logprobs) / len(toks))
            evaluated += len(toks)
            self._rewind(context, len(context))
        return scores, evaluated

    def _score_fresh(
        self, prompt_tokens: list[int], cand_tokens: list[list[int]], *, split: bool
    ) -> tuple[list[float], int]:
        # From an empty cache for every candidate. With `split`, in the same decodes as
        # `_score_reusing` (scores must agree exactly: this checks the rewind); without,
        # prompt and candidate in one decode (this shows the batch-shape noise).
        scores = []
        evaluated = 0
        context, last = prompt_tokens[:-1], prompt_tokens[-1]
        for toks in cand_tokens:
            self._forget()
            if split:
                self._prefill(context, 0)
                logprobs = self._decode([last, *toks[:-1]], len(context), 0, toks)
            else:
                logprobs = self._decode([*prompt_tokens, *toks[:-1]], 0, len(context), toks)
            scores.append(sum(logprobs) / len(toks))
            evaluated += len(prompt_tokens) + len(toks) - 1
        self._forget()
        return scores, evaluated

    def _extend_cache(self, context: list[int]) -> int:
        """Make the KV cache hold exactly `context`, reusing what it can; returns tokens run."""
        llm = self._llm
        cached = [int(t) for t in llm.input_ids[: min(llm.n_tokens, self._canonical)]]
        common = 0
        for a, b in zip(cached, context, strict=False):
            if a != b:
                break
            common += 1
        # Whole blocks only, unless it is the very same prompt (its partial block matches too).
        keep = common if common == len(context) == self._canonical else common - common % PREFIX_BLOCK
        self._rewind(context, keep)
        self._prefill(context, keep)
        self._record(context)
        self._canonical = len(context)
        return len(context) - keep

    def _prefill(self, tokens: list[int], start: int) -> None:
        """Evaluate `tokens[start:]` (no logits) in blocks aligned to multiples of PREFIX_BLOCK."""
        position = start
        while position < len(tokens):
            end = min(len(tokens), (position // PREFIX_BLOCK + 1) * PREFIX_BLOCK)
            self._decode(tokens[position:end], position, None, [])
            position = end

    def _rewind(self, tokens: list[int], keep: int) -> None:
        """Drop cached positions from `keep` on (`tokens[:keep]` is what the cache holds)."""
        lib = self._lib
        if keep > 0 and lib.llama_memory_seq_rm(lib.llama_get_memory(self._llm.ctx), -1, keep, -1):
            return
        # Partial removal is refused by some caches: start over and replay the kept part.
        lib.llama_memory_clear(lib.llama_get_memory(self._llm.ctx), True)
        self._prefill(tokens[:keep], 0)

    def _forget(self) -> None:
        """Empty the cache, and say so to the Llama object."""
        self._lib.llama_memory_clear(self._lib.llama_get_memory(self._llm.ctx), True)
        self._record([])
        self._canonical = 0

    def _record(self, tokens: list[int]) -> None:
        """Tell the Llama object what the cache holds, so `create_completion` reuses it too."""
        llm = self._llm
        llm.input_ids[: len(tokens)] = tokens
        llm.n_tokens = len(tokens)
        # Its last logits came from our decode, not from these tokens: make it decode again.
        llm._requires_eval = True

    def _decode(self, tokens: list[int], start: int, outputs_from: int | None, targets: list[int]) -> list[float]:
        """Run `tokens` at positions `start`.., returning log P(targets[j]) from the logits of
        token `outputs_from + j` (no logits at all when `outputs_from` is None)."""
        lib, ctx, batch = self._lib, self._llm.ctx, self._batch
        first = len(tokens) if outputs_from is None else outputs_from
        logprobs: list[float] = []
        for offset in range(0, len(tokens), self.n_batch):
            chunk = tokens[offset : offset + self.n_batch]
            wanted = []
            batch.n_tokens = len(chunk)
            for i, token in enumerate(chunk):
                index = offset + i
                want = index >= first
                batch.token[i] = token
                batch.pos[i] = start + index
                batch.n_seq_id[i] = 1
                batch.seq_id[i][0] = 0
                batch.logits[i] = want
                if want:
                    wanted.append(targets[index - first])
            status = lib.llama_decode(ctx, batch)
            if status != 0:
                raise LocalModelError(
                    f"llama_decode failed with status {status} at position {start + offset} "
                    f"(context {self.n_ctx}); shorten the prompt or the candidates"
                )
            if wanted:
                logprobs.extend(self._read_logprobs(wanted))
        return logprobs

    def _read_logprobs(self, targets: list[int]) -> list[float]:
        """log-softmax of the last decode's output rows, at `targets` (one per row)."""
        import numpy as np  # a dependency of llama-cpp-python, so present whenever it is

        n_vocab = self._llm.n_vocab()
        rows: npt.NDArray[np.float32] = np.ctypeslib.as_array(
            self._lib.llama_get_logits(self._llm.ctx), shape=(len(targets) * n_vocab,)
        ).reshape(len(targets), n_vocab)
        peak = rows.max(axis=1, keepdims=True)
        log_norm = np.log(np.exp(rows - peak).sum(axis=1, dtype=np.float64)) + peak[:, 0]
        picked = rows[np.arange(len(targets)), np.asarray(targets)]
        return [float(v) for v in picked - log_norm]
