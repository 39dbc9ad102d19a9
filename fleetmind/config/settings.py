"""What can be configured, as pydantic models: one section per concern, every key validated.

The file (`fleetmind.toml`), environment variables (`FLEETMIND_SECTION__KEY`) and
command-line flags all fill these same models; `loading.py` merges them and keeps
where each value came from. Nothing here reads a file or the environment.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = [
    "BudgetSettings",
    "Endpoint",
    "LocalTierSettings",
    "ModelRef",
    "ModelsSettings",
    "OrchestratorSettings",
    "PrivacySettings",
    "RoutingSettings",
    "Settings",
]


def _fraction(value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise ValueError("must be between 0 and 1")
    return value


def _not_negative(value: float) -> float:
    if value < 0:
        raise ValueError("must be 0 or more")
    return value


def _regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"is not a regular expression ({exc})") from None
    return value


def _http_url(value: str) -> str:
    if not re.match(r"https?://[^/\s]+", value):
        raise ValueError("must be an http:// or https:// URL, e.g. http://127.0.0.1:8080/v1")
    return value.rstrip("/")


def _orchestrator_url(value: str) -> str:
    url = value.strip() if "://" in value else "http://" + value.strip()
    if not re.match(r"(https?|wss?)://[^/\s]+", url):
        raise ValueError("must be the orchestrator's address, e.g. http://127.0.0.1:8765")
    return url.rstrip("/")


Fraction = Annotated[float, AfterValidator(_fraction)]
Usd = Annotated[float, AfterValidator(_not_negative)]
Regex = Annotated[str, AfterValidator(_regex)]
HttpUrl = Annotated[str, AfterValidator(_http_url)]
OrchestratorUrl = Annotated[str, AfterValidator(_orchestrator_url)]


class Section(BaseModel):
    """A config table: unknown keys are errors (a typo must not be silently ignored)."""

    model_config = ConfigDict(extra="forbid", validate_default=True)


class Endpoint(Section):
    """A self-hosted OpenAI-compatible server (Ollama, llama_cpp.server, vLLM).

    `private = true` says it runs on hardware the user trusts with private data: it may
    serve private subtasks and secure screens, like the on-device model.
    """

    base_url: HttpUrl = Field(description="The server's OpenAI-compatible base URL, e.g. http://127.0.0.1:11434/v1.")
    model: str = Field(description="The model name the server knows (Ollama: llama3.2; llama_cpp.server: its alias).")
    private: bool = Field(False, description="Runs on the user's own hardware: may see private steps.")
    api_key: SecretStr | None = Field(None, description="Key the server asks for (prefer api_key_env).")
    api_key_env: str | None = Field(None, description="Name of the environment variable holding the key.")
    timeout_s: float = Field(60.0, gt=0, description="Seconds one request may take.")
    max_tokens: int = Field(512, ge=16, description="Most tokens one answer may have.")
    structured_output: Literal["auto", "json_schema", "json_object"] = Field(
        "auto",
        description="How JSON answers are requested: OpenAI's json_schema (Ollama, vLLM), json_object with a"
        " schema (llama_cpp.server), or auto (json_schema, then json_object if the server refuses it).",
    )


class LocalTierSettings(Section):
    """The on-device tier: the in-process GGUF ranker, and optionally a private endpoint."""

    model: str | None = Field(None, description="GGUF name (gemma3-270m) or path to a .gguf file; default gemma3-270m.")
    threads: int | None = Field(None, ge=1, description="CPU threads of the in-process model; default: the cores.")
    endpoint: str | None = Field(
        None, description="A private endpoint (name under models.endpoints) that plans and acts as the local tier."
    )


class ModelRef(BaseModel):
    """A role's model, resolved: a litellm model name, or a named endpoint."""

    name: str
    endpoint: Endpoint | None = None

    @property
    def private(self) -> bool:
        """Whether this model may see private steps (a private endpoint)."""
        return self.endpoint is not None and self.endpoint.private


class ModelsSettings(Section):
    """Models per role. A role names a litellm model (gpt-4o-mini) or an endpoint below."""

    planner: str | None = Field(None, description="Turns requests into task graphs; default: the offline planner.")
    operator: str | None = Field(None, description="The agents' cloud tier (steps the local tier cannot settle).")
    reflector: str | None = Field(None, description="Replans after failures; default: retry on another device.")
    local: LocalTierSettings = Field(default_factory=LocalTierSettings)
    endpoints: dict[str, Endpoint] = Field(default_factory=dict, description="Self-hosted servers by name.")

    @model_validator(mode="after")
    def _endpoints_exist(self) -> ModelsSettings:
        name = self.local.endpoint
        if name is not None:
            if name not in self.endpoints:
                known = ", ".join(self.endpoints) or "none is defined"
                raise ValueError(f"local.endpoint: no endpoint named {name!r} under models.endpoints ({known})")
            if not self.endpoints[name].private:
                raise ValueError(
                    f"local.endpoint: endpoint {name!r} is not marked private = true; only a private endpoint"
                    " may serve the local tier"
                )
        return self

    def ref(self, role: Literal["planner", "operator", "reflector"]) -> ModelRef | None:
        """The model of `role`, with its endpoint when it names one."""
        name = getattr(self, role)
        if name is None:
            return None
        return ModelRef(name=name, endpoint=self.endpoints.get(name))

    def private_endpoint(self) -> tuple[str, Endpoint] | None:
        """The private endpoint the agents use as their local instruction follower, if any:
        `local.endpoint`, else the operator when it names a private endpoint."""
        for name in (self.local.endpoint, self.operator):
            if name is not None and name in self.endpoints and self.endpoints[name].private:
                return name, self.endpoints[name]
        return None


class RoutingSettings(Section):
    """Which tier decides each step (see agents/models/router.py)."""

    policy: Literal["auto", "local-only", "cloud-only"] = "auto"
    confidence_threshold: Fraction = Field(
        0.5, description="A local proposal with a smaller margin goes to the cloud (or the private endpoint)."
    )
    cloud_cost_estimate_usd: Usd = Field(0.002, description="What one cloud step is expected to cost.")
    cloud_retry_after_s: float = Field(60.0, ge=0, description="After the cloud failed, steps stay local this long.")


class BudgetSettings(Section):
    """Limits per subtask and per day."""

    max_steps: int = Field(15, ge=1, description="Steps per subtask.")
    max_cost_usd: Usd = Field(0.05, description="Cloud cost per subtask, USD.")
    daily_cloud_usd: Usd | None = Field(None, description="Cloud cost per day across tasks, USD; none: no cap.")


class PrivacySettings(Section):
    """What stays on the device. The exact gate reads these; today they extend the defaults."""

    sensitive_apps: list[str] = Field(
        default_factory=list, description="More package patterns (fnmatch) whose screens are never captured."
    )
    extra_patterns: list[Regex] = Field(
        default_factory=list, description="More regular expressions that make screen text sensitive."
    )
    allow_patterns: list[Regex] = Field(
        default_factory=list, description="Screen text matching these is never counted as sensitive."
    )
    redact_patterns: list[Regex] = Field(
        default_factory=list,
        description="Text matching these is replaced by a placeholder before a cloud model sees it"
        " (besides card numbers, codes, e-mail addresses and phone numbers, always).",
    )


class SecretsSettings(Section):
    """Where a device host keeps secrets (PINs, passwords) and which app takes which (`fleetmind secrets`)."""

    backend: Literal["auto", "keyring", "file"] = Field(
        "auto",
        description="auto: the OS keyring when there is one, else the encrypted file secrets.json in the data dir.",
    )
    apps: dict[str, str] = Field(
        default_factory=dict,
        description='App -> secret name, e.g. {Bank = "bank-pin"}: what its password field takes when the request '
        "names no secret.",
    )
    offer_save: Literal["named", "always", "never"] = Field(
        "named",
        description="After the user answers a secret question, ask whether to save the answer: named (only when the "
        "request named a secret that is not saved yet), always, or never.",
    )


class OrchestratorSettings(Section):
    """Where `submit` and `device` find the orchestrator, and the token they present."""

    url: OrchestratorUrl | None = Field(None, description="e.g. http://127.0.0.1:8765 (default: that).")
    token: SecretStr | None = Field(None, description="Client and agent token (prefer token_file or the env).")
    token_file: Path | None = Field(None, description="A file holding the token on its first line.")
    heartbeat_s: float = Field(20.0, gt=0, description="serve: seconds between pings; silent twice as long is lost.")
    reconnect_grace_s: float = Field(
        60.0, ge=0, description="serve: seconds a lost device may take to come back before its work moves."
    )

    def resolved_token(self) -> str | None:
        """The token: given directly, else read from `token_file` (ValueError naming the file)."""
        if self.token is not None:
            return self.token.get_secret_value()
        if self.token_file is None:
            return None
        path = self.token_file.expanduser()
        try:
            text = path.read_text()
        except OSError as exc:
            raise ValueError(f"orchestrator.token_file: cannot read {path} ({exc.strerror or exc})") from None
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if not lines:
            raise ValueError(f"orchestrator.token_file: {path} is empty; put the token on its first line")
        return lines[0]

    def agent_url(self) -> str | None:
        """The orchestrator's agent WebSocket endpoint, derived from `url`."""
        if self.url is None:
            return None
        base = re.sub(r"/(agent|api)$", "", self.url)
        return re.sub(r"^http", "ws", base) + "/agent"


class Settings(BaseSettings):
    """The whole configuration. Environment variables: FLEETMIND_<SECTION>__<KEY>."""

    model_config = SettingsConfigDict(
        env_prefix="FLEETMIND_", env_nested_delimiter="__", extra="forbid", validate_default=True
    )

    models: ModelsSettings = Field(default_factory=ModelsSettings)
    routing: RoutingSettings = Field(default_factory=RoutingSettings)
    budget: BudgetSettings = Field(default_factory=BudgetSettings)
    privacy: PrivacySettings = Field(default_factory=PrivacySettings)
    orchestrator: OrchestratorSettings = Field(default_factory=OrchestratorSettings)
    secrets: SecretsSettings = Field(default_factory=SecretsSettings)
    data_dir: Path | None = Field(None, description="Where state is kept; default $XDG_DATA_HOME/fleetmind.")

    def data_path(self) -> Path:
        """The data directory (the daily spend ledger lives there)."""
        import os

        if self.data_dir is not None:
            return self.data_dir.expanduser()
        return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "fleetmind"
