"""`Scorer`: likelihood of candidate continuations, in a llama.cpp context of its own.

The context keeps the prompt (minus its last token) on sequence 0 of one unified KV
cache. Two ways to score the candidates from it:

- `batched`: every candidate in one decode, each on a sequence of its own that
  shares the prompt's cache cells. The candidates form a prefix tree: tokens that
  candidates share (" 1." and " 2." share " ") are run once, for all of them. One
  pass over the weights instead of one per candidate.
- `sequential`: one decode per candidate on sequence 0, the cache cut back to the
  prompt after each.

Both give the scores of `fresh` (the prompt re-run from an empty cache for every
candidate) bit for bit, because of how every decode is shaped. (`batched` also takes
a different prompt per candidate; then the prompts' tails run in the tree, not in
the prompt's blocks, and scores agreed with `fresh` to 2.4e-5 in the probe.) llama.cpp's CPU
kernels work on tiles of rows, and a row that falls in a partial tile is computed by
other code (with other rounding; the activations are quantized to 8 bits per block,
so a last-bit difference can move a quantization step and a score by up to 0.1).
So every decode is filled up to a multiple of ROW_GROUP rows, with filler tokens on a
sequence nobody attends to, and holds at most MAX_DECODE_ROWS rows: a row then gets
the same result whichever decode it is in. The probe and the tests check this on
every run. The prompt is evaluated in blocks aligned to multiples of PREFIX_BLOCK,
and only whole blocks (or the very same prompt) are reused, so a score never depends
on what was cached before either.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fleetmind.local_models.errors import LocalModelError, LocalModelUnavailable

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

PREFIX_BLOCK = 32
MAX_SEQUENCES = 16
"""Candidates per batched decode; more are scored in groups of this many."""
PROMPT_SEQ = 0
PAD_SEQ = MAX_SEQUENCES + 1  # filler rows, removed after each decode
ROW_GROUP = 8
"""Every decode runs a multiple of this many rows (filled up on a sequence of its own)."""
MAX_DECODE_ROWS = 48
"""Rows per decode at most. Up to 48 a row's result did not depend on the decode it was in;
with 64 it did (measured on this build: up to 0.04 on a 124-row question)."""


class Scorer:
    """A scoring context on a loaded model: prompt cached on sequence 0, candidates on 1.."""

    def __init__(self, lib: Any, model: Any, *, n_ctx: int, n_batch: int, n_threads: int, n_vocab: int) -> None:
        self._rows = max(ROW_GROUP, min(n_batch, MAX_DECODE_ROWS) // ROW_GROUP * ROW_GROUP)
        params = lib.llama_context_default_params()
        params.n_ctx = n_ctx
        params.n_batch = self._rows
        params.n_ubatch = self._rows
        params.n_seq_max = MAX_SEQUENCES + 2
        params.kv_unified = True  # one cache: candidates share the prompt's cells
        params.n_threads = n_threads
        params.n_threads_batch = n_threads
        ctx = lib.llama_init_from_model(model, params)
        if not ctx:
            raise LocalModelUnavailable(
                f"llama.cpp could not create a {n_ctx}-token scoring context; free some memory or lower n_ctx"
            )
        self._lib, self.ctx, self.n_ctx, self.n_vocab = lib, ctx, n_ctx, n_vocab
        self._mem = lib.llama_get_memory(ctx)
        self._batch = lib.llama_batch_init(self._rows, 0, MAX_SEQUENCES + 2)
        self._cached: list[int] = []  # what sequence 0 holds, evaluated in aligned blocks
        self.threads = n_threads

    def close(self) -> None:
        """Free the context and the batch."""
        self._lib.llama_batch_free(self._batch)
        self._lib.llama_free(self.ctx)

    def set_threads(self, n: int) -> None:
        """Threads for the next decodes (results do not depend on it, only speed)."""
        if n != self.threads:
            self._lib.llama_set_n_threads(self.ctx, n, n)
            self.threads = n

    def forget(self) -> None:
        """Empty the cache."""
        self._lib.llama_memory_clear(self._mem, True)
        self._cached = []

    # -- the three ways to score ------------------------------------------------------------

    def sequential(self, prompt: list[int], cands: list[list[int]]) -> tuple[list[float], int]:
        """Prompt cached once, then one decode per candidate; returns (scores, tokens run)."""
        context, last = prompt[:-1], prompt[-1]
        evaluated = self._extend(context)
        scores = []
        for toks in cands:
            inputs = [last, *toks[:-1]]
            rows = self._decode_rows([(t, len(context) + i, (PROMPT_SEQ,), True) for i, t in enumerate(inputs)])
            scores.append(_mean_logprob(rows, toks))
            evaluated += len(toks)
            if not self._lib.llama_memory_seq_rm(self._mem, PROMPT_SEQ, len(context), -1):
                raise LocalModelError("llama.cpp could not drop a scored candidate from its cache; score batched")
        return scores, evaluated

    def fresh(self, prompt: list[int], cands: list[list[int]], *, split: bool = True) -> tuple[list[float], int]:
        """From an empty cache for every candidate (the reference). With `split`, in the same
        decodes as `sequential`; without, prompt and candidate run on together in decodes of
        MAX_DECODE_ROWS rows, not in the prompt's blocks."""
        scores = []
        evaluated = 0
        context, last = prompt[:-1], prompt[-1]
        for toks in cands:
            self.forget()
            if split:
                self._prefill(context, 0)
                seq = [last, *toks[:-1]]
                rows = self._decode_rows([(t, len(context) + i, (PROMPT_SEQ,), True) for i, t in enumerate(seq)])
            else:
                seq = [*prompt, *toks[:-1]]
                rows = self._decode_rows([(t, i, (PROMPT_SEQ,), i >= len(context)) for i, t in enumerate(seq)])
            scores.append(_mean_logprob(rows, toks))
            evaluated += len(prompt) + len(toks) - 1
        self.forget()
        return scores, evaluated

    def batched(self, prompts: list[list[int]], cands: list[list[int]]) -> tuple[list[float], int]:
        """Candidate i after prompt i, for every i; the prompts' common prefix is cached once
        and everything after it runs as one prefix tree (the same prompt for every candidate
        is the usual case: then the tree holds only candidate tokens)."""
        shortest = min(len(p) for p in prompts)
        common = 0
        while common < shortest - 1 and all(p[common] == prompts[0][common] for p in prompts):
            common += 1
        evaluated = self._extend(prompts[0][:common])
        scores: list[float] = []
        for group in range(0, len(cands), MAX_SEQUENCES):
            part = slice(group, group + MAX_SEQUENCES)
            group_scores, run = self._batched_group(common, prompts[part], cands[part])
            scores.extend(group_scores)
            evaluated += run
        return scores, evaluated

    # -- internals ---------------------------------------------------------------------------

    def _batched_group(
        self, start: int, prompts: list[list[int]], cands: list[list[int]]
    ) -> tuple[list[float], int]:
        lib, mem = self._lib, self._mem
        seqs = range(1, len(cands) + 1)
        for seq in seqs:
            lib.llama_memory_seq_cp(mem, PROMPT_SEQ, seq, -1, -1)
        # A node of the tree is a token after a given path; it is run once, on the sequence
        # of every candidate whose input passes through it. Its logits are asked for if it
        # predicts a candidate token of one of them (the last prompt token and on).
        node_of: dict[tuple[int, ...], int] = {}
        nodes: list[tuple[int, int, list[int]]] = []  # token, position, sequences
        wanted: set[int] = set()
        scored_paths: list[list[int]] = []
        for seq, prompt, toks in zip(seqs, prompts, cands, strict=True):
            inputs = [*prompt[start:], *toks[:-1]]
            first_scored = len(prompt) - 1 - start
            path = []
            for depth in range(len(inputs)):
                key = tuple(inputs[: depth + 1])
                if key not in node_of:
                    node_of[key] = len(nodes)
                    nodes.append((inputs[depth], start + depth, []))
                nodes[node_of[key]][2].append(seq)
                path.append(node_of[key])
            wanted.update(path[first_scored:])
            scored_paths.append(path[first_scored:])
        row_of = {node: row for row, node in enumerate(sorted(wanted))}
        try:
            rows = self._decode_rows([(t, pos, tuple(on), i in wanted) for i, (t, pos, on) in enumerate(nodes)])
            scores = [
                _mean_logprob(rows[[row_of[n] for n in path]], toks)
                for path, toks in zip(scored_paths, cands, strict=True)
            ]
        finally:
            for seq in seqs:
                lib.llama_memory_seq_rm(mem, seq, -1, -1)
        return scores, len(nodes)

    def _extend(self, context: list[int]) -> int:
        """Make sequence 0 hold exactly `context`, reusing what it can; returns tokens run."""
        common = 0
        for a, b in zip(self._cached, context, strict=False):
            if a != b:
                break
            common += 1
        # Whole blocks only, unless it is the very same prompt (its partial block matches too).
        keep = common if common == len(context) == len(self._cached) else common - common % PREFIX_BLOCK
        if not self._lib.llama_memory_seq_rm(self._mem, PROMPT_SEQ, keep, -1):
            self.forget()  # a cache that refuses partial removal: start over
            keep = 0
        self._cached = context[:keep]
        self._prefill(context, keep)
        self._cached = list(context)
        return len(context) - keep

    def _prefill(self, tokens: list[int], start: int) -> None:
        """Evaluate `tokens[start:]` (no logits) in blocks aligned to multiples of PREFIX_BLOCK."""
        position = start
        while position < len(tokens):
            end = min(len(tokens), (position // PREFIX_BLOCK + 1) * PREFIX_BLOCK)
            self._decode_rows([(tokens[i], i, (PROMPT_SEQ,), False) for i in range(position, end)])
            position = end

    def _decode_rows(self, items: list[tuple[int, int, tuple[int, ...], bool]]) -> npt.NDArray[np.float32]:
        """Run (token, position, sequences, wants logits) items; returns the logits rows asked for."""
        import numpy as np  # a dependency of llama-cpp-python, so present whenever it is

        lib, batch = self._lib, self._batch
        rows: list[npt.NDArray[np.float32]] = []
        for offset in range(0, len(items), self._rows):
            chunk = items[offset : offset + self._rows]
            filler = -len(chunk) % ROW_GROUP
            chunk += [(0, i, (PAD_SEQ,), False) for i in range(filler)]
            batch.n_tokens = len(chunk)
            wanted = 0
            for i, (token, pos, seqs, logits) in enumerate(chunk):
                batch.token[i] = token
                batch.pos[i] = pos
                batch.n_seq_id[i] = len(seqs)
                for j, seq in enumerate(seqs):
                    batch.seq_id[i][j] = seq
                batch.logits[i] = logits
                wanted += logits
            status = lib.llama_decode(self.ctx, batch)
            if status != 0:
                raise LocalModelError(
                    f"llama_decode failed with status {status} at position {chunk[0][1]} "
                    f"(context {self.n_ctx}); shorten the prompt or the candidates"
                )
            if filler:
                lib.llama_memory_seq_rm(self._mem, PAD_SEQ, -1, -1)
            if wanted:
                out = np.ctypeslib.as_array(lib.llama_get_logits(self.ctx), shape=(wanted * self.n_vocab,))
                rows.append(out.reshape(wanted, self.n_vocab).copy())
        if not rows:
            return np.empty((0, self.n_vocab), dtype=np.float32)
        return rows[0] if len(rows) == 1 else np.concatenate(rows)


def _mean_logprob(rows: npt.NDArray[np.float32], targets: list[int]) -> float:
    """Mean over rows of the log-softmax of each row at its target token."""
    import numpy as np

    peak = rows.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(rows - peak).sum(axis=1, dtype=np.float64)) + peak[:, 0]
    picked = rows[np.arange(len(targets)), np.asarray(targets)]
    return sum(float(v) for v in picked - log_norm) / len(targets)
