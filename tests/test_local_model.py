"""The local tier against the real shipped model (Gemma 3 270M base, via llama-cpp-python)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import pytest
from pydantic import BaseModel

pytest.importorskip("llama_cpp", reason="the local tier (llama-cpp-python) is not installed")

from fleetmind.local_models import (  # noqa: E402 - after the importorskip on purpose
    DEFAULT_MODEL,
    LlamaModel,
    LocalModelError,
    LocalModelUnavailable,
    available,
    known_models,
    resolve_model,
)
from fleetmind.local_models.threads import threads_for  # noqa: E402

pytestmark = pytest.mark.model

# Cases the 270M base model gets right by a clear margin (checked by running it).
EASY_CASES = [
    ("The capital of France is", [" Paris", " banana", " seventeen"], 0),
    ("Monday, Tuesday, Wednesday,", [" Sunday", " Thursday", " purple"], 1),
    ("One, two, three, four,", [" nine", " apple", " five"], 2),
]

SCREEN = (
    "The screen shows the Settings app.\n"
    "Visible elements:\n"
    "1. Network and internet\n"
    "2. Battery\n"
    "3. Display\n"
    "4. Sound\n"
    "Goal: make the screen brighter.\n"
    "The element to tap is:"
)
SCREEN_CANDIDATES = [" 1. Network and internet", " 2. Battery", " 3. Display", " 4. Sound"]


@pytest.fixture(scope="module")
def model() -> Iterator[LlamaModel]:
    llm = LlamaModel()
    llm.load()
    yield llm
    llm.close()


@pytest.mark.parametrize(("prompt", "candidates", "expected"), EASY_CASES)
async def test_obvious_continuation_scores_best(
    model: LlamaModel, prompt: str, candidates: list[str], expected: int
) -> None:
    result = await model.score(prompt, candidates)
    assert len(result.scores) == len(candidates)
    best = max(range(len(candidates)), key=result.scores.__getitem__)
    assert best == expected, dict(zip(candidates, result.scores, strict=True))
    assert all(s < 0 for s in result.scores)
    assert result.tokens > len(candidates)
    assert result.latency_ms > 0


async def test_scores_are_deterministic_whatever_was_cached_before(model: LlamaModel) -> None:
    model.reset()
    fresh = await model.score(SCREEN, SCREEN_CANDIDATES)
    again = await model.score(SCREEN, SCREEN_CANDIDATES)  # prompt cached
    await model.score(SCREEN.replace("brighter", "quieter"), SCREEN_CANDIDATES)
    after_other = await model.score(SCREEN, SCREEN_CANDIDATES)  # shared prefix cached
    await model.score("The capital of France is", [" Paris"])
    after_unrelated = await model.score(SCREEN, SCREEN_CANDIDATES)
    # Bit-identical, not merely close: the prompt is always evaluated in the same blocks.
    assert fresh.scores == again.scores == after_other.scores == after_unrelated.scores
    assert again.evaluated < fresh.evaluated


SCREENS = [
    (SCREEN, SCREEN_CANDIDATES),
    (
        "The screen shows the Clock app.\nVisible elements:\n1. Alarm\n2. Timer\n3. Add alarm\n"
        "Goal: wake me up at 6 am.\nThe element to tap is:",
        [" 1. Alarm", " 2. Timer", " 3. Add alarm"],
    ),
]


def _order(scores: list[float]) -> list[int]:
    return sorted(range(len(scores)), key=scores.__getitem__, reverse=True)


@pytest.mark.parametrize(("prompt", "candidates"), SCREENS)
def test_batched_and_reused_scores_equal_naive_reevaluation(
    model: LlamaModel, prompt: str, candidates: list[str]
) -> None:
    naive = model.score_blocking(prompt, candidates, reuse_prefix=False)
    model.reset()
    batched = model._score(prompt, candidates, "batched")
    model.reset()
    sequential = model._score(prompt, candidates, "reuse")
    warm = model._score(prompt, candidates, "batched")
    for scored in (batched, sequential, warm):
        assert scored.scores == pytest.approx(naive.scores, abs=1e-4)
        assert _order(scored.scores) == _order(naive.scores)
    # Reuse runs the prompt once (or not at all when cached), naive once per candidate;
    # the batch runs the candidates' shared first tokens once for all of them.
    assert warm.evaluated < batched.evaluated < sequential.evaluated < naive.evaluated


def test_many_long_candidates_span_several_decodes_and_still_equal_naive(model: LlamaModel) -> None:
    labels = [f"{n} open the {app} app and look at the settings for it" for n, app in
              enumerate(["Camera", "Clock", "Maps", "Notes", "Files"], 1)]
    prompt = "Home screen shortcuts:\n" + "\n".join(labels) + "\nGoal: take a photo.\nI choose shortcut"
    candidates = [" " + label for label in labels]  # about 60 distinct tokens: two decodes
    naive = model.score_blocking(prompt, candidates, reuse_prefix=False)
    model.reset()
    batched = model._score(prompt, candidates, "batched")
    assert batched.evaluated - model.count_tokens(prompt, prompt=True) > 48
    assert batched.scores == pytest.approx(naive.scores, abs=1e-4)


def test_several_questions_in_one_batch_score_as_each_alone(model: LlamaModel) -> None:
    # The noisy-channel ranking's shape: one prompt per action, the goal as continuation.
    actions = ["open Clock", "open Settings", "tap Add alarm", "go back"]
    prompts = [f"On my phone's home screen, I {a} so that I can" for a in actions]
    goals = [" set an alarm for 6 am"] * len(actions)
    model.reset()
    together = model.score_each_blocking(prompts, goals)
    alone = [model.score_blocking(p, goals[:1], reuse_prefix=False).scores[0] for p in prompts]
    assert together.scores == pytest.approx(alone, abs=1e-4)
    assert _order(together.scores) == _order(alone)
    assert together.scores[0] > together.scores[3]  # the clock, not going back
    with pytest.raises(LocalModelError, match="one prompt each"):
        model.score_each_blocking(prompts, goals[:2])


def test_thread_count_changes_speed_not_scores(model: LlamaModel) -> None:
    threads, adapt = model.n_threads, model.adapt_threads
    model.adapt_threads = False
    try:
        model.n_threads = 1
        model.reset()
        one = model.score_blocking(SCREEN, SCREEN_CANDIDATES)
        model.n_threads = 2
        model.reset()
        two = model.score_blocking(SCREEN, SCREEN_CANDIDATES)
    finally:
        model.n_threads, model.adapt_threads = threads, adapt
    assert (one.threads, two.threads) == (1, 2)
    assert one.scores == two.scores


def test_other_processes_on_the_cores_mean_fewer_threads() -> None:
    assert threads_for(2, cores=2, others_busy=0.1) == 2
    assert threads_for(2, cores=2, others_busy=0.6) == 1  # a spinning barrier would wait on the busy core
    assert threads_for(2, cores=2, others_busy=5.0) == 1
    assert threads_for(4, cores=4, others_busy=1.0) == 3


async def test_cached_prefix_survives_a_changed_suffix(model: LlamaModel) -> None:
    await model.score(SCREEN, SCREEN_CANDIDATES)
    changed = SCREEN.replace("brighter", "quieter")
    reused = await model.score(changed, SCREEN_CANDIDATES)
    naive = await model.score(changed, SCREEN_CANDIDATES, reuse_prefix=False)
    assert reused.scores == pytest.approx(naive.scores, abs=1e-4)
    assert reused.evaluated < naive.evaluated


async def test_empty_candidate_is_refused(model: LlamaModel) -> None:
    with pytest.raises(LocalModelError, match="candidate 1"):
        await model.score("The capital of France is", [" Paris", ""])


class Action(BaseModel):
    kind: Literal["tap", "back"]


async def test_generate_with_json_schema_returns_valid_json(model: LlamaModel) -> None:
    schema = {"type": "object", "properties": {"kind": {"enum": ["tap", "back"]}}, "required": ["kind"]}
    result = await model.generate(SCREEN + "\nAction as JSON: ", json_schema=schema, max_tokens=32)
    data = json.loads(result.text)
    assert data["kind"] in ("tap", "back")
    assert Action.model_validate(data)
    assert result.tokens_in > 0 and 0 < result.tokens_out <= 32


async def test_generate_after_scoring_still_matches_fresh_generate(model: LlamaModel) -> None:
    # Scoring leaves the prompt cached; generation must not read stale logits from it.
    prompt = "The capital of France is"
    await model.score(prompt, [" Paris"])
    after_score = await model.generate(prompt, max_tokens=4)
    model.reset()
    fresh = await model.generate(prompt, max_tokens=4)
    assert after_score.text == fresh.text


def test_resolve_missing_path_names_it(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.gguf"
    with pytest.raises(LocalModelUnavailable, match="nowhere.gguf") as info:
        resolve_model(str(missing))
    assert DEFAULT_MODEL in str(info.value)


def test_resolve_unknown_name_lists_known_models() -> None:
    with pytest.raises(LocalModelUnavailable, match=DEFAULT_MODEL):
        resolve_model("no-such-model")


def test_resolve_default_is_an_existing_gguf() -> None:
    path = resolve_model(None)
    assert path.suffix == ".gguf" and path.is_file()
    assert resolve_model(DEFAULT_MODEL) == path
    assert DEFAULT_MODEL in known_models()
    assert available()
