"""From settings to running parts: the models each role names, the planners, the agents.

The CLI and the embedded fleet build what a configuration describes here, so
`fleetmind run`, `serve` and `device` configured by one file behave alike.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..agents.loop import GuiAgent
from ..agents.memory import AppCards, ExplorationMemory
from ..agents.models import ChatModel, ModelError
from ..agents.models.cloud import LiteLLMModel
from ..agents.models.router import PrivacyRules
from ..agents.models.spend import DailySpend, MeteredModel
from ..agents.skills import SkillStore
from ..devices.base import Device
from ..orchestrator.graph import GraphPatch
from ..orchestrator.planning import ClausePlanner, ModelPlanner, ModelReplanner, Planner, Replanner, RetryReplanner
from ..protocol.messages import DeviceProfile
from .settings import Endpoint, ModelRef, Settings

__all__ = ["FallbackPlanner", "Models", "agent_factory", "build_models", "endpoint_model", "sensitive_apps"]

log = logging.getLogger(__name__)

SPEND_FILE = "spend.sqlite"


def endpoint_model(name: str, endpoint: Endpoint) -> LiteLLMModel:
    """A self-hosted OpenAI-compatible server as a chat model (litellm's openai/ provider)."""
    key = endpoint.api_key.get_secret_value() if endpoint.api_key else None
    if key is None and endpoint.api_key_env:
        key = os.environ.get(endpoint.api_key_env)
    model = LiteLLMModel(
        f"openai/{endpoint.model}",
        api_base=endpoint.base_url,
        api_key=key or "none",  # the openai client insists on a key; local servers ignore it
        timeout_s=endpoint.timeout_s,
        tier="local" if endpoint.private else "cloud",
        max_tokens=endpoint.max_tokens,
        structured=endpoint.structured_output,
        unreachable_hint=f"is the server running? start it, or fix models.endpoints.{name}.base_url",
        name=f"{name} ({endpoint.model})",
        max_retries=0,  # a busy or stopped home server is not asked again: the step falls back at once
    )
    return model


@dataclass
class Models:
    """The models a configuration names, built (None where a role has none)."""

    operator: ChatModel | None = None
    """The agents' cloud tier."""
    private: ChatModel | None = None
    """The private endpoint the agents may use for private steps."""
    planner: ChatModel | None = None
    reflector: ChatModel | None = None
    spend: DailySpend | None = None
    """The day's cloud spend, shared by every cloud model here."""


def build_models(settings: Settings, *, spend: DailySpend | None = None) -> Models:
    """The models of every role. Cloud models record their cost in the day's ledger (in the data
    directory) and refuse calls once `budget.daily_cloud_usd` is spent."""
    cfg = settings.models
    refs = {role: cfg.ref(role) for role in ("planner", "operator", "reflector")}
    if spend is None and any(r is not None and not r.private for r in refs.values()):
        spend = DailySpend(settings.data_path() / SPEND_FILE, settings.budget.daily_cloud_usd)
    built: dict[str, ChatModel] = {}

    def model(ref: ModelRef | None) -> ChatModel | None:
        if ref is None:
            return None
        if ref.name not in built:
            if ref.endpoint is not None:
                inner: ChatModel = endpoint_model(ref.name, ref.endpoint)
            else:
                inner = LiteLLMModel(ref.name, mock_response=os.environ.get("FLEETMIND_MOCK_RESPONSE"))
            built[ref.name] = inner if ref.private or spend is None else MeteredModel(inner, spend)
        return built[ref.name]

    private = cfg.private_endpoint()
    operator = refs["operator"]
    return Models(
        operator=model(operator) if operator is not None and not operator.private else None,
        private=model(ModelRef(name=private[0], endpoint=private[1])) if private else None,
        planner=model(refs["planner"]),
        reflector=model(refs["reflector"]),
        spend=spend,
    )


class FallbackPlanner:
    """A model planner that falls back to the offline planner when its model cannot answer
    (unreachable, or the day's cloud budget is spent); invalid plans still fail as before."""

    def __init__(self, model: ChatModel) -> None:
        self.model = model
        self.primary = ModelPlanner(model)
        self.fallback = ClausePlanner()

    async def plan(self, request: str, devices: Sequence[DeviceProfile]) -> GraphPatch:
        """The model's plan, or the offline one if the model is unavailable."""
        try:
            return await self.primary.plan(request, devices)
        except ModelError as exc:
            log.warning("planning model %s unavailable (%s); planning offline", self.model.name, exc)
            return await self.fallback.plan(request, devices)


def planner_for(models: Models) -> Planner:
    """The planner the configuration names (the offline one without a planning model)."""
    return FallbackPlanner(models.planner) if models.planner is not None else ClausePlanner()


def replanner_for(models: Models) -> Replanner:
    """The replanner: the reflector model's, else retrying on another device."""
    return ModelReplanner(models.reflector) if models.reflector is not None else RetryReplanner()


def privacy_rules(settings: Settings) -> PrivacyRules:
    """The configured privacy rules, for the router's gate and the cloud prompt's redaction."""
    p = settings.privacy
    return PrivacyRules(tuple(p.extra_patterns), tuple(p.allow_patterns), sensitive_apps(settings),
                        tuple(p.redact_patterns))


def sensitive_apps(settings: Settings) -> tuple[str, ...]:
    """The default sensitive-app patterns plus the configured ones (AndroidDevice's list)."""
    from ..devices.android.apps import DEFAULT_SENSITIVE_APPS

    return (*DEFAULT_SENSITIVE_APPS, *settings.privacy.sensitive_apps)


def agent_factory(settings: Settings, models: Models, local: ChatModel | None) -> Callable[[Device], GuiAgent]:
    """Builds each device's GUI agent with the configured tiers, thresholds and privacy rules."""
    routing = settings.routing
    rules = privacy_rules(settings)
    data = settings.data_path()  # skills learned from verified runs, exploration memory, app cards
    skills, memory = SkillStore(data / "skills"), ExplorationMemory(data / "memory", AppCards(data / "cards"))

    def make(device: Device) -> GuiAgent:
        agent = GuiAgent(
            device,
            local=local,
            cloud=models.operator,
            confidence_threshold=routing.confidence_threshold,
            skills=skills,
            memory=memory,
        )
        tiers = agent.tiers
        tiers.private, tiers.spend, tiers.privacy = models.private, models.spend, rules
        tiers.est_cloud_cost_usd = routing.cloud_cost_estimate_usd
        tiers.retry_after_s = routing.cloud_retry_after_s
        return agent

    return make
