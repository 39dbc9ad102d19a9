"""The model reflector: asked only when the cheap checks cannot tell whether a step helped.

The cheap checks (`steps`) see refusals, unchanged screens, stray apps and loops. What they
cannot see is a step a model chose unsure that led to a screen with nothing of the goal on
it: the right app, perhaps the wrong page. Only then is a model asked "is this screen on the
way to the goal?": the cloud when the router lets this screen go there (redacted like any
cloud step), else the local model scoring " yes" against " no". Its "no" counts only when it
is clear (`LOCAL_MARGIN` for the local model's log-probabilities); anything else is "don't
know", and the agent goes on as it would have.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from ...devices.base import Observation
from ...privacy.redaction import Redactor
from ...privacy.rules import NO_RULES, PrivacyRules
from ...privacy.screen import screen_reason
from ..grounding import Goal, content_words, readable_label
from ..models import ChatModel, ModelError
from ..records import SubtaskSpec

if TYPE_CHECKING:
    from ..models.tiers import Tiers

__all__ = ["LOCAL_MARGIN", "Judgement", "inconclusive", "judge_screen", "off_the_way"]

log = logging.getLogger(__name__)

LOCAL_MARGIN = 1.0
"""How much likelier (mean log-probability per token) the local model's " no" must be to count."""
MAX_LABELS = 40


class OnTrack(BaseModel):
    """A model's answer to "is this screen on the way to the goal?"."""

    on_track: bool = Field(description="True if the screen is on the way to the goal or shows it done.")
    why: str = Field("", description="One short sentence.")


@dataclass(frozen=True)
class Judgement:
    """The reflector's answer: on the way (True), off it (False), or unknown (None), and who said so."""

    on_track: bool | None
    why: str
    tokens: int = 0


def inconclusive(goal: Goal, obs: Observation, *, unsure_step: bool) -> bool:
    """Whether the cheap checks cannot vouch for the last step: a model chose it unsure, and the
    screen it led to shows none of the goal's words."""
    if not unsure_step or not goal.words:
        return False
    shown: set[str] = set()
    for el in obs.elements:
        shown |= content_words(f"{readable_label(el)} {el.text}")
    shown |= content_words(obs.foreground_app)
    return not (goal.words & shown)


def _screen_text(obs: Observation) -> str:
    labels = [readable_label(e) for e in obs.elements if readable_label(e)][:MAX_LABELS]
    return f"{obs.foreground_app or 'home screen'}: " + "; ".join(dict.fromkeys(labels))


async def judge_screen(
    goal: Goal,
    obs: Observation,
    *,
    local: ChatModel | None,
    cloud: ChatModel | None,
    private: bool,
    rules: PrivacyRules = NO_RULES,
) -> Judgement:
    """Ask the strongest model this screen may reach whether it is on the way to `goal`."""
    cloud_may = cloud is not None and not private and not obs.secure and screen_reason(obs, rules) is None
    if cloud_may:
        assert cloud is not None
        redactor = Redactor(rules)
        prompt = (
            f"Goal: {redactor.redact(goal.text, 'goal')}\nScreen now: {redactor.redact(_screen_text(obs), 'screen')}\n"
            "Is this screen on the way to the goal (or does it show the goal done)?"
        )
        try:
            answer = await cloud.complete([{"role": "user", "content": prompt}], schema=OnTrack, max_tokens=120)
            parsed = answer.parsed if isinstance(answer.parsed, OnTrack) else OnTrack.model_validate_json(answer.text)
            why = parsed.why or ("on the way" if parsed.on_track else "off the way")
            return Judgement(parsed.on_track, f"{cloud.name}: {why}", answer.tokens_in + answer.tokens_out)
        except (ModelError, ValueError) as exc:
            log.info("cloud reflector failed, asking the local model: %s", exc)
    if local is None or not local.can_rank:
        return Judgement(None, "no model to ask")
    prompt = (
        f"Task: {goal.text}\nScreen: {_screen_text(obs)}\n"
        "Question: Is this screen a step toward finishing the task? Answer yes or no.\nAnswer:"
    )
    try:
        ranking = await local.rank(prompt, [" yes", " no"])
    except ModelError as exc:
        return Judgement(None, f"local reflector failed: {exc}")
    yes, no = ranking.scores
    if no - yes >= LOCAL_MARGIN:
        return Judgement(False, f"{local.name} judged this screen off the way ({no - yes:.2f})", ranking.tokens)
    return Judgement(None if no > yes else True, f"{local.name}: not clearly off the way", ranking.tokens)


async def off_the_way(goal: Goal, obs: Observation, tiers: Tiers, spec: SubtaskSpec) -> str | None:
    """After an unsure step: why the model reflector thinks this screen is off the goal's way, or
    None (the cheap checks can vouch for it, no model is sure, or none may see the screen)."""
    if not inconclusive(goal, obs, unsure_step=True):
        return None
    judged = await judge_screen(
        goal,
        obs,
        local=tiers.local,
        cloud=tiers.cloud if tiers.cloud_reachable() and spec.tier_policy != "local-only" else None,
        private=spec.privacy == "private",
        rules=tiers.privacy,
    )
    log.info("model reflector on %s: %s", obs.foreground_app or "home", judged.why)
    if judged.on_track is not False:
        return None
    return f"the reflector judged this screen off the way to the goal ({judged.why})"
