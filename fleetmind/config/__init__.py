"""fleetmind's configuration: one file, the environment and flags, validated, with provenance.

    from fleetmind.config import load_config
    loaded = load_config("fleetmind.toml", flags={"routing.policy": ("--policy", "local-only")})
    loaded.settings.routing.confidence_threshold, loaded.source_of("routing.policy")

Precedence, lowest first: defaults, the file (--config PATH, $FLEETMIND_CONFIG,
./fleetmind.toml, $XDG_CONFIG_HOME/fleetmind/fleetmind.toml), FLEETMIND_* variables
(nested with "__": FLEETMIND_ROUTING__CONFIDENCE_THRESHOLD=0.7), command-line flags.
"""

from .loading import CONFIG_NAME, ConfigError, LoadedConfig, Source, find_config_file, load_config
from .settings import (
    BudgetSettings,
    Endpoint,
    LocalTierSettings,
    ModelRef,
    ModelsSettings,
    OrchestratorSettings,
    PrivacySettings,
    RoutingSettings,
    Settings,
)

__all__ = [
    "CONFIG_NAME",
    "BudgetSettings",
    "ConfigError",
    "Endpoint",
    "LoadedConfig",
    "LocalTierSettings",
    "ModelRef",
    "ModelsSettings",
    "OrchestratorSettings",
    "PrivacySettings",
    "RoutingSettings",
    "Settings",
    "Source",
    "find_config_file",
    "load_config",
]
