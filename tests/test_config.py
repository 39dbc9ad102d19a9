"""Configuration: file < FLEETMIND_* environment < flags, errors that name the source and the key,
`fleetmind config show` with provenance and masked secrets, and what the settings build."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fleetmind.cli import app
from fleetmind.config import ConfigError, load_config
from fleetmind.config.runtime import FallbackPlanner, agent_factory, build_models, sensitive_apps
from fleetmind.devices.virtual import VirtualPhone

runner = CliRunner()

GOOD = """
[models]
planner = "home"
operator = "gpt-4o-mini"

[models.local]
threads = 2
endpoint = "home"

[models.endpoints.home]
base_url = "http://127.0.0.1:11434/v1"
model = "llama3.2"
private = true

[routing]
confidence_threshold = 0.7

[budget]
max_steps = 20
daily_cloud_usd = 1.0

[privacy]
sensitive_apps = ["com.example.bank*"]
extra_patterns = ["project falcon"]

[orchestrator]
url = "http://10.0.0.2:8765"
token = "s3cret-token"
"""


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No stray fleetmind.toml or FLEETMIND_* variable from the machine running the tests."""
    import os

    for name in list(os.environ):
        if name.startswith("FLEETMIND_") and name != "FLEETMIND_DATA_DIR":
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_errors_name_the_file_and_the_key(tmp_path: Path) -> None:
    _write(tmp_path / "fleetmind.toml", "[routing]\nconfidence_threshold = 1.5\n")
    with pytest.raises(ConfigError) as bad:
        load_config()
    assert str(bad.value) == "fleetmind.toml: routing.confidence_threshold: must be between 0 and 1"

    _write(tmp_path / "fleetmind.toml", "[routing]\nconfidense_threshold = 0.5\n")
    with pytest.raises(ConfigError, match=r"^fleetmind.toml: routing.confidense_threshold: unknown key; known keys"):
        load_config()

    _write(tmp_path / "fleetmind.toml", "[models.local]\nendpoint = 'home'\n")
    with pytest.raises(ConfigError, match=r"fleetmind.toml: models.local.endpoint: no endpoint named 'home'"):
        load_config()

    _write(tmp_path / "fleetmind.toml", "[routing\npolicy = 'auto'\n")
    with pytest.raises(ConfigError, match=r"^fleetmind.toml: not valid TOML"):
        load_config()

    other = _write(tmp_path / "elsewhere" / "fm.toml", "[budget]\nmax_steps = 0\n")
    with pytest.raises(ConfigError, match=r"fm.toml: budget.max_steps: must be greater than or equal to 1"):
        load_config(other)
    with pytest.raises(ConfigError, match=r"^--config nope.toml: no such file"):
        load_config("nope.toml")


def test_errors_from_the_environment_and_flags_name_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLEETMIND_ROUTING__POLICY", "sometimes")
    with pytest.raises(ConfigError, match=r"^env FLEETMIND_ROUTING__POLICY: routing.policy: must be 'auto'"):
        load_config()
    monkeypatch.delenv("FLEETMIND_ROUTING__POLICY")
    with pytest.raises(ConfigError, match=r"^flag --max-cost: budget.max_cost_usd: must be 0 or more"):
        load_config(flags={"budget.max_cost_usd": ("--max-cost", -1)})


def test_precedence_is_file_then_environment_then_flags(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path / "xdg" / "fleetmind" / "fleetmind.toml", "[budget]\nmax_steps = 11\nmax_cost_usd = 0.5\n")
    home = load_config()
    assert home.settings.budget.max_steps == 11 and home.file is not None and home.file.parent.name == "fleetmind"

    here = "[budget]\nmax_steps = 12\nmax_cost_usd = 0.25\n[routing]\npolicy = 'local-only'\n"
    _write(tmp_path / "fleetmind.toml", here)
    monkeypatch.setenv("FLEETMIND_BUDGET__MAX_STEPS", "13")
    monkeypatch.setenv("FLEETMIND_ROUTING__POLICY", "cloud-only")
    loaded = load_config(flags={"routing.policy": ("--policy", "auto"), "budget.max_cost_usd": ("--max-cost", None)})
    s = loaded.settings
    assert (s.budget.max_steps, s.budget.max_cost_usd, s.routing.policy) == (13, 0.25, "auto")
    assert str(loaded.source_of("budget.max_cost_usd")) == "fleetmind.toml"  # the working directory's file wins
    assert str(loaded.source_of("budget.max_steps")) == "env FLEETMIND_BUDGET__MAX_STEPS"
    assert str(loaded.source_of("routing.policy")) == "flag --policy"
    assert str(loaded.source_of("routing.confidence_threshold")) == "default"


def test_token_from_a_file_and_the_agent_url(tmp_path: Path) -> None:
    _write(tmp_path / "token", "\n  tok-123  \n")
    token_file = tmp_path / "token"
    _write(tmp_path / "fleetmind.toml", f"[orchestrator]\nurl = '127.0.0.1:9000'\ntoken_file = '{token_file}'")
    orch = load_config().settings.orchestrator
    assert orch.resolved_token() == "tok-123" and orch.agent_url() == "ws://127.0.0.1:9000/agent"
    _write(tmp_path / "token", "")
    with pytest.raises(ValueError, match="orchestrator.token_file: .* is empty"):
        orch.resolved_token()


def test_config_show_prints_each_value_with_its_source_and_masks_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(tmp_path / "fleetmind.toml", GOOD)
    monkeypatch.setenv("FLEETMIND_BUDGET__MAX_COST_USD", "0.2")
    result = runner.invoke(app, ["config", "show", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    rows = {r["key"]: (r["value"], r["source"]) for r in body["settings"]}
    assert rows["routing.confidence_threshold"] == ("0.7", "fleetmind.toml")
    assert rows["budget.max_cost_usd"] == ("0.2", "env FLEETMIND_BUDGET__MAX_COST_USD")
    assert rows["budget.max_steps"] == ("20", "fleetmind.toml")
    assert rows["routing.policy"] == ("auto", "default")
    assert rows["models.endpoints.home.private"] == ("True", "fleetmind.toml")
    assert rows["orchestrator.token"] == ("********", "fleetmind.toml")
    assert "s3cret-token" not in result.output

    table = runner.invoke(app, ["config", "show"])
    assert table.exit_code == 0 and "configuration file:" in table.stdout and "s3cret-token" not in table.stdout

    _write(tmp_path / "fleetmind.toml", "[budget]\ndaily_cloud_usd = -1\n")
    bad = runner.invoke(app, ["config", "show"])
    assert bad.exit_code == 2 and "fleetmind.toml: budget.daily_cloud_usd: must be 0 or more" in bad.output


def test_run_reports_a_bad_config_file_with_exit_code_2(tmp_path: Path) -> None:
    path = _write(tmp_path / "bad.toml", "[routing]\nconfidence_threshold = 2\n")
    result = runner.invoke(app, ["run", "--config", str(path), "Turn on Wi-Fi"])
    assert result.exit_code == 2 and "routing.confidence_threshold: must be between 0 and 1" in result.output


def test_the_settings_build_the_models_and_agents(tmp_path: Path) -> None:
    _write(tmp_path / "fleetmind.toml", GOOD)
    settings = load_config().settings
    models = build_models(settings)
    assert models.private is not None and models.private.tier == "local" and models.private.name == "home (llama3.2)"
    assert models.operator is not None and models.operator.tier == "cloud" and models.operator.name == "gpt-4o-mini"
    assert models.planner is models.private  # planning on the private endpoint
    assert models.spend is not None and models.spend.cap_usd == 1.0
    assert isinstance(FallbackPlanner(models.planner), FallbackPlanner)
    agent = agent_factory(settings, models, None)(VirtualPhone())
    tiers = agent.tiers
    assert tiers.private is models.private and tiers.spend is models.spend and tiers.confidence_threshold == 0.7
    assert tiers.privacy.extra_match("Project Falcon") == "project falcon"
    assert "com.example.bank*" in sensitive_apps(settings)
